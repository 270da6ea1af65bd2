"""The model-weights audit A7 (2026-12-07) at the API: a sole owner in China is the ultimate parent (check and
shipments), AIA tests where each recipient is located and every party's headquarters (the intermediate consignee
too), and a derived catalog model at exactly 10^26 operations is 4E091 (check and classify)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from .conftest import Keys, h

MODELS = Path(__file__).parents[1] / "models" / "a7_models"


def test_owners_locations_and_exact_figures_at_the_api(
    client: TestClient, keys: Keys, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHIPCLEAR_MODELS", str(MODELS))
    admin = h(keys.admin)
    party = {"name": "Acme UK Ltd", "role": "end_user", "country": "GB", "headquarters_country": "GB"}
    owned = {**party, "owners": [{"name": "Dragon Holdings", "share": 100, "headquarters_country": "CN"}]}
    line = {"item": "H100", "quantity": 8, "destination": "GB", "ship_date": "2026-03-01", "parties": [owned]}
    r = client.post("/api/check", json=line, headers=admin)
    assert r.status_code == 200, r.text
    assert r.json()["verdict"] == "LICENSE_REQUIRED"
    shipped = client.post("/api/shipments", json={"lines": [line]}, headers=admin)
    assert shipped.status_code == 201, shipped.text
    assert shipped.json()["lines"][0]["status"] == "held"
    located = {**party, "role": "ultimate_consignee", "country": "CN"}
    aia = {"item": "grok-3", "destination": "GB", "ship_date": "2026-03-01", "parties": [party, located],
           "certifications": ["aia-4e091-storage"]}  # fmt: skip
    got = client.post("/api/check?layer=codified", json=aia, headers=admin).json()
    assert got["verdict"] == "LICENSE_REQUIRED" and not got["license_exceptions"]
    middle = {"name": "Transit HK Ltd", "role": "intermediate_consignee", "country": "HK", "headquarters_country": "CN"}
    through = {**aia, "parties": [party, middle]}
    assert client.post("/api/check?layer=codified", json=through, headers=admin).json()["verdict"] == "LICENSE_REQUIRED"
    ft = {"item": "example-ft", "destination": "CN", "ship_date": "2025-06-01", "parties": [{**party, "country": "CN",
          "headquarters_country": "CN"}]}  # fmt: skip
    assert client.post("/api/check?layer=codified", json=ft, headers=admin).json()["verdict"] == "LICENSE_REQUIRED"
    c = client.get("/api/models/example-ft/classify?layer=codified&as_of=2025-06-01", headers=admin)
    assert c.status_code == 200, c.text
    assert c.json()["status"] == "controlled"
