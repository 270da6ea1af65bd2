"""Recording a license's suspension, revocation or reinstatement (``licenses.change_license_status``, the one
function the CLI, the API and the console call): the approver's role first, each refused change naming its field
and writing nothing, and the reason kept in the license's status history beside the day it took effect."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from chipclear.errors import ChipclearError, Conflict, InputError, PermissionDenied
from chipclear.ledger import Ledger, audit
from chipclear.ledger import licenses as ledger_licenses
from chipclear.ledger import shipments as ledger_shipments
from chipclear.ledger.models import AuditRecord

from . import helpers
from .conftest import Staff, grant_h20
from .helpers import h20_line


def _records(ledger: Ledger) -> int:
    with ledger.session() as s:
        return int(s.execute(select(func.count()).select_from(AuditRecord)).scalar_one())


def _state(ledger: Ledger, staff: Staff, number: str) -> tuple[str, list[dict[str, object]]]:
    with ledger.session() as s:
        lic = ledger_licenses.get_license(s, staff.viewer, number)
        return lic.status, list(lic.status_changes or [])


def _refused(ledger: Ledger, staff: Staff, number: str, status: str, **kw: object) -> ChipclearError:
    with pytest.raises(ChipclearError) as refused, ledger.session() as s:
        ledger_licenses.change_license_status(s, staff.approver, number, status, **kw)  # type: ignore[arg-type]
    return refused.value


def test_each_refused_status_change_names_its_field_and_writes_nothing(ledger: Ledger, staff: Staff) -> None:
    grant_h20(ledger, staff, number="D1", quantity=100, decided_on=dt.date(2025, 8, 8))
    grant_h20(ledger, staff, number="D2", quantity=100, decided_on=dt.date(2025, 8, 8))
    with ledger.session() as s:
        ledger_licenses.change_license_status(
            s, staff.approver, "D1", "suspended", reason="agency letter", effective_on=dt.date(2025, 9, 1)
        )
        ledger_licenses.change_license_status(
            s, staff.approver, "D2", "revoked", reason="agency letter", effective_on=dt.date(2025, 9, 1)
        )
    before = (_records(ledger), _state(ledger, staff, "D1"), _state(ledger, staff, "D2"))
    day = dt.date(2025, 9, 5)
    cases: list[tuple[str, str, dict[str, object], type[ChipclearError], str, str]] = [
        # reinstating a license that is not suspended (revoked; and below, active)
        ("D2", "active", {"reason": "r", "effective_on": day}, Conflict, "status", "already revoked"),
        ("D2", "revoked", {"reason": "r", "effective_on": day}, Conflict, "status", "already revoked"),
        ("D1", "suspended", {"reason": "r", "effective_on": day}, Conflict, "status", "already suspended"),
        ("D1", "active", {"reason": "r", "effective_on": dt.date(2025, 8, 31)}, InputError, "effective_on", "before"),
        ("D1", "revoked", {"reason": "r", "effective_on": dt.date(2025, 8, 1)}, InputError, "effective_on", "issued"),
        ("D1", "active", {"reason": "x" * 4001, "effective_on": day}, InputError, "reason", "reason"),
        ("D1", "active", {"reason": "  ", "effective_on": day}, InputError, "reason", "must not be empty"),
        ("D1", "reinstated", {"reason": "r", "effective_on": day}, InputError, "status", "not suspended, revoked"),
    ]
    for number, status, kw, kind, field, words in cases:
        err = _refused(ledger, staff, number, status, **kw)
        assert isinstance(err, kind) and err.field == field and words in err.message, (number, status, err)
    with ledger.session() as s:
        ledger_licenses.change_license_status(s, staff.approver, "D1", "active", reason="lifted", effective_on=day)
    err = _refused(ledger, staff, "D1", "active", reason="r", effective_on=day)
    assert isinstance(err, Conflict) and err.field == "status"
    assert err.message == "status: license D1 is active, not suspended; only a suspended license can be reinstated"
    # nothing of the refusals was written: the records are the ones of D1's reinstatement alone
    assert _records(ledger) == before[0] + 1
    assert _state(ledger, staff, "D2") == before[2]
    with ledger.session() as s:
        assert audit.verify(s).ok


def test_the_role_is_checked_before_the_change_is_read(ledger: Ledger, staff: Staff) -> None:
    grant_h20(ledger, staff, number="D1", quantity=100)
    for status in ("revoked", "no-such-status"):
        with pytest.raises(PermissionDenied), ledger.session() as s:
            ledger_licenses.change_license_status(s, staff.analyst, "D1", status, reason="r")
    assert _state(ledger, staff, "D1") == ("active", [])


def test_the_status_history_keeps_each_change_with_its_day_and_reason(ledger: Ledger, staff: Staff) -> None:
    grant_h20(ledger, staff, number="D1", quantity=100)
    with ledger.session() as s:
        ledger_licenses.change_license_status(
            s, staff.approver, "D1", "suspended", reason="BIS letter of 2025-09-01", effective_on=dt.date(2025, 9, 1)
        )
        ledger_licenses.change_license_status(
            s, staff.approver, "d1", "revoked", reason="BIS order of 2025-10-01", effective_on=dt.date(2025, 10, 1)
        )
        lic = ledger_licenses.get_license(s, staff.viewer, "D1")
        shown = ledger_licenses.license_json(lic)["status_changes"]
    assert [(c["status"], c["effective_on"], c["reason"], c["actor"]) for c in shown] == [
        ("suspended", "2025-09-01", "BIS letter of 2025-09-01", "apo"),
        ("revoked", "2025-10-01", "BIS order of 2025-10-01", "apo"),
    ]
    # a line dated on or after the revocation is not covered, and the reason names the license
    with ledger.session() as s:
        held = ledger_shipments.ship(
            s, [h20_line(1, ship_date=dt.date(2025, 10, 1))], staff.analyst, decide=helpers.license_required
        )
    assert held.lines[0].line.status == "held"
    assert "D1: revoked since" in held.lines[0].decision.reasons[-1].detail
