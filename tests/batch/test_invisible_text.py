"""A name or id made only of invisible characters is a bad row naming its column, not a line decided for nobody
and not a run stopped half-way (outside audits, 2026-12: the models refuse such text since, so a batch line holding
one stopped the whole run)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
from typer.testing import CliRunner

from chipclear.cli import app

runner = CliRunner()

ROWS = [
    ("SO-1", "1", "Atlas Data Systems GmbH"),
    ("SO-2", "1", "\u200b\u200b"),
    ("SO-3", "1", "\u202e"),
    ("\u00ad", "1", "Atlas Data Systems GmbH"),
    ("SO-5", "\u2060", "Atlas Data Systems GmbH"),
    ("SO-6", "1", "\u200bAtlas Data Systems GmbH"),
]


def test_invisible_names_and_ids_are_bad_rows_naming_the_column(tmp_path: Path) -> None:
    orders = tmp_path / "orders.csv"
    lines = ["order_id,line_id,item,destination,ship_date,end_user_name,end_user_country"]
    lines += [f"{o},{line},H100 SXM5 80GB,DE,2025-03-01,{name},DE" for o, line, name in ROWS]
    orders.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "d.parquet"
    result = runner.invoke(app, ["batch", str(orders), "--out", str(out), "--no-screening", "--quiet"])
    assert result.exit_code == 0, result.output
    assert pl.read_parquet(out)["row"].to_list() == [1, 6]
    bad = pl.read_csv(tmp_path / "d.bad-rows.csv", infer_schema=False)
    reasons = dict(zip(bad["row"].cast(pl.Int64), bad["reason"], strict=True))
    visible = "must contain a visible character (a letter, digit or symbol), not only spaces or invisible characters"
    assert reasons == {
        2: f"end_user_name: {visible}",
        3: f"end_user_name: {visible}",
        4: f"order_id: {visible}",
        5: f"line_id: {visible}",
    }
