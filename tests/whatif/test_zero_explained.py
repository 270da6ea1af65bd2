"""What-if explains a zero: when every line of an order book ships before the draft takes effect (or the draft
changes none of them), the report says why, in the JSON and in the table."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from chipclear.cli import app


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), env={"COLUMNS": "200"})
    return result.exit_code, result.stdout, result.stderr


def _book(tmp_path: Path, rows: str) -> Path:
    book = tmp_path / "book.csv"
    book.write_text("item,destination,ship_date,value_usd\n" + rows)
    return book


def test_every_line_before_the_draft_is_explained(tmp_path: Path) -> None:
    book = _book(tmp_path, "MI210,CN,2025-05-01,1000\nH100,DE,2025-06-01,5\n")
    args = ["whatif", "tpp-threshold-2400", "--orders", str(book), "--destinations", "CN"]
    code, out, err = run(*args, "--json")
    assert code == 0, err
    orders = json.loads(out)["orders"]
    assert orders["changed"] == 0 and orders["lines_before_draft_effective"] == 2
    assert orders["explanation"] == [
        "every line (2) is decided on its ship date, before the draft takes effect on 2027-01-01: the draft applies "
        "to none of them, so no line can change; lines shipping on or after that date would be assessed under it"
    ]
    assert any(n.startswith("order book: every line (2)") for n in json.loads(out)["notes"])
    code, table, _ = run(*args)
    flat = " ".join(table.split())
    assert "0 lines change" in flat and "before the draft takes effect on 2027-01-01" in flat


def test_some_lines_before_the_draft_are_counted(tmp_path: Path) -> None:
    book = tmp_path / "book.csv"
    book.write_text(
        "item,destination,ship_date,value_usd,end_user_name,end_user_headquarters_country\n"
        "A30,SA,2025-05-01,1000,Desert AI,SA\nA30,SA,2027-02-01,1000,Desert AI,SA\n"
    )
    code, out, err = run("whatif", "tpp-threshold-2400", "--orders", str(book), "--destinations", "CN", "--json")
    assert code == 0, err
    orders = json.loads(out)["orders"]
    assert orders["changed"] == 1
    assert orders["explanation"] == [
        "1 of 2 lines are decided on their ship date, before the draft takes effect on 2027-01-01: the draft cannot "
        "change them"
    ]


def test_a_draft_in_force_that_changes_nothing_says_so(tmp_path: Path) -> None:
    book = _book(tmp_path, "H100,DE,2027-02-01,5\n")
    code, out, err = run("whatif", "tpp-threshold-2400", "--orders", str(book), "--destinations", "CN", "--json")
    assert code == 0, err
    orders = json.loads(out)["orders"]
    assert orders["changed"] == 0
    assert orders["explanation"][0].startswith("the draft is in force for 1 lines but changes none of their decisions")


def test_a_book_with_only_bad_rows_says_nothing_could_be_assessed(tmp_path: Path) -> None:
    book = _book(tmp_path, "MI210,Chinaa,2027-02-01,1000\n")
    code, out, err = run("whatif", "tpp-threshold-2400", "--orders", str(book), "--destinations", "CN", "--json")
    assert code == 0, err
    orders = json.loads(out)["orders"]
    assert orders["explanation"] == ["no line of the order book could be assessed (1 bad rows): nothing can change"]
