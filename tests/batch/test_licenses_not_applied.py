"""Batch does not apply the ledger's licenses, and says so (a door audit, 2026-12-07: docs/batch.md listed LICENSED
among batch's verdicts, while batch said LICENSE_REQUIRED for a line a license on file covers, never naming it)."""

from __future__ import annotations

from pathlib import Path

from chipclear.batch import BatchOptions, run_batch
from chipclear.batch.report import print_summary

DOCS = Path(__file__).parents[2] / "docs" / "batch.md"


def test_the_summary_report_and_docs_say_batch_does_not_apply_licenses(tmp_path: Path) -> None:
    book = tmp_path / "book.csv"
    book.write_text(
        "item,quantity,destination,ship_date,end_user_name,end_user_country,end_user_headquarters_country\n"
        "H20,1,CN,2025-10-01,Lic Cloud Co,CN,CN\n",
        encoding="utf-8",
    )
    result = run_batch(BatchOptions(orders=book, out=tmp_path / "d.parquet", screening=False, cache=False))
    assert result.summary["by_verdict"] == {"LICENSE_REQUIRED": 1}
    note = result.summary["licenses_on_file"]
    assert note.startswith("not applied: batch decides without the ledger's licenses")
    assert result.report is not None and note in result.report.read_text(encoding="utf-8").replace("&#39;", "'")
    from rich.console import Console

    console = Console(record=True, width=400)
    print_summary(result.summary, console)
    assert "Licenses on file: not applied" in console.export_text()
    docs = DOCS.read_text(encoding="utf-8")
    verdicts = next(line for line in docs.splitlines() if line.startswith("| `verdict` |"))
    assert "never LICENSED" in verdicts and "NLR, LICENSE_EXCEPTION, LICENSE_REQUIRED" in verdicts
    assert "## Licenses on file" in docs
