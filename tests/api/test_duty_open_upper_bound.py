"""An import line whose duty range has no upper bound (``high: null``) is worded, never a crash, at every door.

Column 1 rates the reference does not give (8517.62, 8486, 8542.33 ...), Section 301 semiconductors from China
after the 2027-06-23 increase and column 2 lines without data all leave ``total_rate_range.high`` null: the CLI
check, POST /api/check and the console's check form say "X% to no known upper bound" as ``chipclear duty`` does.
"""

from __future__ import annotations

import datetime as dt
import json

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from chipclear.cli import app
from chipclear.decision import ImportEntry, OrderLine
from chipclear.determination.duty import import_duty
from chipclear.tariffs import duty
from chipclear.tariffs.result import rate_text

from .conftest import Keys, h, sign_in

SWITCH = {"hts": "8517.62.0090", "origin": "CN"}


def test_rate_text_words_an_unbounded_range() -> None:
    assert rate_text(None, 27.5, None) == "27.5% to no known upper bound"
    assert rate_text(None, 0.0, 25.0) == "0% to 25%"
    assert rate_text(12.5) == "12.5%"


def test_determination_summary_of_an_unbounded_line() -> None:
    line = OrderLine(item="H20", destination="JP", import_entry=ImportEntry(**SWITCH))
    result, reasons = import_duty(line, None, dt.date(2025, 6, 1))
    assert result is not None and result["total_rate_range"]["high"] is None
    assert "import duty undetermined: 27.5% to no known upper bound" in reasons[0].detail


def test_cli_check_with_an_unbounded_import_line() -> None:
    args = ["check", "--item", "H20", "--to", "JP", "--date", "2025-06-01", "--import-hts", "8517.62.0090"]
    out = CliRunner().invoke(app, [*args, "--origin", "CN"], env={"COLUMNS": "250"})
    assert out.exit_code == 0, out.output
    assert "undetermined, 27.5% to no known upper bound" in out.output
    as_json = CliRunner().invoke(app, [*args, "--origin", "CN", "--json"])
    assert as_json.exit_code == 0, as_json.output
    assert json.loads(as_json.output)["duty"]["total_rate_range"] == {"low": 27.5, "high": None}


def test_api_check_with_an_unbounded_import_line(client: TestClient, keys: Keys) -> None:
    body = {"item": "H20", "destination": "JP", "ship_date": "2025-06-01", "import_entry": SWITCH}
    r = client.post("/api/check", json=body, headers=h(keys.analyst))
    assert r.status_code == 200, r.text
    assert r.json()["duty"]["total_rate_range"] == {"low": 27.5, "high": None}
    assert any("27.5% to no known upper bound" in x["detail"] for x in r.json()["reasons"])
    # Section 301 semiconductors from China after the scheduled 2027-06-23 increase (amount not announced).
    chip = {**body, "ship_date": "2027-07-01", "import_entry": {"hts": "8542.31", "origin": "CN"}}
    r = client.post("/api/check", json=chip, headers=h(keys.analyst))
    assert r.status_code == 200, r.text
    assert r.json()["duty"]["status"] == "indeterminate" and r.json()["duty"]["total_rate_range"]["high"] is None


def test_console_check_form_with_an_unbounded_import_line(client: TestClient, keys: Keys) -> None:
    sign_in(client, keys.analyst)
    form = {"item": "H20", "quantity": "1", "destination": "JP", "ship_date": "2025-06-01", **SWITCH}
    r = client.post("/check", data=form, headers={"Origin": "http://testserver"})
    assert r.status_code == 200, r.text[:500]
    assert "Import duty 27.5% to no known upper bound (open)" in r.text
    assert "open: 0% to no known upper bound" in r.text  # the column 1 line of 8517.62.00


def test_column2_line_without_data_is_unbounded_too() -> None:
    result = duty("8473.30.1180", "CU", dt.date(2025, 6, 1))
    assert result.total_high is None and result.status == "indeterminate"
