"""Every field an answer carries is declared in ``/openapi.json`` (door audit 5, 2026-12-07: a catalog item's
specs, a hit's listing dates, a duty line's measure id and amount, the headings to file were in the answers and
not in the schema). Each answer below is validated against its route's declared schema with every declared
object closed (``additionalProperties: false``)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from .conftest import Keys, h, review_first_hit
from .openapi_check import SchemaCheck

LINE = {
    "item": "H20",
    "quantity": 5,
    "destination": "CN",
    "ship_date": "2025-06-01",
    "parties": [{"name": "Example Co", "role": "end_user", "country": "CN", "headquarters_country": "CN"}],
}
DUTY = {"hts": "8473.30.1180", "origin": "CN", "entry_date": "2025-06-01", "value": 25000}


def test_every_exercised_answer_validates_strictly(client: TestClient, keys: Keys) -> None:
    check = SchemaCheck(client.get("/openapi.json").json())
    viewer, analyst, admin = h(keys.viewer), h(keys.analyst), h(keys.admin)
    review_first_hit(client, keys, {"name": "Inspur", "country": "DE"}, "not_a_match")
    calls: list[tuple[str, str, str, dict[str, Any]]] = [
        ("GET", "/api/health", "/api/health", {}),
        ("GET", "/api/catalog", "/api/catalog?vendor=NVIDIA", {}),
        ("GET", "/api/catalog/{item}", "/api/catalog/H100", {}),
        ("GET", "/api/catalog/{item}", "/api/catalog/nvidia-hgx-h100-8gpu", {}),
        ("GET", "/api/classify/{item}", "/api/classify/H20?as_of=2025-05-01", {}),
        ("GET", "/api/timeline/{item}", "/api/timeline/H20?to=CN&end_user_hq=CN", {}),
        ("GET", "/api/duty", "/api/duty", {"params": DUTY}),
        ("GET", "/api/duty", "/api/duty", {"params": {**DUTY, "origin": "TW", "item": "H100"}}),
        ("GET", "/api/duty/timeline", "/api/duty/timeline", {"params": {"hts": "8473.30.1180", "origin": "CN"}}),
        ("GET", "/api/lists/status", "/api/lists/status", {}),
        ("GET", "/api/screen/reviews", "/api/screen/reviews", {}),
        ("GET", "/api/models", "/api/models", {}),
        ("GET", "/api/me", "/api/me", {}),
        ("GET", "/api/whatif/drafts", "/api/whatif/drafts", {}),
        ("GET", "/api/holds", "/api/holds", {}),
        ("GET", "/api/audit/verify", "/api/audit/verify", {}),
    ]
    posts: list[tuple[str, dict[str, Any]]] = [
        ("/api/check", LINE),
        ("/api/screen", {"name": "Saigon Compute"}),
        ("/api/screen", {"name": "Inspur", "country": "DE"}),
        ("/api/screen/batch", {"parties": [{"name": "Sugon"}, {"name": "Inspur", "country": "DE"}]}),
        ("/api/shipments", {"lines": [LINE]}),
    ]
    problems: list[str] = []
    for method, template, url, kw in calls:
        r = client.get(url, headers=viewer, **kw)
        assert r.status_code == 200, (url, r.text)
        problems += check.errors(method, template, 200, r.json())
    for url, body in posts:
        r = client.post(url, json=body, headers=analyst)
        assert r.status_code in (200, 201), (url, r.text)
        problems += check.errors("POST", url, r.status_code, r.json())
    users = client.get("/api/users", headers=admin)
    problems += check.errors("GET", "/api/users", 200, users.json())
    assert problems == [], "\n".join(problems)
