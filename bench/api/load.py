"""Load benchmark for ``POST /api/check``: a server process and this client process on loopback.

Starts ``chipclear serve`` on a fresh data directory (SQLite ledger, bundled data), then drives it with N
concurrent keep-alive clients (httpx, asyncio) for a fixed time after a warm-up, and prints p50/p90/p99 latency and
throughput. Every request is a real check: determination + licenses on file + one audit record committed to SQLite.

    .venv/bin/python bench/api/load.py [--clients 50] [--seconds 20] [--warmup 3]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

LINES = [
    {"item": "H20", "quantity": 8, "destination": "CN", "ship_date": "2025-05-01"},
    {"item": "H100", "quantity": 2, "destination": "DE", "ship_date": "2025-05-01"},
    {"item": "RTX 4090", "quantity": 1, "destination": "CN", "ship_date": "2024-03-01"},
    {"item": "A800", "quantity": 4, "destination": "SG", "ship_date": "2023-06-01"},
]


def start_server(port: int, data_dir: Path) -> tuple[subprocess.Popen[str], str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHIPCLEAR_") or k.startswith("CHIPCLEAR_API_")}
    env["CHIPCLEAR_DATA_DIR"] = str(data_dir)
    env["COLUMNS"] = "200"
    proc = subprocess.Popen(
        [sys.executable, "-m", "chipclear", "serve", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    assert proc.stdout is not None
    out = ""
    while "Ctrl+C" not in out:
        line = proc.stdout.readline()
        if not line:
            raise SystemExit(f"server did not start:\n{out}")
        out += line
    key = re.search(r"(cc_[A-Za-z0-9_-]{20,})", out)
    assert key, out
    for _ in range(100):
        try:
            httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=1)
            break
        except httpx.TransportError:
            time.sleep(0.1)
    return proc, key.group(1)


async def client_loop(
    client: httpx.AsyncClient, key: str, stop: float, record_from: float, latencies: list[float], errors: list[str]
) -> None:
    i = 0
    while True:
        t0 = time.perf_counter()
        if t0 >= stop:
            return
        try:
            r = await client.post("/api/check", json=LINES[i % len(LINES)], headers={"X-API-Key": key})
        except httpx.TransportError as exc:
            errors.append(f"{type(exc).__name__}: {exc}")
            i += 1
            continue
        t1 = time.perf_counter()
        i += 1
        if r.status_code != 200:
            errors.append(f"{r.status_code} {r.text[:120]}")
        elif t0 >= record_from:
            latencies.append(t1 - t0)


async def open_loop(
    client: httpx.AsyncClient, key: str, rate: float, clients: int, stop: float, record_from: float
) -> tuple[list[float], list[str]]:
    """Requests sent at a fixed total rate over at most ``clients`` connections; latency counted from the moment
    a request was due, so time spent waiting for a free connection counts (no coordinated omission)."""
    latencies: list[float] = []
    errors: list[str] = []
    slots = asyncio.Semaphore(clients)

    async def one(i: int, due: float) -> None:
        async with slots:
            try:
                r = await client.post("/api/check", json=LINES[i % len(LINES)], headers={"X-API-Key": key})
            except httpx.TransportError as exc:
                errors.append(f"{type(exc).__name__}: {exc}")
                return
        done = time.perf_counter()
        if r.status_code != 200:
            errors.append(f"{r.status_code} {r.text[:120]}")
        elif due >= record_from:
            latencies.append(done - due)

    tasks = []
    i = 0
    start = time.perf_counter()
    while True:
        due = start + i / rate
        if due >= stop:
            break
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
        tasks.append(asyncio.create_task(one(i, due)))
        i += 1
    await asyncio.gather(*tasks)
    return latencies, errors


async def run(
    url: str, key: str, clients: int, seconds: float, warmup: float, rate: float | None = None
) -> tuple[list[float], list[str], float]:
    latencies: list[float] = []
    errors: list[str] = []
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=60) as client:
        start = time.perf_counter()
        record_from = start + warmup
        stop = record_from + seconds
        if rate:
            latencies, errors = await open_loop(client, key, rate, clients, stop, record_from)
        else:
            await asyncio.gather(
                *(client_loop(client, key, stop, record_from, latencies, errors) for _ in range(clients))
            )
    return latencies, errors, seconds


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--warmup", type=float, default=3)
    ap.add_argument("--port", type=int, default=8791)
    ap.add_argument(
        "--rate", type=float, default=None, help="open loop: total requests per second (default: closed loop)"
    )
    args = ap.parse_args()
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="chipclear-bench-") as tmp:
        proc, key = start_server(args.port, Path(tmp))
        try:
            url = f"http://127.0.0.1:{args.port}"
            httpx.post(url + "/api/check", json=LINES[0], headers={"X-API-Key": key}, timeout=60)  # load data once
            lat, errors, seconds = asyncio.run(run(url, key, args.clients, args.seconds, args.warmup, args.rate))
        finally:
            proc.terminate()
            proc.wait(timeout=10)
    if not lat:
        raise SystemExit(f"no successful requests; errors: {errors[:3]}")
    ms = [x * 1000 for x in lat]
    mode = (
        f"open loop at {args.rate:g} req/s over up to {args.clients} connections"
        if args.rate
        else (f"{args.clients} concurrent clients (closed loop)")
    )
    print(f"POST /api/check, {mode}, {seconds:.0f} s measured after {args.warmup:.0f} s warm-up")
    print(f"  requests {len(ms)}  errors {len(errors)}  throughput {len(ms) / seconds:.1f} req/s")
    print(
        f"  latency ms: p50 {pct(ms, 50):.1f}  p90 {pct(ms, 90):.1f}  p99 {pct(ms, 99):.1f}  "
        f"max {max(ms):.1f}  mean {statistics.fmean(ms):.1f}"
    )
    print(
        f"  machine: {os.cpu_count()} CPUs, 1-min load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after"
    )
    if errors:
        print(f"  first errors: {errors[:3]}")


if __name__ == "__main__":
    main()
