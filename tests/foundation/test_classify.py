"""ECCN 3A090/4A090 classification: one test per paragraph and edge (just under, at, just over each threshold)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from chipclear.catalog import Part, load_catalog
from chipclear.classification import classify

R1_DAY = dt.date(2023, 6, 1)  # October 2022 rule in force
R3_DAY = dt.date(2024, 1, 1)  # November 2023 rule in force


def part(**fields: object) -> Part:
    base: dict[str, object] = {"id": "t", "vendor": "T", "name": "Test IC", "sources": ["test"], "confidence": "H"}
    return Part.model_validate(base | {"datacenter": True} | fields)


def eccn(p: Part, on: dt.date = R3_DAY) -> str | None:
    result = classify(p, on)
    assert result.status != "indeterminate", result.missing
    return result.eccn


# --- 3A090.a.1: TPP >= 4800 (Nov 2023 rule) ---------------------------------------------------------------------
@pytest.mark.parametrize(("fp16", "expected"), [(299.99, None), (300, "3A090.a"), (300.01, "3A090.a")])
def test_a1_tpp_4800(fp16: float, expected: str | None) -> None:
    assert eccn(part(dense_throughput={"fp16": fp16}, die_area_mm2=10_000)) == expected  # density < 1.6


# --- 3A090.a.2: TPP >= 1600 and density >= 5.92 ------------------------------------------------------------------
@pytest.mark.parametrize(("area", "expected"), [(500.1, "3A090.b"), (500, "3A090.a"), (499.9, "3A090.a")])
def test_a2_density_5_92(area: float, expected: str) -> None:
    assert eccn(part(dense_throughput={"fp16": 185}, die_area_mm2=area)) == expected  # TPP 2960


@pytest.mark.parametrize(("fp16", "expected"), [(99.99, None), (100, "3A090.a"), (100.01, "3A090.a")])
def test_a2_tpp_1600_floor(fp16: float, expected: str | None) -> None:
    assert eccn(part(dense_throughput={"fp16": fp16}, die_area_mm2=100)) == expected  # density ~16


# --- 3A090.b.1: 2400 <= TPP < 4800 and 1.6 <= density < 5.92 -----------------------------------------------------
@pytest.mark.parametrize(("area", "expected"), [(1500.5, None), (1500, "3A090.b"), (1499.5, "3A090.b")])
def test_b1_density_1_6(area: float, expected: str | None) -> None:
    assert eccn(part(dense_throughput={"fp16": 150}, die_area_mm2=area)) == expected  # TPP 2400


@pytest.mark.parametrize(("fp16", "expected"), [(149.99, None), (150, "3A090.b"), (150.01, "3A090.b")])
def test_b1_tpp_2400(fp16: float, expected: str | None) -> None:
    assert eccn(part(dense_throughput={"fp16": fp16}, die_area_mm2=1000)) == expected  # density ~2.4


# --- 3A090.b.2: TPP >= 1600 and 3.2 <= density < 5.92 ------------------------------------------------------------
@pytest.mark.parametrize(("area", "expected"), [(500.5, None), (500, "3A090.b"), (499.5, "3A090.b")])
def test_b2_density_3_2(area: float, expected: str | None) -> None:
    assert eccn(part(dense_throughput={"fp16": 100}, die_area_mm2=area)) == expected  # TPP 1600


# --- Note 2: not designed or marketed for datacenters and TPP < 4800 ---------------------------------------------
@pytest.mark.parametrize(("fp16", "expected"), [(299.99, None), (300, "3A090.a"), (300.01, "3A090.a")])
def test_note2_non_datacenter(fp16: float, expected: str | None) -> None:
    assert eccn(part(dense_throughput={"fp16": fp16}, die_area_mm2=100, datacenter=False)) == expected


def test_note2_unknown_datacenter_status_is_indeterminate() -> None:
    result = classify(part(dense_throughput={"fp16": 200}, die_area_mm2=100, datacenter=None), R3_DAY)
    assert result.status == "indeterminate"
    assert "datacenter" in result.missing


# --- October 2022 rule: 600 GB/s I/O AND TPP >= 4800 -------------------------------------------------------------
@pytest.mark.parametrize(("io", "expected"), [(599.9, None), (600, "3A090.a"), (600.1, "3A090.a")])
def test_r1_io_600(io: float, expected: str | None) -> None:
    assert eccn(part(dense_throughput={"fp16": 400}, interconnect_gbs=io), R1_DAY) == expected


@pytest.mark.parametrize(("fp16", "expected"), [(299.99, None), (300, "3A090.a"), (300.01, "3A090.a")])
def test_r1_tpp_4800(fp16: float, expected: str | None) -> None:
    assert eccn(part(dense_throughput={"fp16": fp16}, interconnect_gbs=900), R1_DAY) == expected


def test_r1_unknown_io_is_indeterminate_naming_the_field() -> None:
    result = classify(part(dense_throughput={"fp16": 400}), R1_DAY)
    assert result.status == "indeterminate"
    assert result.missing == ["interconnect_gbs"]


@pytest.mark.parametrize(
    ("on", "expected"),
    [
        (dt.date(2022, 10, 6), None),
        (dt.date(2022, 10, 7), "3A090.a"),
        (dt.date(2023, 11, 16), "3A090.a"),
        (dt.date(2023, 11, 17), "3A090.a"),
    ],
)
def test_effective_dates(on: dt.date, expected: str | None) -> None:
    assert eccn(part(dense_throughput={"fp16": 400}, interconnect_gbs=900, die_area_mm2=800), on) == expected


def test_interconnect_workaround_stops_working_on_2023_11_17() -> None:
    chip = part(dense_throughput={"fp16": 400}, interconnect_gbs=400, die_area_mm2=800)
    assert eccn(chip, dt.date(2023, 11, 16)) is None
    assert eccn(chip, dt.date(2023, 11, 17)) == "3A090.a"


# --- 3A090.c HBM (Dec 2024 rule): memory bandwidth density > 2 GB/s/mm2 -------------------------------------------
@pytest.mark.parametrize(("area", "expected"), [(600.5, None), (600, None), (599.5, "3A090.c")])
def test_c_hbm_density_greater_than_2(area: float, expected: str | None) -> None:
    hbm = part(kind="hbm", memory_bandwidth_tbs=1.2, package_area_mm2=area)
    assert eccn(hbm, dt.date(2025, 1, 1)) == expected
    assert eccn(hbm, dt.date(2024, 12, 1)) is None  # before 89 FR 96790


def test_lower_bound_die_area_cannot_decide_density() -> None:
    result = classify("Ascend 910", R3_DAY)  # compute die only: density is an upper bound
    assert result.status == "indeterminate"
    assert any("lower bound" in m for m in result.missing)


def test_tf32_ambiguity_that_changes_the_result_is_indeterminate() -> None:
    result = classify("Trainium1", R3_DAY)
    assert result.status == "indeterminate"
    assert result.missing == ["bit length of TF32 operations (19 or 32)"]


# --- The named cases ----------------------------------------------------------------------------------
def _citations(result: object) -> str:
    return " | ".join(f"{r.rule} {r.citation}" for r in result.trace)  # type: ignore[attr-defined]


def test_h100_2024_is_3a090a_with_citation() -> None:
    result = classify("H100", dt.date(2024, 1, 1))
    assert result.eccn == "3A090.a"
    assert "88 FR 73458" in _citations(result)


def test_h20_is_not_controlled_with_its_metrics() -> None:
    result = classify("H20", dt.date(2025, 5, 1))
    assert (result.eccn, result.status) == (None, "not_controlled")
    assert result.tpp == pytest.approx(2368, abs=1)
    assert result.performance_density == pytest.approx(2.91, abs=0.01)
    assert "88 FR 73458, ECCN 3A090.b" in _citations(result)


def test_a800_mid_2023_is_not_3a090_then_3a090a_after_november() -> None:
    before = classify("A800", dt.date(2023, 6, 1))
    assert (before.eccn, before.status) == (None, "not_controlled")
    assert any("io_bandwidth_gbs 400 >= 600: no" in r.detail for r in before.trace)
    assert "87 FR 62186" in _citations(before)
    after = classify("A800", dt.date(2023, 12, 1))
    assert after.eccn == "3A090.a"
    assert "88 FR 73458" in _citations(after)


def test_rtx_4090_d_is_excluded_by_note_2() -> None:
    result = classify("RTX 4090 D", dt.date(2024, 6, 1))
    assert (result.eccn, result.status) == (None, "not_controlled")
    assert any("Note 2" in r.rule and "-> applies" in r.detail for r in result.trace)


def test_rtx_4090_is_3a090a_non_datacenter() -> None:
    assert classify("RTX 4090", dt.date(2024, 6, 1)).eccn == "3A090.a"


def test_8x_h100_server_is_4a090a_and_8x_h20_server_is_not() -> None:
    server = classify("HGX H100", dt.date(2024, 6, 1))
    assert server.eccn == "4A090.a"
    assert "88 FR 73458, ECCN 4A090.a" in _citations(server)
    assert server.components[0]["eccn"] == "3A090.a"
    assert classify("HGX H20", dt.date(2024, 6, 1)).status == "not_controlled"


def test_server_before_november_2023_is_4a090() -> None:
    assert classify("HGX H100", dt.date(2023, 6, 1)).eccn == "4A090"


def test_codified_and_enforced_layers_agree_on_classification() -> None:
    for name in ("H100", "H20", "RTX 4090 D", "MI210"):
        on = dt.date(2025, 6, 1)
        assert classify(name, on, layer="codified").eccn == classify(name, on).eccn


# --- Every catalog item, every date --------------------------------------------------------------------------
def _dates() -> list[dt.date]:
    days = []
    d = dt.date(2022, 1, 1)
    while d <= dt.date.today():
        days.append(d)
        d = dt.date(d.year + (d.month == 12), d.month % 12 + 1, 1)
    for edge in (dt.date(2022, 10, 7), dt.date(2023, 11, 17), dt.date(2024, 12, 2), dt.date(2025, 1, 13)):
        days += [edge - dt.timedelta(days=1), edge]
    return days


def test_every_item_classifies_without_error_on_every_date() -> None:
    cat = load_catalog()
    seen: set[str] = set()
    for item in cat.items():
        for day in _dates():
            result = classify(item, day, catalog=cat)
            assert result.status in ("controlled", "not_controlled", "indeterminate")
            assert (result.eccn is not None) == (result.status == "controlled")
            if result.status == "indeterminate":
                assert result.missing, f"{item.id} on {day}: indeterminate without naming what is missing"
            assert result.trace and all(r.citation for r in result.trace)
            seen.add(result.status)
    assert seen == {"controlled", "not_controlled", "indeterminate"}


def test_draft_rule_files_never_reach_real_decisions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from chipclear.errors import DataFileError
    from chipclear.rules import load_rules

    draft = tmp_path / "draft.yaml"
    draft.write_text(
        "id: my-draft\nkind: draft\ntitle: t\ncitation: analyst assumption\neffective: 2025-01-01\n"
        "confidence: L\nsource: analyst\n"
    )
    monkeypatch.setenv("CHIPCLEAR_RULES", str(draft))
    with pytest.raises(DataFileError, match="chipclear whatif"):
        load_rules()
