"""A timeline period is one answer: for any day in it, ``determine()`` says the same verdict, policy, exceptions and
``missing`` (a doors audit, 2026-12-07: the period of huawei-ascend-910b to HK that began on 2023-11-17 showed
nothing missing, while a check on 2025-06-01 asked for the review the GP10 guidance of 2025-05-13 calls for)."""

from __future__ import annotations

import datetime as dt

import pytest

from chipclear.decision import OrderLine
from chipclear.determination import determine, timeline
from chipclear.determination.history import NoScreening

END = dt.date(2026, 11, 29)


@pytest.mark.parametrize(
    ("item", "destination", "day"),
    [
        ("huawei-ascend-910b", "HK", dt.date(2025, 6, 1)),
        ("nvidia-b30a", "CN", dt.date(2026, 3, 1)),
        ("H20", "CN", dt.date(2025, 8, 1)),
    ],
)
def test_the_period_of_a_day_says_what_a_check_of_that_day_says(item: str, destination: str, day: dt.date) -> None:
    periods = timeline(item, destination, end=END).periods
    period = next(p for p in periods if p.start <= day and (p.end is None or day <= p.end))
    decision = determine(OrderLine(item=item, destination=destination, ship_date=day), screener=NoScreening())
    assert (period.verdict, period.missing) == (decision.verdict.value, decision.missing)


def _cited(rules: list[str]) -> list[str]:
    return [r for r in rules if "#" in r and not r.startswith(("classify", "review-policy")) and "#event-" not in r]


@pytest.mark.parametrize(("item", "destination", "day"), [("H100", "CU", dt.date(2024, 1, 1))])
def test_the_period_of_a_day_cites_the_rules_a_check_of_that_day_cites(
    item: str, destination: str, day: dt.date
) -> None:
    """Door audit 5 (2026-12-07): H100 to Cuba was one period from 2022 citing only 746.2, while a check on
    2024-01-01 also cites 742.6(a)(6)(iii) and (b)(10)(ii): a period now ends where the cited rules change."""
    periods = timeline(item, destination, end=END).periods
    period = next(p for p in periods if p.start <= day and (p.end is None or day <= p.end))
    decision = determine(OrderLine(item=item, destination=destination, ship_date=day), screener=NoScreening())
    assert _cited([r["rule"] for r in period.reasons]) == _cited([r.rule for r in decision.reasons])
    assert any("742.6(a)(6)(iii)" in r["rule"] for r in period.reasons)
    for p in periods:  # and so does every period on its first and its last day
        for on in (p.start, p.end or END):
            check = determine(OrderLine(item=item, destination=destination, ship_date=on), screener=NoScreening())
            assert _cited([r["rule"] for r in p.reasons]) == _cited([r.rule for r in check.reasons]), (p.start, on)
