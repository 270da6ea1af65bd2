"""The Python API takes an entry *date*: a datetime is refused, naming the parameter, never cut to its date.

2026-01-15 03:00 UTC is 2026-01-14 22:00 EST, before the Section 232 semiconductor tariff's 12:01 a.m. EST start:
cutting the datetime to 2026-01-15 would put the entry on the wrong side of that start.
"""

from __future__ import annotations

import datetime as dt

import pytest

from chipclear.errors import InputError
from chipclear.tariffs import china_duty, duty

UTC_MORNING = dt.datetime(2026, 1, 15, 3, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize("when", [UTC_MORNING, dt.datetime(2026, 1, 15, 12, 0)])
def test_duty_refuses_a_datetime(when: dt.datetime) -> None:
    with pytest.raises(InputError, match=r"^entry_date: .* is a datetime") as err:
        duty("8471.50.0150", "TW", when)
    assert err.value.field == "entry_date"


def test_china_duty_refuses_a_datetime() -> None:
    with pytest.raises(InputError, match=r"^entry_date: .* is a datetime"):
        china_duty("8542.31", "US", dt.datetime(2025, 4, 15, 9, 0))


def test_a_date_and_its_iso_text_still_answer_alike() -> None:
    on = dt.date(2026, 1, 15)
    assert duty("8471.50.0150", "TW", on).to_json() == duty("8471.50.0150", "TW", "2026-01-15").to_json()  # type: ignore[arg-type]
    with pytest.raises(InputError, match="entry_date: '2026-1-15' is not a date in YYYY-MM-DD form"):
        duty("8471.50.0150", "TW", "2026-1-15")  # type: ignore[arg-type]
