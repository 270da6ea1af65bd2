"""Legal behaviour of the duty stack, pinned by the scenario files in tests/scenarios/duty/ (one test per case)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml

from chipclear.catalog import load_catalog
from chipclear.errors import InputError
from chipclear.tariffs import DutyResult, ItemSpecs, duty

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios" / "duty"


def _cases() -> list[Any]:
    params = []
    for path in sorted(SCENARIOS.glob("*.yaml")):
        for case in yaml.safe_load(path.read_text(encoding="utf-8"))["cases"]:
            params.append(pytest.param(case, id=f"{path.stem}:{case['name']}"))
    return params


def _item(spec: dict[str, Any]) -> Any:
    if "item" in spec:
        return load_catalog().get(spec["item"])
    if "item_specs" in spec:
        s = spec["item_specs"]
        return ItemSpecs.single(s["name"], s.get("tpp"), s.get("dram_bandwidth_gbs"), s.get("datacenter"))
    return None


def _run(spec: dict[str, Any]) -> DutyResult:
    date = spec["date"] if isinstance(spec["date"], dt.date) else dt.date.fromisoformat(spec["date"])
    return duty(
        str(spec["hts"]),
        str(spec["origin"]),
        date,
        value=spec.get("value"),
        item=_item(spec),
        end_use=spec.get("end_use"),
        claims=[str(c) for c in spec.get("claims", [])],
        entry_type=spec.get("entry_type"),
    )


def test_there_are_at_least_30_timeline_scenarios() -> None:
    cases = [p.values[0] for p in _cases() if "error" not in p.values[0]["expect"]]
    assert len(cases) >= 30
    assert all(c.get("why") and c["expect"].get("citations") for c in cases), (
        "every case names its reason and citations"
    )


@pytest.mark.parametrize("case", _cases())
def test_scenario(case: dict[str, Any]) -> None:
    expect = case["expect"]
    if "error" in expect:
        with pytest.raises(InputError) as info:
            _run(case["input"])
        assert info.value.field == expect["error"]
        return
    result = _run(case["input"])
    data = result.to_json()
    assert data["status"] == expect["status"], data
    if "total_rate" in expect:
        assert data["total_rate"] == expect["total_rate"], data
    if "total_amount" in expect:
        assert data["total_amount"] == expect["total_amount"]
    if "total_rate_range" in expect:
        assert data["total_rate_range"] == expect["total_rate_range"], data
    headings = {line["heading"]: line for line in data["lines"]}
    for want in expect.get("lines", []):
        assert want["heading"] in headings, (want, list(headings))
        line = headings[want["heading"]]
        if "rate" in want:
            assert line["rate"] == want["rate"], line
        if "confidence" in want:
            assert line["confidence"] == want["confidence"], line
    ids = {line["measure_id"] for line in data["lines"]}
    for gone in expect.get("absent", []):
        assert gone not in headings and gone not in ids, (gone, list(headings))
    citations = " | ".join(
        [line["citation"] for line in data["lines"]]
        + [r["citation"] for r in data["stacking"]]
        + [u["citation"] for u in data["unknowns"]]
    )
    for text in expect.get("citations", []):
        assert text in citations, (text, citations)
    unknown_ids = {u["id"] for u in data["unknowns"] if u["changes_total"]}
    for uid in expect.get("unknowns", []):
        assert uid in unknown_ids, (uid, unknown_ids)
    if data["status"] == "determined":
        assert all(line["rate"] is not None for line in data["lines"])
    else:
        assert unknown_ids, "an indeterminate result must name its open question"
    notes = " | ".join(data["notes"])
    for text in expect.get("notes", []):
        assert text in notes, (text, notes)
    if "headings_to_file" in expect:
        assert data["headings_to_file"] == expect["headings_to_file"], data["headings_to_file"]
    if "headings_unknown" in expect:
        assert data["headings_unknown"] == expect["headings_unknown"], data["headings_unknown"]
    claims = {c["claim"] for c in data["available_claims"]}
    for claim in expect.get("available_claims", []):
        assert claim in claims
    # Every line carries a citation with at least one S-number of the tariff reference and a confidence mark.
    for line in data["lines"]:
        assert (
            line["sources"] and line["citation"].endswith("]") and line["confidence"] in {"H", "M", "L", "UNCONFIRMED"}
        )
