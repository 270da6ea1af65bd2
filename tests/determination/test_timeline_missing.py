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
