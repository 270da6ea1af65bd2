"""docs/adding-a-rule.md, run: its example rule file and its scenarios load through the real loaders, the scenarios
pass with the file as an overlay, the bundled scenarios still pass beside it, and its ``chipclear diff`` shows
only the change the example claims (nothing that was LICENSE_REQUIRED becomes NLR: the A30 to China stays
LICENSE_REQUIRED)."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml
from tests.determination.test_scenarios import _scenarios, check_scenario
from typer.testing import CliRunner

from chipclear.cli import app
from chipclear.decision import OrderLine
from chipclear.determination import determine
from chipclear.rules import RuleSet, load_rules
from chipclear.screening import Screener, default_screener

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "adding-a-rule.md"
TEXT = GUIDE.read_text(encoding="utf-8")
RULE_SNIPPET, SCENARIO_SNIPPET = re.findall(r"```yaml\n(.*?)```", TEXT, flags=re.S)
RULE_ID = yaml.safe_load(RULE_SNIPPET)["id"]
EXAMPLE_COUNTRIES = ["MY", "TH"]


@pytest.fixture(scope="module")
def rule_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("guide") / f"{RULE_ID}.yaml"
    path.write_text(RULE_SNIPPET, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def rules(rule_file: Path) -> RuleSet:
    return load_rules([rule_file])


@pytest.fixture(scope="module")
def screener() -> Screener:
    return default_screener()


def test_the_example_rule_file_loads_and_moves_the_data_date(rules: RuleSet) -> None:
    assert RULE_ID in {a.id for a in rules.actions}
    assert rules.data_date.isoformat() == "2026-09-01"


def guide_scenarios() -> list[Any]:
    loaded = yaml.safe_load(SCENARIO_SNIPPET)
    assert isinstance(loaded, dict) and loaded["scenarios"], "the guide's scenario file needs its scenarios: key"
    return [pytest.param(s, id=s["name"]) for s in loaded["scenarios"]]


@pytest.mark.parametrize("scenario", guide_scenarios())
def test_the_guides_scenarios_pass_with_the_example_file(
    scenario: dict[str, Any], rules: RuleSet, screener: Screener
) -> None:
    check_scenario(scenario, screener, rules)


@pytest.mark.parametrize("scenario", _scenarios())
def test_the_bundled_scenarios_still_pass_beside_the_example_file(
    scenario: dict[str, Any], rules: RuleSet, screener: Screener
) -> None:
    """Adding a rule file changes only what it says: no bundled scenario depends on the newest rule date."""
    check_scenario(scenario, screener, rules)


def test_a_date_after_the_data_names_the_new_data_date(rules: RuleSet, screener: Screener) -> None:
    line = OrderLine.model_validate(
        {"item": "H100", "destination": "DE", "ship_date": "2026-12-01",
         "parties": [{"name": "Example End User Ltd", "role": "end_user", "headquarters_country": "DE"}]}
    )  # fmt: skip
    details = [r.detail for r in determine(line, rules=rules, screener=screener).reasons]
    assert "rules as known on 2026-09-01: 2026-12-01 is after the newest rule data" in details


def _diff(rule_file: Path, *extra: str) -> dict[str, Any]:
    shown = re.search(r"^CHIPCLEAR_RULES=\S+ chipclear (diff .+)$", TEXT, flags=re.M)
    assert shown, "the guide no longer shows the diff command"
    args = [*shlex.split(shown.group(1)), *extra, "--json"]
    out = CliRunner().invoke(app, args, env={"CHIPCLEAR_RULES": str(rule_file)})
    assert out.exit_code == 0, out.output
    result: dict[str, Any] = json.loads(out.output)
    assert result["rules_version"].startswith("rules-2026-09-01-"), "the diff did not load the example file"
    return result


def test_the_example_changes_only_what_it_claims(rule_file: Path) -> None:
    every_group = _diff(rule_file)
    assert every_group["changes"] == [], "the example changed a destination it does not name"
    named = _diff(rule_file, *(a for c in EXAMPLE_COUNTRIES for a in ("--dest", c)))
    assert named["changes"], "the example changed nothing in the countries it names"
    for change in named["changes"]:
        assert change["destination"] in EXAMPLE_COUNTRIES
        assert change["after"]["verdict"] in {"LICENSE_REQUIRED", "HOLD"}, change
        assert change["before"]["verdict"] in {"NLR", "HOLD"}, change
        assert any(w["rule"].startswith(RULE_ID) for w in change["why"]), change


def test_a30_to_china_stays_license_required(rules: RuleSet, screener: Screener) -> None:
    line = OrderLine.model_validate({"item": "A30", "destination": "CN", "ship_date": "2026-09-01"})
    assert determine(line, rules=rules, screener=screener).verdict.value == "LICENSE_REQUIRED"
