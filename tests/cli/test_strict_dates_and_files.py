"""Dates are YYYY-MM-DD at every CLI option, and a data file with an impossible value is one line and exit 2.

Outside audits (2026-12): ``check --date 20250513`` and ``--date 2025-W20-2`` were taken (Python 3.11's
``date.fromisoformat`` reads them) while the message says "YYYY-MM-DD form" and batch refuses them; a rules folder
holding ``effective: 2027-02-30`` was a traceback (PyYAML raises ValueError, not a YAMLError); a party name of
zero-width characters was screened as nobody. Each error names the option typed (``--ship-date``, not
``ship_date``)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

from chipclear.cli import app

runner = CliRunner()
DRAFT = (Path(__file__).parents[2] / "src/chipclear/whatif/drafts/tpp-threshold-2400.yaml").read_text("utf-8")
BAD_DATES = ["20250513", "2025-W20-2", "2025-133", "2025-5-13", "2025-02-30"]


def _one_error_line(result: Result, *needles: str) -> str:
    code, err = result.exit_code, result.stderr
    assert code == 2, (code, err, result.stdout)
    assert err.startswith("chipclear: error: ") and len(err.strip().splitlines()) == 1, err
    for needle in needles:
        assert needle in err, err
    assert "Traceback" not in err
    return str(err)


@pytest.mark.parametrize("bad", BAD_DATES)
@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["check", "--item", "H20", "--to", "CN", "--date", "{}"], "--date"),
        (["timeline", "H20", "--to", "CN", "--until", "{}"], "--until"),
        (["diff", "--from", "{}", "--to", "2025-06-01"], "--from"),
        (["classify", "H20", "--as-of", "{}"], "--as-of"),
        (["catalog", "--as-of", "{}"], "--as-of"),
        (["whatif", "tpp-threshold-2400", "--date", "{}"], "--date"),
        (["batch", "orders.csv", "--out", "out.parquet", "--date", "{}"], "--date"),
        (["ship", "--item", "H20", "--destination", "CN", "--ship-date", "{}"], "--ship-date"),
        (["license", "grant", "1", "--number", "D1", "--valid-from", "{}", "--valid-to", "2026-01-01"], "--valid-from"),
        (["duty", "--hts", "8471.50", "--origin", "TW", "--date", "{}"], "--date"),
    ],
)
def test_every_date_option_takes_yyyy_mm_dd_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], field: str, bad: str
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "orders.csv").write_text("item,destination\nH20,CN\n", encoding="utf-8")
    result = runner.invoke(app, [a.replace("{}", bad) for a in args])
    _one_error_line(result, f"{field}: {bad!r} is not a date in YYYY-MM-DD form")


def test_a_yyyy_mm_dd_date_is_still_taken() -> None:
    result = runner.invoke(app, ["check", "--item", "H20", "--to", "CN", "--date", "2025-05-13", "--json"])
    assert result.exit_code == 0, result.output
    assert '"as_of": "2025-05-13"' in result.stdout


def test_a_rules_folder_with_an_impossible_date_is_one_line(tmp_path: Path) -> None:
    folder = tmp_path / "rules"
    folder.mkdir()
    (folder / "mine.yaml").write_text(
        DRAFT.replace("kind: draft", "kind: rule").replace("effective: 2027-01-01", "effective: 2027-02-30"),
        encoding="utf-8",
    )
    result = runner.invoke(
        app, ["check", "--item", "H20", "--to", "CN", "--date", "2025-05-01"], env={"CHIPCLEAR_RULES": str(folder)}
    )
    err = _one_error_line(result, "mine.yaml: not valid YAML: line ", "'2027-02-30' is not a valid date")
    assert re.search(r"line \d+, column \d+", err)


def test_a_rules_file_that_is_not_utf8_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_bytes(b"id: x\ntitle: \xff\n")
    result = runner.invoke(app, ["check", "--item", "H20", "--to", "CN"], env={"CHIPCLEAR_RULES": str(path)})
    _one_error_line(result, "mine.yaml: cannot read rule file: not UTF-8 text")


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("item: H20\ndestination: CN\nship_date: 2027-02-30\n", "'2027-02-30' is not a valid date"),
        ("item: H20\ndestination: CN\nquantity: [1\n", "not valid yaml (line "),
        ("item: H20\ndestination: CN\nship_date: '20270201'\n", "ship_date: '20270201' is not a date"),
        ("item: H20\ndestination: CN\nquantity: '3'\n", "quantity: must be a whole number"),
        ('item: H20\ndestination: CN\nparties: [{name: "\\u200b"}]\n', "parties.0.name"),
    ],
)
def test_a_ship_file_with_a_bad_value_is_one_line(tmp_path: Path, text: str, needle: str) -> None:
    path = tmp_path / "lines.yaml"
    path.write_text(text, encoding="utf-8")
    _one_error_line(runner.invoke(app, ["ship", "--file", str(path)]), str(path), needle)


@pytest.mark.parametrize("name", ["\u200b\u200b", "\u202e", "\u00ad", "\u2060"])
def test_an_invisible_end_user_is_refused_naming_the_field(name: str) -> None:
    result = runner.invoke(app, ["check", "--item", "H20", "--to", "CN", "--end-user", name])
    _one_error_line(result, "--end-user: ", "visible character")
