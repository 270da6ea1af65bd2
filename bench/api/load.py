"""API load benchmark (issue 16 part 3): each route under N concurrent clients, beside ``GET /api/health`` of the
same app measured in the same run.

Starts ``chipclear serve`` on a fresh data directory (SQLite ledger, bundled data), grants one license through the
API, then drives each route with N concurrent keep-alive clients (httpx, asyncio) for a fixed time after a warm-up:

- ``GET /api/health``: the trivial route, the baseline (the same middleware, server and client);
- ``POST /api/check``: H20 to China for a named end user, a real check (decision, licenses on file, one audit
  record committed to SQLite before the answer);
- ``GET /api/licenses/{number}``: a read (the license with its usage history);
- ``POST /api/shipments``: one line that ships under the license, decremented and audited; the script then checks
  that the license's usage equals the quantity shipped (nothing over-drawn).

For each route it prints the target, throughput, p50/p99 and the ratio to health's throughput and p99.

    .venv/bin/python bench/api/load.py [--clients 50] [--seconds 8] [--warmup 2] [--routes check,read,ship]
                                       [--workers 1] [--postgres $CHIPCLEAR_TEST_POSTGRES_URL]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository root, for tests.pgdb

from tests.pgdb import throwaway_database

CHECK = {
    "item": "H20",
    "quantity": 1,
    "destination": "CN",
    "ship_date": "2025-05-01",
    "parties": [
        {"name": "Example Trading Co., Ltd.", "role": "end_user", "country": "CN", "headquarters_country": "CN"}
    ],
}
# Ordinary check lines (also driven by bench/api/hostile_load.py).
LINES = [
    {"item": "H20", "quantity": 8, "destination": "CN", "ship_date": "2025-05-01"},
    {"item": "H100", "quantity": 2, "destination": "DE", "ship_date": "2025-05-01"},
    {"item": "RTX 4090", "quantity": 1, "destination": "CN", "ship_date": "2024-03-01"},
    {"item": "A800", "quantity": 4, "destination": "SG", "ship_date": "2023-06-01"},
]
LICENSE = "BENCH-0001"
END_USER = {"name": "Example Cloud Services Ltd", "role": "end_user", "country": "CN"}
SHIP = {
    "item": "H20",
    "quantity": 1,
    "destination": "CN",
    "ship_date": dt.date.today().isoformat(),
    "parties": [END_USER],
}
# The absolute targets (50 clients, this machine) and the acceptance check's ratios to health.
TARGETS = {
    "health": "baseline",
    "check": ">= 1,500/s, p99 <= 25 ms (acceptance: >= 0.5x health's rate, p99 <= 4x health's)",
    "read": ">= 3,000/s",
    "ship": ">= 500/s, nothing over-drawn",
}


def start_server(
    port: int, data_dir: Path, database_url: str | None = None, workers: int = 1
) -> tuple[subprocess.Popen[str], str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHIPCLEAR_")}
    env["CHIPCLEAR_DATA_DIR"] = str(data_dir)
    if database_url:
        env["CHIPCLEAR_DATABASE_URL"] = database_url
    env["CHIPCLEAR_STALE_LISTS_ON_SHIP"] = "ship"  # the bundled demo lists are older than the default age
    env["COLUMNS"] = "200"
    proc = subprocess.Popen(
        [sys.executable, "-m", "chipclear", "serve", "--port", str(port), "--workers", str(workers)],
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


def grant_license(url: str, key: str, quantity: int) -> None:
    h = {"X-API-Key": key}
    # submitted and granted on the days the license's validity starts from (a license is valid from its issue,
    # which follows the submission: the grant refuses an earlier valid_from)
    application = {
        "items": ["H20"],
        "destinations": ["CN"],
        "parties": [END_USER],
        "quantity": quantity,
        "application_number": "Z-BENCH-1",
        "submitted_on": "2024-12-15",
    }
    app = httpx.post(url + "/api/applications", json=application, headers=h, timeout=60)
    if app.status_code != 201:
        raise SystemExit(f"could not apply for the license: {app.text}")
    app_id = app.json()["id"]
    grant = {
        "number": LICENSE,
        "valid_from": "2025-01-01",
        "valid_to": "2027-12-31",
        "decided_on": "2025-01-01",
        "quantity_limit": quantity,
    }
    httpx.post(f"{url}/api/applications/{app_id}/grant", json=grant, headers=h, timeout=60).raise_for_status()


async def client_loop(
    client: httpx.AsyncClient, key: str, stop: float, record_from: float, latencies: list[float], errors: list[str]
) -> None:
    """One closed-loop client checking ``LINES`` in turn until ``stop``; latencies in seconds from ``record_from``."""
    i = 0
    while (t0 := time.perf_counter()) < stop:
        try:
            r = await client.post("/api/check", json=LINES[i % len(LINES)], headers={"X-API-Key": key})
        except httpx.TransportError as exc:
            errors.append(f"{type(exc).__name__}: {exc}")
            continue
        finally:
            i += 1
        if r.status_code != 200:
            errors.append(f"{r.status_code} {r.text[:120]}")
        elif t0 >= record_from:
            latencies.append(time.perf_counter() - t0)


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))] if ordered else float("nan")


@dataclass
class Result:
    route: str
    requests: int
    errors: list[str]
    seconds: float
    latencies_ms: list[float]
    client_cpu: float = float("nan")  # the load generator's CPU time per second of the run (1.0 = one core)

    @property
    def rate(self) -> float:
        return self.requests / self.seconds

    def pct(self, p: float) -> float:
        return pct(self.latencies_ms, p)


async def drive(
    url: str, key: str, route: str, clients: int, seconds: float, warmup: float, client: str = "raw"
) -> Result:
    method, path, body = {
        "health": ("GET", "/api/health", None),
        "check": ("POST", "/api/check", CHECK),
        "read": ("GET", f"/api/licenses/{LICENSE}", None),
        "ship": ("POST", "/api/shipments", {"lines": [SHIP]}),
    }[route]
    ok = 201 if route == "ship" else 200
    latencies: list[float] = []
    errors: list[str] = []
    start = time.perf_counter()
    record_from, stop = start + warmup, start + warmup + seconds
    counted = 0

    async def one() -> None:  # one client with its own connection, as the acceptance check drives it
        nonlocal counted
        async with httpx.AsyncClient(base_url=url, timeout=60, headers={"X-API-Key": key}) as client:
            while (t0 := time.perf_counter()) < stop:
                try:
                    r = await (client.post(path, json=body) if method == "POST" else client.get(path))
                except httpx.TransportError as exc:
                    errors.append(f"{type(exc).__name__}: {exc}")
                    continue
                if r.status_code != ok:
                    errors.append(f"{r.status_code} {r.text[:160]}")
                elif t0 >= record_from:
                    counted += 1
                    latencies.append((time.perf_counter() - t0) * 1000)

    async def raw() -> None:  # the same requests over a bare keep-alive socket: a fraction of httpx's CPU
        nonlocal counted
        data = json.dumps(body).encode() if body is not None else b""
        head = f"{method} {path} HTTP/1.1\r\nHost: {host}:{port}\r\nX-API-Key: {key}\r\n"
        if body is not None:
            head += f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n"
        request = (head + "\r\n").encode() + data
        reader, writer = await asyncio.open_connection(host, port)
        try:
            while (t0 := time.perf_counter()) < stop:
                writer.write(request)
                status, length, closing = _response_head(await reader.readuntil(b"\r\n\r\n"))
                answer = await reader.readexactly(length)
                if status != ok:
                    errors.append(f"{status} {answer[:160].decode(errors='replace')}")
                elif t0 >= record_from:
                    counted += 1
                    latencies.append((time.perf_counter() - t0) * 1000)
                if closing:
                    writer.close()
                    reader, writer = await asyncio.open_connection(host, port)
        except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
            errors.append(f"{type(exc).__name__}: {exc}")
        finally:
            writer.close()

    host, port = url.removeprefix("http://").rsplit(":", 1)
    cpu = time.process_time()
    await asyncio.gather(*((raw() if client == "raw" else one()) for _ in range(clients)))
    return Result(
        route, counted, errors, seconds, latencies, (time.process_time() - cpu) / (time.perf_counter() - start)
    )


def _response_head(head: bytes) -> tuple[int, int, bool]:
    """The status, Content-Length and whether the server closes the connection, from a response's header block."""
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    fields = dict(line.split(":", 1) for line in lines[1:] if ":" in line)
    fields = {k.strip().lower(): v.strip() for k, v in fields.items()}
    if "content-length" not in fields:
        raise ValueError(f"no Content-Length in the answer ({status}; {fields.get('transfer-encoding')})")
    return status, int(fields["content-length"]), fields.get("connection", "").lower() == "close"


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=8)
    ap.add_argument("--warmup", type=float, default=2)
    ap.add_argument("--port", type=int, default=8791)
    ap.add_argument("--routes", default="check,read,ship", help="comma-separated: check, read, ship")
    ap.add_argument("--workers", type=int, default=1, help="server processes (chipclear serve --workers)")
    ap.add_argument(
        "--client",
        choices=["raw", "httpx"],
        default="raw",
        help="raw: keep-alive sockets with prepared requests (default; leaves more of the machine to the server); "
        "httpx: httpx.AsyncClient per client, as the acceptance check drives it",
    )
    ap.add_argument(
        "--postgres",
        metavar="URL",
        help="a PostgreSQL server URL (e.g. $CHIPCLEAR_TEST_POSTGRES_URL): the ledger is a throw-away database there",
    )
    args = ap.parse_args()
    if not args.postgres:
        run(args, None)
        return
    with throwaway_database(args.postgres) as database_url:
        run(args, database_url)


def run(args: argparse.Namespace, database_url: str | None) -> None:
    routes = ["health", *[r for r in args.routes.split(",") if r]]
    load_before = os.getloadavg()[0]
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="chipclear-bench-") as tmp:
        proc, key = start_server(args.port, Path(tmp), database_url, args.workers)
        try:
            url = f"http://127.0.0.1:{args.port}"
            grant_license(url, key, quantity=10_000_000)
            httpx.post(url + "/api/check", json=CHECK, headers={"X-API-Key": key}, timeout=60)  # load data once
            for route in routes:
                results.append(
                    asyncio.run(drive(url, key, route, args.clients, args.seconds, args.warmup, args.client))
                )
            shipped = sum(r.requests for r in results if r.route == "ship")
            detail: dict[str, Any] = httpx.get(
                f"{url}/api/licenses/{LICENSE}", headers={"X-API-Key": key}, timeout=60
            ).json()
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    health = results[0]
    print(
        f"API load, {args.clients} concurrent clients (closed loop), {args.seconds:g} s per route after "
        f"{args.warmup:g} s warm-up; {os.cpu_count()} CPUs, load average {load_before:.1f} before, "
        f"{os.getloadavg()[0]:.1f} after; ledger: {'PostgreSQL' if database_url else 'SQLite'}; "
        f"{args.workers} server process{'es' if args.workers > 1 else ''}; client: {args.client}"
    )
    print(
        f"{'route':<28}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'x health rate':>15}{'x health p99':>14}"
        f"{'client CPU':>12}  target"
    )
    names = {
        "health": "GET /api/health",
        "check": "POST /api/check",
        "read": "GET /api/licenses/{n}",
        "ship": "POST /api/shipments",
    }
    for r in results:
        print(
            f"{names[r.route]:<28}{r.rate:>9,.0f}{r.pct(50):>9.1f}{r.pct(99):>9.1f}"
            f"{r.rate / health.rate:>15.2f}{r.pct(99) / health.pct(99):>14.1f}{r.client_cpu:>12.2f}  {TARGETS[r.route]}"
            + (f"  [{len(r.errors)} errors: {r.errors[:2]}]" if r.errors else "")
        )
    if any(r.route == "ship" for r in results):
        used = detail.get("quantity_used")
        # every shipment made (including the warm-up ones) used 1 unit; the license must show exactly that many
        made = sum(1 for u in detail.get("usage", []) if u.get("quantity") == 1)
        print(f"license {LICENSE}: quantity_used {used}, usage rows {made}, counted shipments {shipped} (+ warm-up)")
        if used != made:
            raise SystemExit("over-drawn or lost usage: quantity_used differs from the usage rows")


if __name__ == "__main__":
    main()
