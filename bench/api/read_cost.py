"""What one license read costs in Python, without HTTP, three ways side by side (issue 16 part 3, the reads).

The same read as ``GET /api/licenses/{n}`` (the key authenticated, the license, its usage history as JSON) on a
fresh SQLite ledger, repeated: through the ORM in a read session (what the route did until 2026-12-06), by Core
selects on a SQLAlchemy connection (``CoreReader``, what the route does on PostgreSQL and for a read too long for
the event loop), and as a quick read through SQLite's driver (``QuickReads``, what the route does on SQLite). Prints
the microseconds per read and the ratio to the ORM, and checks that the three answers are equal.

    .venv/bin/python bench/api/read_cost.py [--reads 5000]

The license has no usage yet, as in ``bench/api/load.py``'s read phase (it runs before the shipments).
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from chipclear.ledger import licenses as ledger_licenses
from chipclear.ledger import open_ledger, users, views
from chipclear.ledger.reads import CoreReader
from chipclear.ledger.users import actor_of

NUMBER = "BENCH-0001"
PARTIES = [{"name": "Example Cloud Services Ltd", "role": "end_user", "country": "CN"}]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reads", type=int, default=5000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="chipclear-read-cost-") as tmp:
        ledger = open_ledger(f"sqlite:///{Path(tmp) / 'ledger.db'}")
        try:
            run(ledger, args.reads)
        finally:
            ledger.close()


def run(ledger: Any, reads: int) -> None:
    with ledger.session() as s:
        admin, key = users.create_user(s, "admin", "admin")
        app = ledger_licenses.apply_for_license(
            s, admin, items=["nvidia-h20"], destinations=["CN"], parties=PARTIES, quantity=1_000_000,
            application_number="Z-BENCH", submitted_on=dt.date(2025, 7, 15),
        )  # fmt: skip
        ledger_licenses.grant_license(
            s, admin, app.id, number=NUMBER, valid_from=dt.date(2025, 8, 8), valid_to=dt.date(2027, 8, 7)
        )

    def orm() -> dict[str, Any]:
        with ledger.read_session() as s:
            actor = users.authenticate(s, key)
            found = ledger_licenses.get_license(s, actor, NUMBER)
            data = ledger_licenses.license_json(found)
            data["usage"] = [views.usage_json(u) for u in ledger_licenses.license_usage(s, actor, found)]
            return data

    def core() -> dict[str, Any]:
        with ledger.read_session() as s:
            reader = CoreReader(s.connection())
            return views.license_detail(reader, actor_of(reader, key), NUMBER)

    quick_reads = ledger.quick_reads
    assert quick_reads is not None

    def quick() -> dict[str, Any]:
        with quick_reads.transaction() as reader:
            return views.license_detail(reader, actor_of(reader, key), NUMBER)

    answers = {name: fn() for name, fn in (("orm", orm), ("core", core), ("quick", quick))}
    assert answers["orm"] == answers["core"] == answers["quick"], "the three reads must answer alike"
    timed = {name: per_call(fn, reads) for name, fn in (("orm", orm), ("core", core), ("quick", quick))}
    print(f"one license read, {reads} reads each, SQLite (the three answers are equal)")
    print(f"{'path':<52}{'µs/read':>10}{'x ORM':>8}")
    labels = {
        "orm": "ORM in a read session (the route before; baseline)",
        "core": "Core selects, SQLAlchemy connection (CoreReader)",
        "quick": "Core selects through SQLite's driver (QuickReads)",
    }
    for name, seconds in timed.items():
        print(f"{labels[name]:<52}{seconds * 1e6:>10.1f}{seconds / timed['orm']:>8.2f}")


def per_call(fn: Callable[[], Any], n: int) -> float:
    for _ in range(min(n, 300)):
        fn()
    start = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - start) / n


if __name__ == "__main__":
    main()
