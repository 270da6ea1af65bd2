"""CLI start-up and one-shot screening latency: median wall time of fresh processes, beside `python -c pass`.

    .venv/bin/python bench/cli/latency.py [--runs 7]

Uses its own empty data directory: the first `chipclear screen` builds the index and stores it beside the list
(timed separately), the later runs load it.
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
        cases = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "chipclear --help": [CHIPCLEAR, "--help"],
            "chipclear screen 'Huawei Technologies' --json": [CHIPCLEAR, "screen", "Huawei Technologies", "--json"],
            "chipclear screen 'Moore Threads Tech Co Ltd' --json": [
                CHIPCLEAR,
                "screen",
                "Moore Threads Tech Co Ltd",
                "--json",
            ],
        }
        print(f"first chipclear screen (builds and stores the index): {first:.2f} s")
        for label, cmd in cases.items():
            times = [wall(cmd, env) for _ in range(runs)]
            print(f"{label:55s} median {statistics.median(times):.3f} s  (min {min(times):.3f}, max {max(times):.3f})")
        print(f"load average: {os.getloadavg()} on {os.cpu_count()} cores")
    finally:
        shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    main(parser.parse_args().runs)
