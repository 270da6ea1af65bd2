"""Model-weight scenarios: tests/scenarios/models/classify.yaml (4E091 classification) and determine.yaml (transfers
of weights through determine()), read by one parametrised test each."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml

from chipclear.decision import OrderLine
from chipclear.determination import determine
from chipclear.determination.history import NoScreening
from chipclear.models import ModelCatalog, load_models
from chipclear.models.classify import classify_model

HERE = Path(__file__).parent
SCENARIOS = HERE.parent / "scenarios" / "models"


def _load(name: str) -> list[Any]:
    data = yaml.safe_load((SCENARIOS / name).read_text(encoding="utf-8"))["scenarios"]
    return [pytest.param(s, id=s["name"]) for s in data]


@pytest.fixture(scope="module")
def catalog() -> ModelCatalog:
    return load_models([HERE / "fixtures"])


def _explain(trace: list[Any], missing: list[str]) -> str:
    return "\n".join(f"  {r.rule} | {r.detail} | {r.citation}" for r in trace) + f"\n  missing: {missing}"


@pytest.mark.parametrize("scenario", _load("classify.yaml"))
def test_classification(scenario: dict[str, Any], catalog: ModelCatalog) -> None:
    on = dt.date.fromisoformat(scenario["as_of"])
    result = classify_model(scenario["model"], on, layer=scenario["layer"], catalog=catalog)
    expect = scenario["expect"]
    explain = _explain(result.trace, result.missing)
    assert result.status == expect["status"], explain
    if "eccn" in expect:
        assert result.eccn == expect["eccn"], explain
    if "missing" in expect:
        assert any(expect["missing"] in m for m in result.missing), explain
    if "missing_exactly" in expect:
        assert result.missing == expect["missing_exactly"], explain
    if "detail" in expect:
        assert any(expect["detail"] in r.detail for r in result.trace), explain
    if "confidence" in expect:  # the threshold step carries the figure's confidence
        step = next(r for r in result.trace if "#4E091" in r.rule or "threshold" in r.rule)
        assert step.confidence == expect["confidence"], explain
    if "rule" in expect:
        assert any(expect["rule"] in r.rule for r in result.trace), explain
    if "citation" in expect:
        assert any(expect["citation"] in r.citation for r in result.trace), explain
    assert result.trace[-1].rule == "classify#result"
    if result.status != "indeterminate":
        assert result.missing == []


@pytest.mark.parametrize("scenario", _load("determine.yaml"))
def test_transfer(scenario: dict[str, Any], catalog: ModelCatalog) -> None:
    line = OrderLine.model_validate(scenario["line"])
    decision = determine(line, layer=scenario["layer"], screener=NoScreening(), models=catalog)
    expect = scenario["expect"]
    explain = _explain(decision.reasons, decision.missing)
    if "verdict_not" in expect:
        assert decision.verdict.value != expect["verdict_not"], explain
    else:
        assert decision.verdict.value == expect["verdict"], explain
    if "review_policy" in expect:
        got = decision.review_policy.value if decision.review_policy else None
        assert got == expect["review_policy"], explain
    if "exceptions" in expect:
        assert [e.code for e in decision.license_exceptions] == expect["exceptions"], explain
    if "rule" in expect:
        assert any(expect["rule"] in r.rule for r in decision.reasons), explain
    if "citation" in expect:
        assert any(expect["citation"] in r.citation for r in decision.reasons), explain
    if "detail" in expect:
        assert any(expect["detail"] in r.detail for r in decision.reasons), explain
    if "missing" in expect:
        assert any(expect["missing"] in m for m in decision.missing), explain
    if "missing_none" in expect:
        assert not any(expect["missing_none"] in m for m in decision.missing), explain
    assert decision.classification["item"]["kind"] == "model"
