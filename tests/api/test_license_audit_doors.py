"""The license-coverage defects of the outside audit of 2026-12-07 (a10) at the API and the console: a line that
leaves out the end user's country, a license issued before its end user was listed (also on release), license
numbers that differ only in case, a grant with only a value limit, and a quantity tolerance on units."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient

from .conftest import Keys, h, sign_in

ORIGIN = {"Origin": "http://testserver"}
H20_APP = {
    "items": ["nvidia-h20"],
    "destinations": ["CN"],
    "parties": [{"name": "Example Cloud Co", "role": "end_user", "country": "CN"}],
    "quantity": 1000,
    "application_number": "Z1",
    "submitted_on": "2025-07-15",
}
D1 = {"number": "D1", "valid_from": "2025-08-08", "valid_to": "2027-08-07", "decided_on": "2025-08-08"}


def _granted(client: TestClient, keys: Keys, app: dict[str, Any], grant: dict[str, Any]) -> int:
    made = client.post("/api/applications", json=app, headers=h(keys.analyst))
    assert made.status_code == 201, made.text
    r = client.post(f"/api/applications/{made.json()['id']}/grant", json=grant, headers=h(keys.approver))
    assert r.status_code == 201, r.text
    return int(made.json()["id"])


def _line(end_user: dict[str, Any], item: str = "H20", ship_date: str = "2025-09-01") -> dict[str, Any]:
    return {"item": item, "quantity": 1, "destination": "CN", "ship_date": ship_date, "parties": [end_user]}


def _ship(client: TestClient, keys: Keys, line: dict[str, Any]) -> dict[str, Any]:
    r = client.post("/api/shipments", json={"lines": [line]}, headers=h(keys.approver))
    assert r.status_code == 201, r.text
    return dict(r.json()["lines"][0])


def test_a_line_without_the_end_users_country_is_not_licensed_at_the_api_or_the_console(
    client: TestClient, keys: Keys
) -> None:
    _granted(client, keys, H20_APP, D1)
    bare = _line({"name": "Example Cloud Co", "role": "end_user"})
    out = _ship(client, keys, bare)
    assert out["status"] == "held" and out["verdict"] == "LICENSE_REQUIRED", out
    assert "license coverage: the country of end_user 'Example Cloud Co' (license D1 names it in CN)" in str(out)
    sign_in(client, keys.approver)
    r = client.post("/shipments", data={"order_line": json.dumps(bare)}, headers=ORIGIN)
    assert r.status_code == 200 and "v-LICENSE_REQUIRED" in r.text and "v-LICENSED" not in r.text, r.text
    assert client.get("/api/licenses/D1", headers=h(keys.viewer)).json()["quantity_used"] == 0
    # with the country the license names: licensed
    out = _ship(client, keys, _line({"name": "Example Cloud Co", "role": "end_user", "country": "CN"}))
    assert out["status"] == "shipped" and out["verdict"] == "LICENSED", out


ZHIPU = "Beijing Zhipu Huazhang Technology Co., Ltd."


def test_a_license_issued_before_its_end_user_was_listed_holds_and_a_release_does_not_ship_it(
    client: TestClient, keys: Keys
) -> None:
    app = {
        **H20_APP,
        "items": ["H100"],
        "parties": [{"name": ZHIPU, "role": "end_user", "country": "CN"}],
        "quantity": 100,
        "application_number": "Z9",
        "submitted_on": "2024-12-01",
    }
    grant = {"number": "D9", "valid_from": "2024-12-15", "valid_to": "2026-12-14", "decided_on": "2024-12-15"}
    _granted(client, keys, app, grant)
    zhipu = {"name": ZHIPU, "role": "end_user", "country": "CN"}
    out = _ship(client, keys, _line(zhipu, "H100", "2025-01-16"))
    assert out["status"] == "held" and out["verdict"] == "HOLD", out
    missing = out["decision"]["missing"]
    assert any(
        m.startswith("license coverage: license D9 (issued 2024-12-15) predates the listing of") and "2025-01-16" in m
        for m in missing
    ), missing
    # the day before the listing: licensed
    assert _ship(client, keys, _line(zhipu, "H100", "2025-01-15"))["verdict"] == "LICENSED"
    # a release is decided again (for the release day) and stays held
    line_id = out["line_id"]
    body = {"reason": "listed since"}
    r = client.post(f"/api/holds/{line_id}/release", json=body, headers=h(keys.approver))
    assert r.status_code == 409 and "predates the listing" in r.text, r.text
    assert client.get("/api/licenses/D9", headers=h(keys.viewer)).json()["quantity_used"] == 1


def test_grants_refuse_a_lookalike_number_a_value_limit_alone_and_a_unit_tolerance(
    client: TestClient, keys: Keys
) -> None:
    _granted(client, keys, H20_APP, D1)
    second = client.post("/api/applications", json={**H20_APP, "application_number": "Z2"}, headers=h(keys.analyst))
    app_id = second.json()["id"]
    for terms, status, field in (
        ({"number": "d1"}, 409, "number"),
        ({"number": "Ｄ1"}, 409, "number"),
        ({"number": "T1", "quantity_tolerance_percent": 10}, 422, "quantity_tolerance_percent"),
    ):
        r = client.post(f"/api/applications/{app_id}/grant", json={**D1, **terms}, headers=h(keys.approver))
        assert r.status_code == status and r.json()["error"]["field"] == field, (terms, r.text)
    value_only = {**H20_APP, "application_number": "Z3", "quantity": None, "value_usd": 1000.0}
    app3 = client.post("/api/applications", json=value_only, headers=h(keys.analyst)).json()["id"]
    r = client.post(
        f"/api/applications/{app3}/grant",
        json={**D1, "number": "V1", "value_limit_usd": 1000.0},
        headers=h(keys.approver),
    )
    assert r.status_code == 422 and r.json()["error"]["field"] == "quantity", r.text
    # the console's grant form: the lookalike number is refused too
    sign_in(client, keys.approver)
    form = {"number": "d1", "valid_from": "2025-08-08", "valid_to": "2027-01-01", "quantity_limit": "10"}
    r = client.post(f"/applications/{app_id}/grant", data=form, headers=ORIGIN)
    assert r.status_code == 409 and "already exists" in r.text, r.text
    assert [x["number"] for x in client.get("/api/licenses", headers=h(keys.viewer)).json()] == ["D1"]
    r = client.get("/api/licenses/d1", headers=h(keys.viewer))
    assert r.status_code == 200 and r.json()["number"] == "D1", r.text
    # a shipment naming license "d1" draws on D1
    line = _line({"name": "Example Cloud Co", "role": "end_user", "country": "CN"})
    r = client.post("/api/shipments", json={"lines": [line], "license_number": "d1"}, headers=h(keys.approver))
    assert r.status_code == 201 and r.json()["lines"][0]["status"] == "shipped", r.text
    assert client.get("/api/licenses/D1", headers=h(keys.viewer)).json()["quantity_used"] == 1
