"""A system on an import line is tested on its accelerator parts at every door (docs/duties.md, `item`).

The HGX H100 8-GPU system entered as a complete server (8471.50.0150) from Taiwan on 2026-03-01: its H100s are
outside the note 39(b) windows, so 9903.79.02 at 0%. ``chipclear check`` and POST /api/check used to pass no item
for a system and answer "0% to 25%, open" while ``chipclear duty --item`` and the console answered 0%.
"""

from __future__ import annotations

import datetime as dt
import json

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from chipclear.catalog import load_catalog
from chipclear.cli import app
from chipclear.tariffs import duty
from chipclear.tariffs.sec232 import duty_item

from .conftest import Keys, h

SYSTEM = "nvidia-hgx-h100-8gpu"
ENTRY = {"hts": "8471.50.0150", "origin": "TW"}


def _expected() -> dict[str, object]:
    result = duty("8471.50.0150", "TW", dt.date(2026, 3, 1), item=load_catalog().get(SYSTEM)).to_json()
    assert result["status"] == "determined" and result["total_rate"] == 0
    assert "9903.79.02" in result["headings_to_file"]
    return result


def test_duty_item_keeps_parts_and_systems_only() -> None:
    system = load_catalog().get(SYSTEM)
    assert duty_item(system) is system
    assert duty_item(load_catalog().get("H20")) is not None
    assert duty_item(object()) is None


def test_cli_check_tests_the_system_as_duty_does() -> None:
    args = ["check", "--item", SYSTEM, "--to", "US", "--date", "2026-03-01", "--import-hts", "8471.50.0150"]
    out = CliRunner().invoke(app, [*args, "--origin", "TW", "--json"])
    assert out.exit_code == 0, out.output
    got = json.loads(out.output)["duty"]
    expected = _expected()
    assert got["status"] == "determined" and got["total_rate"] == 0
    assert got["headings_to_file"] == expected["headings_to_file"] and got["item"] == expected["item"]


def test_api_check_tests_the_system_as_duty_does(client: TestClient, keys: Keys) -> None:
    body = {"item": SYSTEM, "destination": "US", "ship_date": "2026-03-01", "import_entry": ENTRY}
    r = client.post("/api/check", json=body, headers=h(keys.analyst))
    assert r.status_code == 200, r.text
    got = r.json()["duty"]
    expected = _expected()
    assert got["total_rate"] == 0 and got["headings_to_file"] == expected["headings_to_file"]
    api_duty = client.get(
        "/api/duty", params={**ENTRY, "entry_date": "2026-03-01", "item": SYSTEM}, headers=h(keys.viewer)
    )
    assert api_duty.status_code == 200 and api_duty.json()["lines"] == got["lines"]
