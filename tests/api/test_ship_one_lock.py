"""POST /api/shipments takes the server's write lock once: the lines are decided first with the key as recently
authenticated and the reviews as last read, and the shipment's own transaction authenticates the key again and
decides again if a review came in meanwhile. Neither shortcut may let a line ship that the ledger would hold."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from chipclear.ledger import open_ledger
from chipclear.ledger.models import User

from .conftest import Keys, h, review_first_hit

MOORE = {"name": "Moore Threads Technology", "country": "CN"}
MOORE_LINE: dict[str, Any] = {
    "item": "RTX 4090",
    "quantity": 1,
    "destination": "DE",
    "ship_date": "2025-05-01",
    "parties": [MOORE | {"role": "end_user"}],
}
PLAIN_LINE: dict[str, Any] = {"item": "RTX 4090", "quantity": 1, "destination": "DE", "ship_date": "2025-05-01"}


def _ship(client: TestClient, key: str, line: dict[str, Any]) -> Any:
    return client.post("/api/shipments", json={"lines": [line]}, headers=h(key))


def _shipments_in_audit(client: TestClient, keys: Keys) -> int:
    export = client.get("/api/audit/export", headers=h(keys.admin))
    import json

    records = [json.loads(x)["record"] for x in export.text.splitlines() if x.strip()]
    return sum(1 for r in records if r["action"] in ("ship", "hold"))


def test_a_key_revoked_right_after_a_shipment_cannot_ship_again(client: TestClient, keys: Keys, db_url: str) -> None:
    first = _ship(client, keys.analyst, PLAIN_LINE)
    assert first.status_code == 201, first.text
    recorded = _shipments_in_audit(client, keys)
    ledger = open_ledger(db_url)
    try:
        with ledger.session() as s:
            s.query(User).filter_by(name="carol").one().active = False
    finally:
        ledger.close()
    again = _ship(client, keys.analyst, PLAIN_LINE)  # the key is still in the server's recent keys
    assert again.status_code == 403 and "API key is not valid" in again.text, again.text
    assert _shipments_in_audit(client, keys) == recorded


def test_a_role_lowered_right_after_a_shipment_cannot_ship_again(client: TestClient, keys: Keys, db_url: str) -> None:
    assert _ship(client, keys.analyst, PLAIN_LINE).status_code == 201
    recorded = _shipments_in_audit(client, keys)
    ledger = open_ledger(db_url)
    try:
        with ledger.session() as s:
            s.query(User).filter_by(name="carol").one().role = "viewer"
    finally:
        ledger.close()
    again = _ship(client, keys.analyst, PLAIN_LINE)
    assert again.status_code == 403 and "may not ship" in again.text, again.text
    assert _shipments_in_audit(client, keys) == recorded


def test_a_review_recorded_after_the_last_shipment_applies_to_the_next(client: TestClient, keys: Keys) -> None:
    """The server last read the reviews before this one was recorded (the review route does not tell it): the
    shipment's transaction sees the newer version and decides the line again with it."""
    before = _ship(client, keys.analyst, MOORE_LINE)
    assert before.status_code == 201, before.text
    held = before.json()["lines"][0]
    assert held["status"] == "held"
    assert not any("suppressed by review" in r["detail"] for r in held["decision"]["reasons"])
    review_first_hit(client, keys, MOORE, "not_a_match")
    after = _ship(client, keys.analyst, MOORE_LINE)
    assert after.status_code == 201, after.text
    reasons = after.json()["lines"][0]["decision"]["reasons"]
    assert any("suppressed by review" in r["detail"] and "bob" in r["detail"] for r in reasons), reasons


def test_a_viewer_key_is_refused_before_any_decision(client: TestClient, keys: Keys) -> None:
    r = _ship(client, keys.viewer, PLAIN_LINE)
    assert r.status_code == 403 and "may not ship" in r.text, r.text
    r = _ship(client, "cc_not_a_key", PLAIN_LINE)
    assert r.status_code in (401, 403), r.text
