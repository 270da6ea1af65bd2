"""A reason is refused alike at every door: one that shows nothing (a zero-width space, a bidi override, spaces
around them) as an empty one, naming the field, and one longer than the API's bound; nothing is recorded (a console
audit, 2026-12-08: the ledger tested ``reason.strip()``, which keeps U+200B, so an approver's "not a match" on an
Entity List hit for Huawei Technologies, a hold's cancellation and a license's suspension were recorded with the
reason "\u200b"; and the console recorded a cancellation reason of 5,000 characters that the API refuses)."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

INVISIBLE = ["\u200b", "\u202e", " \u2060\u200b "]
PARTY = {"name": "Huawei Technologies", "role": "end_user", "country": "CN"}
LINE = {"item": "nvidia-h20", "quantity": 2, "destination": "CN", "ship_date": "2025-06-01", "parties": [PARTY]}


def _api(console: TestClient, method: str, path: str, **kwargs: object) -> object:
    return console.request(method, path, headers={"X-API-Key": console.api_key}, **kwargs)  # type: ignore[attr-defined,arg-type]


def _post_form(console: TestClient, path: str, data: dict[str, str]) -> object:
    return console.post(path, data=data, headers={"Origin": str(console.base_url)}, follow_redirects=False)


def _audit_actions(console: TestClient) -> list[str]:
    export = _api(console, "GET", "/api/audit/export")
    return [json.loads(x)["record"]["action"] for x in export.text.splitlines()]  # type: ignore[attr-defined]


def _hit(console: TestClient) -> dict[str, str]:
    result = _api(console, "POST", "/api/screen", json={"name": PARTY["name"], "country": "CN"}).json()  # type: ignore[attr-defined]
    hit = result["hits"][0]
    return {"entry_id": hit["entry_id"], "entry_hash": hit["entry_hash"]}


@pytest.mark.parametrize("reason", INVISIBLE)
def test_a_not_a_match_review_needs_a_visible_reason_in_the_console_and_the_api(
    console: TestClient, reason: str
) -> None:
    hit = _hit(console)
    form = {"party_name": PARTY["name"], "country": "CN", "decision": "not_a_match", "reason": reason, **hit}
    r = _post_form(console, "/screening/review", form)
    assert r.status_code == 422, r.status_code  # type: ignore[attr-defined]
    assert "reason: a review needs a reason" in r.text  # type: ignore[attr-defined]
    body = {"party_name": PARTY["name"], "country": "CN", "decision": "not_a_match", "reason": reason, **hit}
    r = _api(console, "POST", "/api/screen/reviews", json=body)
    assert r.status_code == 422, r.text  # type: ignore[attr-defined]
    assert r.json()["error"]["field"] == "reason"  # type: ignore[attr-defined]
    assert _api(console, "GET", "/api/screen/reviews").json() == []  # type: ignore[attr-defined]


@pytest.mark.parametrize("reason", INVISIBLE)
def test_cancelling_or_releasing_a_hold_needs_a_visible_reason(console: TestClient, reason: str) -> None:
    shipped = _api(console, "POST", "/api/shipments", json={"lines": [LINE]}).json()  # type: ignore[attr-defined]
    line_id = shipped["lines"][0]["line_id"]
    r = _post_form(console, f"/holds/{line_id}/cancel", {"reason": reason})
    assert r.status_code == 422 and "reason: cancelling needs a reason" in r.text  # type: ignore[attr-defined]
    r = _api(console, "POST", f"/api/holds/{line_id}/cancel", json={"reason": reason})
    assert r.status_code == 422 and r.json()["error"]["field"] == "reason"  # type: ignore[attr-defined]
    r = _post_form(console, f"/holds/{line_id}/release", {"reason": reason})
    assert r.status_code == 422 and "reason: releasing a hold needs a reason" in r.text  # type: ignore[attr-defined]
    assert [h["line_id"] for h in _api(console, "GET", "/api/holds").json()] == [line_id]  # type: ignore[attr-defined]
    assert "shipment.cancel" not in _audit_actions(console)


@pytest.mark.parametrize("reason", INVISIBLE)
def test_a_license_status_change_or_a_denial_needs_a_visible_reason(console: TestClient, reason: str) -> None:
    app = _api(
        console,
        "POST",
        "/api/applications",
        json={"items": ["nvidia-h20"], "destinations": ["CN"], "parties": [PARTY], "quantity": 10},
    ).json()  # type: ignore[attr-defined]
    r = _post_form(console, f"/applications/{app['id']}/deny", {"reason": reason})
    assert r.status_code == 422 and "reason: must not be empty" in r.text  # type: ignore[attr-defined]
    assert _api(console, "GET", f"/api/applications/{app['id']}").json()["status"] == "draft"  # type: ignore[attr-defined]
    _api(console, "POST", f"/api/applications/{app['id']}/submit", json={"application_number": "D100"})
    today = _api(console, "GET", f"/api/applications/{app['id']}").json()["submitted_on"]  # type: ignore[attr-defined]
    grant = {"number": "L-1", "valid_from": today, "valid_to": today}
    granted = _api(console, "POST", f"/api/applications/{app['id']}/grant", json=grant)
    assert granted.status_code == 201, granted.text  # type: ignore[attr-defined]
    r = _post_form(console, "/licenses/L-1/status", {"status": "suspended", "reason": reason})
    assert r.status_code == 422 and "reason: must not be empty" in r.text  # type: ignore[attr-defined]
    r = _api(console, "POST", "/api/licenses/L-1/status", json={"status": "revoked", "reason": reason})
    assert r.status_code == 422 and r.json()["error"]["field"] == "reason"  # type: ignore[attr-defined]
    assert _api(console, "GET", "/api/licenses/L-1").json()["status"] == "active"  # type: ignore[attr-defined]


def test_an_over_long_reason_or_license_number_is_refused_as_the_api_refuses_it(console: TestClient) -> None:
    """The API's request models bound a reason (4,000 characters) and a license number (60); the console's forms
    reached the ledger unbounded, so a cancellation with a 5,000-character reason was recorded (303) where the API
    answered 422 (a console audit, 2026-12-08)."""
    shipped = _api(console, "POST", "/api/shipments", json={"lines": [LINE]}).json()  # type: ignore[attr-defined]
    line_id = shipped["lines"][0]["line_id"]
    r = _api(console, "POST", f"/api/holds/{line_id}/cancel", json={"reason": "x" * 5000})
    assert r.status_code == 422 and r.json()["error"]["field"] == "reason"  # type: ignore[attr-defined]
    r = _post_form(console, f"/holds/{line_id}/cancel", {"reason": "x" * 5000})
    assert r.status_code == 422, r.status_code  # type: ignore[attr-defined]
    assert "reason: String should have at most 4000 characters" in r.text  # type: ignore[attr-defined]
    r = _post_form(console, f"/holds/{line_id}/release", {"reason": "licensed", "license_number": "L" * 5000})
    assert r.status_code == 422, r.status_code  # type: ignore[attr-defined]
    assert "license_number: String should have at most 60 characters" in r.text  # type: ignore[attr-defined]
    assert [h["line_id"] for h in _api(console, "GET", "/api/holds").json()] == [line_id]  # type: ignore[attr-defined]
    assert not {"shipment.cancel", "hold.release.refused"} & set(_audit_actions(console))
