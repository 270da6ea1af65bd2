"""The license-coverage defects of the outside audit of 2026-12-07 (a10): a line that leaves out a party's country,
a license issued before its end user was listed, suspension windows with their effective dates, license numbers
that differ only in case or width, a grant with only a value limit, and a quantity tolerance on units."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import pytest
from sqlalchemy import select

from chipclear.decision import Party, Verdict
from chipclear.errors import Conflict, InputError
from chipclear.ledger import Ledger
from chipclear.ledger import licenses as ledger_licenses
from chipclear.ledger import shipments as ledger_shipments
from chipclear.ledger.coverage import LicenseTerms, apply_coverage, find_covering_license, why_not_covered
from chipclear.ledger.models import AuditRecord

from . import helpers
from .conftest import Staff, grant_h20
from .helpers import CONSIGNEE, END_USER, h20_line, stub_decision

TERMS = LicenseTerms(
    number="D1",
    valid_from=dt.date(2025, 8, 8),
    valid_to=dt.date(2027, 8, 7),
    items=("nvidia-h20",),
    destinations=("CN",),
    parties=((END_USER, "end_user", "CN"), (CONSIGNEE, "ultimate_consignee", "CN")),
    quantity_limit=1000,
    issued_on=dt.date(2025, 8, 8),
)


def _decide(line_parties: list[Party], terms: LicenseTerms = TERMS) -> tuple[list[str], Verdict, list[str]]:
    line = h20_line(1).model_copy(update={"parties": line_parties})
    decision = stub_decision(line)
    out = apply_coverage(decision, line, find_covering_license(decision, line, [terms]))
    return why_not_covered(terms, decision, line), out.verdict, out.missing


# 1. a party's country on one side only


def test_a_line_that_leaves_out_the_end_users_country_is_not_covered_by_a_license_naming_it_in_cn() -> None:
    problems, verdict, missing = _decide([Party(name=END_USER, role="end_user")])
    assert problems == [f"party {END_USER!r} (end_user) gives no country; the license names it in CN"]
    assert verdict == Verdict.LICENSE_REQUIRED
    assert missing == [f"license coverage: the country of end_user {END_USER!r} (license D1 names it in CN)"]
    # the true country elsewhere is another party, with nothing to answer
    problems, verdict, missing = _decide([Party(name=END_USER, role="end_user", country="SG")])
    assert problems == [f"party {END_USER!r} (end_user) is not named on the license"] and missing == []
    # and vice versa: a license party without a country does not cover the line's party in a country
    terms = dataclasses.replace(TERMS, parties=((END_USER, "end_user", None),))
    problems, verdict, missing = _decide([Party(name=END_USER, role="end_user", country="SG")], terms)
    assert problems == [f"party {END_USER!r} (end_user) is in SG; the license names it with no country"]
    assert verdict == Verdict.LICENSE_REQUIRED and "the line gives SG" in missing[0]
    # the same country on both sides, or none on either, is covered
    assert _decide([Party(name=END_USER, role="end_user", country="cn")])[1] == Verdict.LICENSED
    assert _decide([Party(name=END_USER, role="end_user")], terms)[1] == Verdict.LICENSED


# 2. a license issued before a party of the line was listed

ZHIPU = "Beijing Zhipu Huazhang Technology Co., Ltd."
EL_HIT = {
    "party": ZHIPU,
    "party_country": "CN",
    "via_owner": None,
    "entry_id": "EL-203122f3be",
    "entry_hash": "bc3dff413ead3f8f",
    "suppressed_by": None,
    "source": "EL",
    "entry": ZHIPU,
    "determination": "match",
    "federal_register_notice": "90 FR 4617",
    "effective_on": "2025-01-16",
    "listed_on": "2025-01-16",
    "listing": "added 2025-01-16, 90 FR 4617",
}


def _zhipu(ship_date: dt.date, hit: dict[str, object]) -> tuple[Verdict, list[str], str]:
    terms = dataclasses.replace(
        TERMS,
        valid_from=dt.date(2024, 12, 15),
        issued_on=dt.date(2024, 12, 15),
        parties=((ZHIPU, "end_user", "CN"),),
    )
    line = h20_line(1, ship_date=ship_date).model_copy(
        update={"parties": [Party(name=ZHIPU, role="end_user", country="CN")]}
    )
    decision = stub_decision(line).model_copy(update={"screening": [hit]})
    out = apply_coverage(decision, line, find_covering_license(decision, line, [terms]))
    return out.verdict, out.missing, out.reasons[-1].citation


def test_a_license_issued_before_its_end_user_was_listed_holds_lines_dated_from_the_listing() -> None:
    verdict, missing, citation = _zhipu(dt.date(2025, 1, 16), EL_HIT)
    assert verdict == Verdict.HOLD
    assert missing == [
        f"license coverage: license D1 (issued 2024-12-15) predates the listing of {ZHIPU} on 2025-01-16 (EL entry"
        f" {ZHIPU!r}, added 2025-01-16, 90 FR 4617): an approver must confirm that license D1 still holds after the"
        " listing (release acknowledging the listing, with a reason)"
    ]
    assert "744.11(a)" in citation
    # listed before the license was issued: the agency decided with the listing in view
    earlier = {**EL_HIT, "effective_on": "2024-12-01", "listed_on": "2024-12-01"}
    assert _zhipu(dt.date(2025, 1, 16), earlier)[0] == Verdict.LICENSED
    # a listing date the data does not give: not known to follow the license, held (fail closed)
    undated = {**EL_HIT, "effective_on": None, "listed_on": None}
    verdict, missing, _ = _zhipu(dt.date(2025, 1, 16), undated)
    assert verdict == Verdict.HOLD and "on a date the list data does not give" in missing[0]
    # a hit a reviewer cleared as not a match is no listing of the party
    assert _zhipu(dt.date(2025, 1, 16), {**EL_HIT, "suppressed_by": {"review_id": 1}})[0] == Verdict.LICENSED


# 3. suspension windows


def test_a_line_dated_inside_a_suspension_window_is_not_covered_after_the_reinstatement() -> None:
    windows = ledger_licenses.not_in_force(
        [
            {"status": "suspended", "effective_on": "2025-09-01"},
            {"status": "active", "effective_on": "2025-09-10"},
        ]
    )
    terms = dataclasses.replace(TERMS, not_in_force=windows)
    for day, covered in (
        (dt.date(2025, 8, 31), True),
        (dt.date(2025, 9, 1), False),
        (dt.date(2025, 9, 9), False),
        (dt.date(2025, 9, 10), True),
    ):
        line = h20_line(1, ship_date=day)
        assert (why_not_covered(terms, stub_decision(line), line) == []) is covered, day
    line = h20_line(1, ship_date=dt.date(2025, 9, 3))
    assert why_not_covered(terms, stub_decision(line), line) == [
        "ship date 2025-09-03: the license was suspended from 2025-09-01 until it was reinstated on 2025-09-10"
    ]


def test_suspension_and_reinstatement_take_effect_on_their_dates_in_the_ledger_and_the_audit(
    ledger: Ledger, staff: Staff
) -> None:
    grant_h20(ledger, staff, number="D1", quantity=100)
    with ledger.session() as s:
        ledger_licenses.change_license_status(
            s, staff.approver, "D1", "suspended", reason="agency letter", effective_on=dt.date(2025, 9, 1)
        )
        for day, field in ((dt.date.today() + dt.timedelta(days=1), "effective_on"), (dt.date(2025, 8, 31), "")):
            with pytest.raises(InputError) as refused:
                ledger_licenses.change_license_status(s, staff.approver, "D1", "active", reason="r", effective_on=day)
            assert refused.value.field == "effective_on", field
        ledger_licenses.change_license_status(
            s, staff.approver, "d1", "active", reason="agency letter", effective_on=dt.date(2025, 9, 10)
        )
    with ledger.session() as s:
        held = ledger_shipments.ship(
            s, [h20_line(1, ship_date=dt.date(2025, 9, 3))], staff.analyst, decide=helpers.license_required
        )
        assert held.lines[0].line.status == "held"
        shipped = ledger_shipments.ship(
            s, [h20_line(1, ship_date=dt.date(2025, 9, 10))], staff.analyst, decide=helpers.license_required
        )
        assert shipped.lines[0].line.status == "shipped"
        records = s.execute(select(AuditRecord).where(AuditRecord.action == "license.active")).scalars().all()
        assert [json.loads(r.payload)["input"]["effective_on"] for r in records] == ["2025-09-10"]
        lic = ledger_licenses.get_license(s, staff.viewer, "D1")
        assert [c["effective_on"] for c in lic.status_changes or []] == ["2025-09-01", "2025-09-10"]
    # before the license was issued
    with ledger.session() as s, pytest.raises(InputError, match="before license D1 was issued"):
        ledger_licenses.change_license_status(
            s, staff.approver, "D1", "revoked", reason="r", effective_on=dt.date(2025, 8, 1)
        )


# 5. license numbers differing in case or width


def test_a_license_number_differing_only_in_case_or_width_is_the_same_license(ledger: Ledger, staff: Staff) -> None:
    grant_h20(ledger, staff, number="D1", quantity=100)
    for twin in ("d1", "Ｄ1", " D1 "):
        with pytest.raises(Conflict) as refused:
            grant_h20(ledger, staff, number=twin, quantity=100)
        assert refused.value.field == "number" and "'D1' already exists" in refused.value.message, twin
    with ledger.session() as s:
        assert [x.number for x in ledger_licenses.list_licenses(s, staff.viewer)] == ["D1"]
        assert [x.number for x in ledger_licenses.active_licenses(s, lock=False, number="d1")] == ["D1"]
        result = ledger_shipments.ship(
            s, [h20_line(1)], staff.analyst, decide=helpers.license_required, license_number="d1"
        )
        assert result.lines[0].line.status == "shipped" and result.lines[0].license_number == "D1"


# 4. a value limit alone; 6. a quantity tolerance on units


def test_a_grant_with_only_a_value_limit_or_a_unit_tolerance_is_refused(ledger: Ledger, staff: Staff) -> None:
    with pytest.raises(InputError) as refused:
        grant_h20(ledger, staff, number="V1", quantity=None, value_limit=1000.0)  # type: ignore[arg-type]
    assert refused.value.field == "quantity"
    with pytest.raises(InputError) as refused:
        grant_h20(ledger, staff, number="T1", quantity=10, tolerance=10)
    assert refused.value.field == "quantity_tolerance_percent" and "750.11" in refused.value.message
    with ledger.session() as s:
        assert ledger_licenses.list_licenses(s, staff.viewer) == []


def test_a_suspension_then_a_revocation_names_each_with_its_own_day() -> None:
    """A license suspended, then revoked without a reinstatement between: it is revoked since the revocation's
    day (not the suspension's), and a line dated inside the suspension says the suspension ended in the
    revocation, not in a reinstatement."""
    windows = ledger_licenses.not_in_force(
        [
            {"status": "suspended", "effective_on": "2025-09-01"},
            {"status": "revoked", "effective_on": "2025-10-15"},
        ]
    )
    assert windows == (
        (dt.date(2025, 9, 1), dt.date(2025, 10, 15), "suspended"),
        (dt.date(2025, 10, 15), None, "revoked"),
    )
    terms = dataclasses.replace(TERMS, not_in_force=windows, status="revoked")
    line = h20_line(1, ship_date=dt.date(2025, 9, 3))
    assert why_not_covered(terms, stub_decision(line), line) == [
        "revoked since 2025-10-15",
        "ship date 2025-09-03: the license was suspended from 2025-09-01 until it was revoked on 2025-10-15",
    ]
    before = h20_line(1, ship_date=dt.date(2025, 8, 20))
    assert why_not_covered(terms, stub_decision(before), before) == ["revoked since 2025-10-15"]
