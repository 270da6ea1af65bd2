"""CLI start-up and one-shot latency (issue 16 part 5): median wall time of fresh processes, each beside its target
and as a ratio to `python -c pass` measured in the same run.

    .venv/bin/python bench/cli/latency.py [--runs 7]

Uses its own empty data directory, so the first run of each command builds what later runs load: the screening
index (stored beside the list) and the loaded-data snapshot (rules, catalogs, geography; chipclear.snapshot). That
first run is printed as "first"; the median, min and max are of the warm runs after it.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHIPCLEAR = str(Path(sys.executable).with_name("chipclear"))


def wall(cmd: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, env=env, capture_output=True, check=True)
    return time.perf_counter() - start


def main(runs: int) -> None:
    data = tempfile.mkdtemp(prefix="chipclear-latency-")
    env = {**os.environ, "CHIPCLEAR_DATA_DIR": data, "CHIPCLEAR_DATABASE_URL": f"sqlite:///{data}/ledger.db"}
    env.pop("CHIPCLEAR_LISTS_DIR", None)
    try:
        first = wall([CHIPCLEAR, "screen", "Huawei Technologies", "--json"], env)
        check = [CHIPCLEAR, "check", "--item", "H20", "--to", "CN", "--date", "2025-06-01"]
        party = ["--end-user", "Example Co", "--end-user-hq", "CN"]
        cases: dict[str, tuple[list[str], float | None]] = {
            "python -c pass": ([sys.executable, "-c", "pass"], None),
            "chipclear --help": ([CHIPCLEAR, "--help"], 0.8),
            "chipclear classify H20": ([CHIPCLEAR, "classify", "H20"], 0.5),
            "chipclear check (no parties)": (check, 0.5),
            "chipclear check (end user, screened)": ([*check, *party], 1.0),
            "chipclear screen 'Huawei Technologies' --json": (
                [CHIPCLEAR, "screen", "Huawei Technologies", "--json"],
                1.5,
            ),
            "chipclear screen 'Moore Threads Tech Co Ltd' --json": (
                [CHIPCLEAR, "screen", "Moore Threads Tech Co Ltd", "--json"],
                1.5,
            ),
        }
        print(f"first chipclear screen (builds and stores the index): {first:.2f} s")
        print(f"{'command':55s} {'first':>7} {'median':>8} {'min':>7} {'max':>7} {'x pass':>7}  target")
        base = None
        for label, (cmd, target) in cases.items():
            cold = wall(cmd, env)
            times = [wall(cmd, env) for _ in range(runs)]
            median = statistics.median(times)
            base = base or median
            verdict = "baseline" if target is None else f"<= {target:.1f} s: {'met' if median <= target else 'MISSED'}"
            print(
                f"{label:55s} {cold:6.3f}s {median:7.3f}s {min(times):6.3f}s {max(times):6.3f}s {median / base:7.1f}"
                f"  {verdict}"
            )
        print(f"load average: {os.getloadavg()} on {os.cpu_count()} cores")
    finally:
        shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    main(parser.parse_args().runs)
