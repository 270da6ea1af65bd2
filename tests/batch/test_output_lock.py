"""One run per output (audit 2026-12-07, D4): a second `chipclear batch` with the same --out is refused at once
(exit 2, naming the run that holds it) instead of dying on the first run's checkpoint; temporary files left by a run
killed with SIGKILL (``.OUT.PID.tmp``, checkpoint pieces) are removed by the next run, and those of a killed
`audit export -o` by the next export."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from typer.testing import CliRunner

import chipclear
from chipclear.cli import app

SRC = Path(chipclear.__file__).resolve().parents[1]
LINE = '{"item": "H20", "quantity": 3, "destination": "CN", "ship_date": "2025-12-07", "order_id": "T%d"}\n'


def _batch(orders: Path, out: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": f"{SRC}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    args = [sys.executable, "-m", "chipclear", "batch", str(orders), "--out", str(out), "-q", "--no-screening"]
    return subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_a_second_run_with_the_same_out_is_refused_at_once(tmp_path: Path) -> None:
    orders = tmp_path / "orders.jsonl"
    orders.write_text("".join(LINE % n for n in range(200_000)))
    out = tmp_path / "dec.parquet"
    first = _batch(orders, out)
    lock = tmp_path / ".dec.parquet.lock"
    deadline = time.monotonic() + 60
    while not (lock.exists() and lock.read_text()):
        assert first.poll() is None, first.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.05)
    second = _batch(orders, out)
    _, err = second.communicate(timeout=120)
    assert first.poll() is None, "the first run ended before the second was refused: inconclusive"
    assert second.returncode == 2, err
    assert f"being written by another chipclear batch (pid {first.pid}, started" in err and err.count("\n") == 1, err
    assert first.wait(timeout=600) == 0, first.communicate()
    assert out.exists()
    assert not lock.exists()  # removed by the run that held it
    # the lock went with the first run: a third run writes again
    third = _batch(orders, out)
    assert third.wait(timeout=600) == 0, third.communicate()


def test_temporary_files_of_a_killed_run_are_removed(tmp_path: Path) -> None:
    orders = tmp_path / "orders.jsonl"
    orders.write_text("".join(LINE % n for n in range(20)))
    out = tmp_path / "dec.parquet"
    dead = _dead_pid()
    stale = tmp_path / f".dec.parquet.{dead}.tmp"
    stale.write_bytes(b"half an output")
    piece = tmp_path / "dec.parquet.checkpoint" / "decisions" / f".k1.arrow.{dead}.tmp"
    piece.parent.mkdir(parents=True)
    piece.write_bytes(b"half a piece")
    result = CliRunner().invoke(app, ["batch", str(orders), "--out", str(out), "-q", "--no-screening"])
    assert result.exit_code == 0, result.output
    assert out.exists() and not stale.exists() and not piece.exists()
    assert not list(tmp_path.rglob("*.tmp"))
