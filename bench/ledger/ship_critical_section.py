"""Where one shipment's ledger time goes: inside the transaction versus its commit (SQLite).

    .venv/bin/python bench/ledger/ship_critical_section.py [--shipments 400] [--warmup 50]

One process ships single-unit lines one at a time into a fresh SQLite ledger (stub LICENSE_REQUIRED decisions from
``ship_throughput``, so the ledger, not the engine, is measured) and times ``ledger.shipments.ship`` inside the
session apart from the commit (``synchronous=FULL``: the commit includes the disk sync). Prints the two parts and
the rate one writer could reach: the bound on any API shipment path that keeps this ledger code (issue 16, part 3:
>= 500 shipments/s), whatever the grouping of commits.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import ship_throughput as bench

from chipclear.ledger import open_ledger
from chipclear.ledger import shipments as ledger_shipments
from chipclear.ledger.users import SystemActor

TARGET = 500


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shipments", type=int, default=400)
    parser.add_argument("--warmup", type=int, default=50)
    args = parser.parse_args()
    url = f"sqlite:///{tempfile.mkdtemp(prefix='chipclear-ship-')}/ledger.db"
    bench.setup(url, 10 * (args.shipments + args.warmup))
    ledger = open_ledger(url, create=False)
    actor = SystemActor("admin", "admin")
    inside = commit = 0.0
    for i in range(args.warmup + args.shipments):
        t0 = time.perf_counter()
        session = ledger.session()
        s = session.__enter__()
        try:
            ledger_shipments.ship(s, [bench.line()], actor, decide=bench.decide)
        except BaseException:
            session.__exit__(*sys.exc_info())
            raise
        t1 = time.perf_counter()
        session.__exit__(None, None, None)  # commits
        t2 = time.perf_counter()
        if i >= args.warmup:
            inside, commit = inside + t1 - t0, commit + t2 - t1
    ledger.close()
    n = args.shipments
    total = (inside + commit) / n
    print(f"inside the transaction   {inside / n * 1000:6.2f} ms per shipment")
    print(f"commit (with disk sync)  {commit / n * 1000:6.2f} ms per shipment")
    print(f"one writer, at most      {1 / total:6.0f} shipments/s")
    print(f"every commit shared      {1 / (inside / n):6.0f} shipments/s  (the bound of grouping commits)")
    print(
        f"target                   {TARGET:6d} shipments/s through the API, {1000 / TARGET:.2f} ms each: the ledger "
        f"alone takes {total * 1000:.2f} ms ({total * TARGET:.2f}x that budget)"
    )


if __name__ == "__main__":
    main()
