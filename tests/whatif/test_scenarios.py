"""What-if scenarios: every file in tests/scenarios/whatif/ names its drafts, optional extra catalog parts, and
order lines with the verdict expected with the rules in force ("before") and with the drafts added ("after").
A line that names no party has an end user located and headquartered in the destination."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from chipclear.catalog import Catalog
from chipclear.catalog.loader import bundled_files, parse_catalog_text
from chipclear.decision import Decision, OrderLine
from chipclear.determination import determine
from chipclear.determination.history import NoScreening
from chipclear.rules import RuleSet, load_rules
from chipclear.whatif.service import load_drafts

FOLDER = Path(__file__).parents[1] / "scenarios" / "whatif"


def _files() -> dict[str, dict[str, Any]]:
    return {p.stem: yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted(FOLDER.glob("*.yaml"))}


def _scenarios() -> list[Any]:
    return [
        pytest.param(stem, s, id=f"{stem}: {s['name']}") for stem, data in _files().items() for s in data["scenarios"]
    ]


def test_every_bundled_draft_has_scenarios() -> None:
    from chipclear.whatif import bundled_drafts

    covered = {d for data in _files().values() for d in data["drafts"]}
    assert set(bundled_drafts()) <= covered


def _check(decision: Decision, expect: dict[str, Any], explain: str) -> None:
    assert decision.verdict.value == expect["verdict"], explain
    if "review_policy" in expect:
        got = decision.review_policy.value if decision.review_policy else None
        assert got == expect["review_policy"], explain
    if "exceptions" in expect:
        assert [e.code for e in decision.license_exceptions] == expect["exceptions"], explain
    if "rule" in expect:
        steps = [r.rule for r in decision.reasons] + [t["rule"] for t in decision.classification.get("trace", [])]
        assert any(expect["rule"] in rule for rule in steps), explain
    if "missing" in expect:
        assert any(expect["missing"] in m for m in decision.missing), explain


@pytest.mark.parametrize(("stem", "scenario"), _scenarios())
def test_scenario(stem: str, scenario: dict[str, Any]) -> None:
    data = _files()[stem]
    rules: RuleSet = load_rules()
    extra = [parse_catalog_text(yaml.safe_dump({"parts": data["parts"]}), f"{stem}.yaml")] if data.get("parts") else []
    cat = Catalog([*bundled_files(), *extra])
    drafted = load_drafts(data["drafts"], rules).apply(rules)
    raw = dict(scenario["line"])
    # a line that names no party has an end user located and headquartered in the destination
    raw.setdefault(
        "parties",
        [
            {
                "name": "end user",
                "role": "end_user",
                "country": raw["destination"],
                "headquarters_country": raw["destination"],
            }
        ],
    )
    line = OrderLine.model_validate(raw)
    expect = scenario["expect"]
    for world, rule_set in (("before", rules), ("after", drafted)):
        decision = determine(line, rules=rule_set, catalog=cat, screener=NoScreening())
        explain = f"{world}: " + "\n".join(f"  {r.rule} | {r.detail} | {r.citation}" for r in decision.reasons)
        if world in expect:
            _check(decision, expect[world], explain + f"\n  missing: {decision.missing}")
        if world == "after" and "after_eccn" in expect:
            assert decision.classification["eccn"] == expect["after_eccn"], explain
