"""De minimis (Section 321) through the API and the console, as `chipclear duty --entry-type` has it (issue 19)."""

from __future__ import annotations

import json
import re

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from chipclear.cli import app

from .conftest import Keys, h, sign_in

BOARD = {"hts": "8473.30.1180", "origin": "CN", "entry_date": "2024-06-01", "value": 500}


def test_api_duty_takes_the_entry_type(client: TestClient, keys: Keys) -> None:
    plain = client.get("/api/duty", params=BOARD, headers=h(keys.viewer)).json()
    assert plain["total_rate"] == 25  # List 3 on a formal or unstated entry
    r = client.get("/api/duty", params={**BOARD, "entry_type": "section321"}, headers=h(keys.viewer))
    assert r.status_code == 200, r.text
    assert r.json()["total_rate"] == 0 and r.json()["entry_type"] == "section321"
    bad = client.get("/api/duty", params={**BOARD, "entry_type": "postal"}, headers=h(keys.viewer))
    assert bad.status_code == 400 or bad.status_code == 422
    assert "entry_type" in bad.text


def test_api_duty_timeline_takes_the_entry_type(client: TestClient, keys: Keys) -> None:
    params = {"hts": "8473.30.1180", "origin": "CN", "value": 500, "entry_type": "section321"}
    segments = client.get("/api/duty/timeline", params=params, headers=h(keys.viewer)).json()["segments"]
    on = [s for s in segments if s["from"] <= "2024-06-01" and (s["to"] is None or s["to"] >= "2024-06-01")]
    assert on and on[0]["total_rate"] == 0


def test_api_check_import_entry_takes_the_entry_type(client: TestClient, keys: Keys) -> None:
    body = {
        "item": "H20",
        "destination": "US",
        "ship_date": "2024-06-01",
        "import_entry": {"hts": "8473.30.1180", "origin": "CN", "value_usd": 500, "entry_type": "section321"},
    }
    r = client.post("/api/check", json=body, headers=h(keys.analyst))
    assert r.status_code == 200, r.text
    assert r.json()["duty"]["total_rate"] == 0


def test_console_check_form_entry_type(client: TestClient, keys: Keys) -> None:
    sign_in(client, keys.analyst)
    form = {
        "item": "H20",
        "quantity": "1",
        "destination": "US",
        "ship_date": "2024-06-01",
        "value_usd": "500",
        "hts": "8473.30.1180",
        "origin": "China",
        "entry_type": "section321",
    }
    r = client.post("/check", data=form, headers={"Origin": "http://testserver"})
    assert r.status_code == 200, r.text
    assert re.search(r'<option value="section321"\s+selected', r.text)
    assert "19 U.S.C. 1321" in r.text


def test_cli_check_takes_the_entry_type_as_the_api_does() -> None:
    args = ["check", "--item", "H20", "--to", "US", "--date", "2024-06-01", "--import-hts", "8473.30.1180"]
    args += ["--origin", "CN", "--customs-value", "500", "--json"]
    plain = CliRunner().invoke(app, args)
    assert plain.exit_code == 0, plain.output
    assert json.loads(plain.output)["duty"]["total_rate"] == 25
    de_minimis = CliRunner().invoke(app, [*args, "--entry-type", "section321"])
    assert de_minimis.exit_code == 0, de_minimis.output
    assert json.loads(de_minimis.output)["duty"]["total_rate"] == 0
    assert json.loads(de_minimis.output)["duty"]["entry_type"] == "section321"
    bad = CliRunner().invoke(app, [*args, "--entry-type", "postal"])
    assert bad.exit_code == 2 and "--entry-type: " in bad.output
