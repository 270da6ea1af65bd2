"""A run with screening off holds the lines whose parties it did not screen (a door audit, 2026-12-07).

`chipclear batch --no-screening` (and `screening=false` on the API) answered every party "no hits": a line to
Moore Threads (Entity List) came out NLR, its reason saying the party had been screened with 0 hits. Now such a
line says it was not screened, lists the screening as missing, and is HOLD where the screening could change the
outcome; a license requirement stands, and a line without parties is decided as before.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
from typer.testing import CliRunner

from chipclear.batch.engine import line_from_row
from chipclear.batch.io import read_orders, validate
from chipclear.batch.runner import NullScreener
from chipclear.catalog import load_catalog
from chipclear.cli import app
from chipclear.determination import determine
from chipclear.geography import load_geography

# row 2 is dated before the 2025-04-09 H20 letter, whose bandwidth criterion (outside audit A4, 2026-12-07) holds an
# NVIDIA card without an interconnect figure on a line that names no end user
BOOK = """item,quantity,destination,ship_date,end_user_name,end_user_country,end_user_headquarters_country
H100,10,DE,2026-07-01,Moore Threads Technology Co. Ltd.,DE,DE
A10,10,DE,2025-04-08,,,
H20,10,CN,2025-06-01,Foo Co,CN,CN
A10,10,DE,2026-07-01,Example GmbH,DE,DE
"""


def test_a_run_without_screening_holds_the_lines_of_unscreened_parties(tmp_path: Path) -> None:
    book = tmp_path / "book.csv"
    book.write_text(BOOK)
    out = tmp_path / "out.parquet"
    result = CliRunner().invoke(app, ["batch", str(book), "--out", str(out), "--no-screening", "--json"])
    assert result.exit_code == 0, result.output
    got = pl.read_parquet(out).sort("row")
    verdicts = got["verdict"].to_list()
    assert verdicts == ["HOLD", "NLR", "LICENSE_REQUIRED", "HOLD"], verdicts
    moore = got.row(0, named=True)
    details = [r["detail"] for r in moore["reasons"]]
    assert not any(d.startswith("screened ") for d in details), details
    assert any("not screened: Moore Threads Technology Co. Ltd." in d for d in details), details
    assert moore["missing"] == [
        "restricted-party screening of Moore Threads Technology Co. Ltd. (this run did not screen its parties)"
    ]
    h20 = got.row(2, named=True)  # the license requirement stands; the screening is still missing
    assert "restricted-party screening of Foo Co (this run did not screen its parties)" in h20["missing"]
    assert got.row(1, named=True)["missing"] == []  # no party: nothing to screen
    assert got["list_version"].to_list() == ["unscreened", None, "unscreened", "unscreened"]

    # the interpreter (a per-line determine() with the batch's unscreened answer) says the same
    lines, _ = validate(read_orders(book), load_catalog(), load_geography())
    for row, line in zip(got.to_dicts(), lines.to_dicts(), strict=True):
        d = determine(line_from_row(line), as_of=line["ship_date"], screener=NullScreener())
        assert d.verdict.value == row["verdict"] and d.missing == row["missing"], row["row"]
        assert [r.detail for r in d.reasons] == [r["detail"] for r in row["reasons"]]
