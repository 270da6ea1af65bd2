"""Where one shipment's ledger time goes: one transaction per shipment, and the API's group of shipments (SQLite).

    .venv/bin/python bench/ledger/ship_critical_section.py [--shipments 400] [--warmup 50] [--group 20]

One process ships single-unit lines into a fresh SQLite ledger (stub LICENSE_REQUIRED decisions from
``ship_throughput``, so the ledger, not the engine, is measured), two ways:

- one transaction per shipment (the CLI's and the console's path): ``ledger.shipments.ship`` timed inside the
  session apart from the commit (``synchronous=FULL``: the commit includes the disk sync);
- the API's shipment writer (``chipclear.api.group_commit.ShipmentGroup``): ``--group`` shipments per transaction,
  the licenses and the audit head locked once (``lock_for_ship``), each shipment in a savepoint of its own and its
  JSON answer built, one commit per group.

Prints the time per shipment and the rate one writer could reach alone: the bound on the API's shipments (issue 16,
part 3: >= 500 shipments/s) before HTTP and the GIL are counted.
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
from chipclear.ledger.views import shipment_result_json

TARGET = 500


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shipments", type=int, default=400)
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument("--group", type=int, default=20, help="shipments per transaction on the API's path")
    args = parser.parse_args()
    n, per = args.shipments, max(1, args.group)
    url = f"sqlite:///{tempfile.mkdtemp(prefix='chipclear-ship-')}/ledger.db"
    bench.setup(url, 10 * (args.shipments + args.warmup))
    ledger = open_ledger(url, create=False)
    actor = SystemActor("admin", "admin")
    inside = commit = 0.0
    for i in range(args.warmup + n):
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

    def group_of(count: int) -> None:
        with ledger.session() as s:
            locked = ledger_shipments.lock_for_ship(s)
            for _ in range(count):
                with s.begin_nested():
                    line = bench.line()
                    result = ledger_shipments.ship(s, [line], actor, decided=[bench.decide(line, None)], locked=locked)
                    shipment_result_json(result)

    group_of(args.warmup)
    t0 = time.perf_counter()
    for start in range(0, n, per):
        group_of(min(per, n - start))
    grouped = (time.perf_counter() - t0) / n
    ledger.close()
    total = (inside + commit) / n
    print(f"one transaction per shipment (CLI, console): {n} shipments after {args.warmup} of warm-up")
    print(f"  inside the transaction   {inside / n * 1000:6.2f} ms per shipment")
    print(f"  commit (with disk sync)  {commit / n * 1000:6.2f} ms per shipment")
    print(f"  one writer, at most      {1 / total:6.0f} shipments/s")
    print(f"groups of {per} shipments, one savepoint each, one commit (the API's shipment writer)")
    print(f"  per shipment             {grouped * 1000:6.2f} ms (with its JSON answer and the commit's share)")
    print(f"  one writer, at most      {1 / grouped:6.0f} shipments/s")
    print(
        f"target                     {TARGET:6d} shipments/s through the API, {1000 / TARGET:.2f} ms each: the API's "
        f"writer alone takes {grouped * 1000:.2f} ms ({grouped * TARGET:.2f}x that budget), before HTTP and the GIL"
    )


if __name__ == "__main__":
    main()
