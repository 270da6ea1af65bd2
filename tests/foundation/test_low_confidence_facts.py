"""Low-confidence (L) facts never decide silently (audit 2026-12-07, items 1, 5 and 7).

Item 1: the MI200 die areas are TechPowerUp's per-GCD 724 mm2, graded low; Epoch records 724 mm2 for the whole
two-GCD MI250X package (chips.csv, chips.md section 3). The MI210's tier turns on which reading holds (density 4.0 ->
3A090.b, 8.0 -> 3A090.a), so it is indeterminate (a HOLD naming the die area), never a silent 3A090.b. A decided
classification that rests on an L figure says so on its result step.
Item 5: the catalog table marks L-graded figures with "[L]".
Item 7: a classification dated under the October 2022 rule cites that rule's test (87 FR 62186), not the 2026 eCFR
technical notes for TPP and density.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from chipclear.catalog import Part
from chipclear.classification import classify

R1_DAY = dt.date(2023, 6, 1)  # October 2022 rule (R1) in force
R3_DAY = dt.date(2024, 6, 1)  # November 2023 rule (R3) in force


def _cli(*args: str, data_dir: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CHIPCLEAR_DATA_DIR": data_dir}
    return subprocess.run(
        [sys.executable, "-m", "chipclear", *args], capture_output=True, text=True, env=env, timeout=120
    )


def _step(result: object, rule: str) -> object:
    return next(r for r in result.trace if r.rule == rule)  # type: ignore[attr-defined]


# --- item 1: the MI210's tier rests on a low-confidence die area with another reading -------------------------------
def test_mi210_tier_turns_on_the_die_area_reading_so_it_is_indeterminate() -> None:
    result = classify("amd-mi210", R3_DAY)
    assert result.status == "indeterminate" and result.eccn is None
    assert result.candidates == ["3A090.a", "3A090.b"]
    assert result.missing == ["die_area_mm2 (the reference gives 724 mm2 or 362 mm2; low-confidence figures)"]
    assert result.performance_density == pytest.approx(2899.2 / 724)
    assert result.performance_density_alternatives == [pytest.approx(2899.2 / 362)]
    step = _step(result, "metrics#die-area-reading")
    assert step.confidence == "L"  # type: ignore[attr-defined]
    assert "724 mm2 (density 4) -> 3A090.b, 362 mm2 (density 8.01) -> 3A090.a" in step.detail  # type: ignore[attr-defined]
    assert "Epoch records 724 mm2" in step.detail  # type: ignore[attr-defined]


@pytest.mark.parametrize("item", ["amd-mi250", "amd-mi250x"])
def test_mi250_is_3a090a_on_tpp_alone_whichever_die_area_holds(item: str) -> None:
    result = classify(item, R3_DAY)
    assert (result.status, result.eccn) == ("controlled", "3A090.a")
    assert result.low_confidence == []  # TPP >= 4800 decides; the L area does not
    assert len(result.performance_density_alternatives) == 1
    assert "[LOW CONFIDENCE die area]" in _step(result, "metrics#performance_density").detail  # type: ignore[attr-defined]


def test_mi210_to_saudi_arabia_is_held_not_granted_aca(tmp_path: Path) -> None:
    out = _cli(
        "check", "--item", "amd-mi210", "--to", "SA", "--date", "2024-06-01", "--end-user", "Acme Co",
        "--end-user-country", "SA", "--end-user-hq", "SA", "--json", data_dir=str(tmp_path),
    )  # fmt: skip
    decision = json.loads(out.stdout)
    assert decision["verdict"] == "HOLD" and decision["license_exceptions"] == []
    assert any("die_area_mm2" in m for m in decision["missing"])
    assert any(r["rule"] == "metrics#die-area-reading" and r["confidence"] == "L" for r in decision["reasons"])


def test_a_decided_tier_resting_on_an_l_die_area_is_flagged_on_its_result() -> None:
    # no other reading given: the value stands, but the result step and the headline carry the flag
    p = Part.model_validate(
        {"id": "t", "vendor": "T", "name": "Test IC", "sources": ["test"], "confidence": "M", "datacenter": True}
        | {"dense_throughput": {"fp16": 185}, "die_area_mm2": 600, "die_area_confidence": "L"}
    )  # TPP 2960, density 4.93 -> 3A090.b only through the density
    result = classify(p, R3_DAY)
    assert result.eccn == "3A090.b"
    assert result.low_confidence == ["die area 600 mm2 (low confidence: see notes)"]
    assert result.low_confidence_fields() == ["performance_density", "eccn"]
    final = result.trace[-1]
    assert final.rule == "classify#result" and final.confidence == "L"
    assert "[LOW CONFIDENCE: rests on die area 600 mm2" in final.detail
    # the density does not decide a TPP >= 4800 part: no flag
    big = p.model_copy(update={"dense_throughput": {"fp16": 400}})
    assert classify(big, R3_DAY).low_confidence == []


def test_an_l_graded_part_says_its_classification_rests_on_it() -> None:
    result = classify("huawei-ascend-910c", R3_DAY)
    assert result.eccn == "3A090.a"
    assert result.low_confidence == ["Ascend 910C spec data (graded low confidence)"]
    assert result.trace[-1].confidence == "L" and "LOW CONFIDENCE" in result.trace[-1].detail


# --- item 5: the catalog table flags L figures --------------------------------------------------------------------
def _row(table: str, item: str) -> str:
    lines = table.splitlines()
    start = next(i for i, line in enumerate(lines) if item in line)
    block = [lines[start]]
    for line in lines[start + 1 :]:
        if line.startswith(("│ amd-", "│ huawei-", "└")):
            break
        block.append(line)
    return "\n".join(block)


def test_catalog_table_marks_low_confidence_figures(tmp_path: Path) -> None:
    env = {"COLUMNS": "200"}
    out = subprocess.run(
        [sys.executable, "-m", "chipclear", "catalog", "--vendor", "Huawei", "--as-of", "2025-06-01"],
        capture_output=True, text=True, env={**os.environ, **env, "CHIPCLEAR_DATA_DIR": str(tmp_path)}, timeout=120,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    row_910c = _row(out.stdout, "huawei-ascend-910c")
    assert "12,800.0 [L]" in row_910c and "3A090.a [L]" in row_910c
    assert "[L]" not in _row(out.stdout, "huawei-ascend-910 ")  # an M row shows no mark
    assert "[L] = rests on low-confidence data" in out.stdout
    amd = subprocess.run(
        [sys.executable, "-m", "chipclear", "catalog", "--vendor", "AMD", "--as-of", "2024-06-01", "--json"],
        capture_output=True, text=True, env={**os.environ, "CHIPCLEAR_DATA_DIR": str(tmp_path)}, timeout=120,
    )  # fmt: skip
    rows = {r["item"]["id"]: r for r in json.loads(amd.stdout)}
    assert rows["amd-mi250x"]["low_confidence_fields"] == ["performance_density"]
    assert rows["amd-mi210"]["status"] == "indeterminate"
    assert rows["amd-mi300x"]["low_confidence_fields"] == []


# --- item 7: the metric steps cite the rule in force on the date --------------------------------------------------
def test_r1_classification_cites_the_october_2022_test() -> None:
    result = classify("nvidia-a800-sxm4-80gb", R1_DAY)
    tpp, density = _step(result, "metrics#tpp"), _step(result, "metrics#performance_density")
    for step in (tpp, density):
        assert "eCFR 2026" not in step.citation and "87 FR 62186" in step.citation  # type: ignore[attr-defined]
    assert "bit length per operation multiplied by processing performance measured in TOPS" in tpp.citation  # type: ignore[attr-defined]
    assert "not a parameter of ECCN 3A090 in this version" in density.detail  # type: ignore[attr-defined]
    after = classify("nvidia-a800-sxm4-80gb", R3_DAY)
    assert _step(after, "metrics#tpp").citation.startswith("88 FR 73458")  # type: ignore[attr-defined]
    assert _step(after, "metrics#performance_density").citation.startswith("88 FR 73458")  # type: ignore[attr-defined]


def test_before_any_3a090_the_later_definition_is_cited_and_said_so() -> None:
    step = _step(classify("H100", dt.date(2022, 6, 1)), "metrics#tpp")
    assert "no ECCN 3A090 in force on 2022-06-01" in step.detail  # type: ignore[attr-defined]
