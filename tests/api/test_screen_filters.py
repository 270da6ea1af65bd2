"""``/api/screen`` takes per-request ``min_score``, ``sources`` and ``limit``; bad values are 4xx."""

from __future__ import annotations

from fastapi.testclient import TestClient
from tests.api.conftest import Keys, h


def test_screen_filters(client: TestClient, keys: Keys) -> None:
    body = {"name": "Huawei Technologies", "sources": ["EL"], "limit": 2, "min_score": 0.6}
    one = client.post("/api/screen", json=body, headers=h(keys.analyst))
    assert one.status_code == 200, one.text
    hits = one.json()["hits"]
    assert len(hits) == 2 and {x["source"] for x in hits} == {"EL"} and all(x["score"] >= 0.6 for x in hits)
    unknown = client.post("/api/screen", json={**body, "sources": ["XX"]}, headers=h(keys.analyst))
    assert unknown.status_code == 400 or unknown.status_code == 422, unknown.text
    assert "XX" in unknown.text
    out_of_range = client.post("/api/screen", json={**body, "min_score": 2}, headers=h(keys.analyst))
    assert out_of_range.status_code == 422


def test_a_min_score_under_the_floor_is_refused_naming_the_field(client: TestClient, keys: Keys) -> None:
    """A floor near 0 scores and explains every entry sharing a word with the name (bounds.MIN_SCREEN_SCORE)."""
    body = {"name": "Huawei Technologies", "min_score": 0}
    for path, payload in (("/api/screen", body), ("/api/screen/batch", {"parties": [body]})):
        r = client.post(path, json=payload, headers=h(keys.analyst))
        assert r.status_code == 422, r.text
        assert r.json()["error"]["field"].endswith("min_score") and "0.5" in r.json()["error"]["message"]
    at_floor = client.post("/api/screen", json={**body, "min_score": 0.5}, headers=h(keys.analyst))
    assert at_floor.status_code == 200 and all(x["score"] >= 0.5 for x in at_floor.json()["hits"])
