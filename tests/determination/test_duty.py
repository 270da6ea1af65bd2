"""Import lines: the duty stack appears in the decision beside (never instead of) the export verdict."""

from __future__ import annotations

import datetime as dt

import pytest

from chipclear import determine
from chipclear.decision import ImportEntry, OrderLine, Party
from chipclear.determination.history import NoScreening
from chipclear.errors import InputError

END_USER = [Party(name="Example Cloud Co", role="end_user", country="CN", headquarters_country="CN")]


def line(**extra: object) -> OrderLine:
    base: dict[str, object] = {"item": "H20", "destination": "CN", "ship_date": dt.date(2025, 6, 1)}
    return OrderLine.model_validate(base | {"parties": END_USER} | extra)


def test_import_line_carries_the_duty_and_a_cited_reason() -> None:
    entry = ImportEntry(hts="8473.30.1180", origin="CN", value_usd=25_000)
    decision = determine(line(import_entry=entry), screener=NoScreening())
    assert decision.duty is not None
    assert decision.duty["status"] == "determined"
    assert decision.duty["total_rate"] == pytest.approx(45.0)  # pinned by the duty scenarios for this date
    assert decision.duty["total_amount"] == pytest.approx(11_250.0)
    duty_reasons = [r for r in decision.reasons if r.rule.startswith("duty#8473.30.1180#CN")]
    assert len(duty_reasons) == 1 and "45%" in duty_reasons[0].detail and duty_reasons[0].citation


def test_duty_never_changes_the_export_verdict() -> None:
    plain = determine(line(), screener=NoScreening())
    entry = ImportEntry(hts="8473.30.1180", origin="TW", value_usd=25_000)
    with_import = determine(line(import_entry=entry), screener=NoScreening())
    assert plain.duty is None
    assert (plain.verdict, plain.review_policy) == (with_import.verdict, with_import.review_policy)


def test_exclusion_claim_for_a_datacenter_board_is_an_open_question_not_a_number() -> None:
    base = ImportEntry(hts="8473.30.1180", origin="CN", value_usd=25_000)
    claimed = base.model_copy(update={"claims": ["9903.88.69"]})
    without = determine(line(import_entry=base), screener=NoScreening()).duty
    decision = determine(line(import_entry=claimed), screener=NoScreening())
    with_claim = decision.duty
    assert without is not None and with_claim is not None
    # Whether the 301 exclusion describes a datacenter accelerator is unconfirmed: the range, never a guess.
    assert with_claim["status"] == "indeterminate" and with_claim["total_rate"] is None
    assert with_claim["total_rate_range"]["low"] < without["total_rate"] == with_claim["total_rate_range"]["high"]
    assert any("9903.88.69" in u["id"] for u in with_claim["unknowns"])
    summary = next(r for r in decision.reasons if r.rule.startswith("duty#"))
    assert "undetermined" in summary.detail and summary.confidence == "UNCONFIRMED"


def test_entry_date_defaults_to_the_ship_date() -> None:
    entry = ImportEntry(hts="8473.30.1180", origin="CN")
    decision = determine(line(import_entry=entry), screener=NoScreening())
    assert decision.duty is not None and decision.duty["entry_date"] == "2025-06-01"


def test_unknown_hts_is_an_input_error() -> None:
    with pytest.raises(InputError, match="hts"):
        determine(line(import_entry=ImportEntry(hts="9999.99", origin="CN")), screener=NoScreening())


def test_screened_parties_are_named_in_the_reasons_and_stale_lists_flagged() -> None:
    decision = determine(line())  # the embedded lists are older than the default 30-day limit
    summary = [r for r in decision.reasons if r.rule == "screening#lists"]
    assert len(summary) == 1 and "screened Example Cloud Co" in summary[0].detail
    assert "STALE LISTS" in summary[0].detail and decision.list_version
