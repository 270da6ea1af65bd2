"""Order-book benchmark: ``chipclear batch`` on a synthetic book, from one command.

    .venv/bin/python bench/batch/run.py                 # 1,000,000 lines, every configuration
    .venv/bin/python bench/batch/run.py --rows 100000   # quicker

Measures, in the same run, end-to-end wall time, lines/s and peak memory (RSS summed over the process tree: the
CLI, its worker processes and, for Dask, the LocalCluster's workers) of:
  * 1 local worker, 2 local workers, the CLI's default (``--workers 0``: worker processes, one per core, only for
    a large job), a 2-worker Dask LocalCluster; each with and without screening; each
    configuration runs three times on a fresh data directory: ``cold`` (every distinct key decided), ``warm`` (the
    same book again over the same rules, lists and code: decisions from the disk cache, ``chipclear.batch.cache``)
    and ``next`` (another book of the same size, seed 8, on the same data directory: the next day's orders, whose
    keys are only partly in the cache);
  * the baselines, measured first: the interpreter, i.e. the naive per-line loop over ``determine()`` (with and
    without screening, timed on a sample of lines; ``--no-interpreter`` skips it), and a plain Polars read + write
    of the same book (``polars-copy``: the floor of any batch path).
Prints each figure beside its target (issue 16: >= 200,000 lines/s unscreened, >= 50,000 screened), its ratio to
the interpreter (lines/s over the per-line loop's, same screening) and to the Polars copy, all measured in the same
run, and writes bench/batch/results.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import polars as pl
import psutil

HERE = Path(__file__).resolve().parent


class PeakRSS:
    """Polls the summed RSS of a set of process trees every 50 ms."""

    def __init__(self, roots: list[int]) -> None:
        self.roots = roots
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _total(self) -> int:
        total = 0
        seen: set[int] = set()
        for pid in self.roots:
            try:
                root = psutil.Process(pid)
                for proc in [root, *root.children(recursive=True)]:
                    if proc.pid not in seen:
                        seen.add(proc.pid)
                        total += proc.memory_info().rss
            except psutil.Error:
                continue
        return total

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._total())
            time.sleep(0.05)

    def __enter__(self) -> PeakRSS:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


TARGETS = {"plain": 200_000, "screen": 50_000}


def run_cli(
    orders: Path, out: Path, args: list[str], extra_roots: list[int], env: dict[str, str] | None = None
) -> dict[str, Any]:
    command = [sys.executable, "-m", "chipclear", "batch", str(orders), "--out", str(out), "--json", *args]
    start = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    with PeakRSS([proc.pid, *extra_roots]) as rss:
        stdout, stderr = proc.communicate()
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({proc.returncode}): {stderr.strip()[-2000:]}")
    data = json.loads(stdout)
    return {"wall_s": round(wall, 1), "peak_rss_mb": round(rss.peak / 1e6), **data}


def polars_copy(orders: Path, work: Path) -> dict[str, Any]:
    """The floor: read the book with Polars and write it back as zstd Parquet (a fresh process, like the CLI)."""
    code = f"""
import time
start = time.perf_counter()
import polars as pl
pl.read_parquet({str(orders)!r}).write_parquet({str(work / "copy.parquet")!r}, compression="zstd")
print(time.perf_counter() - start)
"""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return {"wall_s": round(time.perf_counter() - start, 2)}


def naive(orders: Path, sample: int, screening: bool) -> dict[str, Any]:
    """The baseline: a per-line loop over determine() (what a user would write without chipclear batch)."""
    code = f"""
import json, time
from pathlib import Path
from chipclear.batch.io import read_orders, validate
from chipclear.batch.engine import line_from_row
from chipclear.batch.runner import NullScreener
from chipclear.catalog import load_catalog
from chipclear.geography import load_geography
from chipclear.determination import determine
from chipclear.screening import default_screener
lines, _ = validate(read_orders(Path({str(orders)!r})).head({sample}), load_catalog(), load_geography())
screener = default_screener() if {screening} else NullScreener()
rows = lines.to_dicts()
start = time.perf_counter()
for row in rows:
    determine(line_from_row(row), as_of=row["ship_date"], screener=screener)
elapsed = time.perf_counter() - start
print(json.dumps({{"lines": len(rows), "seconds": elapsed}}))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    data = json.loads(out.stdout.strip().splitlines()[-1])
    data["lines_per_s"] = round(data["lines"] / data["seconds"])
    return data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--orders", type=Path, help="use this order book instead of generating one")
    parser.add_argument("--naive-sample", type=int, default=3000, help="lines timed for the per-line baseline")
    parser.add_argument("--only", nargs="*", help="configurations to run, e.g. screen-1 plain-2 plain-dask naive-plain")
    parser.add_argument("--date", help="pass --date to every run (decide all lines as of one date)")
    parser.add_argument("--results", type=Path, default=HERE / "results.json")
    parser.add_argument(
        "--no-interpreter", action="store_true", help="skip the per-line determine() baseline (run by default)"
    )
    parser.add_argument(
        "--next-orders",
        type=Path,
        help="the 'next' book (default: generated, the same size as the book, seed 8): run third on each "
        "configuration's data directory, after the warm run",
    )
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="chipclear-bench-"))
    orders = args.orders
    t0 = time.perf_counter()
    if orders is None:
        from chipclear.batch import generate_orders

        orders = work / "orders.parquet"
        generate_orders(args.rows).write_parquet(orders)
    generation = round(time.perf_counter() - t0, 1)
    rows = args.rows if args.orders is None else None
    print(f"order book: {orders} ({rows or 'given'} lines, generated in {generation} s)", flush=True)
    # The next day's book: other orders over the same rules, items and dates (another seed), decided after the warm
    # run on the same data directory. The warm run replays the very keys the cold run decided; a new book shares
    # only part of its keys with the first, so this is what a second book costs once the rules have not changed.
    next_orders = args.next_orders
    if next_orders is None:
        from chipclear.batch import generate_orders

        next_orders = work / "next-orders.parquet"
        size = rows or pl.scan_parquet(orders).select(pl.len()).collect().item()
        generate_orders(size, seed=8).write_parquet(next_orders)
    print(f"next book: {next_orders}", flush=True)

    configs = [
        ("screen-1", ["--workers", "1"], False),
        ("screen-2", ["--workers", "2"], False),
        ("screen-auto", ["--workers", "0"], False),  # the CLI's default: worker processes only for a large job
        ("screen-dask", [], True),
        ("plain-1", ["--workers", "1", "--no-screening"], False),
        ("plain-2", ["--workers", "2", "--no-screening"], False),
        ("plain-auto", ["--workers", "0", "--no-screening"], False),
        ("plain-dask", ["--no-screening"], True),
    ]
    results: dict[str, Any] = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "rows": rows,
        "cpus": os.cpu_count(),
        "machine": platform.platform(),
        "load_average_at_start": os.getloadavg(),
        "targets_lines_per_s": TARGETS,
        "runs": {},
    }
    copy = polars_copy(orders, work)
    copy_rate = round((rows or 1_000_000) / copy["wall_s"])
    results["runs"]["polars-copy"] = copy | {"lines_per_s": copy_rate}
    print(f"{'polars-copy':18s} {copy['wall_s']:8.1f} s  {copy_rate:>9,} lines/s  (baseline: read + write the book)")
    # The interpreter baseline (issue 16: "the interpreter for determinations"), measured first in the same run so
    # that every configuration prints its ratio to it: the per-line loop over determine(), timed on a sample.
    interpreter: dict[str, int] = {}
    for screening in (True, False):
        name = "naive-screen" if screening else "naive-plain"
        kind = "screen" if screening else "plain"
        if args.no_interpreter or (args.only and not any(o == name or o.startswith(kind) for o in args.only)):
            continue
        found = naive(orders, args.naive_sample, screening)
        results["runs"][name] = found
        interpreter[kind] = found["lines_per_s"]
        full = (rows or 1_000_000) / found["lines_per_s"]
        found["extrapolated_s"] = round(full)
        print(
            f"{name:18s} {found['lines_per_s']:>9,} lines/s on {found['lines']:,} lines (whole book: ~{full:,.0f} s;"
            " baseline: a per-line loop over determine())",
            flush=True,
        )
    extra = ["--date", args.date] if args.date else []
    for name, flags, use_dask in configs:
        if args.only and name not in args.only:
            continue
        env = os.environ | {"CHIPCLEAR_DATA_DIR": tempfile.mkdtemp(prefix=f"chipclear-bench-{name}-")}
        for state in ("cold", "warm", "next"):
            book = next_orders if state == "next" else orders
            out = work / f"{name}.parquet"
            if use_dask:
                from distributed import LocalCluster

                with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
                    roots = [p.pid for p in psutil.Process().children(recursive=False)]
                    dask_flags = [*flags, "--dask", cluster.scheduler_address]
                    result = run_cli(book, out, [*dask_flags, *extra], roots, env)
            else:
                result = run_cli(book, out, [*flags, *extra], [], env)
            lines = result["summary"]["lines_decided"] + result["summary"]["bad_rows"]
            result["lines_per_s"] = round(lines / result["wall_s"])
            target = TARGETS[name.split("-")[0]]
            result["target_lines_per_s"] = target
            result["ratio_to_polars_copy"] = round(result["wall_s"] / copy["wall_s"], 1)
            base = interpreter.get(name.split("-")[0])
            result["ratio_to_interpreter"] = round(result["lines_per_s"] / base, 1) if base else None
            results["runs"][f"{name}-{state}"] = result
            versus = f"{result['ratio_to_interpreter']}x the interpreter  " if base else ""
            print(
                f"{name + '-' + state:18s} {result['wall_s']:8.1f} s  {result['lines_per_s']:>9,} lines/s  "
                f"target {target:,} ({result['lines_per_s'] / target:.2f}x of target)  {versus}"
                f"{result['ratio_to_polars_copy']}x the Polars copy  peak {result['peak_rss_mb']:>6,} MB  "
                f"keys {result['summary']['distinct_keys']:,} (cached {result['summary']['keys_from_cache']:,})  "
                f"parties {result['summary']['distinct_parties']:,}  timings {result['timings']}",
                flush=True,
            )
            out.unlink(missing_ok=True)
    results["load_average_at_end"] = os.getloadavg()
    args.results.write_text(json.dumps(results, indent=2, default=str), encoding="utf-8")
    print(f"results -> {args.results}")


if __name__ == "__main__":
    main()
