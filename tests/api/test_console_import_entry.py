"""The console's check form decides an import line as ``POST /api/check`` does (a doors audit, 2026-12-07): the HTS
code, origin and entry type are the line's ``import_entry``, so the decision shown, recorded in the audit log and
carried into "Create shipment" has the duty; an AI-model item is priced as the API prices it; a Section 321 entry
without a value is refused as the API refuses it."""

from __future__ import annotations

import html
import json
import re

from fastapi.testclient import TestClient

from .conftest import Keys, h, sign_in

ORIGIN = {"Origin": "http://testserver"}


def _order_line(page: str) -> dict[str, object]:
    found = re.search(r'name="order_line" value="([^"]*)"', page)
    assert found, "no Create shipment form on the page"
    return json.loads(html.unescape(found.group(1)))


def test_the_console_line_carries_its_import_entry_and_duty(client: TestClient, keys: Keys) -> None:
    sign_in(client, keys.approver)
    form = {
        "item": "H20",
        "quantity": "1",
        "destination": "CN",
        "ship_date": "2025-06-01",
        "value_usd": "25000",
        "end_user": "Example Cloud Co",
        "end_user_hq": "CN",
        "hts": "8473.30.1180",
        "origin": "taiwan",
    }
    page = client.post("/check", data=form, headers=ORIGIN)
    assert page.status_code == 200, page.text[:500]
    line = _order_line(page.text)
    assert line["import_entry"] == {
        "hts": "8473.30.1180",
        "origin": "TW",
        "entry_date": None,
        "value_usd": None,
        "end_use": None,
        "claims": [],
        "entry_type": None,
    }
    api = client.post(
        "/api/check",
        json={k: v for k, v in line.items() if v not in (None, [], {})},
        headers=h(keys.approver),
    ).json()
    export = client.get("/api/audit/export", headers=h(keys.admin)).text.splitlines()
    checks = [json.loads(x)["record"] for x in export if x.strip()]
    console_record = next(r for r in checks if r["action"] == "check")  # the console's check, before the API's
    decided = console_record["output"]
    assert decided["duty"] is not None and decided["duty"] == api["duty"]
    assert any(r["rule"] == "duty#8473.30.1180#TW" for r in decided["reasons"])


def test_an_ai_model_item_is_priced_as_the_api_prices_it(client: TestClient, keys: Keys) -> None:
    sign_in(client, keys.analyst)
    form = {"item": "grok-3", "quantity": "1", "destination": "US", "ship_date": "2025-06-01"}
    entry = {"hts": "8542.31.0000", "origin": "CN"}
    page = client.post("/check", data={**form, **entry}, headers=ORIGIN)
    assert page.status_code == 200, page.text[:500]
    assert "unknown item" not in page.text
    api = client.post(
        "/api/check",
        json={"item": "grok-3", "destination": "US", "ship_date": "2025-06-01", "import_entry": entry},
        headers=h(keys.analyst),
    )
    assert api.status_code == 200, api.text
    total = api.json()["duty"]["total_rate"]
    assert total is not None and f"{total:g}%" in page.text


def test_a_section_321_entry_without_a_value_is_refused_as_the_api_refuses_it(client: TestClient, keys: Keys) -> None:
    sign_in(client, keys.analyst)
    entry = {"hts": "8473.30.1180", "origin": "CN", "entry_type": "section321"}
    form = {"item": "H100", "quantity": "1", "destination": "US", "ship_date": "2025-06-01", **entry}
    page = client.post("/check", data=form, headers=ORIGIN)
    api = client.post(
        "/api/check",
        json={"item": "H100", "destination": "US", "ship_date": "2025-06-01", "import_entry": entry},
        headers=h(keys.analyst),
    )
    assert api.status_code == 422
    assert page.status_code == 422 and "customs value" in page.text
    # half an import entry is refused, naming what is missing
    page = client.post("/check", data={**form, "hts": "", "entry_type": ""}, headers=ORIGIN)
    assert page.status_code == 422 and "HTS code" in page.text
