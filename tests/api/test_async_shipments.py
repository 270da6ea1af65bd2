"""POST /api/shipments on the event loop: a small shipment whose answers are cached is decided there and awaits its
group commit without holding a worker thread; a large one, or one that needs screening, is decided in a thread."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient

from chipclear.api.routers import shipments as shipments_router

from .conftest import Keys, h, threads_counted

PARTY = {"name": "Example Cloud Services Ltd", "role": "end_user", "country": "CN"}
LINE = {"item": "H20", "destination": "CN", "ship_date": "2025-06-01", "quantity": 1, "parties": [PARTY]}


def test_shipments_decided_on_the_event_loop_when_cached(
    client: TestClient, keys: Keys, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = client.post(
        "/api/applications",
        json={"items": ["nvidia-h20"], "destinations": ["CN"], "parties": [PARTY], "quantity": 100},
        headers=h(keys.analyst),
    ).json()
    client.post(
        f"/api/applications/{app['id']}/submit",
        json={"application_number": "Z1", "submitted_on": "2025-01-02"},
        headers=h(keys.analyst),
    )
    grant = {"number": "D100", "valid_from": "2025-04-20", "valid_to": "2027-04-19", "quantity_limit": 100}
    assert client.post(f"/api/applications/{app['id']}/grant", json=grant, headers=h(keys.approver)).is_success
    decider = client.app.state.group_commit.decider  # type: ignore[attr-defined]
    deadline = time.monotonic() + 120
    while not decider.ready and time.monotonic() < deadline:  # the table and the screener load in the background
        time.sleep(0.1)
    assert decider.ready
    first = client.post("/api/shipments", json={"lines": [LINE]}, headers=h(keys.analyst))
    assert first.status_code == 201 and first.json()["lines"][0]["status"] == "shipped", first.text

    threads = threads_counted(monkeypatch, shipments_router)
    again = client.post("/api/shipments", json={"lines": [LINE, LINE]}, headers=h(keys.analyst)).json()
    assert [x["status"] for x in again["lines"]] == ["shipped", "shipped"]
    assert threads == []  # key, reviews and screening answers known: decided inline, the commit awaited

    many = [LINE] * (shipments_router.INLINE_LINES + 1)
    big = client.post("/api/shipments", json={"lines": many}, headers=h(keys.analyst)).json()
    assert [x["status"] for x in big["lines"]] == ["shipped"] * len(many)
    assert threads == ["decide_lines"]

    other = {**LINE, "parties": [{**PARTY, "name": "Another Cloud Company Ltd"}]}  # not screened yet
    held = client.post("/api/shipments", json={"lines": [other]}, headers=h(keys.analyst)).json()
    assert held["lines"][0]["status"] == "held"  # the license names another end user
    assert threads == ["decide_lines", "decide_lines"]

    detail = client.get("/api/licenses/D100", headers=h(keys.viewer)).json()
    assert detail["quantity_used"] == 1 + 2 + len(many) == len(detail["usage"])
