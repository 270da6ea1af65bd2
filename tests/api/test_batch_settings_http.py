"""``POST /api/batch`` decides with the server's decision settings, never from a cache of other settings' decisions.

A door audit (2026-12-07): a server with ``CHIPCLEAR_LISTING_LAG_DAYS=400`` answered HOLD on ``/api/check`` and NLR
on ``/api/batch`` for the same line, the batch's decisions taken from a cache the default lag of 30 had filled.
"""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from .conftest import Keys, h
from .test_batch_and_whatif_http import _wait

BOOK = (
    "order_id,item,quantity,destination,ship_date,end_user_name,end_user_country,end_user_headquarters_country\n"
    "SO-X1,nvidia-hgx-h20-8gpu,8,IL,2022-10-08,Sunton Tech (HK) Limited,MY,CN\n"
    "SO-2,H100,2,DE,2025-06-01,,,\n"
)
LINE = {
    "item": "nvidia-hgx-h20-8gpu",
    "quantity": 8,
    "destination": "IL",
    "ship_date": "2022-10-08",
    "parties": [
        {"name": "Sunton Tech (HK) Limited", "role": "end_user", "country": "MY", "headquarters_country": "CN"}
    ],
}


def _batch_x1(client: TestClient, keys: Keys) -> dict[str, object]:
    files = {"file": ("book.csv", BOOK.encode(), "text/csv")}
    r = client.post("/api/batch", files=files, headers=h(keys.analyst))
    assert r.status_code == 202, r.text
    done = _wait(client, keys.analyst, r.json()["id"])
    assert done["state"] == "done", done
    assert done["summary"]["licenses_on_file"].startswith("not applied")  # batch does not apply licenses on file
    lines = client.get(f"/api/batch/{r.json()['id']}/result?format=jsonl", headers=h(keys.analyst)).text
    return next(json.loads(x) for x in lines.splitlines() if '"SO-X1"' in x)


def test_batch_over_http_uses_the_servers_listing_lag_not_a_cache_of_another(
    client: TestClient, keys: Keys, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert _batch_x1(client, keys)["verdict"] == "NLR"  # the default lag of 30 days; its decisions are now cached
    monkeypatch.setenv("CHIPCLEAR_LISTING_LAG_DAYS", "400")
    check = client.post("/api/check", json=LINE, headers=h(keys.analyst))
    assert check.status_code == 200, check.text
    assert check.json()["verdict"] == "HOLD"
    x1 = _batch_x1(client, keys)
    assert x1["verdict"] == "HOLD"
    assert x1["missing"] == check.json()["missing"]
    assert any("Sunton Tech Hong Kong Ltd." in m for m in x1["missing"])  # type: ignore[attr-defined]
