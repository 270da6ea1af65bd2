"""Findings of a facts audit against ../shared/reference (2026-12-06) that changed the engine: a low-confidence
figure is flagged in the decision's own reasons, and a TPP test the TF32 bit length decides is unknown for licensing
as it is for classification."""

from __future__ import annotations

import datetime as dt

from chipclear.decision import OrderLine, Party
from chipclear.determination import determine


def _line(item: str, day: dt.date, **extra: object) -> OrderLine:
    party = Party(name="Example Co", role="end_user", headquarters_country="CN")
    return OrderLine(item=item, destination="CN", ship_date=day, parties=[party], **extra)  # type: ignore[arg-type]


def test_a_decision_on_low_confidence_specs_says_so_in_its_reasons() -> None:
    # RTX 5090 D V2: confidence low in chips.csv ("No NVIDIA spec sheet found"), TPP 4,750 from FP4 only, 1 % under
    # 4,800: a lower bound since the 2026-12-07 outside audit (A4), so the line is held, not NLR
    decision = determine(_line("RTX 5090 D V2", dt.date(2025, 9, 1)))
    assert decision.verdict.value == "HOLD"
    flagged = [r for r in decision.reasons if r.rule == "catalog#confidence"]
    assert flagged and flagged[0].confidence == "L" and "LOW CONFIDENCE" in flagged[0].detail
    # a part of high confidence has no such reason
    assert not any(r.confidence == "L" for r in determine(_line("H20", dt.date(2025, 3, 1))).reasons)


def test_the_h200_rules_tpp_test_is_not_decided_on_one_reading_of_tf32() -> None:
    # Trainium2: TPP 21,344 with TF32 as 32 bits, 12,673 as 19 (reference chips.md: the bit length is ambiguous);
    # 742.6(b)(10)'s case-by-case review asks for TPP < 21,000: the readings disagree, so the policy is not
    # stated as certain
    line = _line("Trainium2", dt.date(2026, 3, 1), export_from="US", certifications=["r10-conditions"])
    decision = determine(line)
    assert decision.verdict.value == "LICENSE_REQUIRED"
    r10 = [r for r in decision.reasons if "r10-case-by-case" in r.rule]
    assert r10 and "bit length of TF32 operations (19 or 32)" in r10[0].detail
    # H100 (no TF32 ambiguity, TPP 15,832 < 21,000) gets case-by-case with the same facts
    assert determine(line.model_copy(update={"item": "H100"})).review_policy is not None
    assert determine(line.model_copy(update={"item": "H100"})).review_policy.value == "case_by_case"
