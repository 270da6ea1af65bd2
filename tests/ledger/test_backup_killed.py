"""A backup killed half-way (SIGKILL) leaves no file at its path (audit 2026-12-07, D2: it left an empty ledger that
restored as "0 audit records verified" and blocked the next backup); the next backup removes its temporary files
and succeeds; a restore refuses a file that is not a complete backup."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import chipclear
from chipclear.ledger.db import make_engine, upgrade

from .test_cli import cli_env, invoke  # noqa: F401 - cli_env is a fixture

SRC = Path(chipclear.__file__).resolve().parents[1]  # the sources under test, for the subprocess


def _start_backup(path: Path, key: str, pause: float) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "CHIPCLEAR_API_KEY": key,
        "CHIPCLEAR_TEST_BACKUP_PAUSE": str(pause),
        "PYTHONPATH": f"{SRC}{os.pathsep}{os.environ.get('PYTHONPATH', '')}",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "chipclear", "db", "backup", str(path)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def test_a_killed_backup_leaves_nothing_at_its_path(
    cli_env: dict[str, str],  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    folder = tmp_path / "bk"
    folder.mkdir()
    path = folder / "k.db"
    proc = _start_backup(path, cli_env["admin"], pause=120)
    deadline = time.monotonic() + 60
    while not any(p.name.startswith(("k.db", ".k.db.")) for p in folder.iterdir()):  # the backup has begun writing
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the backup wrote nothing within 60 s"
        time.sleep(0.05)
    time.sleep(0.5)  # into the copy or the pause after it
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert not path.exists(), sorted(p.name for p in folder.iterdir())
    assert any(p.name.startswith(f".k.db.{proc.pid}.tmp") for p in folder.iterdir())  # what SIGKILL leaves
    # the next run removes the dead run's files and writes the backup
    code, out = invoke(["db", "backup", str(path)], cli_env["admin"])
    assert code == 0 and "4 audit records verified" in out, out
    assert sorted(p.name for p in folder.iterdir()) == ["k.db"]  # self-contained: no -wal, no temporary file
    monkeypatch.setenv("CHIPCLEAR_DATABASE_URL", f"sqlite:///{tmp_path / 'restored' / 'ledger.db'}")
    code, out = invoke(["db", "restore", str(path)], "")
    assert code == 0 and "4 audit records verified" in out, out


def test_restore_refuses_a_file_that_is_not_a_complete_backup(
    cli_env: dict[str, str],  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    partial = tmp_path / "partial.db"  # what the killed backup used to leave: the schema, no rows
    engine = make_engine(f"sqlite:///{partial}")
    upgrade(engine)
    engine.dispose()
    monkeypatch.setenv("CHIPCLEAR_DATABASE_URL", f"sqlite:///{tmp_path / 'empty' / 'ledger.db'}")
    code, out = invoke(["db", "restore", str(partial)], "")
    assert code == 2 and "not a complete chipclear backup" in out and "not restored" in out, out
