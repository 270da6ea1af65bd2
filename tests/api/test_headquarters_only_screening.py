"""``POST /api/check`` and ``POST /api/shipments`` hold a line whose end user is given only a headquarters country
that the matched entry does not list (a possible match, not a definitive one; tests/screening/test_headquarters_only.py)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from .conftest import Keys, h

DELTA = {"name": "Delta Electronics, Inc.", "role": "end_user", "headquarters_country": "TW"}
LINE = {"item": "H100", "quantity": 1, "destination": "TW", "ship_date": "2025-06-02", "parties": [DELTA]}


def test_a_differing_headquarters_holds_the_line_for_review(client: TestClient, keys: Keys) -> None:
    d = client.post("/api/check", json=LINE, headers=h(keys.analyst)).json()
    assert d["verdict"] == "HOLD"
    assert {x["determination"] for x in d["screening"] if x["entry"] == "General Electronic"} == {"possible"}
    shipped = client.post("/api/shipments", json={"lines": [LINE]}, headers=h(keys.analyst))
    assert shipped.status_code in (200, 201), shipped.text
    assert shipped.json()["lines"][0]["status"] == "held"
