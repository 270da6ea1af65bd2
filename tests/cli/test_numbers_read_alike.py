"""Numbers are read alike at every door (an audit, 2026-12-07, item 10): ``1_000`` is refused by the CLI's number
options and by ``GET /api/duty?value=`` as the JSON API, batch and the console refuse it; and a Parquet book's
float column (pandas writes whole numbers with a gap as floats) is read as XLSX and JSON are: 8.0 is 8."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from chipclear.api import create_app
from chipclear.cli import app

from .test_ambiguous_countries import analyst_key

runner = CliRunner()


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["check", "--item", "H20", "--to", "CN", "--date", "2025-06-01", "--quantity", "1_000"], "--quantity"),
        (["duty", "--hts", "8473.30.1180", "--origin", "CN", "--value", "1_000"], "--value"),
        (["demo", "orders", "--rows", "1_0", "--out", "{tmp}/o.csv"], "--rows"),
    ],
)
def test_the_cli_refuses_digit_separators(tmp_path: Path, args: list[str], option: str) -> None:
    result = runner.invoke(app, [a.replace("{tmp}", str(tmp_path)) for a in args])
    assert result.exit_code == 2, result.output
    assert result.output.startswith(f"chipclear: error: {option}: ") and "Value error" not in result.output
    assert "'1_0" in result.output and "is not a plain number" in result.output


def test_the_cli_still_reads_plain_numbers() -> None:
    result = runner.invoke(app, ["check", "--item", "H20", "--to", "CN", "--date", "2025-06-01", "--quantity", "1000"])
    assert result.exit_code == 0, result.output


def test_the_duty_query_refuses_digit_separators(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'l.db'}"
    key = analyst_key(url)
    with TestClient(create_app(url)) as client:
        bad = client.get("/api/duty?hts=8473.30.1180&origin=CN&value=1_000", headers={"X-API-Key": key})
        good = client.get("/api/duty?hts=8473.30.1180&origin=CN&value=1000", headers={"X-API-Key": key})
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "value", bad.text
    assert "is not a plain number" in bad.json()["error"]["message"]
    assert good.status_code == 200 and good.json()["value"] == 1000


def test_a_parquet_float_quantity_column_is_read_as_whole_numbers(tmp_path: Path) -> None:
    book = tmp_path / "book.parquet"
    pl.DataFrame(
        {
            "order_id": ["SO-1", "SO-2", "SO-3"],
            "item": ["nvidia-h20", "nvidia-h20", "nvidia-h20"],
            "quantity": [8.0, None, 2.5],
            "destination": ["CN", "CN", "CN"],
            "ship_date": ["2025-06-01", "2025-06-01", "2025-06-01"],
        }
    ).write_parquet(book)
    out = tmp_path / "d.parquet"
    result = runner.invoke(app, ["batch", str(book), "--out", str(out), "--no-screening", "--quiet"])
    assert result.exit_code == 0, result.output
    decided = pl.read_parquet(out)
    assert decided["order_id"].to_list() == ["SO-1", "SO-2"]
    assert decided["quantity"].to_list()[0] == 8
    bad = pl.read_csv(tmp_path / "d.bad-rows.csv", infer_schema=False)
    assert bad["row"].to_list() == ["3"] and "'2.5' is not a whole number" in bad["reason"][0]
