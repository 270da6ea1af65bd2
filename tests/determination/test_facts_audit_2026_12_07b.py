"""Third facts audit (2026-12-07): FR citations that are not in ../shared/reference keep the mark of what was read.

F3: 87 FR 12226 was read only in secondary copies (M); 87 FR 22130 and 80 FR 4776 were read in govinfo / GPO; the Syria
rule (FR Doc 2025-16724) begins at 90 FR 42315, and 90 FR 42320 is the page the CFR source notes give for its
amendments, so it is not the rule's citation. F4: the NVIDIA letter of 2022-08 cites the reference's sources.
F5: a review policy that turns on a fact not given (the end user's headquarters) is stated with the policies' mark,
not as an UNCONFIRMED "no review policy"; verdict and ``missing`` are unchanged.
"""

from __future__ import annotations

import datetime as dt

from chipclear.catalog import load_catalog
from chipclear.decision import OrderLine, Party
from chipclear.determination import determine
from chipclear.determination.compiled import DecisionTable
from chipclear.geography import load_geography
from chipclear.models import load_models
from chipclear.rules import load_rules


def test_russia_rule_is_m_where_only_secondary_copies_were_read() -> None:
    action = load_rules().get("2022-02-24_87FR12226_russia-sanctions")
    assert action.confidence == "M" and "govinfo" in action.source
    assert "FR Doc 2022-07937" in action.source and "22130-22132" in action.source
    assert action.licensing is not None
    (russia,) = [r for r in action.licensing.requirements if r.id == "746.8-russia"]
    assert russia.confidence == "M" and "FR Doc 2022-07937" in russia.citation
    line = OrderLine(
        item="H100",
        destination="RU",
        ship_date=dt.date(2024, 6, 1),
        parties=[Party(name="Example Co", role="end_user", headquarters_country="RU")],
    )
    reasons = [r for r in determine(line).reasons if r.rule.endswith("#746.8-russia")]
    assert reasons and all(r.confidence == "M" for r in reasons)


def test_syria_rule_is_cited_by_its_fr_doc_and_first_page() -> None:
    action = load_rules().get("2025-09-02_2025-16724_syria")
    assert action.citation.startswith("FR Doc 2025-16724") and "90 FR 42315" in action.citation
    assert action.confidence == "M" and "frtracker" in action.source
    assert action.licensing is not None
    assert all("[90 FR 42320]" not in r.citation for r in action.licensing.requirements)


def test_crimea_and_the_3a090_correction_record_the_official_copy_read() -> None:
    crimea = load_rules().get("2015-01-29_80FR4776_crimea")
    assert crimea.confidence == "H" and "FR-2015-01-29/html/2015-01638" in crimea.source
    correction = load_rules().get("2025-02-11_90FR9604_3a090-license-correction")
    assert correction.confidence == "H" and "FR-2025-02-14/html/2025-02655" in correction.source


def test_the_nvidia_letter_cites_the_references_sources_not_an_unread_legal_basis() -> None:
    line = OrderLine(
        item="nvidia-a100-sxm4-80gb",
        destination="CN",
        ship_date=dt.date(2022, 9, 15),
        parties=[Party(name="Example Co", role="end_user", headquarters_country="CN")],
    )
    decision = determine(line)
    assert decision.verdict.value == "LICENSE_REQUIRED"
    (letter,) = [r for r in decision.reasons if r.rule.endswith("#is-informed-nvidia-a100-h100")]
    assert "WSGR" in letter.citation and "Baker McKenzie" in letter.citation and letter.confidence == "M"
    assert "744.21" not in letter.citation and "Trade Law Daily" not in letter.citation
    action = load_rules().get("2022-08-26_nvidia-8k_a100-h100-is-informed")
    assert action.effective == dt.date(2022, 8, 26) and action.confidence == "M"
    assert all(name in action.source for name in ("shacknews", "odishabhaskar", "itpro"))


def test_a_review_policy_that_turns_on_the_end_users_headquarters_says_so_with_its_own_mark() -> None:
    line = OrderLine(item="H100", destination="AE", ship_date=dt.date(2023, 11, 20))
    decision = determine(line)
    assert decision.verdict.value == "LICENSE_REQUIRED" and decision.review_policy is None
    assert decision.missing == []  # a license is required whatever the policy: nothing is added to missing
    (policy,) = [r for r in decision.reasons if r.rule == "review-policy#742.6(a)(6)(iii)"]
    assert policy.confidence == "H" and "742.6(b)(10)(ii)" in policy.citation
    assert "headquarters country, which is not given" in policy.detail
    assert "presumption_of_approval" in policy.detail and "presumption_of_denial" in policy.detail
    assert not any("no review policy" in r.detail for r in decision.reasons)
    given = OrderLine(
        item="H100",
        destination="AE",
        ship_date=dt.date(2023, 11, 20),
        parties=[Party(name="Example Co", role="end_user", headquarters_country="AE")],
    )
    assert (
        determine(given).review_policy is not None and determine(given).review_policy.value == "presumption_of_approval"
    )
    table = DecisionTable(load_rules(), load_catalog(), load_geography(), "enforced", load_models())
    compiled = table.decide(line)
    assert [r.model_dump() for r in compiled.reasons] == [r.model_dump() for r in decision.reasons]
