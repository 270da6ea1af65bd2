"""Findings of the outside rules audit (A4) of 2026-12-07, each pinned where it answered NLR (or a favourable
policy) the reference does not support:

1. the H20 letter also covers "any other circuits achieving the H20's memory bandwidth, interconnect bandwidth, or a
   combination thereof" (regulations.md section 5, M): NVIDIA's circuits are tested, not only the two named ids;
2. the 2023-10-23 acceleration made the AC/S IFR requirement immediate "for items with TPP >= 4800 and designed or
   marketed for datacenters" (section 1.1 R3, M): the criterion for NVIDIA's items, not only the named ids;
3. whether it also made the headquartered rule (744.23(a)(3)(i), section 3.3 H) immediate is not stated: HOLD;
4. R10's case-by-case for a system read per IC and as a whole: the readings disagree, the stricter policy stands;
5. a TPP from FP4 only (RTX 5090 D) is a lower bound, and the TPP step is only as sure as the part's figures;
6. AIA needs the "designed by an approved or authorized IC designer" qualifier certified (section 3.5, H);
7. the HBM density trace prints enough digits to show why 2.002 > 2.
Every line with a user spec is also decided by the compiled table, which must answer the same.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from chipclear.catalog import Catalog, load_catalog
from chipclear.classification import classify
from chipclear.decision import Decision, OrderLine, ParentLink, Party
from chipclear.determination.compiled import DecisionTable
from chipclear.determination.engine import determine
from chipclear.determination.merge import certification_codes
from chipclear.geography import load_geography
from chipclear.models import load_models
from chipclear.rules import load_rules

SPEC = """\
parts:
- id: audit-nvidia-h20-141gb
  vendor: NVIDIA
  name: Audit H20 141GB variant
  datacenter: true
  dense_throughput: {fp16: 148, fp8: 296, int8: 296}
  die_area_mm2: 814
  memory_bandwidth_tbs: 4.8
  interconnect_gbs: 900
  sources: ["https://example.invalid/audit"]
  confidence: H
- id: audit-nvidia-link-only
  vendor: NVIDIA
  name: Audit part with the H20's interconnect only
  datacenter: true
  dense_throughput: {fp16: 100}
  die_area_mm2: 600
  memory_bandwidth_tbs: 1
  interconnect_gbs: 900
  sources: ["https://example.invalid/audit"]
  confidence: H
- id: audit-nvidia-combined
  vendor: NVIDIA
  name: Audit part below both H20 figures, together above them
  datacenter: true
  dense_throughput: {fp16: 100}
  die_area_mm2: 600
  memory_bandwidth_tbs: 3
  interconnect_gbs: 400
  sources: ["https://example.invalid/audit"]
  confidence: H
- id: audit-nvidia-small
  vendor: NVIDIA
  name: Audit part far below both H20 figures
  datacenter: true
  dense_throughput: {fp16: 100}
  die_area_mm2: 600
  memory_bandwidth_tbs: 1
  interconnect_gbs: 64
  sources: ["https://example.invalid/audit"]
  confidence: H
- id: audit-other-h20-class
  vendor: Example Semi
  name: Audit non-NVIDIA part with the H20's bandwidth
  datacenter: true
  dense_throughput: {fp16: 148}
  die_area_mm2: 814
  memory_bandwidth_tbs: 4.8
  interconnect_gbs: 900
  sources: ["https://example.invalid/audit"]
  confidence: H
- id: audit-nvidia-a100-40gb
  vendor: NVIDIA
  name: Audit A100 40GB SXM4
  datacenter: true
  dense_throughput: {fp64: 19.5, fp32: 19.5, tf32: 156, bf16: 312, fp16: 312, int8: 624}
  die_area_mm2: 826
  memory_bandwidth_tbs: 1.555
  interconnect_gbs: 600
  sources: ["https://example.invalid/audit"]
  confidence: H
- id: t-hbm-2001
  vendor: Audit
  name: t-hbm-2001
  kind: hbm
  datacenter: true
  memory_bandwidth_tbs: 1.001
  package_area_mm2: 500
  sources: ["https://example.invalid/audit"]
  confidence: H
"""


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    path = Path(tmp_path_factory.mktemp("spec")) / "audit.yaml"
    path.write_text(SPEC, encoding="utf-8")
    return load_catalog([path])


@pytest.fixture(scope="module")
def table(catalog: Catalog) -> DecisionTable:
    return DecisionTable(load_rules(), catalog, load_geography(), "enforced", load_models())


def _plain(d: Decision) -> dict[str, Any]:
    out = d.model_dump(mode="json")
    out.pop("decided_at")
    return out


def _decide(table: DecisionTable, catalog: Catalog, **line: Any) -> Decision:
    order = OrderLine.model_validate(line)
    decision = determine(order, catalog=catalog)
    assert _plain(table.decide(order)) == _plain(decision)  # the compiled table answers the same
    return decision


def _to_cn(item: str) -> dict[str, Any]:
    party = {"name": "Example Cloud Co", "role": "end_user", "headquarters_country": "CN"}
    return {"item": item, "destination": "CN", "ship_date": "2025-06-01", "parties": [party]}


# -- 1. the H20 letter's bandwidth criterion ---------------------------------------------------------------------
def test_an_nvidia_circuit_with_the_h20s_bandwidth_needs_a_license(table: DecisionTable, catalog: Catalog) -> None:
    for item in ("audit-nvidia-h20-141gb", "audit-nvidia-link-only"):
        d = _decide(table, catalog, **_to_cn(item))
        assert d.verdict.value == "LICENSE_REQUIRED", item
        assert any(r.rule.endswith("#is-informed-nvidia-h20-bandwidth") for r in d.reasons), item


def test_a_combination_below_both_figures_is_held_never_cleared(table: DecisionTable, catalog: Catalog) -> None:
    d = _decide(table, catalog, **_to_cn("audit-nvidia-combined"))  # 3,000/4,000 + 400/900 = 1.19
    assert d.verdict.value == "HOLD"
    assert any("a combination thereof" in m for m in d.missing)
    small = _decide(table, catalog, **_to_cn("audit-nvidia-small"))  # 0.25 + 0.07: no combination reaches the H20
    assert small.verdict.value == "NLR"
    assert not any("h20" in r.rule for r in small.reasons)


def test_the_h20_letter_reaches_nvidias_circuits_only(table: DecisionTable, catalog: Catalog) -> None:
    d = _decide(table, catalog, **_to_cn("audit-other-h20-class"))
    assert not any("nvidia-h20" in r.rule for r in d.reasons)


def test_the_mi308_notice_names_no_bandwidth_criterion() -> None:
    (action,) = [a for a in load_rules().actions if a.id == "2025-04-15_amd_mi308-is-informed"]
    assert action.licensing is not None
    assert [r.when.items for r in action.licensing.requirements] == [["amd-mi308x"]]


def test_the_letters_figures_are_the_h20s_in_the_catalog() -> None:
    h20 = load_catalog().get("nvidia-h20")
    (action,) = [a for a in load_rules().actions if a.id == "2025-04-09_nvidia-8k_h20-is-informed"]
    assert action.licensing is not None
    combination = next(r for r in action.licensing.requirements if r.id == "is-informed-nvidia-h20-combination")
    assert combination.when.fraction_sum is not None
    assert combination.when.fraction_sum.of == {
        "total_dram_bandwidth_gbs": h20.memory_bandwidth_tbs * 1000,  # type: ignore[union-attr, operator]
        "io_bandwidth_gbs": h20.interconnect_gbs,  # type: ignore[union-attr]
    }


# -- 2 and 3. the 2023-10-23 acceleration -------------------------------------------------------------------------
def test_the_acceleration_reaches_an_unnamed_nvidia_datacenter_part(table: DecisionTable, catalog: Catalog) -> None:
    party = {"name": "Example Co", "role": "end_user", "headquarters_country": "VN"}
    line = {"item": "audit-nvidia-a100-40gb", "destination": "VN", "ship_date": "2023-10-24", "parties": [party]}
    d = _decide(table, catalog, **line)
    assert d.verdict.value == "LICENSE_REQUIRED"
    assert any(r.rule.endswith("#acs-acceleration-2023-10-23") for r in d.reasons)
    assert _decide(table, catalog, **{**line, "ship_date": "2023-10-22"}).verdict.value == "NLR"


def test_the_acceleration_still_spares_other_vendors() -> None:
    party = Party(name="Example Co", role="end_user", headquarters_country="SA")
    d = determine(OrderLine(item="MI250", destination="SA", ship_date=dt.date(2023, 10, 24), parties=[party]))
    assert not any("acs-acceleration" in r.rule for r in d.reasons)


@pytest.mark.parametrize(
    ("item", "destination", "party"),
    [
        ("H100", "SG", Party(name="Example Pte Ltd", role="end_user", headquarters_country="CN")),
        (
            "L40S",
            "DE",
            Party(
                name="Example GmbH",
                role="end_user",
                headquarters_country="DE",
                parents=[ParentLink(name="Example Holdings", headquarters_country="MO")],
            ),
        ),
    ],
)
def test_a_china_headquartered_end_user_abroad_is_held_in_the_acceleration_window(
    item: str, destination: str, party: Party
) -> None:
    line = OrderLine(item=item, destination=destination, ship_date=dt.date(2023, 10, 24), parties=[party])
    d = determine(line)
    assert d.verdict.value == "HOLD"
    assert any("headquartered rule (744.23(a)(3)(i))" in m for m in d.missing)
    after = determine(line.model_copy(update={"ship_date": dt.date(2023, 11, 17)}))
    assert after.verdict.value != "NLR"  # the IFR itself from 2023-11-17


# -- 4. R10 for a system ----------------------------------------------------------------------------------------
def test_r10_case_by_case_is_not_given_to_a_system_far_over_the_line_as_a_whole() -> None:
    line = OrderLine.model_validate(
        {
            "item": "HGX H100 8-GPU",
            "destination": "CN",
            "ship_date": "2026-01-15",
            "export_from": "US",
            "certifications": ["r10-conditions"],
            "parties": [{"name": "Example Co", "role": "end_user", "headquarters_country": "CN"}],
        }
    )
    d = determine(line)
    assert d.verdict.value == "LICENSE_REQUIRED"
    assert d.review_policy is not None and d.review_policy.value == "presumption_of_denial"
    assert any("case_by_case" in r.detail and "could apply" in r.detail for r in d.reasons)
    single = determine(line.model_copy(update={"item": "H200"}))
    assert single.review_policy is not None and single.review_policy.value == "case_by_case"


# -- 5. a lower-bound TPP -----------------------------------------------------------------------------------------
def test_a_tpp_from_fp4_only_is_a_lower_bound() -> None:
    result = classify("RTX 5090 D", dt.date(2025, 6, 1))
    assert result.status == "indeterminate"
    assert any("fp8" in m and "lower bound" in m for m in result.missing)
    step = next(r for r in result.trace if r.rule == "metrics#tpp")
    assert step.confidence == "M" and "lower bound" in step.detail


def test_the_tpp_step_is_only_as_sure_as_the_parts_figures() -> None:
    for item in ("H800 PCIe", "RTX 5090 D V2"):
        step = next(r for r in classify(item, dt.date(2025, 6, 1)).trace if r.rule == "metrics#tpp")
        assert step.confidence == "L", item
    assert next(r for r in classify("H100", dt.date(2025, 6, 1)).trace if r.rule == "metrics#tpp").confidence == "H"


# -- 6. AIA's designer qualifier ---------------------------------------------------------------------------------
def test_aia_needs_the_designer_qualifier_certified() -> None:
    party = Party(name="Example Co", role="end_user", headquarters_country="DE")
    line = OrderLine(item="H100", destination="DE", ship_date=dt.date(2025, 6, 1), parties=[party])
    plain = determine(line, layer="codified")
    assert plain.verdict.value == "LICENSE_REQUIRED"
    assert any("aia-740.27-ic-designer" in r.detail for r in plain.reasons)
    certified = determine(line.model_copy(update={"certifications": ["aia-740.27-ic-designer"]}), layer="codified")
    assert certified.verdict.value == "LICENSE_EXCEPTION"
    assert [e.code for e in certified.license_exceptions] == ["AIA"]
    assert "aia-740.27-ic-designer" in certification_codes(load_rules())


# -- 7. the HBM density trace ------------------------------------------------------------------------------------
def test_the_hbm_density_trace_shows_why_it_is_over(catalog: Catalog) -> None:
    result = classify("t-hbm-2001", dt.date(2024, 12, 31), catalog=catalog)
    assert result.eccn == "3A090.c"
    assert any("memory_bandwidth_density 2.002 > 2: yes" in r.detail for r in result.trace)
