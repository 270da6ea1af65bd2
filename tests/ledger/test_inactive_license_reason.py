"""A suspended or revoked license is named in the coverage reason, with the day it stopped being in force, and
covers nothing (a door audit, 2026-12-07: the reason listed, per license, why each did not cover the line, but the
suspended or revoked ones were filtered out before it and vanished from it)."""

from __future__ import annotations

import datetime as dt

import pytest

from chipclear.decision import Verdict
from chipclear.errors import NotFound
from chipclear.ledger import Ledger
from chipclear.ledger import checks as ledger_checks
from chipclear.ledger import licenses as ledger_licenses
from chipclear.ledger import shipments as ledger_shipments
from chipclear.ledger.coverage import COVERAGE_RULE

from . import helpers
from .conftest import Staff, grant_h20
from .helpers import h20_line

SHIP_DAY = dt.date(2025, 9, 20)


def _coverage_reason(decision_reasons: list) -> str:  # type: ignore[type-arg]
    [reason] = [r for r in decision_reasons if r.rule == COVERAGE_RULE]
    return str(reason.detail)


@pytest.fixture
def licenses_on_file(ledger: Ledger, staff: Staff) -> Ledger:
    """D1 too small for the line, D5 suspended on 2025-09-01 (it would cover it), D6 revoked on 2025-09-05."""
    grant_h20(ledger, staff, number="D1", quantity=1)
    grant_h20(ledger, staff, number="D5", quantity=100)
    grant_h20(ledger, staff, number="D6", quantity=100)
    with ledger.session() as s:
        ledger_licenses.change_license_status(
            s, staff.approver, "D5", "suspended", reason="agency letter", effective_on=dt.date(2025, 9, 1)
        )
        ledger_licenses.change_license_status(
            s, staff.approver, "D6", "revoked", reason="agency letter", effective_on=dt.date(2025, 9, 5)
        )
    return ledger


def test_a_check_names_the_suspended_and_revoked_licenses_and_they_cover_nothing(
    licenses_on_file: Ledger, staff: Staff
) -> None:
    with licenses_on_file.session() as s:
        decision = ledger_checks.check_line(
            s, h20_line(5, ship_date=SHIP_DAY), staff.analyst, decide=helpers.license_required
        )
    assert decision.verdict == Verdict.LICENSE_REQUIRED and decision.license is None
    detail = _coverage_reason(decision.reasons)
    assert "D1: quantity 5 exceeds the 1 left" in detail
    assert "D5: suspended since 2025-09-01" in detail
    assert "D6: revoked since 2025-09-05" in detail


def test_a_shipment_is_held_naming_them_and_a_release_says_so_too(licenses_on_file: Ledger, staff: Staff) -> None:
    with licenses_on_file.session() as s:
        result = ledger_shipments.ship(
            s, [h20_line(5, ship_date=SHIP_DAY)], staff.analyst, decide=helpers.license_required
        )
    shipped = result.lines[0]
    assert shipped.line.status == "held" and shipped.license_number is None
    detail = _coverage_reason(shipped.decision.reasons)
    assert "D5: suspended since 2025-09-01" in detail and "D6: revoked since 2025-09-05" in detail
    # naming the suspended license is still refused as before: it is not an active license
    with licenses_on_file.session() as s, pytest.raises(NotFound, match="no active license numbered 'D5'"):
        ledger_shipments.ship(
            s, [h20_line(5, ship_date=SHIP_DAY)], staff.analyst, decide=helpers.license_required, license_number="D5"
        )
    with licenses_on_file.session() as s:
        line_id = shipped.line.id
        released = ledger_shipments.release_hold(
            s, staff.approver, line_id, reason="try", decide=helpers.license_required
        )
    assert released.line.status == "held"
    assert "D5: suspended since 2025-09-01" in _coverage_reason(released.decision.reasons)
