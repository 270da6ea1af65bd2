"""A certification stated through the HTTP API that does not apply to the line is named in the decision's reasons
(``POST /api/check``) and in the decision the ledger records for a shipment line (``POST /api/shipments``), with
the verdict unchanged (audit A5; tests/determination/test_certifications_received.py)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from .conftest import Keys, h

NAC = "nac-740.8-notification"
LINE = {"item": "H100", "quantity": 1, "destination": "CN", "ship_date": "2020-01-02", "certifications": [NAC]}


def _noted(decision: dict[str, Any]) -> list[dict[str, Any]]:
    return [r for r in decision["reasons"] if r["rule"] == f"certifications#{NAC}"]


def test_check_and_shipment_name_a_certification_that_does_not_apply(client: TestClient, keys: Keys) -> None:
    plain = client.post("/api/check", json={**LINE, "certifications": []}, headers=h(keys.analyst)).json()
    d = client.post("/api/check", json=LINE, headers=h(keys.analyst)).json()
    assert d["verdict"] == plain["verdict"] == "NLR"
    (note,) = _noted(d)
    assert "740.8" in note["citation"] and "no rule in force on 2020-01-02" in note["detail"]
    shipped = client.post("/api/shipments", json={"lines": [LINE]}, headers=h(keys.analyst))
    assert shipped.status_code in (200, 201), shipped.text
    line_id = shipped.json()["lines"][0]["line_id"]
    read = client.get(f"/api/shipment-lines/{line_id}", headers=h(keys.viewer)).json()
    assert read["verdict"] == "NLR" and _noted(read["decision"])
