"""The examples in docs/whatif.md run, so the guide cannot rot."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from chipclear.rules import RuleSet
from chipclear.whatif import parse_draft

DOC = Path(__file__).resolve().parents[2] / "docs" / "whatif.md"


def _blocks(lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)


def test_python_examples_run() -> None:
    blocks = _blocks("python")
    assert blocks
    for code in blocks:
        exec(compile(code, str(DOC), "exec"), {})


def test_yaml_draft_example_is_a_valid_draft(rules: RuleSet) -> None:
    (text,) = _blocks("yaml")
    draft = parse_draft(text, "docs/whatif.md", rules)
    assert draft.ids == [yaml.safe_load(text)["id"]]
    draft.apply(rules)


FIGURE_ROW = re.compile(r"^\| `([\w-]+)`, (\d{4}-\d{2}-\d{2}) \| (\d+)\D.*?\| (\d+): (.*)\|$", flags=re.M)


def test_the_figures_table_is_what_whatif_says() -> None:
    """The figures table is the output of the commands it names: re-run them and update the table when this fails
    (the rules data or the catalog grew)."""
    import json

    from typer.testing import CliRunner

    from chipclear.cli import app

    rows = FIGURE_ROW.findall(DOC.read_text(encoding="utf-8"))
    assert len(rows) == 3
    for draft, date, eccn_changes, verdict_changes, detail in rows:
        out = CliRunner().invoke(app, ["whatif", draft, "--date", date, "--json"])
        assert out.exit_code == 0, out.output
        result = json.loads(out.output)
        assert result["classification"]["counts"]["changed"] == int(eccn_changes), draft
        destinations = result["destinations"]
        assert destinations["lines_assessed"] == 792
        assert destinations["changed"] == int(verdict_changes), (draft, destinations["transitions"])
        parts = [int(n) for n in re.findall(r"(?:^|; )(\d+) ", detail)]
        assert sum(parts) == int(verdict_changes), (draft, parts)
