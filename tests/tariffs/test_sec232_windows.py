"""Section 232 note 39(b) windows on hand-built specs: every bound is strict, both parameters must be inside."""

from __future__ import annotations

import datetime as dt

import pytest

from chipclear.catalog import load_catalog
from chipclear.tariffs import ItemSpecs, bundled_data, duty
from chipclear.tariffs.models import Sec232Semiconductors
from chipclear.tariffs.sec232 import IcSpecs, check_windows, specs_from_part


def _windows() -> list:  # type: ignore[type-arg]
    measure = bundled_data().measure("us-232-semiconductors")
    assert isinstance(measure, Sec232Semiconductors)
    return measure.windows


@pytest.mark.parametrize(
    ("tpp", "bandwidth", "outcome"),
    [
        (15832, 4800, "meets"),  # H200-class: window (1)
        (14000, 4800, "not_met"),  # TPP bound is strict (> 14,000)
        (14000.01, 4800, "meets"),
        (17500, 4800, "not_met"),  # < 17,500
        (17499.9, 4999.9, "meets"),
        (15832, 4500, "not_met"),  # bandwidth > 4,500
        (15832, 5000, "not_met"),  # bandwidth < 5,000
        (15832, 3350, "not_met"),  # H100-class bandwidth
        (20919.2, 6000, "meets"),  # MI325X-class: window (2)
        (20800, 6000, "not_met"),
        (21100, 6000, "not_met"),
        (20900, 5800, "not_met"),
        (20900, 6200, "not_met"),
        (20900, 4800, "not_met"),  # window (2) TPP with window (1) bandwidth: no mixing
        (15832, 6000, "not_met"),  # window (1) TPP with window (2) bandwidth
    ],
)
def test_window_bounds(tpp: float, bandwidth: float, outcome: str) -> None:
    assert check_windows(ItemSpecs.single("x", tpp, bandwidth), _windows()).outcome == outcome


def test_missing_spec_is_unknown_never_not_met() -> None:
    assert check_windows(ItemSpecs.single("x", None, 4800), _windows()).outcome == "unknown"
    assert check_windows(ItemSpecs.single("x", 15832, None), _windows()).outcome == "unknown"
    assert check_windows(ItemSpecs("x", ()), _windows()).outcome == "unknown"


def test_ambiguous_tpp_readings_across_a_bound_are_unknown() -> None:
    ic = IcSpecs("x", (13900.0, 15000.0), 4800.0)
    assert check_windows(ItemSpecs("x", (ic,)), _windows()).outcome == "unknown"
    both_inside = IcSpecs("x", (14500.0, 15000.0), 4800.0)
    assert check_windows(ItemSpecs("x", (both_inside,)), _windows()).outcome == "meets"


def test_a_system_meets_if_any_logic_ic_meets() -> None:
    inside = IcSpecs("gpu", (15832.0,), 4800.0)
    outside = IcSpecs("cpu", (1000.0,), 500.0)
    assert check_windows(ItemSpecs("server", (outside, inside)), _windows()).outcome == "meets"
    unknown = IcSpecs("npu", (), None)
    assert check_windows(ItemSpecs("server", (outside, unknown)), _windows()).outcome == "unknown"


def test_catalog_parts_and_systems_through_metrics() -> None:
    catalog = load_catalog()
    h200 = specs_from_part(catalog.get("H200"))
    assert h200.ics[0].tpp == (15832.0,) and h200.ics[0].dram_bandwidth_gbs == 4800.0 and h200.datacenter
    assert check_windows(h200, _windows()).outcome == "meets"
    assert check_windows(specs_from_part(catalog.get("MI325X")), _windows()).outcome == "meets"
    hgx = specs_from_part(catalog.get("nvidia-hgx-h100-8gpu"))
    assert hgx.ics and check_windows(hgx, _windows()).outcome == "not_met"


def test_unknown_specs_make_the_duty_indeterminate() -> None:
    result = duty("8471.50.0150", "TW", dt.date(2026, 2, 1), item=ItemSpecs.single("mystery", None, None))
    assert result.status == "indeterminate" and result.total_rate is None
    assert (result.total_low, result.total_high) == (0.0, 25.0)
    assert any(u.id == "sec232-window" and u.changes_total for u in result.unknowns)


def test_end_use_makes_unknown_specs_irrelevant_outside_ieepa() -> None:
    result = duty("8471.50.0150", "TW", dt.date(2026, 3, 1), end_use="us_datacenter")
    assert result.status == "determined" and result.total_rate == 0.0
    assert all(not u.changes_total for u in result.unknowns)


def test_low_confidence_specs_flag_the_232_line() -> None:
    specs = ItemSpecs.single("rumoured part", 15832, 4800, datacenter=True, confidence="L")
    result = duty("8471.50.0150", "TW", dt.date(2026, 2, 1), item=specs)
    line = next(ln for ln in result.lines if ln.measure_id == "us-232-semiconductors")
    assert line.heading == "9903.79.01" and line.confidence == "L" and "LOW-CONFIDENCE" in line.note
    assert line.to_json()["low_confidence"] is True
