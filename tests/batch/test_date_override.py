"""`--date` decides every line as of one day (issue 7: re-check a book when a rule changes). The run says so, and
how many lines ship on another day, on the terminal, in the summary and in the HTML report (a door audit,
2026-12-07, read "ship_date 2025-06-01 ... NLR" for an H20 to China decided as of 2025-01-01)."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from chipclear.cli import app

BOOK = """item,quantity,destination,ship_date,end_user_name,end_user_country,end_user_headquarters_country
H20,10,CN,2025-06-01,Foo Co,CN,CN
H20,10,CN,2025-01-01,Foo Co,CN,CN
H20,10,CN,,Foo Co,CN,CN
"""


def test_a_run_decided_as_of_one_date_says_so_and_counts_the_lines_shipping_another_day(tmp_path: Path) -> None:
    book = tmp_path / "book.csv"
    book.write_text(BOOK)
    out = tmp_path / "out.parquet"
    runner = CliRunner()
    args = ["batch", str(book), "--out", str(out), "--date", "2025-01-01"]
    summary = json.loads(runner.invoke(app, [*args, "--json"]).stdout)["summary"]
    assert summary["decided_as_of"] == "2025-01-01"
    assert summary["lines_shipping_another_day"] == 1  # the line without a ship date is not counted
    report = out.with_suffix(".html").read_text()
    assert "Every line was decided as of 2025-01-01 (--date)" in report and "1 lines ship on another day" in report
    text = runner.invoke(app, args, env={"COLUMNS": "300"}).stdout
    assert "Every line decided as of 2025-01-01 (--date), not as of its own ship date: 1 lines ship" in text

    plain = json.loads(runner.invoke(app, ["batch", str(book), "--out", str(out), "--json"]).stdout)["summary"]
    assert plain["decided_as_of"] is None and plain["lines_shipping_another_day"] == 0
    assert "Every line was decided" not in out.with_suffix(".html").read_text()
