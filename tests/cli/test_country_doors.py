"""Every door resolves countries through the one geography resolver: the CLI's check, ship and license commands
take codes and names, show the codes they used, and refuse a misspelling with exit 2 (the API, console and batch
have their own tests: tests/api/test_strict_inputs.py, tests/browser/test_country_inputs.py,
tests/batch/test_malformed_rows.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from chipclear.cli import app
from chipclear.errors import InputError
from chipclear.geography import load_geography


@pytest.mark.parametrize(
    "typed", ["China", "china", "CN", "cn", "CHN", "People's Republic of China", "People\u2019s Republic of China"]
)
def test_the_resolver_reads_china(typed: str) -> None:
    assert load_geography().normalize(typed) == "CN"


@pytest.mark.parametrize(("typed", "code"), [("Ch", "CH"), ("Switzerland", "CH"), ("Burma", "MM"), ("UK", "GB")])
def test_codes_stay_codes_and_names_resolve(typed: str, code: str) -> None:
    assert load_geography().normalize(typed) == code


@pytest.mark.parametrize("typed", ["Chinaa", "C", "Atlantis", "CN CN", "x" * 5000])
def test_the_resolver_refuses_anything_else(typed: str) -> None:
    with pytest.raises(InputError, match="unknown country"):
        load_geography().normalize(typed, field="destination")


def test_cli_check_shows_the_codes_it_used() -> None:
    args = ["check", "--item", "H100", "--to", "Singapore", "--date", "2025-05-01", "--end-user", "Example Pte Ltd"]
    args += ["--end-user-hq", "People's Republic of China", "--json"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["input"]["destination"] == "SG"
    assert data["input"]["parties"][0]["headquarters_country"] == "CN"
    assert data["verdict"] != "NLR"


def test_cli_ship_and_license_read_country_names(tmp_path: Path) -> None:
    env = {"CHIPCLEAR_DATABASE_URL": f"sqlite:///{tmp_path / 'ledger.db'}", "COLUMNS": "200"}
    runner = CliRunner()
    key = runner.invoke(app, ["user", "add", "admin", "--role", "admin", "--key-only"], env=env).stdout.strip()
    env["CHIPCLEAR_API_KEY"] = key
    ship = ["ship", "--item", "H20", "--quantity", "1", "--destination", "China", "--ship-date", "2025-05-01"]
    result = runner.invoke(app, [*ship, "--end-user", "Example Co@People's Republic of China", "--json"], env=env)
    assert result.exit_code == 1, result.output  # H20 to China needs a license: held (ship exits 1)
    assert '"country": "CN"' in result.stdout and "Republic" not in result.stdout
    bad = runner.invoke(app, [*ship, "--end-user", "Example Co@Chinaa"], env=env)
    assert bad.exit_code == 2 and "unknown country 'Chinaa'" in bad.stderr
    apply = ["license", "apply", "--item", "H20", "--destination", "china", "--end-user", "Example Co@CN", "--json"]
    applied = runner.invoke(app, apply, env=env)
    assert applied.exit_code == 0, applied.output
    assert json.loads(applied.stdout)["destinations"] == ["CN"]


def test_cli_check_through_the_ledger_uses_the_reviews_on_file(tmp_path: Path) -> None:
    """Door audit 5 (2026-12-07): after a not-a-match review, POST /api/check said NLR and `chipclear check` with a
    key still HOLD (it decided without the ledger's reviews)."""
    env = {"CHIPCLEAR_DATABASE_URL": f"sqlite:///{tmp_path / 'ledger.db'}", "COLUMNS": "200"}
    runner = CliRunner()
    key = runner.invoke(app, ["user", "add", "admin", "--role", "admin", "--key-only"], env=env).stdout.strip()
    env["CHIPCLEAR_API_KEY"] = key
    args = ["check", "--item", "L20", "--to", "DE", "--date", "2025-05-01", "--end-user", "Inspur"]
    args += ["--end-user-country", "DE", "--end-user-hq", "DE", "--json"]
    held = json.loads(runner.invoke(app, args, env=env).stdout)
    assert held["verdict"] == "HOLD"
    for hit in held["screening"]:
        add = ["reviews", "add", "--party", "Inspur", "--country", "DE", "--entry", hit["entry_id"]]
        done = runner.invoke(app, [*add, "--reason", "a German reseller, registry extract on file"], env=env)
        assert done.exit_code == 0, done.output
    again = json.loads(runner.invoke(app, args, env=env).stdout)
    assert again["verdict"] == "NLR", again["missing"]
    assert any("suppressed by review" in r["detail"] for r in again["reasons"])
    before = runner.invoke(app, ["check", "--item", "H20", "--to", "IR", "--date", "2018-06-01"], env=env)
    assert before.exit_code == 2 and "before the rule data's coverage" in before.output
