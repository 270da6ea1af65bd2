"""Bad options and arguments are one line and exit code 2 at every command (a hostile-input audit of 2026-12-06
found click's five-line usage box for a bad number or an unreadable file, and tracebacks for an argument that is
not UTF-8 text or an id past the database's integers)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

CLI = [sys.executable, "-m", "chipclear"]


def _run(args: list[str | bytes], tmp_path: Path) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "CHIPCLEAR_DATA_DIR": str(tmp_path), "CHIPCLEAR_DATABASE_URL": f"sqlite:///{tmp_path}/l.db"}
    return subprocess.run([*CLI, *args], capture_output=True, env=env, timeout=120, check=False)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["check", "--item", "H20", "--to", "CN", "--quantity", "abc"], "--quantity: Input should be a valid integer"),
        (["check", "--bogus"], "No such option: --bogus"),
        (["check", "--item", "H20"], "Missing option '--to'."),  # not reworded as a bad value of --to
        (["hold", "release", str(2**63), "--reason", "x"], "LINE_ID: Input should be less than or equal to"),
        (
            [
                "license",
                "grant",
                str(2**70),
                "--number",
                "D1",
                "--valid-from",
                "2025-01-01",
                "--valid-to",
                "2026-01-01",
            ],
            "APPLICATION_ID: Input should be less than or equal to",
        ),
        ([b"screen", b"a\xff"], "argument NAME is not valid UTF-8 text"),
        ([b"hold", b"release", b"2", b"--reason", b"a\xff"], "--reason is not valid UTF-8 text"),
        # the option a word is the value of is named (an audit of 2026-12-07 found "argument 7")
        ([b"check", b"--item", b"H100", b"--to", b"DE", b"--end-user", b"\xff\xfe"], "--end-user is not valid UTF-8"),
        ([b"check", b"--item", b"H100", b"--to", b"DE", b"--end-user=\xff"], "--end-user is not valid UTF-8 text"),
        ([b"check", b"--json", b"\xff"], "argument 3 is not valid UTF-8 text"),
    ],
)
def test_a_bad_argument_is_one_line_and_exit_2(tmp_path: Path, args: list[str | bytes], message: str) -> None:
    done = _run(args, tmp_path)
    err = done.stderr.decode("utf-8", errors="replace")
    assert done.returncode == 2, err
    assert err.startswith("chipclear: error: ") and message in err, err
    assert len(err.strip().splitlines()) == 1, err
    assert done.stdout == b""


def test_no_arguments_still_print_the_help(tmp_path: Path) -> None:
    done = _run([], tmp_path)
    text = (done.stdout + done.stderr).decode()
    assert "Usage: " in text and "COMMAND" in text and "check" in text


def test_a_huge_value_is_not_echoed_whole(tmp_path: Path) -> None:
    done = _run(["check", "--item", "H20", "--to", "CN", "--date", "9" * 100_000], tmp_path)
    err = done.stderr.decode()
    assert done.returncode == 2 and err.startswith("chipclear: error: --date: ")
    assert len(err) < 2000 and "characters cut" in err and "is not a date" in err, err[-400:]
