"""Storage failures (audit 2026-12-07, D3): a full disk or a read-only folder is one line and exit 3, never a
traceback with exit 1 (what `ship` exits with when it holds a line); `audit verify` of a ledger in a read-only
folder checks it instead of reporting "FAILED: database cannot be read"; a batch whose output disk is full writes
no output, keeps its checkpoint and exits 3."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event
from typer.testing import CliRunner

from chipclear.cli import app
from chipclear.cli._common import STORAGE_EXIT

from .test_audit_proof import SHIP
from .test_cli import _grant, cli_env, counts, invoke  # noqa: F401 - cli_env is a fixture


def _full(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.execute("PRAGMA max_page_count = 1")  # clamped to the pages in use: the file cannot grow


def test_a_full_ledger_disk_is_one_line_and_exit_3(cli_env: dict[str, str], tmp_path: Path) -> None:  # noqa: F811
    _grant(cli_env)
    before = counts(tmp_path)
    event.listen(Engine, "connect", _full)
    try:
        code, out = invoke([*SHIP, "--quantity", "900"] * 1, cli_env["analyst"])
        for _ in range(20):  # until a write needs a new page
            if code != 0 and code != 1:
                break
            code, out = invoke(SHIP, cli_env["analyst"])
    finally:
        event.remove(Engine, "connect", _full)
    assert code == STORAGE_EXIT, out
    assert out.startswith("chipclear: storage error: database or disk is full; nothing was recorded"), out
    assert "Traceback" not in out and out.count("\n") == 1
    code, out = invoke(["audit", "verify"], cli_env["viewer"])
    assert code == 0, out  # what was committed before is intact
    assert counts(tmp_path)[0] >= before[0]


@pytest.fixture
def mount_point(tmp_path: Path) -> Iterator[Path]:
    point = tmp_path / "mnt"
    point.mkdir()
    yield point
    subprocess.run(["umount", str(point)], capture_output=True)


def _mount(*args: str) -> None:
    done = subprocess.run(["mount", *args], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount here ({done.stderr.strip()})")


def test_verify_of_a_ledger_in_a_read_only_folder(
    cli_env: dict[str, str],  # noqa: F811
    tmp_path: Path,
    mount_point: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _mount("--bind", str(tmp_path), str(mount_point))
    _mount("-o", "remount,ro,bind", str(mount_point))
    monkeypatch.setenv("CHIPCLEAR_DATABASE_URL", f"sqlite:///{mount_point / 'ledger.db'}")
    code, out = invoke(["audit", "verify"], cli_env["viewer"])
    assert code == 0 and "audit log OK: 4 records, chain and tables intact" in out, out
    code, out = invoke(["user", "add", "bob", "--role", "viewer"], cli_env["admin"])
    assert code == STORAGE_EXIT and "storage error: " in out and "nothing was recorded" in out, out


def test_a_batch_whose_output_disk_is_full(tmp_path: Path, mount_point: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHIPCLEAR_LISTS_DIR", str(tmp_path / "lists"))
    orders = tmp_path / "orders.jsonl"
    line = '{"item": "H20", "quantity": 3, "destination": "CN", "ship_date": "2025-12-07", "order_id": "%s"}\n'
    orders.write_text("".join(line % os.urandom(24).hex() for _ in range(20000)))  # an output that cannot shrink
    _mount("-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mount_point))
    out = mount_point / "dec.parquet"
    runner = CliRunner()
    result = runner.invoke(app, ["batch", str(orders), "--out", str(out), "-q", "--no-screening"])
    # the checkpoint fills the disk or the output does: either way one line, exit 3, no output
    assert result.exit_code == STORAGE_EXIT, (result.output, result.exception)
    assert result.output.startswith("chipclear: storage error: No space left on device"), result.output
    assert not out.exists()
    assert not [p for p in os.listdir(mount_point) if p.endswith(".tmp")]
