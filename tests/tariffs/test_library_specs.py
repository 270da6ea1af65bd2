"""The library door refuses specs the window test cannot compare (NaN, infinite, negative), naming the field.

``duty(item=ItemSpecs...)`` with tpp=NaN used to fail open: every comparison with NaN is false, so the article was
"in no note 39(b) window" and came out 0% under 9903.79.02, determined, confidence H.
"""

from __future__ import annotations

import datetime as dt

import pytest

from chipclear.errors import InputError
from chipclear.tariffs import ItemSpecs, duty

DAY = dt.date(2026, 2, 1)


@pytest.mark.parametrize(
    ("tpp", "bandwidth", "field"),
    [
        (float("nan"), 4800.0, "item.tpp"),
        (-1.0, 4800.0, "item.tpp"),
        (float("inf"), 4800.0, "item.tpp"),
        (15832.0, float("inf"), "item.dram_bandwidth_gbs"),
        (15832.0, float("nan"), "item.dram_bandwidth_gbs"),
        (15832.0, -4800.0, "item.dram_bandwidth_gbs"),
    ],
)
def test_non_finite_or_negative_specs_are_refused(tpp: float, bandwidth: float, field: str) -> None:
    specs = ItemSpecs.single("x", tpp=tpp, dram_bandwidth_gbs=bandwidth)
    with pytest.raises(InputError) as err:
        duty("8471.50.0150", "TW", DAY, item=specs)
    assert err.value.field == field and field in str(err.value)


def test_unknown_specs_stay_open() -> None:
    result = duty("8471.50.0150", "TW", DAY, item=ItemSpecs.single("x", tpp=None, dram_bandwidth_gbs=4800))
    assert result.status == "indeterminate" and (result.total_low, result.total_high) == (0.0, 25.0)
