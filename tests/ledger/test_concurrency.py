"""Concurrent shipments from 8 processes never over-draw a license and lose no decrement; a process killed in
the middle of a shipment leaves no partial state. Real processes, real SQLite file, real PostgreSQL server."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from chipclear.ledger import Ledger, audit, open_ledger
from chipclear.ledger.models import AuditRecord, License, LicenseUsage, Shipment, ShipmentLine

from .conftest import Staff, grant_h20
from .helpers import start_ship_workers

WORKER = Path(__file__).with_name("ship_worker.py")
PROCESSES = int(os.environ.get("CHIPCLEAR_TEST_SHIP_PROCESSES", "8"))
SHIPMENTS = int(os.environ.get("CHIPCLEAR_TEST_SHIPMENTS", "1000"))  # per process


def _totals(ledger: Ledger) -> dict[str, int]:
    with ledger.session() as s:

        def n(model: type) -> int:
            return s.execute(select(func.count()).select_from(model)).scalar_one()

        lic = s.execute(select(License)).scalar_one()
        usage_sum = s.execute(select(func.coalesce(func.sum(LicenseUsage.quantity), 0))).scalar_one()
        shipped = s.execute(
            select(func.count()).select_from(ShipmentLine).where(ShipmentLine.status == "shipped")
        ).scalar_one()
        return {
            "used": lic.quantity_used,
            "limit": lic.quantity_limit or 0,
            "usage_rows": n(LicenseUsage),
            "usage_sum": int(usage_sum),
            "shipped_lines": shipped,
            "lines": n(ShipmentLine),
            "shipments": n(Shipment),
            "audit": n(AuditRecord),
        }


@pytest.mark.slow
def test_concurrent_shipments_never_overdraw(ledger: Ledger, staff: Staff, ledger_url: str) -> None:
    attempts = PROCESSES * SHIPMENTS
    limit = attempts * 3 // 4  # a quarter of the attempts must be refused (held)
    grant_h20(ledger, staff, quantity=limit)
    before = _totals(ledger)
    procs = start_ship_workers(ledger_url, PROCESSES, SHIPMENTS, "worker")
    results = []
    for p in procs:
        out, err = p.communicate(timeout=1800)  # generous: CI machines may be shared
        assert p.returncode == 0, err[-2000:]
        results.append(json.loads(out.strip().splitlines()[-1]))
    shipped = sum(r["shipped"] for r in results)
    held = sum(r["held"] for r in results)
    after = _totals(ledger)
    assert shipped + held == attempts
    assert shipped == limit  # every unit available was shipped, none twice
    assert after["used"] == limit == after["usage_sum"] == after["usage_rows"] == after["shipped_lines"]
    assert after["lines"] == attempts and after["shipments"] == attempts
    assert after["audit"] == before["audit"] + attempts  # one record per line, none lost
    with ledger.session() as s:
        result = audit.verify(s)
    assert result.ok, result.problem


@pytest.mark.parametrize("victims", [1, 2])
def test_killed_mid_shipment_leaves_no_partial_state(
    ledger: Ledger, staff: Staff, ledger_url: str, victims: int
) -> None:
    grant_h20(ledger, staff, quantity=100)
    before = _totals(ledger)
    procs = [
        subprocess.Popen(
            [sys.executable, str(WORKER), ledger_url, "1", f"victim{i}", "--pause-before-commit"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(victims)
    ]
    # Only one can hold the license lock at a time: wait for the first, kill it, and so on.
    for _ in range(victims):
        ready = _first_ready(procs)
        os.kill(ready.pid, signal.SIGKILL)
        ready.wait(timeout=30)
        procs.remove(ready)
    assert _totals(ledger) == before  # nothing of the killed shipments remains
    # the ledger keeps working: the locks died with the processes
    led = open_ledger(ledger_url)
    try:
        from chipclear.ledger import shipments as ledger_shipments

        from .helpers import h20_line, license_required

        with led.session() as s:
            out = ledger_shipments.ship(s, [h20_line(7)], staff.analyst, decide=license_required)
            assert out.lines[0].line.status == "shipped"
        with led.session() as s:
            assert audit.verify(s).ok
    finally:
        led.close()
    after = _totals(ledger)
    assert after["used"] == 7 and after["usage_rows"] == 1 and after["audit"] == before["audit"] + 1


def _first_ready(procs: list[subprocess.Popen[str]]) -> subprocess.Popen[str]:
    import selectors

    sel = selectors.DefaultSelector()
    for p in procs:
        assert p.stdout is not None
        sel.register(p.stdout, selectors.EVENT_READ, p)
    try:
        events = sel.select(timeout=60)
        assert events, "no worker reached the commit point within 60 s"
        for key, _ in events:
            proc: subprocess.Popen[str] = key.data
            assert proc.stdout is not None
            line = proc.stdout.readline()
            if line.strip() == "READY":
                return proc
            _, err = proc.communicate()
            raise AssertionError(f"worker exited early: {line!r} {err[-2000:]}")
        raise AssertionError("unreachable")
    finally:
        sel.close()
