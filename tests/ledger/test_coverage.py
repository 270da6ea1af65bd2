"""The covering-license lookup, on hand-built decisions (pure functions, no database)."""

from __future__ import annotations

import dataclasses
import datetime as dt

from chipclear.decision import Decision, OrderLine, Party, Verdict
from chipclear.ledger.coverage import (
    LicenseTerms,
    apply_coverage,
    find_covering_license,
    why_not_covered,
)

from .helpers import CONSIGNEE, END_USER, h20_line, stub_decision

TERMS = LicenseTerms(
    number="D100001",
    valid_from=dt.date(2025, 8, 8),
    valid_to=dt.date(2027, 8, 7),
    items=("nvidia-h20",),
    destinations=("CN",),
    parties=((END_USER, "end_user", "CN"), (CONSIGNEE, "ultimate_consignee", "CN")),
    quantity_limit=100,
    quantity_used=40,
)


def test_covering_license_turns_license_required_into_licensed() -> None:
    line = h20_line(quantity=60)
    decision = stub_decision(line)
    coverage = find_covering_license(decision, line, [TERMS])
    assert coverage.license == TERMS
    out = apply_coverage(decision, line, coverage)
    assert out.verdict == Verdict.LICENSED
    assert out.license is not None
    assert out.license["number"] == "D100001"
    assert out.license["quantity_left"] == 60
    assert out.license["quantity_left_after"] == 0
    assert out.reasons[-1].rule == "ledger.license_coverage"
    assert out.reasons[-1].citation == "License D100001"
    assert decision.verdict == Verdict.LICENSE_REQUIRED  # the input is not mutated


def test_one_unit_over_the_balance_is_not_covered() -> None:
    line = h20_line(quantity=61)
    problems = why_not_covered(TERMS, stub_decision(line), line)
    assert problems == ["quantity 61 exceeds the 60 left"]
    out = apply_coverage(stub_decision(line), line, find_covering_license(stub_decision(line), line, [TERMS]))
    assert out.verdict == Verdict.LICENSE_REQUIRED
    assert "D100001: quantity 61 exceeds the 60 left" in out.reasons[-1].detail


def test_a_quantity_tolerance_on_file_does_not_extend_the_number_of_units() -> None:
    # 15 CFR 750.11: no tolerance on the number of units for items licensed by number (door audit 2026-12-07: a
    # 10-unit license with 10 % shipped 11); a tolerance recorded before grants refused one is not applied
    terms = dataclasses.replace(TERMS, quantity_tolerance_percent=10)
    assert terms.quantity_left == 60
    assert why_not_covered(terms, stub_decision(h20_line(60)), h20_line(60)) == []
    assert why_not_covered(terms, stub_decision(h20_line(61)), h20_line(61)) == ["quantity 61 exceeds the 60 left"]


def test_ship_date_must_be_inside_validity() -> None:
    for day, ok in ((dt.date(2025, 8, 7), False), (dt.date(2025, 8, 8), True), (dt.date(2027, 8, 7), True)):
        line = h20_line(1, ship_date=day)
        assert (why_not_covered(TERMS, stub_decision(line), line) == []) is ok, day
    line = h20_line(1, ship_date=dt.date(2027, 8, 8))
    assert why_not_covered(TERMS, stub_decision(line), line) == [
        "ship date 2027-08-08 is outside 2025-08-08..2027-08-07"
    ]


def test_destination_item_and_status_must_match() -> None:
    line = h20_line(1).model_copy(update={"destination": "HK"})
    assert why_not_covered(TERMS, stub_decision(line), line) == ["destination HK is not among ['CN']"]
    line = h20_line(1).model_copy(update={"item": "nvidia-h200"})
    decision = stub_decision(line).model_copy(
        update={"classification": {"item": {"id": "nvidia-h200-sxm"}, "eccn": "3A090.a"}}
    )
    assert why_not_covered(TERMS, decision, line)[0].startswith("item 'nvidia-h200' is not among")
    revoked = dataclasses.replace(TERMS, status="revoked")
    assert why_not_covered(revoked, stub_decision(h20_line(1)), h20_line(1)) == ["license is revoked"]


def test_license_by_eccn_covers_its_subparagraph_only() -> None:
    by_eccn = dataclasses.replace(TERMS, items=("3A090",))
    line = h20_line(1).model_copy(update={"item": "some-alias"})
    assert why_not_covered(by_eccn, stub_decision(line), line) == []  # classified 3A090.a
    narrower = dataclasses.replace(TERMS, items=("3A090.a.1",))
    assert why_not_covered(narrower, stub_decision(line), line) != []


def test_every_party_must_be_named_in_its_role() -> None:
    line = h20_line(1)
    other = line.model_copy(update={"parties": [*line.parties, Party(name="Other Co", role="end_user")]})
    assert why_not_covered(TERMS, stub_decision(other), other) == [
        "party 'Other Co' (end_user) is not named on the license"
    ]
    # names compare without case, punctuation or spacing differences
    varied = line.model_copy(
        update={"parties": [Party(name="example  cloud co.", role="end_user", country="cn"), line.parties[1]]}
    )
    assert why_not_covered(TERMS, stub_decision(varied), varied) == []
    # the same name in another role is not covered
    swapped = line.model_copy(update={"parties": [Party(name=CONSIGNEE, role="end_user")]})
    assert why_not_covered(TERMS, stub_decision(swapped), swapped) == [
        f"party {CONSIGNEE!r} (end_user) is not named on the license"
    ]
    nobody = line.model_copy(update={"parties": []})
    assert why_not_covered(TERMS, stub_decision(nobody), nobody) == ["the line names no end user"]


def test_value_tolerance_applies_to_value_only() -> None:
    terms = dataclasses.replace(TERMS, value_limit_cents=100_000, value_tolerance_percent=25)
    assert (terms.quantity_left, terms.value_left_cents) == (60, 125_000)
    line = h20_line(61, value=1000)
    assert why_not_covered(terms, stub_decision(line), line) == ["quantity 61 exceeds the 60 left"]


def test_a_license_without_a_quantity_covers_no_line() -> None:
    """A door audit (2026-12-07) drew 2,000,000,000 units from a $1,000 value-only license at $0.01 a line."""
    value_only = dataclasses.replace(TERMS, quantity_limit=None, value_limit_cents=100_000)
    for line in (h20_line(1_000_000_000, value=0.01), h20_line(1, value=500)):
        assert why_not_covered(value_only, stub_decision(line), line) == [
            "the license states no quantity (a value limit alone cannot bound the units shipped); record the"
            " authorised quantity on the license"
        ]
    no_limits = dataclasses.replace(TERMS, quantity_limit=None)
    assert why_not_covered(no_limits, stub_decision(h20_line(1)), h20_line(1)) != []


def test_value_limit_needs_a_value_and_enough_left() -> None:
    terms = dataclasses.replace(TERMS, quantity_limit=1000, value_limit_cents=1_000_000, value_used_cents=400_000)
    assert why_not_covered(terms, stub_decision(h20_line(1)), h20_line(1)) == [
        "the line has no value and the license has a value limit"
    ]
    assert why_not_covered(terms, stub_decision(h20_line(1, value=6000)), h20_line(1, value=6000)) == []
    assert why_not_covered(terms, stub_decision(h20_line(1, value=6000.01)), h20_line(1, value=6000.01)) == [
        "value $6,000.01 exceeds the $6,000.00 left"
    ]


def test_earliest_expiring_covering_license_is_used() -> None:
    later = dataclasses.replace(TERMS, number="D2", valid_to=dt.date(2028, 1, 1))
    exhausted = dataclasses.replace(TERMS, number="D0", quantity_used=100, valid_to=dt.date(2026, 1, 1))
    line = h20_line(5)
    coverage = find_covering_license(stub_decision(line), line, [later, exhausted, TERMS])
    assert coverage.license is not None and coverage.license.number == "D100001"
    assert coverage.rejected == {"D0": ["quantity 5 exceeds the 0 left"]}


def test_other_verdicts_are_left_alone() -> None:
    line = h20_line(1)
    for verdict in (Verdict.HOLD, Verdict.PROHIBITED, Verdict.NLR):
        decision = stub_decision(line, verdict)
        assert apply_coverage(decision, line, find_covering_license(decision, line, [TERMS])) == decision


def test_catalog_id_from_the_classifier_counts_as_the_item() -> None:
    # the classifier's JSON carries the resolved catalog item as an object; the user may have typed an alias
    line = h20_line(1).model_copy(update={"item": "H20"})
    decision = stub_decision(line).model_copy(
        update={"classification": {"item": {"id": "nvidia-h20", "name": "H20 (HGX H20)"}, "eccn": None}}
    )
    assert why_not_covered(TERMS, decision, line) == []


def test_rechecking_replaces_the_earlier_coverage_finding() -> None:
    line = h20_line(61)
    first = apply_coverage(stub_decision(line), line, find_covering_license(stub_decision(line), line, [TERMS]))
    assert first.verdict == Verdict.LICENSE_REQUIRED
    more = dataclasses.replace(TERMS, quantity_used=0)
    second = apply_coverage(first, line, find_covering_license(first, line, [more]))
    assert second.verdict == Verdict.LICENSED
    assert [r.rule for r in second.reasons] == ["test.stub", "ledger.license_coverage"]


def test_a_value_only_license_does_not_cover_a_line_declared_at_nothing() -> None:
    # a $0 (or sub-cent) line would draw nothing from the value limit: a million units under a $100,000 license
    terms = dataclasses.replace(TERMS, quantity_limit=2_000_000, quantity_used=0, value_limit_cents=10_000_000)
    for value in (0.0, 0.004):
        line = h20_line(quantity=1_000_000).model_copy(update={"value_usd": value})
        assert why_not_covered(terms, stub_decision(line), line) == [
            "the line's value $0.00 is not positive and the license has a value limit"
        ]
    line = h20_line(quantity=10).model_copy(update={"value_usd": 0.01})
    assert why_not_covered(terms, stub_decision(line), line) == []


def test_a_license_covers_its_named_party_only_not_a_namesake_of_another_form_script_or_country() -> None:
    # a door audit (2026-12-06) shipped "Acme AG" under a license for "Acme GmbH" (legal-form classes compared),
    # and 鸣远 under one for 明远 (both read as the same pinyin)
    def covered(licensed: tuple[str, str, str | None], party: Party) -> bool:
        terms = dataclasses.replace(TERMS, parties=(licensed,))
        line = h20_line(quantity=1).model_copy(update={"parties": [party]})
        return why_not_covered(terms, stub_decision(line), line) == []

    acme = ("Acme GmbH", "end_user", "CN")
    assert covered(acme, Party(name="ACME GmbH.", role="end_user", country="CN"))
    assert not covered(acme, Party(name="Acme AG", role="end_user", country="CN"))
    assert not covered(acme, Party(name="Acme GmbH", role="end_user", country="DE"))
    # no country on the line: not the license's party in CN (door audit 2026-12-07: an unknown fact unlocked it)
    assert not covered(acme, Party(name="Acme GmbH", role="end_user"))
    assert covered(("Acme Co., Ltd.", "end_user", None), Party(name="ACME Company Limited", role="end_user"))
    assert not covered(("Acme Ltd", "end_user", None), Party(name="Acme Inc", role="end_user"))
    assert not covered(("明远科技有限公司", "end_user", None), Party(name="鸣远科技有限公司", role="end_user"))
    # accents are not a different party (an ERP writes the name without them)
    fpt = ("Công ty Cổ phần Viễn thông FPT", "end_user", "VN")
    assert covered(fpt, Party(name="CONG TY CO PHAN VIEN THONG FPT", role="end_user", country="VN"))


def _as(line_item: str, catalog_id: str, eccn: str | None) -> tuple[OrderLine, Decision]:
    line = h20_line(1).model_copy(update={"item": line_item})
    decision = stub_decision(line).model_copy(update={"classification": {"item": {"id": catalog_id}, "eccn": eccn}})
    return line, decision


def test_a_license_for_a_chip_does_not_cover_a_stronger_chip_whose_name_begins_with_it() -> None:
    # A door audit (2026-12-07) shipped 50 H200 under a license for 100 H20: "H20.0" is looked up as "h200" (the
    # catalog ignores punctuation) and coverage read "h20.0" as a sub-paragraph of the license item "h20".
    for license_item, typed, resolved in (
        ("H20", "H20.0", "nvidia-h200-sxm"),
        ("nvidia-h20", "nvidia-h20.0", "nvidia-h200-sxm"),
        ("A10", "A10.0", "nvidia-a100-sxm4-80gb"),
        ("H100", "H100.NVL", "nvidia-h100-nvl"),
    ):
        terms = dataclasses.replace(TERMS, items=(license_item,))
        line, decision = _as(typed, resolved, "3A090.a")
        problems = why_not_covered(terms, decision, line)
        assert problems and problems[0].startswith(f"item {typed!r} is not among"), (license_item, typed)
        out = apply_coverage(decision, line, find_covering_license(decision, line, [terms]))
        assert out.verdict == Verdict.LICENSE_REQUIRED


def test_a_license_names_its_item_by_any_catalog_name_and_covers_exactly_that_item() -> None:
    for license_item in ("H20", "nvidia-h20", "NVIDIA H20", "h20 "):
        terms = dataclasses.replace(TERMS, items=(license_item,))
        for typed in ("H20", "nvidia-h20", "NVIDIA H-20"):
            line, decision = _as(typed, "nvidia-h20", None)
            assert why_not_covered(terms, decision, line) == [], (license_item, typed)


def test_only_an_eccn_covers_the_items_under_it() -> None:
    line, decision = _as("H200", "nvidia-h200-sxm", "3A090.a")
    for item, ok in (("3A090", True), ("3a090.a", True), ("3A090.b", False), ("4A090", False), ("3A0", False)):
        terms = dataclasses.replace(TERMS, items=(item,))
        assert (why_not_covered(terms, decision, line) == []) is ok, item
    # an item no catalog knows (a spec given with the line) is covered by the same text or id, nothing wider
    line, decision = _as("Acme X1", "acme-x1", "3A090.a")
    assert why_not_covered(dataclasses.replace(TERMS, items=("acme-x1",)), decision, line) == []
    assert why_not_covered(dataclasses.replace(TERMS, items=("Acme X1",)), decision, line) == []
    assert why_not_covered(dataclasses.replace(TERMS, items=("Acme",)), decision, line) != []
