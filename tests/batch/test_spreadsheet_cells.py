"""The bad-rows file is opened in spreadsheets: a book's text that a spreadsheet would run as a formula is written
with a single quote in front (an audit, 2026-12: `=HYPERLINK(...)` and `+cmd|' /C calc'!A0` went out unchanged, and
a plain-text XLSX cell came back as a live formula). OWASP's CSV injection guidance; docs/batch.md."""

from __future__ import annotations

import csv
from pathlib import Path

import polars as pl
import pytest
from openpyxl import Workbook, load_workbook
from typer.testing import CliRunner

from chipclear.cli import app
from chipclear.spreadsheet import (
    needs_quote,
    printable,
    printable_text_columns,
    safe_cell,
    safe_row,
    safe_text_columns,
)

runner = CliRunner()

HYPERLINK = '=HYPERLINK("http://x","y")'
DDE = "+cmd|' /C calc'!A0"
RISKY = [
    HYPERLINK,
    DDE,
    "@SUM(1+1)",
    "-2+3",
    " =1+1",
    "\t=1+1",
    "\r=1+1",
    "\n=1+1",
    "\u00a0=1+1",
    "\ufeff=1+1",
    "\u3000@x",
    "\uff1dHYPERLINK()",
    "\tplain",
    "\rplain",
    "-",
    "- item",
    "-5\n",
]
PLAIN = ["H20", "nvidia-h20", "Jade River Co.", "-5", "+2", "1.5e3", "-.5", "0", "", "1-2", "'=already text", "\nfoo"]


@pytest.mark.parametrize("text", RISKY)
def test_a_cell_a_spreadsheet_would_run_gets_a_quote(text: str) -> None:
    assert needs_quote(text) and safe_cell(text) == "'" + text and not needs_quote(safe_cell(text))


@pytest.mark.parametrize("text", PLAIN)
def test_text_and_plain_numbers_are_left_alone(text: str) -> None:
    assert not needs_quote(text) and safe_cell(text) == text


def test_the_polars_rule_is_the_python_rule() -> None:
    frame = pl.DataFrame({"text": RISKY + PLAIN, "row": list(range(len(RISKY + PLAIN)))})
    safe = safe_text_columns(frame)
    assert safe["text"].to_list() == [safe_cell(t) for t in RISKY + PLAIN]
    assert safe["row"].to_list() == frame["row"].to_list() and safe.schema == frame.schema


def _bad_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _no_formulas(rows: list[dict[str, str]]) -> None:
    for row in rows:
        assert row["row"].isdigit()
        for column, cell in row.items():
            assert not needs_quote(cell), (column, cell)


def test_cli_bad_rows_of_a_csv_book_hold_no_formula(tmp_path: Path) -> None:
    book = tmp_path / "orders.csv"
    with book.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["order_id", "item", "quantity", "destination", "end_user_name"])
        writer.writerow(["SO-1", HYPERLINK, "1", "CN", "Jade River"])
        writer.writerow(["@SO-2", "H20", "two", "CN", DDE])
        writer.writerow(["SO-3", "H20", "-5", "CN", " =1+1"])
        writer.writerow(["SO-4", "H20", "1", "-CN", ""])
    out = tmp_path / "d.parquet"
    result = runner.invoke(app, ["batch", str(book), "--out", str(out), "--no-screening", "--quiet"])
    assert result.exit_code == 0, result.output
    rows = _bad_rows(tmp_path / "d.bad-rows.csv")
    _no_formulas(rows)
    by_row = {r["row"]: r for r in rows}
    assert by_row["1"]["item"] == "'" + HYPERLINK
    assert (by_row["2"]["order_id"], by_row["2"]["end_user_name"]) == ("'@SO-2", "'" + DDE)
    assert by_row["3"]["quantity"] == "-5"  # a plain number, as the book typed it
    assert by_row["3"]["end_user_name"] in ("'=1+1", "' =1+1")  # the reader may trim the space
    assert by_row["4"]["destination"] == "'-CN"
    # the reason names the value as given, after its field name, so it starts with plain text
    assert by_row["1"]["reason"].startswith("item: unknown item '=HYPERLINK")


def test_a_plain_text_xlsx_cell_stays_text_in_the_bad_rows(tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["item", "quantity", "destination", "end_user_name"])
    ws.append(["H1OO", 1, "CN", "Jade River"])
    ws.append(["H1OO", 1, "CN", "Jade River"])
    for cell, text in (("A2", HYPERLINK), ("D3", DDE)):
        ws[cell].value = text
        ws[cell].data_type = "s"  # typed as text, as a user types '=... in a spreadsheet: not a formula
    book = tmp_path / "orders.xlsx"
    wb.save(book)
    reread = load_workbook(book)
    sheet = reread.worksheets[0]
    assert sheet["A2"].data_type == "s" and sheet["A2"].value == HYPERLINK
    out = tmp_path / "d.parquet"
    result = runner.invoke(app, ["batch", str(book), "--out", str(out), "--no-screening", "--quiet"])
    assert result.exit_code == 0, result.output
    rows = _bad_rows(tmp_path / "d.bad-rows.csv")
    _no_formulas(rows)
    assert [r["item"] for r in rows] == ["'" + HYPERLINK, "H1OO"]
    assert rows[1]["end_user_name"] == "'" + DDE


UNPRINTABLE = {
    "\x00": "\\x00",
    "\x1b[31m": "\\x1b[31m",
    "a\tb": "a\\x09b",
    "two\nlines": "two\\x0alines",
    "\x7f\x85": "\\x7f\\x85",
    "L 1\u200b": "L 1\\u200b",
    "\u202eevil": "\\u202eevil",
    "x\u2028y": "x\\u2028y",
    "Jade River Co.": "Jade River Co.",
    "\u4e2d\u82af": "\u4e2d\u82af",
}


@pytest.mark.parametrize(("text", "written"), list(UNPRINTABLE.items()))
def test_a_control_or_format_character_is_written_as_an_escape(text: str, written: str) -> None:
    assert printable(text) == written
    frame = pl.DataFrame({"text": [text, None], "row": [1, 2]})
    assert printable_text_columns(frame)["text"].to_list() == [written, None]


def test_cli_bad_rows_are_clean_text_with_each_row_identifiable(tmp_path: Path) -> None:
    # an audit (2026-12-07) found a raw NUL byte copied from the book into the bad-rows file
    book = tmp_path / "orders.csv"
    book.write_bytes(
        b"order_id,item,quantity,destination,end_user_name\n"
        b"SO-1\x00x,H20,abc,CN,Jade River\n"
        b'SO-2,nope\x1b[31m,1,DE,"two\nlines\x07"\n'
        b"SO-3,H20,1,DE,A\xe2\x80\x8bB\n"
        b"SO-4,H20,1,CN,\n"
    )
    out = tmp_path / "d.parquet"
    result = runner.invoke(app, ["batch", str(book), "--out", str(out), "--no-screening", "--quiet"])
    assert result.exit_code == 0, result.output
    written = (tmp_path / "d.bad-rows.csv").read_text(encoding="utf-8")
    assert written.isascii() and all(c == "\n" or c.isprintable() for c in written), repr(written)
    by_row = {r["row"]: r for r in _bad_rows(tmp_path / "d.bad-rows.csv")}
    assert by_row["1"]["order_id"] == "SO-1\\x00x" and by_row["1"]["reason"].startswith("quantity: 'abc'")
    assert (by_row["2"]["order_id"], by_row["2"]["item"]) == ("SO-2", "nope\\x1b[31m")
    assert by_row["2"]["end_user_name"] == "two\\x0alines\\x07"
    assert len(written.splitlines()) == 1 + len(by_row)


def test_a_csv_row_of_the_screening_hits_file_is_clean_text_too() -> None:
    assert safe_row({"name": "A\u200bB\x00", "score": 0.9, "entry": "=1+1\x07"}) == {
        "name": "A\\u200bB\\x00",
        "score": 0.9,
        "entry": "'=1+1\\x07",
    }
