"""One hostile request beside 50 ordinary clients: does it slow anyone else? (issue 13)

Starts ``chipclear serve`` on a fresh data directory (SQLite ledger), then runs the closed-loop load of
``bench/api/load.py`` (N clients, ``POST /api/check`` with ordinary lines) twice: once alone, and once with one
more client that keeps sending hostile checks (a party name that is one long token at the length bound, and one far
over it, which must be refused at once). Prints the ordinary clients' p50/p99 for both runs, and what the hostile
client got.

    .venv/bin/python bench/api/hostile_load.py [--clients 50] [--seconds 15] [--warmup 3]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load import LINES, client_loop, pct, start_server

from chipclear.bounds import NAME_LENGTH

HOSTILE_NAMES = ["W" * NAME_LENGTH, "Xy" * (NAME_LENGTH // 2), "W" * 20_000]


async def hostile_loop(client: httpx.AsyncClient, key: str, stop: float, seen: list[tuple[int, float]]) -> None:
    i = 0
    while time.perf_counter() < stop:
        name = HOSTILE_NAMES[i % len(HOSTILE_NAMES)]
        line = {**LINES[0], "parties": [{"name": name, "role": "end_user", "country": "CN"}]}
        t0 = time.perf_counter()
        try:
            r = await client.post("/api/check", json=line, headers={"X-API-Key": key})
            seen.append((r.status_code, time.perf_counter() - t0))
        except httpx.TransportError:
            seen.append((0, time.perf_counter() - t0))
        i += 1


async def phase(url: str, key: str, clients: int, seconds: float, warmup: float, hostile: bool) -> dict[str, object]:
    latencies: list[float] = []
    errors: list[str] = []
    seen: list[tuple[int, float]] = []
    limits = httpx.Limits(max_connections=clients + 1, max_keepalive_connections=clients + 1)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=120) as client:
        start = time.perf_counter()
        record_from = start + warmup
        stop = record_from + seconds
        loops = [client_loop(client, key, stop, record_from, latencies, errors) for _ in range(clients)]
        if hostile:
            loops.append(hostile_loop(client, key, stop, seen))
        await asyncio.gather(*loops)
    return {"latencies": latencies, "errors": errors, "hostile": seen}


def report(label: str, result: dict[str, object], seconds: float) -> None:
    lat = [x * 1000 for x in result["latencies"]]  # type: ignore[attr-defined]
    errors: list[str] = result["errors"]  # type: ignore[assignment]
    print(
        f"  {label:<26} requests {len(lat):>5}  {len(lat) / seconds:6.1f} req/s  p50 {pct(lat, 50):7.1f} ms  "
        f"p99 {pct(lat, 99):7.1f} ms  max {max(lat):7.1f} ms  mean {statistics.fmean(lat):6.1f} ms  errors {len(errors)}"
    )
    seen: list[tuple[int, float]] = result["hostile"]  # type: ignore[assignment]
    if seen:
        codes = sorted({c for c, _ in seen})
        slowest = max(t for _, t in seen) * 1000
        print(f"  {'':<26} hostile requests {len(seen)}, statuses {codes}, slowest {slowest:.0f} ms")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=15)
    ap.add_argument("--warmup", type=float, default=3)
    ap.add_argument("--port", type=int, default=8793)
    args = ap.parse_args()
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="chipclear-bench-") as tmp:
        proc, key = start_server(args.port, Path(tmp))
        try:
            url = f"http://127.0.0.1:{args.port}"
            httpx.post(url + "/api/check", json=LINES[0], headers={"X-API-Key": key}, timeout=60)  # load data once
            alone = asyncio.run(phase(url, key, args.clients, args.seconds, args.warmup, hostile=False))
            beside = asyncio.run(phase(url, key, args.clients, args.seconds, args.warmup, hostile=True))
        finally:
            proc.terminate()
            proc.wait(timeout=10)
    print(
        f"POST /api/check, {args.clients} ordinary clients (closed loop), {args.seconds:.0f} s measured after "
        f"{args.warmup:.0f} s warm-up, SQLite"
    )
    report("ordinary clients alone", alone, args.seconds)
    report("with one hostile client", beside, args.seconds)
    print(
        f"  machine: {os.cpu_count()} CPUs, 1-min load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after"
    )


if __name__ == "__main__":
    main()
