"""``chipclear demo``: a chip outside 3A090/4A090 that still needs a license to China (an is-informed letter to
its maker) is not shown as merely "not controlled"."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from chipclear.cli import app


def _rows() -> dict[str, list[str]]:
    out = CliRunner().invoke(app, ["demo"], env={"COLUMNS": "220"})
    assert out.exit_code == 0, out.output
    rows: dict[str, list[str]] = {}
    name = ""
    for line in out.output.splitlines():
        cells = [c.strip() for c in line.split("│")[1:-1]]
        if len(cells) < 7:
            continue
        name = cells[0] or name
        rows.setdefault(name, []).append(" ".join(cells[3:]))
    return rows


def test_a100_on_2022_09_01_names_the_letter_that_required_a_license_to_china() -> None:
    rows = _rows()
    assert "CN: license (letter of 2022-08-26)" in " ".join(rows["A100 SXM4 80GB"])
    assert "CN: license (letter of 2022-08-26)" in " ".join(rows["H100 SXM5 80GB"])
    # the A800 was made for China without a letter: plainly not controlled in 2022
    assert "CN: license" not in " ".join(rows["A800 SXM4 80GB"])
    assert "CN: license (letter of 2025-04-09)" in " ".join(rows["H20 (HGX H20)"])


@pytest.mark.parametrize("rows", ["99999999999999", "9223372036854775808", "10000001", "0"])
def test_demo_orders_rows_are_bounded(rows: str, tmp_path: Path) -> None:
    # a door audit (2026-12-07): 10^14 ended in numpy's MemoryError traceback, 2^63 in a ValueError traceback
    out = tmp_path / "o.csv"
    result = CliRunner().invoke(app, ["demo", "orders", "--rows", rows, "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert "chipclear: error: --rows: " in result.output and "Traceback" not in result.output
    assert not out.exists()
