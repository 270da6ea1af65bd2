from __future__ import annotations

import pytest

from chipclear import metrics
from chipclear.catalog import Part, load_catalog


def part(**fields: object) -> Part:
    base: dict[str, object] = {"id": "t", "vendor": "T", "name": "T", "sources": ["test"], "confidence": "H"}
    return Part.model_validate(base | fields)


def test_rule_worked_example_600_tops_at_8_bits_equals_300_tflops_at_16_bits() -> None:
    # ECCN 3A090 Technical Note 2: 600 TOPS at 8 bits or 300 TFLOPS at 16 bits meets TPP 4800.
    assert metrics.total_processing_performance(part(dense_throughput={"int8": 600})) == 4800
    assert metrics.total_processing_performance(part(dense_throughput={"fp16": 300})) == 4800
    both = part(dense_throughput={"int8": 600, "fp16": 300})
    assert metrics.total_processing_performance(both) == 4800
    assert {r.precision for r in metrics.deciding_precisions(both)} == {"int8", "fp16"}


def test_tpp_is_the_maximum_over_precisions_not_the_sum() -> None:
    p = part(dense_throughput={"fp64": 10, "fp32": 20, "fp16": 100, "int8": 150})
    assert metrics.total_processing_performance(p) == 1600  # fp16 100 x 16 beats int8 150 x 8 = 1200


def test_mi210_tpp_is_set_by_fp64() -> None:
    mi210 = load_catalog().get("MI210")
    assert isinstance(mi210, Part)
    assert metrics.total_processing_performance(mi210) == pytest.approx(45.3 * 64)
    assert [r.precision for r in metrics.deciding_precisions(mi210)] == ["fp64"]


def test_l20_tpp_is_set_by_fp32() -> None:
    l20 = load_catalog().get("L20")
    assert isinstance(l20, Part)
    assert metrics.total_processing_performance(l20) == pytest.approx(59.8 * 32)
    assert "fp32" in [r.precision for r in metrics.deciding_precisions(l20)]
    assert metrics.performance_density(l20) == pytest.approx(1913.6 / 608.5)


def test_h20_metrics() -> None:
    h20 = load_catalog().get("H20")
    assert isinstance(h20, Part)
    assert metrics.total_processing_performance(h20) == pytest.approx(2368)
    assert metrics.performance_density(h20) == pytest.approx(2.909, abs=1e-3)
    assert metrics.total_dram_bandwidth_gbs(h20) == pytest.approx(4000)


def test_density_unknown_without_die_area() -> None:
    assert metrics.performance_density(part(dense_throughput={"fp16": 100})) is None
    assert metrics.total_processing_performance(part()) is None


def test_tf32_bit_length_ambiguity_gives_two_readings() -> None:
    trn1 = load_catalog().get("Trainium1")
    assert isinstance(trn1, Part)
    assert metrics.tpp_candidates(trn1) == [pytest.approx(190 * 32), pytest.approx(190 * 19)]
    h100 = load_catalog().get("H100")
    assert isinstance(h100, Part)
    assert len(metrics.tpp_candidates(h100)) == 1  # TF32 never decides on NVIDIA parts


def test_memory_bandwidth_density_for_hbm() -> None:
    hbm = part(kind="hbm", memory_bandwidth_tbs=1.2, package_area_mm2=110)
    assert metrics.memory_bandwidth_density(hbm) == pytest.approx(1200 / 110)
    assert metrics.memory_bandwidth_density(part(memory_bandwidth_tbs=1.0)) is None  # not HBM
