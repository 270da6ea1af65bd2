"""Ledger shipping throughput and audit verification time, on SQLite and PostgreSQL.

    .venv/bin/python bench/ledger/ship_throughput.py [--processes 8] [--shipments 1000] [--backend both]

Each of P processes ships S single-unit lines against one license (stub LICENSE_REQUIRED decisions, so the
ledger, not the determination engine, is measured); the license covers 3/4 of the attempts. Prints wall time,
shipments per second, the check that the balance is exact, and the time of a full `audit verify`.
PostgreSQL needs CHIPCLEAR_TEST_POSTGRES_URL (source .ci/postgres.sh); a throw-away database is created.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import func, select

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository root, for tests.pgdb

from tests.pgdb import throwaway_database

from chipclear.decision import Decision, OrderLine, Party, Reason, Verdict
from chipclear.ledger import audit, open_ledger, users
from chipclear.ledger import licenses as ledger_licenses
from chipclear.ledger import shipments as ledger_shipments
from chipclear.ledger.models import License, LicenseUsage, ShipmentLine
from chipclear.ledger.users import SystemActor

PARTY = Party(name="Bench Cloud Co", role="end_user", country="CN")
TODAY = dt.date.today()


def line() -> OrderLine:
    # shipped today: a past ship date would make it a historical entry, which only an approver may record
    return OrderLine(item="nvidia-h20", quantity=1, destination="CN", ship_date=TODAY, parties=[PARTY])


def decide(ln: OrderLine, as_of: dt.date | None) -> Decision:
    return Decision(
        verdict=Verdict.LICENSE_REQUIRED,
        classification={"item": {"id": "nvidia-h20"}},
        reasons=[Reason(rule="bench.stub", citation="benchmark", detail="stub")],
        rules_version="bench",
        as_of=ln.ship_date or TODAY,
        input=ln.model_dump(mode="json"),
    )


def worker(url: str, n: int, name: str) -> None:
    ledger = open_ledger(url, create=False)
    actor = SystemActor(name, "analyst")
    shipped = 0
    for _ in range(n):
        with ledger.session() as s:
            shipped += ledger_shipments.ship(s, [line()], actor, decide=decide).lines[0].shipped
    ledger.close()
    print(json.dumps({"shipped": shipped}))


def setup(url: str, quantity: int) -> None:
    ledger = open_ledger(url)
    with ledger.session() as s:
        admin, _ = users.create_user(s, "admin", "admin")
        app = ledger_licenses.apply_for_license(
            s,
            admin,
            items=["nvidia-h20"],
            destinations=["CN"],
            parties=[{"name": PARTY.name, "role": "end_user"}],
            quantity=quantity,
            application_number="Z1",
        )
        ledger_licenses.grant_license(
            s,
            admin,
            app.id,
            number="D1",
            valid_from=TODAY - dt.timedelta(days=30),
            valid_to=TODAY + dt.timedelta(days=365),
        )
    ledger.close()


def run(url: str, processes: int, shipments: int) -> dict[str, float | int | bool]:
    attempts = processes * shipments
    limit = attempts * 3 // 4
    setup(url, limit)
    start = time.perf_counter()
    procs = [
        subprocess.Popen(
            [sys.executable, __file__, "--worker", url, str(shipments), f"w{i}"], stdout=subprocess.PIPE, text=True
        )
        for i in range(processes)
    ]
    shipped = 0
    for p in procs:
        out, _ = p.communicate()
        shipped += json.loads(out.strip().splitlines()[-1])["shipped"]
    wall = time.perf_counter() - start
    ledger = open_ledger(url)
    with ledger.session() as s:
        used = s.execute(select(License.quantity_used)).scalar_one()
        usage = s.execute(select(func.sum(LicenseUsage.quantity))).scalar_one()
        lines = s.execute(select(func.count()).select_from(ShipmentLine)).scalar_one()
        t0 = time.perf_counter()
        result = audit.verify(s)
        verify_s = time.perf_counter() - t0
    ledger.close()
    return {
        "attempts": attempts,
        "wall_s": round(wall, 2),
        "shipments_per_s": round(attempts / wall, 1),
        "exact": shipped == used == usage == limit and lines == attempts,
        "audit_records": result.records,
        "verify_ok": result.ok,
        "verify_s": round(verify_s, 2),
    }


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        worker(sys.argv[2], int(sys.argv[3]), sys.argv[4])
        return
    ap = argparse.ArgumentParser()
    ap.add_argument("--processes", type=int, default=8)
    ap.add_argument("--shipments", type=int, default=1000)
    ap.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    args = ap.parse_args()
    print(f"{args.processes} processes x {args.shipments} shipments, {os.cpu_count()} CPUs")
    if args.backend in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as tmp:
            print("sqlite  ", run(f"sqlite:///{Path(tmp) / 'bench.db'}", args.processes, args.shipments))
    if args.backend in ("postgres", "both"):
        admin = os.environ.get("CHIPCLEAR_TEST_POSTGRES_URL")
        if not admin:
            print("postgres: skipped (set CHIPCLEAR_TEST_POSTGRES_URL; source .ci/postgres.sh)")
            return
        with throwaway_database(admin) as url:
            print("postgres", run(url, args.processes, args.shipments))


if __name__ == "__main__":
    main()
