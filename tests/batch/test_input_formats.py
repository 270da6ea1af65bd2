"""Order books and party files as CSV, Parquet, XLSX and JSON lines, from a file or standard input (-), and the
decisions as JSON lines (issue 15): every format gives the decisions the CSV gives, and a bad record in any of them
is a bad row naming where it is (JSON line, sheet row), never the end of the run."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import polars as pl
import pytest
from openpyxl import Workbook
from typer.testing import CliRunner

from chipclear.cli import app
from chipclear.tabular import cell_text, sniff

runner = CliRunner()
HEADER = ["order_id", "item", "quantity", "destination", "ship_date", "end_user_name", "end_user_headquarters_country"]
GOOD = [
    ["SO-1", "H20", "8", "CN", "2025-06-01", "Example Co", "CN"],
    ["SO-2", "H100", "2", "DE", "2025-06-01", "", ""],
    ["SO-3", "RTX 4090", "1", "SG", "2025-01-10", "Summit Gaming Pte. Ltd.", "CN"],
]
COMPARED = ["order_id", "item_id", "quantity", "destination", "ship_date", "verdict", "review_policy", "reasons"]


def _csv(path: Path, rows: list[list[str]]) -> Path:
    path.write_text("\n".join(",".join(r) for r in [HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def _jsonl(path: Path, rows: list[list[str]], extra: list[str] = ()) -> Path:  # type: ignore[assignment]
    lines = [
        json.dumps({k: (int(v) if k == "quantity" else v) for k, v in zip(HEADER, r, strict=True) if v}) for r in rows
    ]
    path.write_text("\n".join([*lines, *extra]) + "\n", encoding="utf-8")
    return path


def _xlsx(path: Path, rows: list[list[object]]) -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def _decide(tmp_path: Path, book: Path | str, name: str, *args: str, stdin: bytes | None = None) -> pl.DataFrame:
    out = tmp_path / f"{name}.parquet"
    result = runner.invoke(app, ["batch", str(book), "-o", str(out), "-q", "--no-screening", *args], input=stdin)
    assert result.exit_code == 0, result.output
    return pl.read_parquet(out).sort("row")


def test_every_format_gives_the_csv_decisions(tmp_path: Path) -> None:
    base = _decide(tmp_path, _csv(tmp_path / "b.csv", GOOD), "csv").select(COMPARED)
    typed: list[list[object]] = [
        ["SO-1", "H20", 8, "CN", dt.datetime(2025, 6, 1), "Example Co", "CN"],  # numbers and dates as a sheet has them
        ["SO-2", "H100", 2.0, "DE", dt.date(2025, 6, 1), None, None],
        ["SO-3", "RTX 4090", 1, "SG", "2025-01-10", "Summit Gaming Pte. Ltd.", "CN"],
    ]
    books = {
        "xlsx": _xlsx(tmp_path / "b.xlsx", typed),
        "jsonl": _jsonl(tmp_path / "b.jsonl", GOOD),
        "parquet": tmp_path / "b.parquet",
    }
    pl.read_csv(tmp_path / "b.csv", infer_schema=False).write_parquet(books["parquet"])
    for name, book in books.items():
        assert _decide(tmp_path, book, f"out-{name}").select(COMPARED).equals(base), name
    noext = tmp_path / "book"  # no suffix: the content says what it is
    noext.write_bytes(books["xlsx"].read_bytes())
    assert _decide(tmp_path, noext, "out-noext").select(COMPARED).equals(base)
    for name in ("jsonl", "xlsx", "csv"):  # standard input
        data = (books[name] if name != "csv" else tmp_path / "b.csv").read_bytes()
        assert _decide(tmp_path, "-", f"out-stdin-{name}", stdin=data).select(COMPARED).equals(base), name


def test_bad_records_are_bad_rows_naming_their_place(tmp_path: Path) -> None:
    book = _jsonl(tmp_path / "b.jsonl", GOOD, ['{"order_id": "SO-4", "item": "H100"', "[1, 2]", '{"item": {"id": 1}}'])
    out = tmp_path / "d.parquet"
    result = runner.invoke(app, ["batch", str(book), "-o", str(out), "-q", "--no-screening"])
    assert result.exit_code == 0, result.output
    assert pl.read_parquet(out).height == 3
    bad = pl.read_csv(tmp_path / "d.bad-rows.csv", infer_schema=False)
    assert bad["row"].to_list() == ["4", "5", "6"]
    assert bad["reason"].to_list() == [
        "line 4: not valid JSON (Expecting ',' delimiter at column 36)",
        "line 5: a JSON object is expected, not list",
        "line 6: field 'item' is not a plain value",
    ]
    sheet = _xlsx(tmp_path / "s.xlsx", [[*GOOD[0]], ["SO-9", "H100", "many", "DE", None, None, None, "stray"]])
    out = tmp_path / "s.parquet"
    assert runner.invoke(app, ["batch", str(sheet), "-o", str(out), "-q", "--no-screening"]).exit_code == 0
    bad = pl.read_csv(tmp_path / "s.bad-rows.csv", infer_schema=False)
    assert bad["reason"].to_list() == ["row 2 (sheet row 3): values beyond the header's 7 columns"]


@pytest.mark.parametrize(
    ("content", "args", "message"),
    [
        (b"junk", ["--format", "xlsx"], "standard input (-): not a readable .xlsx workbook"),
        (b"a,b\n", ["--format", "yaml"], "--format: 'yaml' is not one of csv, parquet, xlsx, jsonl"),
        (b"   \n", [], "standard input is empty"),
    ],
)
def test_unusable_standard_input_is_one_line_exit_2(
    tmp_path: Path, content: bytes, args: list[str], message: str
) -> None:
    result = runner.invoke(app, ["batch", "-", "-o", str(tmp_path / "d.parquet"), "-q", *args], input=content)
    assert result.exit_code == 2 and message in result.output, result.output
    assert not (tmp_path / "d.parquet").exists() and not list(tmp_path.glob("chipclear-stdin-*"))


def test_decisions_as_json_lines(tmp_path: Path) -> None:
    book = _csv(tmp_path / "b.csv", GOOD)
    target = tmp_path / "d.jsonl"
    frame = _decide(tmp_path, book, "d", "--jsonl", str(target))
    lines = [json.loads(x) for x in target.read_text(encoding="utf-8").splitlines()]
    assert [x["verdict"] for x in lines] == frame["verdict"].to_list()
    assert isinstance(lines[0]["reasons"], list) and {"rule", "citation", "detail"} <= set(lines[0]["reasons"][0])
    assert lines[0]["ship_date"] == "2025-06-01"
    out = runner.invoke(app, ["batch", str(book), "-o", str(tmp_path / "e.parquet"), "--no-screening", "--jsonl", "-"])
    assert out.exit_code == 0
    streamed = [json.loads(x) for x in out.stdout.splitlines()]  # standard output holds the decisions only
    assert [x["verdict"] for x in streamed] == [x["verdict"] for x in lines]


def test_party_files_in_every_format_and_from_standard_input(tmp_path: Path) -> None:
    parties = [["Moore Threads Technology", "CN"], ["Acme Bakery Ltd", ""]]
    csv_file = tmp_path / "p.csv"
    csv_file.write_text("name,country\n" + "\n".join(",".join(p) for p in parties) + "\n", encoding="utf-8")
    jsonl_file = tmp_path / "p.jsonl"
    jsonl_file.write_text("\n".join(json.dumps({"name": n, "country": c}) for n, c in parties) + "\n")
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Name", "Country"])
    for p in parties:
        sheet.append(p)
    book.save(tmp_path / "p.xlsx")

    def hits(*args: str, stdin: bytes | None = None) -> list[tuple[str, list[str]]]:
        res = runner.invoke(app, ["screen", "--file", *args, "--json"], input=stdin)
        assert res.exit_code == 0, res.output
        data = json.loads(res.stdout)
        return [(r["query"]["name"], [h["entry_id"] for h in r["hits"]]) for r in data["results"]]

    expected = hits(str(csv_file))
    assert expected[0][1] and not expected[1][1]
    assert hits(str(jsonl_file)) == expected
    assert hits(str(tmp_path / "p.xlsx")) == expected
    assert hits("-", stdin=jsonl_file.read_bytes()) == expected
    bad = runner.invoke(app, ["screen", "--file", "-"], input=b'{"name": "x"\n')
    assert bad.exit_code == 2 and "standard input (-): not JSON lines" in bad.output
    assert "(row 1, line 1: not valid JSON" in bad.output


def test_sniffing_and_cell_text() -> None:
    assert [sniff(b"PAR1..."), sniff(b"PK\x03\x04..."), sniff(b'\xef\xbb\xbf {"a": 1}'), sniff(b"a,b")] == [
        "parquet",
        "xlsx",
        "jsonl",
        "csv",
    ]
    assert [cell_text(v) for v in (8.0, 2.5, True, None, dt.datetime(2025, 6, 1), dt.date(2025, 6, 1))] == [
        "8",
        "2.5",
        "true",
        "",
        "2025-06-01",
        "2025-06-01",
    ]


def test_a_typed_parquet_book_reads_as_the_same_text_with_blanks_stripped(tmp_path: Path) -> None:
    from chipclear.batch.io import read_orders

    typed = pl.DataFrame(
        {
            "item": ["  nvidia-h20 ", "H100 SXM5 80GB"],
            "quantity": [8, 2],
            "destination": pl.Series(["CN ", " DE"], dtype=pl.Categorical),  # text, though not String: stripped
            "ship_date": [dt.date(2025, 7, 1), None],
            "value_usd": [1.5, None],
            "supercomputer": [True, False],
        }
    )
    typed.write_parquet(tmp_path / "typed.parquet")
    typed.with_columns(pl.all().cast(pl.String)).write_csv(tmp_path / "typed.csv")
    got = read_orders(tmp_path / "typed.parquet")
    assert got["item"].to_list() == ["nvidia-h20", "H100 SXM5 80GB"]
    assert got["destination"].to_list() == ["CN", "DE"]
    assert got["quantity"].to_list() == ["8", "2"]
    assert got["ship_date"].to_list() == ["2025-07-01", ""]
    assert got["value_usd"].to_list() == ["1.5", ""]
    assert got["supercomputer"].to_list() == ["true", "false"]
    assert got.equals(read_orders(tmp_path / "typed.csv"))


def test_a_workbook_with_a_broken_cell_is_one_line_exit_2(tmp_path: Path) -> None:
    """A hostile-input audit (2026-12-07): a shared-string index out of range or a malformed date cell raised a
    traceback while the rows were read (only opening the workbook was guarded)."""
    import zipfile

    good = _xlsx(tmp_path / "good.xlsx", [GOOD[0]])
    broken = tmp_path / "broken.xlsx"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(broken, "w") as out:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                # the item cell points past the shared strings
                text = data.decode()
                start = text.index('<c r="B2"')
                end = text.index("</c>", start) + len("</c>")
                data = (text[:start] + '<c r="B2" t="s"><v>999</v></c>' + text[end:]).encode()
            out.writestr(info, data)
    result = CliRunner().invoke(app, ["batch", str(broken), "--out", str(tmp_path / "o.parquet")])
    assert result.exit_code == 2, result.output
    assert "not a readable .xlsx workbook" in result.output and len(result.output.strip().splitlines()) == 1


@pytest.mark.parametrize("day", ["-2025-01-01", "0000-01-01", "+99999-01-01"])
def test_a_ship_date_python_cannot_hold_is_a_bad_row(tmp_path: Path, day: str) -> None:
    book = _csv(tmp_path / "b.csv", [GOOD[0], [*GOOD[0][:4], day, *GOOD[0][5:]]])
    result = CliRunner().invoke(app, ["batch", str(book), "--out", str(tmp_path / "o.parquet"), "--no-screening"])
    assert result.exit_code == 0, result.output
    assert pl.read_parquet(tmp_path / "o.parquet").height == 1
    bad = pl.read_csv(tmp_path / "o.bad-rows.csv", infer_schema=False)
    assert bad["reason"].to_list() == [f"ship_date: '{day}' is out of range (years 1 to 9999)"]


def test_parquet_dates_python_cannot_hold_are_bad_rows(tmp_path: Path) -> None:
    # a date32 before year 1 and a timestamp at 2**63 - 1 µs: Polars panicked casting them to text
    frame = pl.DataFrame(
        {
            "item": ["H20", "H20", "H20"],
            "destination": ["CN", "CN", "CN"],
            "ship_date": pl.Series([2025 * 0, -800_000, 0], dtype=pl.Int32).cast(pl.Date),
        }
    )
    frame.write_parquet(tmp_path / "d.parquet")
    result = CliRunner().invoke(
        app, ["batch", str(tmp_path / "d.parquet"), "--out", str(tmp_path / "o.parquet"), "--no-screening"]
    )
    assert result.exit_code == 0, result.output
    bad = pl.read_csv(tmp_path / "o.bad-rows.csv", infer_schema=False)
    assert bad["row"].to_list() == ["2"] and "out of range" in bad["reason"][0]
    stamps = pl.DataFrame(
        {
            "item": ["H20"],
            "destination": ["CN"],
            "ship_date": pl.Series([2**63 - 1], dtype=pl.Int64).cast(pl.Datetime("us")),
        }
    )
    stamps.write_parquet(tmp_path / "t.parquet")
    result = CliRunner().invoke(app, ["batch", str(tmp_path / "t.parquet"), "--out", str(tmp_path / "o2.parquet")])
    assert result.exit_code == 0, result.output
    assert "out of range" in pl.read_csv(tmp_path / "o2.bad-rows.csv", infer_schema=False)["reason"][0]


def test_json_lines_python_cannot_hold_are_bad_rows(tmp_path: Path) -> None:
    # a 5,001-digit integer (past Python's conversion limit) and a lone surrogate ("\ud800") raised tracebacks
    book = tmp_path / "b.jsonl"
    book.write_text(
        '{"item": "H20", "destination": "CN", "quantity": 1' + "0" * 5001 + "}\n"
        '{"item": "H20", "destination": "CN", "end_user_name": "Acme \\ud800"}\n'
        '{"item": "H20", "destination": "CN", "ship_date": "2025-06-01"}\n',
        encoding="utf-8",
    )
    result = runner.invoke(app, ["batch", str(book), "-o", str(tmp_path / "o.parquet"), "-q", "--no-screening"])
    assert result.exit_code == 0, result.output
    assert pl.read_parquet(tmp_path / "o.parquet").height == 1
    reasons = pl.read_csv(tmp_path / "o.bad-rows.csv", infer_schema=False)["reason"].to_list()
    assert reasons[0].startswith("line 1: not a usable JSON value (Exceeds the limit (4300 digits)")
    assert reasons[1] == "line 2: field 'end_user_name' is not valid Unicode (a lone surrogate)"
