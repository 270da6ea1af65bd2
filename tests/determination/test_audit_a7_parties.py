"""The model-weights audit A7 (2026-12-07), the parties' side: a controlling owner is the ultimate parent for the
headquarters tests (regulations.md 3.3 l.156, l.159); where a recipient is located is used (AIA: located in a
Supp. 5 para. (a) destination / outside Macau and D:5, 3.5 l.182, 4.4 l.252); AIA's every-party headquarters test
reads an intermediate consignee too. Each decided by ``determine()`` and, identically, by the compiled table."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from chipclear.decision import Decision, OrderLine, ParentLink, Party
from chipclear.determination import determine
from chipclear.determination.compiled import DecisionTable

DAY = dt.date(2026, 3, 1)


class NoHits:
    list_version = "test"
    hits: tuple[()] = ()

    def search(self, name: str, country: str | None = None, reviews: Any = None) -> Any:
        return self


def _decide(line: OrderLine, layer: str = "enforced") -> Decision:
    """``determine()``, checked against the compiled table (the same answer, reasons included)."""
    direct = determine(line, layer=layer, screener=NoHits())  # type: ignore[arg-type]
    table = DecisionTable.for_current(layer=layer, cache=False)  # type: ignore[arg-type]
    compiled = table.decide(line, screener=NoHits())  # type: ignore[arg-type]
    assert compiled.verdict == direct.verdict and compiled.missing == direct.missing
    assert [r.detail for r in compiled.reasons] == [r.detail for r in direct.reasons]
    return direct


def _end_user(**kw: Any) -> Party:
    return Party(name="Acme UK Ltd", role="end_user", headquarters_country="GB", **kw)


def _owner(share: float | None, hq: str | None, name: str = "Dragon Holdings") -> ParentLink:
    return ParentLink(name=name, share=share, headquarters_country=hq)


def _line(item: str, to: str, *parties: Party, certify: tuple[str, ...] = ()) -> OrderLine:
    return OrderLine(item=item, destination=to, ship_date=DAY, parties=list(parties), certifications=list(certify))


@pytest.mark.parametrize(("item", "to"), [("H100", "GB"), ("H100", "SG"), ("H20", "MY")])
def test_a_sole_owner_headquartered_in_china_is_the_ultimate_parent(item: str, to: str) -> None:
    d = _decide(_line(item, to, _end_user(owners=[_owner(100, "CN")])))
    assert d.verdict.value == "LICENSE_REQUIRED", d.reasons
    read = next(r for r in d.reasons if r.rule == "parties#owner-as-parent")
    assert "Dragon Holdings owns 100 %" in read.detail and "ultimate parent" in read.detail
    assert any("ultimate parent of Acme UK Ltd" in r.detail for r in d.reasons if r.rule != read.rule)


def test_the_owner_reads_as_a_parent_does() -> None:
    as_parent = _decide(_line("H100", "GB", _end_user(parents=[_owner(100, "CN")])))
    as_owner = _decide(_line("H100", "GB", _end_user(owners=[_owner(100, "CN")])))
    assert as_owner.verdict == as_parent.verdict and as_owner.review_policy == as_parent.review_policy


def test_a_majority_owner_of_unknown_headquarters_holds_naming_the_ultimate_parent() -> None:
    d = _decide(_line("H100", "GB", _end_user(owners=[_owner(100, None)])))
    assert d.verdict.value == "HOLD"
    assert d.missing and all("ultimate parent" in m for m in d.missing), d.missing


def test_owners_in_china_together_holding_half_hold() -> None:
    owners = [_owner(30, "CN", "Dragon One"), _owner(30, "CN", "Dragon Two")]
    d = _decide(_line("H100", "GB", _end_user(owners=owners)))
    assert d.verdict.value == "HOLD"
    assert any("ultimate parent of Acme UK Ltd" in m for m in d.missing), d.missing


def test_owners_that_cannot_change_the_answer_do_not_hold() -> None:
    owners = [_owner(30, "CN", "Dragon One"), _owner(30, "GB", "Albion Holdings")]  # 30 % in D:5, < 50 %
    assert _decide(_line("H100", "GB", _end_user(owners=owners))).verdict.value == "NLR"
    assert _decide(_line("H100", "GB", _end_user(owners=[_owner(100, "GB")]))).verdict.value == "NLR"


def test_a_given_parent_stays_the_ultimate_parent() -> None:
    # the owner is owned in turn by the given parent (in the UK): the ultimate parent is the parent
    party = _end_user(owners=[_owner(100, "CN")], parents=[_owner(100, "GB", "Albion plc")])
    assert _decide(_line("H100", "GB", party)).verdict.value == "NLR"


def test_aia_for_weights_is_refused_for_a_chinese_sole_owner() -> None:
    line = _line("grok-3", "GB", _end_user(owners=[_owner(100, "CN")]), certify=("aia-4e091-storage",))
    d = _decide(line, "codified")
    assert d.verdict.value == "LICENSE_REQUIRED" and d.review_policy is not None
    assert d.review_policy.value == "presumption_of_denial"


@pytest.mark.parametrize("where", ["CN", "IR", "MO"])
def test_aia_for_weights_needs_the_end_user_located_outside_macau_and_d5(where: str) -> None:
    line = _line("grok-3", "GB", _end_user(country=where), certify=("aia-4e091-storage",))
    d = _decide(line, "codified")
    assert d.verdict.value == "LICENSE_REQUIRED" and not d.license_exceptions, d.reasons
    if where != "IR":  # Iran: the embargo conflict is the reason; CN, MO: D:5/Macau
        assert any(r.detail.startswith("AIA not available: location of Acme UK Ltd") for r in d.reasons)


def test_aia_still_applies_to_an_end_user_located_in_a_tier_one_country() -> None:
    line = _line("grok-3", "GB", _end_user(country="FR"), certify=("aia-4e091-storage",))
    d = _decide(line, "codified")
    assert d.verdict.value == "LICENSE_EXCEPTION" and [u.code for u in d.license_exceptions] == ["AIA"]


def test_aia_for_chips_needs_the_consignee_located_in_a_tier_one_country() -> None:
    consignee = Party(name="Acme", role="ultimate_consignee", country="CN", headquarters_country="GB")
    d = _decide(_line("H100", "GB", consignee, certify=("aia-740.27-ic-designer",)), "codified")
    assert d.verdict.value != "LICENSE_EXCEPTION", d.license_exceptions


def test_a_location_that_needs_a_license_holds_the_line() -> None:
    d = _decide(_line("H20", "GB", _end_user(country="CN")))
    assert d.verdict.value == "HOLD"
    assert d.missing == ["country of ultimate destination (end user Acme UK Ltd located in CN, destination GB)"]
    assert any(r.rule == "parties#location-conflict" and "to CN" in r.detail for r in d.reasons)


def test_an_exception_the_location_would_not_allow_holds_the_line() -> None:
    line = _line("H100", "GB", _end_user(country="CN"), certify=("acm-740.28-conditions",))
    d = _decide(line, "codified")
    assert d.verdict.value == "HOLD", d.license_exceptions
    assert any("no license exception (ACM)" in r.detail for r in d.reasons)


def test_a_location_that_changes_nothing_does_not_hold() -> None:
    assert _decide(_line("H20", "GB", _end_user(country="FR"))).verdict.value == "NLR"
    assert _decide(_line("H20", "GB", _end_user(country="GB"))).verdict.value == "NLR"


def test_aia_reads_an_intermediate_consignee_headquartered_in_china() -> None:
    middle = Party(name="Transit HK Ltd", role="intermediate_consignee", country="HK", headquarters_country="CN")
    line = _line("grok-3", "GB", _end_user(country="GB"), middle, certify=("aia-4e091-storage",))
    d = _decide(line, "codified")
    assert d.verdict.value == "LICENSE_REQUIRED" and not d.license_exceptions
    clean = Party(name="Transit FR SA", role="intermediate_consignee", country="FR", headquarters_country="FR")
    ok = _decide(_line("grok-3", "GB", _end_user(country="GB"), clean, certify=("aia-4e091-storage",)), "codified")
    assert [u.code for u in ok.license_exceptions] == ["AIA"]
