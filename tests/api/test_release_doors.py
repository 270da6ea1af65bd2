"""Nothing ships that the rules forbid, through the API and the console (issue 12): a release decides the line
again with the approver's reviews; reviews feed later shipments; refused releases are audited; stale lists hold a
ship; the console's Holds page keeps only open questions and every page warns of stale lists."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from .conftest import Keys, h, sign_in

HUAWEI = {"name": "Huawei Technologies Co., Ltd.", "role": "end_user", "country": "CN"}
NEAR = {"name": "Huawei Technologies Services Co", "role": "end_user", "country": "DE"}


def _ship(client: TestClient, key: str, line: dict[str, Any]) -> dict[str, Any]:
    r = client.post("/api/shipments", json={"lines": [line]}, headers=h(key))
    assert r.status_code == 201, r.text
    return dict(r.json()["lines"][0])


def _audit_actions(client: TestClient, key: str) -> list[str]:
    r = client.get("/api/audit/export", headers=h(key))
    assert r.status_code == 200, r.text
    import json

    return [json.loads(x)["record"]["action"] for x in r.text.splitlines() if x.strip()]


def test_h100_to_huawei_release_is_refused_and_audited(client: TestClient, keys: Keys) -> None:
    line = {"item": "H100", "quantity": 8, "destination": "CN", "ship_date": "2025-05-01", "parties": [HUAWEI]}
    held = _ship(client, keys.analyst, line)
    assert (held["status"], held["verdict"]) == ("held", "LICENSE_REQUIRED")
    r = client.post(f"/api/holds/{held['line_id']}/release", json={"reason": "override"}, headers=h(keys.approver))
    assert r.status_code == 409 and "needs a covering license" in r.text
    r = client.get(f"/api/shipment-lines/{held['line_id']}", headers=h(keys.viewer))
    assert r.json()["status"] == "held"
    assert "hold.release.refused" in _audit_actions(client, keys.admin)


def test_a_release_with_reviews_redecides_and_reviews_feed_later_shipments(client: TestClient, keys: Keys) -> None:
    line = {"item": "L20", "quantity": 2, "destination": "DE", "ship_date": "2025-05-01", "parties": [NEAR]}
    held = _ship(client, keys.analyst, line)
    assert (held["status"], held["verdict"]) == ("held", "LICENSE_REQUIRED")
    hits = [x for x in held["decision"]["screening"] if x["entry_id"]]
    assert hits
    # the console's Holds page offers each open hit to the approver
    sign_in(client, keys.approver)
    page = client.get("/holds").text
    assert f"review::{NEAR['name']}::{hits[0]['entry_id']}" in page
    client.cookies.clear()
    body = {
        "reason": "different company (registry extract 2025-04-30)",
        "reviews": [{"entry_id": x["entry_id"], "decision": "not_a_match"} for x in hits],
    }
    r = client.post(f"/api/holds/{held['line_id']}/release", json=body, headers=h(keys.approver))
    assert r.status_code == 200, r.text
    assert (r.json()["status"], r.json()["verdict"]) == ("released", "NLR")
    # the review is in the one review store and suppresses the hit in the next shipment, named in the reasons
    again = _ship(client, keys.analyst, line)
    assert (again["status"], again["verdict"]) == ("shipped", "NLR")
    details = [x["detail"] for x in again["decision"]["reasons"]]
    assert any("suppressed by review" in d and "bob" in d for d in details), details
    reviews = client.get("/api/screen/reviews", headers=h(keys.viewer)).json()
    assert {x["entry_id"] for x in reviews} == {x["entry_id"] for x in hits}
    # the Holds page has nothing left open
    sign_in(client, keys.viewer)
    assert "Nothing is held." in client.get("/holds").text


def test_a_viewer_release_is_refused_and_audited(client: TestClient, keys: Keys) -> None:
    line = {"item": "H100", "quantity": 1, "destination": "CN", "ship_date": "2025-05-01", "parties": [HUAWEI]}
    held = _ship(client, keys.analyst, line)
    r = client.post(f"/api/holds/{held['line_id']}/release", json={"reason": "x"}, headers=h(keys.viewer))
    assert r.status_code == 403
    assert _audit_actions(client, keys.admin).count("hold.release.refused") == 1


def test_stale_lists_hold_a_ship_unless_the_deployment_accepts_them(
    client: TestClient, keys: Keys, monkeypatch: pytest.MonkeyPatch
) -> None:
    clean = {"name": "Example Trading GmbH", "role": "end_user", "country": "DE"}
    line = {"item": "L20", "quantity": 1, "destination": "DE", "ship_date": "2025-05-01", "parties": [clean]}
    monkeypatch.setenv("CHIPCLEAR_STALE_LISTS_ON_SHIP", "hold")
    held = _ship(client, keys.analyst, line)
    assert (held["status"], held["verdict"]) == ("held", "NLR")
    assert any("stale lists" in x["detail"] for x in held["decision"]["reasons"])
    sign_in(client, keys.viewer)
    page = client.get("/holds").text
    assert 'id="stale-lists"' in page and "chipclear lists update" in page
    monkeypatch.setenv("CHIPCLEAR_STALE_LISTS_ON_SHIP", "ship")
    assert _ship(client, keys.analyst, line)["status"] == "shipped"
