"""A license never authorises what left before it existed, nor more than was applied for (door audit of
2026-12-07): a grant dated before its application was submitted, a submission dated in the future, a limit above the
quantity applied for and a validity of centuries are refused at the API and at the console's grant form (which has no
decided_on: it dates the grant to valid_from)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from .conftest import Keys, h, sign_in

APP = {"items": ["nvidia-h20"], "destinations": ["CN"], "parties": [{"name": "Example Cloud Co", "role": "end_user"}]}


def _application(client: TestClient, keys: Keys, **extra: Any) -> Any:
    body = {**APP, "quantity": 10, "application_number": "Z1", "submitted_on": "2025-07-15", **extra}
    return client.post("/api/applications", json=body, headers=h(keys.analyst))


def _grant(client: TestClient, keys: Keys, app_id: int, **terms: Any) -> Any:
    body = {"number": "L1", "valid_from": "2025-08-01", "valid_to": "2027-01-01", **terms}
    return client.post(f"/api/applications/{app_id}/grant", json=body, headers=h(keys.approver))


def test_the_api_refuses_grants_before_submission_above_the_quantity_or_for_centuries(
    client: TestClient, keys: Keys
) -> None:
    made = _application(client, keys)
    assert made.status_code == 201, made.text
    app_id = made.json()["id"]
    for terms, field in (
        ({"valid_from": "2024-01-01", "decided_on": "2024-01-01"}, "decided_on"),
        ({"valid_from": "2024-01-01"}, "valid_from"),
        ({"quantity_limit": 1_000_000}, "quantity_limit"),
        ({"valid_to": "2199-01-01"}, "valid_to"),
    ):
        r = _grant(client, keys, app_id, **terms)
        assert r.status_code == 422 and r.json()["error"]["field"] == field, (terms, r.text)
    assert client.get("/api/licenses", headers=h(keys.viewer)).json() == []
    # less than applied for, after the submission: granted
    r = _grant(client, keys, app_id, quantity_limit=5, decided_on="2025-08-01")
    assert r.status_code == 201 and r.json()["quantity_limit"] == 5, r.text
    # a denial is not dated before the submission either
    other = _application(client, keys, application_number="Z3").json()["id"]
    body = {"status": "denied", "reason": "policy of denial", "decided_on": "2025-01-01"}
    r = client.post(f"/api/applications/{other}/close", json=body, headers=h(keys.approver))
    assert r.status_code == 422 and r.json()["error"]["field"] == "decided_on", r.text
    # a submission dated in the future is refused
    r = _application(client, keys, application_number="Z2", submitted_on="2030-11-01")
    assert r.status_code == 422 and r.json()["error"]["field"] == "submitted_on", r.text


def test_the_console_grant_form_refuses_a_license_older_than_its_application(client: TestClient, keys: Keys) -> None:
    app_id = _application(client, keys).json()["id"]
    sign_in(client, keys.approver)
    form = {"number": "C1", "valid_from": "2024-01-01", "valid_to": "2027-01-01", "quantity_limit": "10"}
    r = client.post(f"/applications/{app_id}/grant", data=form, headers={"Origin": "http://testserver"})
    assert r.status_code == 422 and "before the application was submitted" in r.text, r.text
    assert client.get("/api/licenses", headers=h(keys.viewer)).json() == []
    # a historical shipment before the application is not licensed by anything
    line = {"item": "H20", "quantity": 1, "destination": "CN", "ship_date": "2025-05-01"}
    line["parties"] = [{"name": "Example Cloud Co", "role": "end_user", "country": "CN", "headquarters_country": "CN"}]
    r = client.post("/api/shipments", json={"lines": [line]}, headers=h(keys.admin))
    assert r.status_code == 201 and r.json()["lines"][0]["verdict"] != "LICENSED", r.text
