"""Findings of the second facts audit against ../shared/reference (country groups, license exceptions, dates):
LPP is not among the exceptions 740.2(a)(9)(ii) leaves for D:1/D:4/D:5, the UAE change's unknown date and ACA,
the Macau rule's unconfirmed effective day, Sudan in E:1 until 2021-01-14, the R10 DRAM-bandwidth reading."""

from __future__ import annotations

import datetime as dt

import pytest

from chipclear.decision import OrderLine, Party
from chipclear.determination import determine
from chipclear.geography import load_geography


def _line(item: str, to: str, day: dt.date, hq: str | None = None, **extra: object) -> OrderLine:
    party = Party(name="Example Co", role="end_user", headquarters_country=hq or to)
    return OrderLine(item=item, destination=to, ship_date=day, parties=[party], **extra)  # type: ignore[arg-type]


@pytest.mark.parametrize(("to", "lpp"), [("SA", False), ("VN", False), ("KZ", False), ("BR", True), ("IL", True)])
def test_lpp_is_refused_where_740_2_a_9_ii_leaves_only_other_exceptions(to: str, lpp: bool) -> None:
    # regulations.md 3.5 (H): for 3A090/4A090 to D:1/D:4/D:5 not also in A:5/A:6, only TMP, NAC/ACA, RPL, GOV, TSU,
    # HBM, AIA (4E091) and ACM; Israel is D:4 and A:6, Brazil in no D group
    line = _line("H100", to, dt.date(2025, 6, 1), certifications=["lpp-740.29-conditions"])
    decision = determine(line, layer="codified")
    codes = [e.code for e in decision.license_exceptions]
    assert (codes == ["LPP"]) is lpp, (to, decision.verdict, codes)
    if not lpp:
        assert decision.verdict.value == "LICENSE_REQUIRED"
        assert any("740.2(a)(9)(ii)" in r.detail for r in decision.reasons)


def test_the_uae_change_is_low_confidence_until_the_text_and_aca_is_named_not_granted() -> None:
    before = determine(_line("nvidia-a30", "AE", dt.date(2026, 6, 19)))
    assert [e.code for e in before.license_exceptions] == ["ACA"]  # the UAE in D:4
    for day in (dt.date(2026, 6, 20), dt.date(2026, 7, 22), dt.date(2026, 7, 23), dt.date(2026, 12, 1)):
        decision = determine(_line("nvidia-a30", "AE", day))
        assert decision.verdict.value == "LICENSE_REQUIRED" and not decision.license_exceptions, day
        aca = [r for r in decision.reasons if r.rule.endswith("#ACA-uae-unknown")]
        assert aca and "may be available but cannot be confirmed" in aca[0].detail, day
        window = [r for r in decision.reasons if r.rule.endswith("-uae-window")]
        assert bool(window) is (day < dt.date(2026, 7, 23)), day
        if window:
            assert window[0].confidence == "L" and "LOW CONFIDENCE" in window[0].detail


def test_the_macau_rules_unconfirmed_effective_day_holds() -> None:
    verdicts = [determine(_line("H100", "MO", dt.date(2023, 1, d))).verdict.value for d in (16, 17, 18)]
    assert verdicts == ["NLR", "HOLD", "LICENSE_REQUIRED"]
    held = determine(_line("H100", "MO", dt.date(2023, 1, 17)))
    assert held.missing == ["review under 742.6(a)(6)-macau-effective-day"]
    assert determine(_line("H100", "CN", dt.date(2023, 1, 17))).verdict.value == "LICENSE_REQUIRED"


def test_sudan_is_in_e1_until_2021_01_14() -> None:
    geo = load_geography()
    assert geo.member("SD", "E:1", dt.date(2020, 6, 1)).value is True
    assert geo.member("SD", "E:1", dt.date(2021, 1, 13)).value is True
    assert geo.member("SD", "E:1", dt.date(2021, 1, 14)).value is False


def test_the_r10_policy_says_how_it_reads_total_dram_bandwidth() -> None:
    line = _line("H200", "CN", dt.date(2026, 3, 1), export_from="US", certifications=["r10-conditions"])
    decision = determine(line)
    r10 = [r for r in decision.reasons if "r10-case-by-case" in r.rule]
    assert decision.review_policy is not None and decision.review_policy.value == "case_by_case"
    assert r10 and "(UNCONFIRMED)" in r10[0].detail and "catalog's memory bandwidth" in r10[0].detail
    assert "50 %" in r10[0].detail
