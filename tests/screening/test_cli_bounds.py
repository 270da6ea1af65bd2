"""`chipclear screen` takes the API's bounds (chipclear.bounds; a door audit, 2026-12-07): a name of any length and
a --min-score down to 0 were accepted on the command line while the API refused them."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from chipclear.bounds import MIN_SCREEN_SCORE, SCREEN_NAME_LENGTH
from chipclear.cli import app
from chipclear.ledger.screening import ScreenRequest

runner = CliRunner()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["x" * (SCREEN_NAME_LENGTH + 1)], f"NAME: String should have at most {SCREEN_NAME_LENGTH} characters"),
        (["Acme", "--min-score", "0"], f"--min-score: 0.0 must be between {MIN_SCREEN_SCORE} and 1"),
        (["Acme", "--min-score", "0.49"], f"--min-score: 0.49 must be between {MIN_SCREEN_SCORE} and 1"),
        (["Acme", "--limit", "101"], "--limit: Input should be less than or equal to 100"),
        (["Acme", "--limit", "99999999999999999999"], "--limit: Input should be less than or equal to 100"),
        (["Acme", "--address", "y" * 1001], "--address: String should have at most 1000 characters"),
    ],
)
def test_screen_refuses_what_the_api_refuses(args: list[str], message: str) -> None:
    result = runner.invoke(app, ["screen", *args])
    assert result.exit_code == 2, result.output
    assert result.output == f"chipclear: error: {message}\n"


def test_the_api_request_has_the_same_bounds() -> None:
    fields = ScreenRequest.model_json_schema()["properties"]
    assert fields["name"]["maxLength"] == SCREEN_NAME_LENGTH
    assert fields["min_score"]["anyOf"][0]["minimum"] == MIN_SCREEN_SCORE  # a standard JSON Schema bound


def test_a_name_at_the_bound_and_the_lowest_floor_are_screened() -> None:
    result = runner.invoke(app, ["screen", "x" * SCREEN_NAME_LENGTH, "--min-score", str(MIN_SCREEN_SCORE)])
    assert result.exit_code == 0, result.output


def test_a_party_file_row_past_the_name_bound_is_refused_naming_the_row(tmp_path: Path) -> None:
    parties = tmp_path / "p.csv"
    parties.write_text(f"name\nAcme\n{'x' * (SCREEN_NAME_LENGTH + 1)}\n", encoding="utf-8")
    result = runner.invoke(app, ["screen", "--file", str(parties)])
    assert result.exit_code == 2, result.output
    assert result.output == (
        f"chipclear: error: --file: {parties}: row 3: field 'name' is longer than {SCREEN_NAME_LENGTH} characters\n"
    )
