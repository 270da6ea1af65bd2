"""`chipclear screen --file parties.csv --out hits.csv` writes a party name that a spreadsheet would run as a formula
with a single quote in front (an audit, 2026-12: `=HYPERLINK(...)` went out unchanged); row and score stay numbers."""

from __future__ import annotations

import csv
from pathlib import Path

from typer.testing import CliRunner

from chipclear.cli import app
from chipclear.screening import Screener
from chipclear.spreadsheet import needs_quote

PARTIES = [
    '=HYPERLINK("http://x","Sophgo Technologies Ltd.")',
    "+Sophgo Technologies Ltd.",
    "\t=Sophgo Technologies Ltd.",
    "-Sophgo Technologies Ltd.",
    "@Sophgo",
]


def test_hits_file_holds_no_formula(data_dir: Path, screener: Screener) -> None:
    parties = data_dir / "parties.csv"
    with parties.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["name", "country"])
        writer.writerows([name, "CN"] for name in PARTIES)
    out = data_dir / "hits.csv"
    result = CliRunner().invoke(app, ["screen", "--file", str(parties), "--out", str(out)])
    assert result.exit_code == 0, result.output
    with out.open(newline="", encoding="utf-8") as handle:
        hits = list(csv.DictReader(handle))
    assert {h["row"] for h in hits} == {"2", "3", "4", "5", "6"}  # every party has a hit
    for hit in hits:
        assert all(not needs_quote(cell) for cell in hit.values()), hit
        assert hit["row"].isdigit() and 0 < float(hit["score"]) <= 1
        assert hit["party"].startswith("'") and hit["party"][1:].strip() in {p.strip() for p in PARTIES}
    assert '\'=HYPERLINK("http://x","Sophgo Technologies Ltd.")' in {h["party"] for h in hits}
