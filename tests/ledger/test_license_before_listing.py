"""A license granted before a party of the line was listed does not cover a line dated after the listing without an
approver's acknowledgement (task "listing", 2026-12-07): the line is HOLD naming the party, the list entry, the
listing date and its Federal Register citation, the license and its issue day; an approver releases it only by
confirming the license still holds after the listing, with a reason, recorded in the audit chain; the quantity is
drawn once. A real Entity List entry of the bundled lists: the Beijing Academy of Quantum Information Sciences, added
2024-05-14 (89 FR 41888)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import pytest
from sqlalchemy import select

from chipclear.decision import OrderLine, Party, Verdict
from chipclear.errors import Conflict, InputError, PermissionDenied
from chipclear.ledger import Ledger
from chipclear.ledger import licenses as ledger_licenses
from chipclear.ledger import shipments as ledger_shipments
from chipclear.ledger.coverage import (
    LicenseTerms,
    ListingAcknowledgement,
    apply_coverage,
    find_covering_license,
)
from chipclear.ledger.models import AuditRecord, LicenseUsage

from .conftest import Staff
from .helpers import stub_decision

BAQIS = "Beijing Academy of Quantum Information Sciences"  # EL, added 2024-05-14, 89 FR 41888
LISTED = "2024-05-14"
PARTY = {"name": BAQIS, "role": "end_user", "country": "CN"}


def grant(ledger: Ledger, staff: Staff, number: str, issued: dt.date, quantity: int = 10) -> None:
    with ledger.session() as s:
        app = ledger_licenses.apply_for_license(
            s,
            staff.analyst,
            items=["H100"],
            destinations=["CN"],
            parties=[PARTY],
            quantity=quantity,
            application_number=f"A-{number}",
            submitted_on=issued - dt.timedelta(days=30),
        )
        ledger_licenses.grant_license(
            s,
            staff.approver,
            app.id,
            number=number,
            valid_from=issued,
            valid_to=dt.date(2026, 12, 31),
            decided_on=issued,
        )


def line(ship_date: dt.date, quantity: int = 4) -> OrderLine:
    return OrderLine(
        item="H100", quantity=quantity, destination="CN", ship_date=ship_date, parties=[Party.model_validate(PARTY)]
    )


def ship(ledger: Ledger, staff: Staff, ship_date: dt.date) -> ledger_shipments.ShippedLine:
    result: list[ledger_shipments.ShippedLine] = ledger_shipments.ship_lines(
        ledger.session, staff.analyst, [line(ship_date)], lambda _s, r: r.lines
    )
    return result[0]


def used(ledger: Ledger, staff: Staff, number: str) -> int:
    with ledger.session() as s:
        return ledger_licenses.get_license(s, staff.viewer, number).quantity_used


def release(
    ledger: Ledger, staff: Staff, line_id: int, acks: list[str], role: str = "approver"
) -> ledger_shipments.ShippedLine:
    answers = ledger_shipments.ReleaseAnswers(listings=[ledger_shipments.ListingAnswer(n, "BIS letter") for n in acks])
    done: ledger_shipments.ShippedLine = ledger_shipments.release_line(
        ledger.session,
        getattr(staff, role),
        line_id,
        lambda _s, x: x,
        reason="confirmed with BIS that L1 stands",
        answers=answers,
    )
    return done


def test_a_license_granted_before_the_listing_holds_a_line_shipped_after_it(ledger: Ledger, staff: Staff) -> None:
    grant(ledger, staff, "L1", dt.date(2024, 1, 1))
    held = ship(ledger, staff, dt.date(2024, 7, 1))
    assert held.line.status == "held" and held.decision.verdict == Verdict.HOLD
    entry = [m for m in held.decision.missing if "predates the listing" in m]
    assert entry == [
        f"license coverage: license L1 (issued 2024-01-01) predates the listing of {BAQIS} on {LISTED} (EL entry"
        f" {BAQIS!r}, added {LISTED}, 89 FR 41888): an approver must confirm that license L1 still holds after the"
        " listing (release acknowledging the listing, with a reason)"
    ]
    # the license requirement stays visible: the Entity List reason and its review policy, never NLR
    assert held.decision.review_policy is not None
    assert any("89 FR 41888" in r.detail for r in held.decision.reasons if r.rule != "ledger.license_coverage")
    assert used(ledger, staff, "L1") == 0
    # shipped before the listing: covered as before
    before = ship(ledger, staff, dt.date(2024, 4, 1))
    assert before.line.status == "shipped" and before.decision.verdict == Verdict.LICENSED
    assert used(ledger, staff, "L1") == 4


def test_a_license_granted_after_the_listing_covers_the_line(ledger: Ledger, staff: Staff) -> None:
    grant(ledger, staff, "L2", dt.date(2024, 6, 1))  # granted knowing the listing
    out = ship(ledger, staff, dt.date(2024, 7, 1))
    assert out.line.status == "shipped" and out.decision.verdict == Verdict.LICENSED, out.decision.missing


def test_only_an_approvers_acknowledgement_releases_it_and_the_quantity_is_drawn_once(
    ledger: Ledger, staff: Staff
) -> None:
    grant(ledger, staff, "L1", dt.date(2024, 1, 1))
    line_id = ship(ledger, staff, dt.date(2024, 7, 1)).line.id
    # without the acknowledgement: refused, nothing drawn, the line still held
    with pytest.raises(Conflict, match="an approver must confirm that license L1 still holds"):
        release(ledger, staff, line_id, [])
    # an acknowledgement of a license with no listing to acknowledge, or with no reason: bad input
    with pytest.raises(InputError, match="predates no listing"):
        release(ledger, staff, line_id, ["L9"])
    answers = ledger_shipments.ReleaseAnswers(listings=[ledger_shipments.ListingAnswer("L1", " ")])
    with pytest.raises(InputError, match="needs a reason"):
        ledger_shipments.release_line(
            ledger.session, staff.approver, line_id, lambda _s, x: x, reason="r", answers=answers
        )
    # an analyst may not
    with pytest.raises(PermissionDenied):
        release(ledger, staff, line_id, ["L1"], role="analyst")
    assert used(ledger, staff, "L1") == 0
    with ledger.session() as s:
        assert ledger_shipments.get_line(s, staff.viewer, line_id).status == "held"
    # with it: released under L1, the acknowledgement in the decision and the audit record
    done = release(ledger, staff, line_id, ["l1"])
    assert done.line.status == "released" and done.license_number == "L1"
    assert done.decision.verdict == Verdict.LICENSED and done.decision.missing == []
    confirmed = [r.detail for r in done.decision.reasons if "confirmed" in r.detail]
    assert confirmed == [
        f"license issued 2024-01-01 predates the listing of {BAQIS} on {LISTED} (EL entry {BAQIS!r}, added {LISTED},"
        " 89 FR 41888): approver apo confirmed that license L1 still holds after the listing (BIS letter)"
    ]
    assert used(ledger, staff, "L1") == 4
    with ledger.session() as s:
        records = s.execute(select(AuditRecord).where(AuditRecord.action == "hold.release")).scalars().all()
        assert len(records) == 1
        payload = json.loads(records[0].payload)
        assert payload["actor"] == "apo"
        assert payload["input"]["answers"]["listing_acknowledgements"] == [{"license": "l1", "reason": "BIS letter"}]
        assert any("confirmed that license L1" in r["detail"] for r in payload["output"]["reasons"])
        assert len(s.execute(select(LicenseUsage)).scalars().all()) == 1
    # released once: a second release is refused, nothing more drawn
    with pytest.raises(Conflict, match="not held"):
        release(ledger, staff, line_id, ["L1"])
    assert used(ledger, staff, "L1") == 4


def _hit(**changes: object) -> dict[str, object]:
    hit: dict[str, object] = {
        "party": BAQIS,
        "entry_id": "EL-a874a11e0b",
        "entry_hash": "h1",
        "suppressed_by": None,
        "source": "EL",
        "entry": BAQIS,
        "determination": "match",
        "effective_on": None,
        "listed_on": LISTED,
        "listing": f"added {LISTED}, 89 FR 41888",
    }
    return {**hit, **changes}


def test_an_undated_listing_is_taken_as_after_the_license_and_an_acknowledgement_is_per_license_and_entry() -> None:
    terms = LicenseTerms(
        number="L1",
        valid_from=dt.date(2024, 1, 1),
        valid_to=dt.date(2026, 12, 31),
        items=("3A090",),
        destinations=("CN",),
        parties=((BAQIS, "end_user", "CN"),),
        quantity_limit=10,
        issued_on=dt.date(2024, 1, 1),
    )
    ln = line(dt.date(2024, 7, 1))
    base = stub_decision(ln).model_copy(update={"classification": {"item": {"id": "nvidia-h100"}, "eccn": "3A090.a"}})

    def decide(hit: dict[str, object], acks: tuple[ListingAcknowledgement, ...] = ()) -> tuple[Verdict, list[str]]:
        decision = base.model_copy(update={"screening": [hit]})
        out = apply_coverage(decision, ln, find_covering_license(decision, ln, [terms], acks))
        return out.verdict, out.missing

    verdict, missing = decide(_hit(listed_on=None, listing=None))
    assert verdict == Verdict.HOLD
    assert "on a date the list data does not give (taken as after the license's issue)" in missing[0]
    ack = ListingAcknowledgement("L1", BAQIS, "EL-a874a11e0b", "apo", "BIS letter")
    assert decide(_hit(listed_on=None, listing=None), (ack,))[0] == Verdict.LICENSED
    # an acknowledgement of another license, or of another entry, acknowledges nothing here
    assert decide(_hit(), (dataclasses.replace(ack, license="L2"),))[0] == Verdict.HOLD
    assert decide(_hit(), (dataclasses.replace(ack, entry_id="EL-other"),))[0] == Verdict.HOLD
    # a listing after the ship date is not in the way
    assert decide(_hit(listed_on="2024-07-02"))[0] == Verdict.LICENSED
