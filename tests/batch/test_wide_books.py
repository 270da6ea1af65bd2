"""A book wider than a spreadsheet is refused at once (a hostile-input audit, 2026-12-07: a 200 KB CSV with 100,000
trailing empty columns took 25-40 s to read and check before it was decided); a spreadsheet's width of trailing
empty columns is still read."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from chipclear.batch.io import MAX_COLUMNS, read_orders
from chipclear.errors import InputError

HEADER = "item,quantity,destination,ship_date"
ROW = "H20,1,CN,2025-06-01"


def test_a_csv_wider_than_a_spreadsheet_is_refused_in_one_line(tmp_path: Path) -> None:
    book = tmp_path / "wide.csv"
    book.write_text(HEADER + "," * 100_000 + "\n" + ROW + "," * 100_000 + "\n")
    with pytest.raises(InputError, match=r"100,004 columns in the header; an order book has at most 16,384"):
        read_orders(book)


def test_a_spreadsheet_export_with_trailing_empty_columns_is_read(tmp_path: Path) -> None:
    extra = MAX_COLUMNS - 4
    book = tmp_path / "export.csv"
    book.write_text(HEADER + "," * extra + "\n" + ROW + "," * extra + "\n")
    raw = read_orders(book)
    assert raw.height == 1 and raw["item"].to_list() == ["H20"]


def test_json_lines_and_parquet_books_are_bounded_too(tmp_path: Path) -> None:
    jsonl = tmp_path / "wide.jsonl"
    jsonl.write_text(json.dumps({"item": "H20", **{f"c{i}": "" for i in range(MAX_COLUMNS + 1)}}) + "\n")
    with pytest.raises(InputError, match="columns in the header"):
        read_orders(jsonl)
    parquet = tmp_path / "wide.parquet"
    pl.DataFrame({f"c{i}": [""] for i in range(MAX_COLUMNS + 1)}).write_parquet(parquet)
    with pytest.raises(InputError, match=f"{MAX_COLUMNS + 1:,} columns in the header"):
        read_orders(parquet)


def test_a_csv_with_classic_mac_line_endings_is_read_by_line(tmp_path: Path) -> None:
    # CR only: read as one header line of seven odd columns ("ship_date\rH20", "1", ...) and refused, confusingly
    book = tmp_path / "cr.csv"
    book.write_bytes(b"item,quantity,destination,ship_date\rH20,1,CN,2025-06-01\rH100,2,DE,2025-06-01\r")
    raw = read_orders(book)
    assert raw["item"].to_list() == ["H20", "H100"] and raw["ship_date"].to_list() == ["2025-06-01"] * 2


def test_a_parquet_book_with_nested_columns_is_refused_naming_them(tmp_path: Path) -> None:
    book = tmp_path / "nested.parquet"
    pl.DataFrame(
        {
            "item": ["H20"],
            "quantity": [1],
            "destination": ["CN"],
            "ship_date": ["2025-06-01"],
            "end_user_name": [{"name": "Huawei Technologies Co., Ltd.", "country": "CN"}],
        }
    ).write_parquet(book)
    with pytest.raises(InputError, match=r"column\(s\) 'end_user_name' hold nested values \(Struct"):
        read_orders(book)


def test_a_column_named_as_the_fact_is_read_before_a_synonym_of_it(tmp_path: Path) -> None:
    # a door audit (2026-12-07): with "customer,end_user_name" the blank customer column was read as the end user,
    # and following the advice to ignore "a second end_user_name column" dropped the party (A10 to Huawei NLR)
    book = tmp_path / "both.csv"
    book.write_text(HEADER + ",customer,end_user_name\n" + ROW + ',,"Huawei Technologies Co., Ltd."\n')
    with pytest.raises(InputError, match=r"'customer' \(a second end_user_name column\)"):
        read_orders(book)
    raw = read_orders(book, ignore=["customer"])
    assert raw["end_user_name"].to_list() == ["Huawei Technologies Co., Ltd."]


def test_a_parquet_timestamp_at_midnight_is_its_day_and_one_with_a_time_or_zone_is_not(tmp_path: Path) -> None:
    # pandas writes a date column as a timestamp at midnight: every line was a bad row ("not a date in YYYY-MM-DD
    # form") while an XLSX midnight datetime was read as its day (a door audit, 2026-12-07)
    import datetime as dt

    stamps = [dt.datetime(2025, 6, 1), dt.datetime(2025, 6, 1, 13, 0), None]
    book = tmp_path / "stamps.parquet"
    frame = pl.DataFrame(
        {"item": ["H20"] * 3, "quantity": [1] * 3, "destination": ["CN"] * 3, "ship_date": stamps},
        schema_overrides={"ship_date": pl.Datetime("us")},
    )
    frame.write_parquet(book)
    assert read_orders(book)["ship_date"].to_list() == ["2025-06-01", "2025-06-01 13:00:00.000000", ""]
    zoned = tmp_path / "zoned.parquet"
    frame.with_columns(pl.col("ship_date").dt.replace_time_zone("UTC")).write_parquet(zoned)
    assert read_orders(zoned)["ship_date"].to_list()[0] != "2025-06-01"  # a zone: which day is the user's?
