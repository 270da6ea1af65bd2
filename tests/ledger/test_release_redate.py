"""A line that waited on hold ships when it is released, so it is decided for that day (door audit 5, 2026-12-07):
released weeks later on the day it was first booked, a line went out NLR to a party listed since, drew an expired
license, and escaped the affiliates rule whose suspension had ended. A historical entry (recorded after it shipped)
is still decided as of its own day."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from chipclear.decision import Decision, OrderLine, Verdict
from chipclear.errors import Conflict
from chipclear.ledger import Ledger
from chipclear.ledger import shipments as ledger_shipments

from . import helpers
from .conftest import Staff, grant_h20

BOOKED = dt.date(2026, 11, 5)
RELEASED = dt.date(2026, 12, 7)


WEEK = dt.timedelta(days=7)


def _recording() -> tuple[list[dt.date | None], ledger_shipments.Decide]:
    """A decide that answers NLR and records the day it was asked for."""
    asked: list[dt.date | None] = []

    def decide(line: OrderLine, as_of: dt.date | None = None) -> Decision:
        asked.append(as_of)
        return helpers.nlr(line, as_of)

    return asked, decide


def _present(_s: object, done: ledger_shipments.ShippedLine) -> tuple[Any, ...]:
    return done.line.status, done.line.ship_date, done.license_number, done.decision.verdict, done.line.decision


def _held_line(ledger: Ledger, staff: Staff, monkeypatch: pytest.MonkeyPatch, actor: str = "analyst") -> int:
    monkeypatch.setattr(ledger_shipments, "today", lambda: BOOKED)
    with ledger.session() as s:
        line = helpers.h20_line(10, ship_date=BOOKED)
        return ledger_shipments.ship(s, [line], getattr(staff, actor), decide=helpers.hold).lines[0].line.id


def test_a_line_released_weeks_after_it_was_held_is_decided_for_the_release_day(
    ledger: Ledger, staff: Staff, monkeypatch: pytest.MonkeyPatch
) -> None:
    held = _held_line(ledger, staff, monkeypatch)
    monkeypatch.setattr(ledger_shipments, "today", lambda: RELEASED)
    asked, decide = _recording()
    status, ship_date, _, verdict, decision = ledger_shipments.release_line(
        ledger.session, staff.approver, held, _present, reason="reviewed", decide=decide
    )
    assert asked == [RELEASED]
    assert (status, ship_date, verdict) == ("released", RELEASED, Verdict.NLR)
    assert "historical_entry" not in decision  # shipped on the release day, not after the fact


def test_a_license_that_expired_while_the_line_waited_is_not_drawn(
    ledger: Ledger, staff: Staff, monkeypatch: pytest.MonkeyPatch
) -> None:
    grant_h20(ledger, staff, quantity=100, valid_from=dt.date(2026, 11, 1), valid_to=dt.date(2026, 11, 30))
    held = _held_line(ledger, staff, monkeypatch)
    monkeypatch.setattr(ledger_shipments, "today", lambda: RELEASED)
    with pytest.raises(Conflict, match="needs a covering license"):
        ledger_shipments.release_line(
            ledger.session, staff.approver, held, _present, reason="license on file", decide=helpers.license_required
        )


def test_a_historical_entry_is_still_decided_as_of_its_own_day(
    ledger: Ledger, staff: Staff, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ledger_shipments, "today", lambda: RELEASED)
    with ledger.session() as s:  # recorded on 2026-12-07 for goods that left on 2026-11-05 (an approver's entry)
        line = helpers.h20_line(10, ship_date=BOOKED)
        held = ledger_shipments.ship(s, [line], staff.approver, decide=helpers.hold).lines[0].line.id
    asked, decide = _recording()
    status, ship_date, _, _, decision = ledger_shipments.release_line(
        ledger.session, staff.approver, held, _present, reason="reviewed", decide=decide
    )
    assert asked == [BOOKED] and (status, ship_date) == ("released", BOOKED)
    assert decision["historical_entry"]["recorded_on"] == RELEASED.isoformat()


def test_a_grant_dated_after_today_is_refused_and_records_nothing(ledger: Ledger, staff: Staff) -> None:
    from chipclear.errors import InputError
    from chipclear.ledger.models import License

    today = dt.date.today()
    with pytest.raises(InputError, match=r"decided_on: .* is after today"):
        grant_h20(ledger, staff, valid_from=today, valid_to=today + dt.timedelta(days=90), decided_on=today + WEEK)
    with ledger.session() as s:
        assert s.query(License).count() == 0


def test_the_grant_day_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    from chipclear.errors import InputError
    from chipclear.ledger.licenses import _grant_day
    from chipclear.ledger.models import LicenseApplication

    today = dt.date.today()
    week = dt.timedelta(days=7)
    app = LicenseApplication(submitted_on=today - 2 * week)
    assert _grant_day(app, None, today - week) == today - week  # valid from its issue
    assert _grant_day(app, None, today + week) == today  # valid from a later day: granted today
    assert _grant_day(app, today - week, today) == today - week
    with pytest.raises(InputError, match=r"decided_on: .* is after today"):
        _grant_day(app, today + week, today + week)
    with pytest.raises(InputError, match=r"valid_from: .* is before the grant's date"):
        _grant_day(app, today, today - week)
    # never before the application was submitted (door audit 2026-12-07: a grant dated 2024 on a 2025 application)
    with pytest.raises(InputError, match=r"decided_on: .* is before the application was submitted"):
        _grant_day(app, today - 3 * week, today)
    with pytest.raises(InputError, match=r"valid_from: .* is before the application was submitted"):
        _grant_day(app, None, today - 3 * week)
