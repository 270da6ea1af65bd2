"""A CLI error names the option the user typed (hostile-input leftovers, 2026-12-07): ``--to XX`` said
``to: unknown country`` and ``--valid-from 2025-13-01`` said ``valid_from: ...``, names of no option."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from chipclear.cli import app

runner = CliRunner()
CHECK = ["check", "--item", "L20", "--to", "DE", "--date", "2025-05-01"]


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["check", "--item", "L20", "--to", "XX"], "--to"),
        (["check", "--item", "L20", "--to", "DE", "--date", "2025-13-01"], "--date"),
        ([*CHECK, "--end-user", "Acme", "--end-user-country", "XX"], "--end-user-country"),
        ([*CHECK, "--end-user", "Acme", "--end-user-hq", "XX"], "--end-user-hq"),
        ([*CHECK, "--end-user", "\u202eiewauH"], "--end-user"),
        (["diff", "--from", "2025-1-1", "--to", "2025-02-01"], "--from"),
        (["timeline", "L20", "--to", "DE", "--until", "2025-1-1"], "--until"),
        (["timeline", "L20", "--to", "XX"], "--to"),
        (["catalog", "--as-of", "2025/01/01"], "--as-of"),
        (["ship", "--item", "L20", "--destination", "DE", "--ship-date", "20250501"], "--ship-date"),
        (["ship", "--item", "L20", "--destination", "DE", "--end-user", "Acme@XX"], "--end-user"),
        (["ship", "--item", "L20", "--destination", "DE", "--end-user", "\u202eiewauH"], "--end-user"),
        (
            ["license", "grant", "1", "--number", "L1", "--valid-from", "2025-13-01", "--valid-to", "2026-01-01"],
            "--valid-from",
        ),
    ],
)
def test_an_error_names_the_option(args: list[str], option: str) -> None:
    out = runner.invoke(app, args, env={"CHIPCLEAR_API_KEY": ""})
    assert out.exit_code == 2, out.output
    assert out.output.startswith(f"chipclear: error: {option}: "), out.output
