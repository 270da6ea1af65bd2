"""A license's suspension, revocation and reinstatement recorded at the API (``POST /api/licenses/{number}/status``)
and the console (the form on the license's page), as the CLI records them (``chipclear license revoke``): approver
only, every refusal naming its field with nothing written, and the checks and shipments that follow leave the
license out from the day the change took effect (until 2026-12-07 only the CLI could record one)."""

from __future__ import annotations

import json
import re
from typing import Any

from fastapi.testclient import TestClient

from .conftest import Keys, granted, h, sign_in

ORIGIN = {"Origin": "http://testserver"}
END_USER = {"name": "Example Cloud Co", "role": "end_user", "country": "CN"}
APP = {
    "items": ["nvidia-h20"],
    "destinations": ["CN"],
    "parties": [END_USER],
    "quantity": 1000,
    "application_number": "Z1",
    "submitted_on": "2025-07-15",
}
D1 = {"number": "D1", "valid_from": "2025-08-08", "valid_to": "2027-08-07", "decided_on": "2025-08-08"}


def _line(ship_date: str) -> dict[str, Any]:
    return {"item": "H20", "quantity": 1, "destination": "CN", "ship_date": ship_date, "parties": [END_USER]}


def _ship(client: TestClient, keys: Keys, ship_date: str) -> dict[str, Any]:
    r = client.post("/api/shipments", json={"lines": [_line(ship_date)]}, headers=h(keys.approver))
    assert r.status_code == 201, r.text
    return dict(r.json()["lines"][0])


def _status(client: TestClient, key: str, body: dict[str, Any], number: str = "D1") -> Any:
    return client.post(f"/api/licenses/{number}/status", json=body, headers=h(key))


def _audit_lines(client: TestClient, keys: Keys) -> list[str]:
    return list(client.get("/api/audit/export", headers=h(keys.admin)).text.splitlines())


def test_a_suspension_and_a_reinstatement_recorded_at_the_api_take_effect_on_their_days(
    client: TestClient, keys: Keys
) -> None:
    granted(client, keys, APP, D1)
    r = _status(client, keys.approver, {"status": "suspended", "effective_on": "2025-09-01", "reason": "BIS letter"})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "suspended"
    shown = client.get("/api/licenses/d1", headers=h(keys.viewer)).json()
    assert shown["status"] == "suspended"
    assert [(c["status"], c["effective_on"], c["reason"], c["actor"]) for c in shown["status_changes"]] == [
        ("suspended", "2025-09-01", "BIS letter", "bob")
    ]
    # while suspended: a check and a shipment dated after the suspension are not covered by D1
    checked = client.post("/api/check", json=_line("2025-09-05"), headers=h(keys.analyst))
    assert checked.status_code == 200 and checked.json()["verdict"] == "LICENSE_REQUIRED", checked.text
    assert "D1: suspended since 2025-09-01" in str(checked.json()["reasons"])
    out = _ship(client, keys, "2025-09-05")
    assert out["status"] == "held" and out["verdict"] == "LICENSE_REQUIRED", out
    r = _status(client, keys.approver, {"status": "active", "effective_on": "2025-09-10", "reason": "BIS lifted it"})
    assert r.status_code == 200 and r.json()["status"] == "active", r.text
    # reinstated: a line dated before the suspension or after the reinstatement is covered, one inside it is not
    assert _ship(client, keys, "2025-08-20")["verdict"] == "LICENSED"
    inside = _ship(client, keys, "2025-09-05")
    assert inside["status"] == "held" and "the license was suspended from 2025-09-01" in str(inside["decision"])
    assert _ship(client, keys, "2025-09-10")["verdict"] == "LICENSED"
    assert client.get("/api/licenses/D1", headers=h(keys.viewer)).json()["quantity_used"] == 2
    records = [json.loads(x)["record"] for x in _audit_lines(client, keys)]
    status_actions = ("license.suspended", "license.revoked", "license.active")
    changes = [(r["action"], r["input"]["effective_on"]) for r in records if r["action"] in status_actions]
    assert changes == [("license.suspended", "2025-09-01"), ("license.active", "2025-09-10")]


def test_a_revocation_at_the_api_leaves_the_license_out_of_later_shipments(client: TestClient, keys: Keys) -> None:
    granted(client, keys, APP, D1)
    r = _status(client, keys.approver, {"status": "revoked", "effective_on": "2025-10-01", "reason": "BIS order"})
    assert r.status_code == 200 and r.json()["status"] == "revoked", r.text
    out = _ship(client, keys, "2025-10-01")
    assert out["status"] == "held" and out["verdict"] == "LICENSE_REQUIRED", out
    assert client.get("/api/licenses/D1", headers=h(keys.viewer)).json()["quantity_used"] == 0


def test_refused_status_changes_answer_with_the_field_and_write_nothing(client: TestClient, keys: Keys) -> None:
    granted(client, keys, APP, D1)
    before = len(_audit_lines(client, keys))
    ok = {"status": "suspended", "effective_on": "2025-09-01", "reason": "BIS letter"}
    refusals: list[tuple[str, dict[str, Any], str, int, str | None]] = [
        (keys.analyst, ok, "D1", 403, None),
        (keys.viewer, ok, "D1", 403, None),
        (keys.approver, ok, "NO-SUCH", 404, None),
        (keys.approver, {**ok, "status": "active"}, "D1", 409, "status"),  # reinstating an active license
        (keys.approver, {**ok, "status": "reinstated"}, "D1", 422, "status"),
        (keys.approver, {**ok, "effective_on": "2025-02-30"}, "D1", 422, "effective_on"),
        (keys.approver, {**ok, "effective_on": "1 Sep 2025"}, "D1", 422, "effective_on"),
        (keys.approver, {**ok, "effective_on": "2025-08-01"}, "D1", 422, "effective_on"),  # before its issue
        (keys.approver, {**ok, "effective_on": "2999-01-01"}, "D1", 422, "effective_on"),
        (keys.approver, {k: v for k, v in ok.items() if k != "reason"}, "D1", 422, "reason"),
        (keys.approver, {**ok, "reason": ""}, "D1", 422, "reason"),
        (keys.approver, {**ok, "effective": "2025-09-01"}, "D1", 422, "effective"),
    ]
    for key, body, number, code, field in refusals:
        r = _status(client, key, body, number)
        assert r.status_code == code and r.json()["error"]["field"] == field, (body, r.text)
    lic = client.get("/api/licenses/D1", headers=h(keys.viewer)).json()
    assert lic["status"] == "active" and lic["status_changes"] == []
    assert len(_audit_lines(client, keys)) == before
    assert _status(client, keys.approver, {**ok, "status": "revoked"}).status_code == 200
    for status in ("revoked", "active", "suspended"):  # a revoked license stays revoked
        r = _status(client, keys.approver, {**ok, "status": status, "effective_on": "2025-09-02"})
        assert r.status_code == 409 and r.json()["error"]["field"] == "status", r.text
        assert "already revoked" in r.json()["error"]["message"]


def test_the_console_form_records_a_revocation_for_an_approver_only(client: TestClient, keys: Keys) -> None:
    granted(client, keys, APP, D1)
    sign_in(client, keys.analyst)
    page = client.get("/licenses/D1")
    assert page.status_code == 200 and 'id="status-form"' not in page.text
    form = {"status": "revoked", "effective_on": "2025-10-01", "reason": "BIS order"}
    r = client.post("/licenses/D1/status", data=form, headers=ORIGIN)
    assert r.status_code == 403 and "may not license.write" in r.text, r.text
    sign_in(client, keys.approver)
    page = client.get("/licenses/D1")
    assert 'id="status-form"' in page.text and 'action="/licenses/D1/status"' in page.text
    # from another site: refused (the forms' CSRF check)
    r = client.post("/licenses/D1/status", data=form, headers={"Origin": "http://evil.example"})
    assert r.status_code == 422 and "another site" in r.text
    # an impossible day, and a day before the license was issued: shown on the page, as typed
    for day, words in (("2025-02-30", "is not a date"), ("2025-08-01", "before license D1 was issued")):
        r = client.post("/licenses/D1/status", data={**form, "effective_on": day}, headers=ORIGIN)
        assert r.status_code == 422, r.text
        error = re.search(r'id="status-error"[^>]*>([^<]*)<', r.text)
        assert error and words in error.group(1) and "effective_on" in error.group(1), r.text
        assert f'value="{day}"' in r.text and 'value="BIS order"' in r.text
    assert client.get("/api/licenses/D1", headers=h(keys.viewer)).json()["status"] == "active"
    r = client.post("/licenses/D1/status", data=form, headers=ORIGIN, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/licenses/D1", r.text
    page = client.get("/licenses/D1")
    assert "BIS order" in page.text and 'id="status-form"' not in page.text  # revoked: nothing more to record
    lic = client.get("/api/licenses/D1", headers=h(keys.viewer)).json()
    assert lic["status"] == "revoked" and lic["status_changes"][0]["effective_on"] == "2025-10-01"
    # a shipment from the console dated on the revocation's day is not licensed
    line = _line("2025-10-01")
    r = client.post("/shipments", data={"order_line": json.dumps(line)}, headers=ORIGIN)
    assert r.status_code == 200 and "v-LICENSE_REQUIRED" in r.text and "v-LICENSED" not in r.text, r.text
    # reinstating a revoked license from the console: refused on the page, not a 500
    r = client.post("/licenses/D1/status", data={**form, "status": "active"}, headers=ORIGIN)
    assert r.status_code == 409 and "already revoked" in r.text
