"""License-determination scenarios: every file in tests/scenarios/determination/ is a list of order lines with the
verdict, review policy, license exceptions and citations the law gave on the ship date (one test per scenario)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from chipclear.decision import OrderLine
from chipclear.determination import determine
from chipclear.rules import RuleSet
from chipclear.screening import Screener, default_screener

FOLDER = Path(__file__).parents[1] / "scenarios" / "determination"


def _scenarios() -> list[Any]:
    out = []
    for path in sorted(FOLDER.glob("*.yaml")):
        for scenario in yaml.safe_load(path.read_text(encoding="utf-8"))["scenarios"]:
            out.append(pytest.param(scenario, id=f"{path.stem}: {scenario['name']}"))
    return out


def test_there_are_enough_scenarios() -> None:
    assert len(_scenarios()) >= 60


@pytest.fixture(scope="module")
def screener() -> Screener:
    """The screener over the embedded lists, built once for the module (each test has its own data dir)."""
    return default_screener()


@pytest.mark.parametrize("scenario", _scenarios())
def test_scenario(scenario: dict[str, Any], screener: Screener) -> None:
    check_scenario(scenario, screener)


def check_scenario(scenario: dict[str, Any], screener: Screener, rules: RuleSet | None = None) -> None:
    """Decides the scenario's line (with ``rules``, default the bundled ones) and asserts every ``expect`` key."""
    line = OrderLine.model_validate(scenario["line"])
    decision = determine(line, layer=scenario.get("layer", "enforced"), rules=rules, screener=screener)
    expect = scenario["expect"]
    explain = "\n".join(f"  {r.rule} | {r.detail} | {r.citation}" for r in decision.reasons)
    explain += f"\n  missing: {decision.missing}"
    assert decision.verdict.value == expect["verdict"], explain
    if "review_policy" in expect:
        got = decision.review_policy.value if decision.review_policy else None
        assert got == expect["review_policy"], explain
    if "exceptions" in expect:
        assert [e.code for e in decision.license_exceptions] == expect["exceptions"], explain
    if "conditions" in expect:
        assert any(expect["conditions"] in c for e in decision.license_exceptions for c in e.conditions), explain
    if "rule" in expect:
        assert any(expect["rule"] in r.rule for r in decision.reasons), explain
    if "citation" in expect:
        assert any(expect["citation"] in r.citation for r in decision.reasons), explain
    if "detail" in expect:
        assert any(expect["detail"] in r.detail for r in decision.reasons), explain
    if "missing" in expect:
        assert any(expect["missing"] in m for m in decision.missing), explain
    # Every decision is cited and reproducible from its record.
    assert decision.reasons and all(r.rule and r.citation for r in decision.reasons)
    assert decision.rules_version and decision.as_of == line.ship_date
