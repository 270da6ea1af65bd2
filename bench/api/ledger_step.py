"""The ledger step of ``POST /api/check`` or ``POST /api/shipments`` alone: N threads at once, one transaction per
request versus the API's group commit (``GroupCommit``, ``ShipmentGroup``), in alternating runs (no HTTP), printing
requests/s and latency percentiles. Decisions come from the compiled table (``Decider``), as in the API.

    .venv/bin/python bench/api/ledger_step.py [--what check|ship] [--threads 50] [--seconds 8] [--rounds 2]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import tempfile
import threading
import time
from collections.abc import Callable

from chipclear.api.deps import LedgerHolder
from chipclear.api.group_commit import GroupCommit, ShipmentGroup
from chipclear.decision import OrderLine
from chipclear.ledger import checks as ledger_checks
from chipclear.ledger import licenses as ledger_licenses
from chipclear.ledger import open_ledger, users
from chipclear.ledger import shipments as ledger_shipments
from chipclear.ledger.reviews import reviews_version

TODAY = dt.date.today()
PARTIES = [{"name": "Bench Cloud Co", "role": "end_user", "country": "CN", "headquarters_country": "CN"}]
LINE = OrderLine.model_validate(
    {"item": "H20", "quantity": 1, "destination": "CN", "ship_date": TODAY.isoformat(), "parties": PARTIES}
)


def _ledger() -> tuple[str, str]:
    """A fresh SQLite ledger with an admin and an H20 license for China large enough for any run."""
    url = f"sqlite:///{tempfile.mkdtemp(prefix='chipclear-bench-')}/ledger.db"
    ledger = open_ledger(url)
    with ledger.session() as s:
        admin, key = users.create_user(s, "bench", "admin", None)
        app = ledger_licenses.apply_for_license(
            s,
            admin,
            items=["nvidia-h20"],
            destinations=["CN"],
            parties=[{"name": "Bench Cloud Co", "role": "end_user"}],
            quantity=100_000_000,
            application_number="BENCH-APP",
        )
        ledger_licenses.grant_license(
            s, admin, app.id, number="BENCH-1", valid_from=TODAY - dt.timedelta(days=30), valid_to=TODAY
        )
    ledger.close()
    return url, key


def run(what: str, mode: str, seconds: float, threads: int) -> None:
    url, key = _ledger()
    holder = LedgerHolder(url)
    checks = GroupCommit(holder)
    shipments = ShipmentGroup(holder, checks.decider)
    decider = checks.decider
    with holder.transaction() as s:
        decider.refresh(s)
        version = reviews_version(s)
    one: Callable[[], object]
    if what == "check" and mode == "group":
        one = lambda: checks.check(key, LINE, None)  # noqa: E731
    elif what == "check":

        def one() -> object:
            decision = decider.decide(LINE, None)
            with holder.transaction() as s:
                actor = users.authenticate(s, key)
                return ledger_checks.check_line(s, LINE, actor, decide=lambda _l, _on: decision)

    elif mode == "group":
        one = lambda: shipments.ship(key, [LINE], [decider.decide(LINE, None)], version)  # noqa: E731
    else:

        def one() -> object:
            decided = [decider.decide(LINE, None)]
            with holder.transaction() as s:
                actor = users.authenticate(s, key)
                return ledger_shipments.ship(s, [LINE], actor, decided=decided)

    one()  # load the table and the screener outside the timing
    latencies: list[float] = []
    stop = time.perf_counter() + seconds

    def worker() -> None:
        while time.perf_counter() < stop:
            t0 = time.perf_counter()
            one()
            latencies.append(time.perf_counter() - t0)

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    checks.close()
    shipments.close()
    holder.close()
    latencies.sort()
    p50 = latencies[len(latencies) // 2] * 1000
    p99 = latencies[int(len(latencies) * 0.99)] * 1000
    print(f"{what} {mode:24s} {len(latencies) / seconds:7.1f} /s   p50 {p50:7.0f} ms   p99 {p99:7.0f} ms")


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    ap.add_argument("--what", choices=["check", "ship"], default="check")
    ap.add_argument("--threads", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=8)
    ap.add_argument("--rounds", type=int, default=2)
    args = ap.parse_args()
    os.environ.setdefault("CHIPCLEAR_STALE_LISTS_ON_SHIP", "ship")  # the bundled demo lists are older than 30 days
    print(f"{args.threads} threads, {args.seconds:g} s per run; load average {os.getloadavg()[0]:.1f}")
    for _ in range(args.rounds):
        run(args.what, "one transaction each", args.seconds, args.threads)
        run(args.what, "group", args.seconds, args.threads)
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
