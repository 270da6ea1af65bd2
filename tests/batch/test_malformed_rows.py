"""Bad files never stop a run: malformed CSV records (quoting, missing or extra fields, bytes that are not UTF-8)
go to the bad-rows file with their row number and reason, and the rest of the book is decided."""

from __future__ import annotations

from pathlib import Path

import polars as pl
from typer.testing import CliRunner

from chipclear.cli import app

runner = CliRunner()

HEADER = b"order_id,item,quantity,destination,ship_date,end_user_name,end_user_country,end_user_headquarters_country\n"
ROWS = [
    b"SO-1,nvidia-h20,8,CN,2025-05-01,Jade River Computing Co. Ltd.,CN,CN\n",  # row 1: good
    b'SO-2,nvidia-h20,8,"CN,2025-05-01,Jade River,CN,CN\n',  # row 2: unclosed quote
    b"SO-3,nvidia-h20,8,CN,2025-05-01,Jade River,CN\n",  # row 3: a field missing
    b"SO-4,nvidia-h20,8,CN,2025-05-01,Jade River,CN,CN,surplus\n",  # row 4: an extra field
    b'SO-5,nvidia-h20,8,"CN"x,2025-05-01,Jade River,CN,CN\n',  # row 5: text after a closing quote
    b"SO-6,nvidia-h20,eight,CN,2025-05-01,Jade River,CN,CN\n",  # row 6: bad type
    b"SO-7,nvidia-h20,8,CN,2025-05-01,Caf\xe9 Compute,CN,CN\n",  # row 7: Latin-1 byte, not UTF-8
    b'SO-8,nvidia-h100-sxm5-80gb,2,Singapore,2025-05-01,"Example Pte, Ltd.",SG,China\n',  # row 8: names resolve
    b"SO-9,nvidia-h100-sxm5-80gb,2,SG,2025-05-01,,,China\n",  # row 9: HQ without an end user
    b"SO-10,nvidia-h100-sxm5-80gb,2,Chinaa,2025-05-01,,,\n",  # row 10: misspelled country
    b"SO-11,nvidia-h20,1,People's Republic of China,2025-05-01,,,\n",  # row 11: good, a country name
]


def _run(tmp_path: Path, body: bytes) -> tuple[pl.DataFrame, dict[int, str], str]:
    orders = tmp_path / "orders.csv"
    orders.write_bytes(body)
    out = tmp_path / "d.parquet"
    result = runner.invoke(app, ["batch", str(orders), "--out", str(out), "--no-screening", "--quiet"])
    assert result.exit_code == 0, result.output
    bad = pl.read_csv(tmp_path / "d.bad-rows.csv", infer_schema=False)
    return pl.read_parquet(out), dict(zip(bad["row"].cast(pl.Int64), bad["reason"], strict=True)), result.output


def test_malformed_records_are_bad_rows_and_the_rest_is_decided(tmp_path: Path) -> None:
    decided, reasons, _ = _run(tmp_path, HEADER + b"".join(ROWS))
    assert decided["row"].to_list() == [1, 8, 11]
    assert decided["order_id"].to_list() == ["SO-1", "SO-8", "SO-11"]
    assert sorted(reasons) == [2, 3, 4, 5, 6, 7, 9, 10]
    assert reasons[2] == "row 2 (line 3): malformed CSV quoting (unexpected end of data)"
    assert reasons[3] == "row 3 (line 4): 7 fields where the header has 8 (missing end_user_headquarters_country)"
    assert reasons[4] == "row 4 (line 5): 9 fields where the header has 8 (extra value(s) 'surplus')"
    assert reasons[5].startswith("row 5 (line 6): malformed CSV quoting")
    assert reasons[6] == "quantity: 'eight' is not a whole number"
    assert reasons[7] == "row 7 (line 8): not UTF-8 text"
    assert (
        reasons[9] == "end_user_headquarters_country: given without end_user_name (name the end user, or leave it out)"
    )
    assert reasons[10].startswith("destination: unknown country 'Chinaa'") and "did you mean China (CN)" in reasons[10]


def test_country_names_resolve_to_codes_in_the_output(tmp_path: Path) -> None:
    decided, _, _ = _run(tmp_path, HEADER + ROWS[7] + ROWS[10])
    sg = decided.filter(pl.col("order_id") == "SO-8").row(0, named=True)
    assert (sg["destination"], sg["end_user_country"], sg["end_user_headquarters_country"]) == ("SG", "SG", "CN")
    assert sg["end_user_name"] == "Example Pte, Ltd."
    assert sg["verdict"] != "NLR"  # an end user headquartered in China is not read as another country
    assert decided.filter(pl.col("order_id") == "SO-11")["destination"].to_list() == ["CN"]


def test_a_quoted_field_may_span_lines(tmp_path: Path) -> None:
    body = (
        HEADER + b'SO-1,nvidia-h20,8,CN,2025-05-01,"Jade River\nComputing",CN,CN\n' + ROWS[0].replace(b"SO-1", b"SO-2")
    )
    decided, reasons, _ = _run(tmp_path, body)
    assert reasons == {}
    assert decided["order_id"].to_list() == ["SO-1", "SO-2"]
    assert decided["end_user_name"].to_list()[0] == "Jade River\nComputing"
    assert decided["row"].to_list() == [1, 3]  # a row is numbered by its first line


def test_an_unclosed_quote_does_not_swallow_the_lines_after_it(tmp_path: Path) -> None:
    good = [ROWS[0].replace(b"SO-1", f"SO-{n}".encode()) for n in range(2, 6)]
    decided, reasons, _ = _run(tmp_path, HEADER + ROWS[1] + b"".join(good))
    assert sorted(reasons) == [1]
    assert decided["order_id"].to_list() == ["SO-2", "SO-3", "SO-4", "SO-5"]


def test_the_fast_path_reports_the_same_reasons(tmp_path: Path) -> None:
    """Without unclosed quotes or non-UTF-8 bytes the book is split by Polars; the malformed rows are the same."""
    decided, reasons, _ = _run(tmp_path, HEADER + ROWS[0] + ROWS[2] + ROWS[3] + ROWS[4] + ROWS[7])
    assert decided["order_id"].to_list() == ["SO-1", "SO-8"]
    assert reasons[2] == "row 2 (line 3): 7 fields where the header has 8 (missing end_user_headquarters_country)"
    assert reasons[3] == "row 3 (line 4): 9 fields where the header has 8 (extra value(s) 'surplus')"
    assert reasons[4].startswith("row 4 (line 5): malformed CSV quoting")


def test_a_book_whose_every_line_is_bad_decides_none_and_reports_them(tmp_path: Path) -> None:
    """Every line bad: an empty output, every row in the bad-rows file, a summary of nothing (no crash)."""
    decided, reasons, output = _run(tmp_path, HEADER + ROWS[5] + ROWS[9])
    assert decided.height == 0
    assert reasons == {1: "quantity: 'eight' is not a whole number", 2: reasons[2]}
    assert reasons[2].startswith("destination: unknown country 'Chinaa'")
    assert "0 decisions" in output and "bad-rows.csv" in output
