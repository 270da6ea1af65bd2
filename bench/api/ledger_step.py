"""The ledger step of ``POST /api/check`` alone: N threads checking concurrently, one transaction per check versus
the API's group commit, in alternating runs (no HTTP), printing checks/s and latency percentiles.

    .venv/bin/python bench/api/ledger_step.py [--threads 50] [--seconds 8] [--rounds 2]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import tempfile
import threading
import time

from chipclear.api.deps import LedgerHolder
from chipclear.api.group_commit import GroupCommit, _already, decide
from chipclear.decision import OrderLine
from chipclear.ledger import checks as ledger_checks
from chipclear.ledger import open_ledger, users
from chipclear.ledger.users import SystemActor

LINE = OrderLine(item="H20", quantity=8, destination="CN", ship_date=dt.date(2025, 5, 1))


def run(mode: str, seconds: float, threads: int) -> None:
    url = f"sqlite:///{tempfile.mkdtemp(prefix='chipclear-bench-')}/ledger.db"
    ledger = open_ledger(url)
    with ledger.session() as s:
        _, key = users.create_user(s, "bench", "admin", None)
    ledger.close()
    holder = LedgerHolder(url)
    group = GroupCommit(holder)
    latencies: list[float] = []
    stop = time.perf_counter() + seconds

    def worker() -> None:
        while time.perf_counter() < stop:
            t0 = time.perf_counter()
            decision = decide(LINE, None)
            if mode == "group":
                group.check(key, LINE, None, decision)
            else:
                with holder.transaction() as s:
                    user = users.authenticate(s, key)
                    actor = SystemActor(user.name, user.role)
                    ledger_checks.check_line(s, LINE, actor, decide=_already(decision))
            latencies.append(time.perf_counter() - t0)

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    latencies.sort()
    p50 = latencies[len(latencies) // 2] * 1000
    p99 = latencies[int(len(latencies) * 0.99)] * 1000
    print(f"{mode:22s} {len(latencies) / seconds:7.1f} checks/s   p50 {p50:7.0f} ms   p99 {p99:7.0f} ms")
    holder.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--threads", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=8)
    ap.add_argument("--rounds", type=int, default=2)
    args = ap.parse_args()
    print(f"{args.threads} threads, {args.seconds:g} s per run; load average {os.getloadavg()[0]:.1f}")
    for _ in range(args.rounds):
        run("one transaction/check", args.seconds, args.threads)
        run("group", args.seconds, args.threads)
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
