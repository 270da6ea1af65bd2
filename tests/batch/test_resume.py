"""A killed run (SIGKILL of a real process) resumes from its checkpoint and writes the same output."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import polars as pl

from chipclear.batch import BatchOptions, generate_orders, run_batch


def _command(orders: Path, out: Path) -> list[str]:
    return [
        sys.executable, "-m", "chipclear", "batch", str(orders), "--out", str(out), "--exact", "--batch-size", "4",
        "--no-screening", "--verify", "5", "--json",
    ]  # fmt: skip


def test_killed_run_resumes_and_writes_the_same_output(tmp_path: Path) -> None:
    orders = tmp_path / "orders.csv"
    generate_orders(400, seed=5, start=dt.date(2023, 1, 1), end=dt.date(2026, 6, 30)).write_csv(orders)
    out = tmp_path / "killed.parquet"
    decided = tmp_path / "killed.parquet.checkpoint" / "decided"
    proc = subprocess.Popen(_command(orders, out), stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=os.environ)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(list(decided.glob("*.arrow"))) < 3:
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert not out.exists()
    done_before = len(list(decided.glob("*.arrow")))
    assert done_before >= 3

    finished = subprocess.run(_command(orders, out), capture_output=True, text=True, env=os.environ)
    assert finished.returncode == 0, finished.stderr
    summary = json.loads(finished.stdout)["summary"]
    assert summary["resumed"] is True
    assert not (tmp_path / "killed.parquet.checkpoint").exists()

    clean = run_batch(
        BatchOptions(orders=orders, out=tmp_path / "clean.parquet", exact=True, batch_size=4, screening=False, verify=5)
    )
    assert clean.resumed is False
    resumed, uninterrupted = pl.read_parquet(out), pl.read_parquet(clean.out)
    assert resumed.height == uninterrupted.height == 400
    assert resumed.equals(uninterrupted)
    assert set(resumed["list_version"].drop_nulls()) == {"unscreened"}


def test_a_changed_input_discards_the_checkpoint(tmp_path: Path) -> None:
    orders = tmp_path / "orders.csv"
    generate_orders(50, seed=1).write_csv(orders)
    options = BatchOptions(orders=orders, out=tmp_path / "d.parquet", screening=False, keep_checkpoint=True)
    first = run_batch(options)
    assert first.resumed is False
    again = run_batch(options)
    assert again.resumed is True  # same input, same options: the checkpoint is reused
    generate_orders(50, seed=2).write_csv(orders)
    changed = run_batch(options)
    assert changed.resumed is False
    assert (
        pl.read_parquet(changed.out)["end_user_name"].to_list()
        == generate_orders(50, seed=2)["end_user_name"].to_list()
    )
