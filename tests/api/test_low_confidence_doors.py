"""Low-confidence facts at the HTTP doors (audit 2026-12-07, items 1 and 5): the MI210's tier turns on a
low-confidence die area with another reading in the reference, so ``/api/check`` holds it instead of granting ACA,
and ``/api/catalog`` / ``/api/classify`` say which figures rest on L facts."""

from __future__ import annotations

from fastapi.testclient import TestClient
from tests.api.conftest import Keys, h

MI210_SA = {
    "item": "amd-mi210",
    "quantity": 1,
    "destination": "SA",
    "ship_date": "2024-06-01",
    "parties": [{"role": "end_user", "name": "Acme Co", "country": "SA", "headquarters_country": "SA"}],
}


def test_check_holds_the_mi210_naming_its_die_area(client: TestClient, keys: Keys) -> None:
    r = client.post("/api/check", json=MI210_SA, headers=h(keys.analyst))
    assert r.status_code == 200, r.text
    d = r.json()
    assert d["verdict"] == "HOLD" and d["license_exceptions"] == []
    assert d["classification"]["candidates"] == ["3A090.a", "3A090.b"]
    assert any("die_area_mm2" in m for m in d["missing"])
    assert any(x["rule"] == "metrics#die-area-reading" and x["confidence"] == "L" for x in d["reasons"])


def test_catalog_and_classify_name_the_low_confidence_figures(client: TestClient, keys: Keys) -> None:
    rows = client.get("/api/catalog", params={"vendor": "Huawei", "as_of": "2025-06-01"}, headers=h(keys.viewer))
    assert rows.status_code == 200, rows.text
    by_id = {row["item"]["id"]: row for row in rows.json()}
    assert by_id["huawei-ascend-910c"]["low_confidence_fields"] == ["tpp", "eccn"]
    assert by_id["huawei-ascend-910c"]["low_confidence"] == ["Ascend 910C spec data (graded low confidence)"]
    assert by_id["huawei-ascend-910"]["low_confidence_fields"] == []
    one = client.get("/api/classify/amd-mi250x", params={"as_of": "2024-06-01"}, headers=h(keys.viewer)).json()
    assert one["low_confidence_fields"] == ["performance_density"]
    assert one["performance_density_alternatives"] and one["performance_density_alternatives"][0] > 8
