"""``POST /api/batch`` and ``GET /api/timeline`` (with an end user) read the server's ledger's reviews as ``POST /api/check`` does (door audit 5, 2026-12-07:
after a "not a match" review the check said NLR and the batch job still HOLD)."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient

from .conftest import Keys, h
from .test_batch_and_whatif_http import _wait

BOOK = "order_id,item,quantity,destination,ship_date,end_user_name,end_user_headquarters_country\n"
BOOK += "SO-1,H100,1,JP,2024-06-01,Saigon Compute,JP\n"
LINE = {
    "item": "H100",
    "destination": "JP",
    "ship_date": "2024-06-01",
    "parties": [{"name": "Saigon Compute", "role": "end_user", "headquarters_country": "JP"}],
}


def _batch_verdicts(client: TestClient, keys: Keys) -> list[str]:
    files = {"file": ("book.csv", BOOK.encode(), "text/csv")}
    job = client.post("/api/batch", files=files, headers=h(keys.analyst)).json()
    done = _wait(client, keys.analyst, job["id"])
    assert done["state"] == "done", done
    lines = client.get(f"/api/batch/{job['id']}/result?format=jsonl", headers=h(keys.analyst)).text.splitlines()
    return [json.loads(x)["verdict"] for x in lines]


def _timeline_verdict(client: TestClient, keys: Keys) -> str:
    query = "/api/timeline/H100?to=JP&end_user_hq=JP&end_user=Saigon%20Compute&until=2024-06-01"
    periods = client.get(query, headers=h(keys.viewer)).json()["periods"]
    verdict: str = periods[-1]["verdict"]
    return verdict


def test_a_batch_job_and_a_timeline_apply_the_reviews_the_check_applies(client: TestClient, keys: Keys) -> None:
    assert client.post("/api/check", json=LINE, headers=h(keys.analyst)).json()["verdict"] == "HOLD"
    assert _batch_verdicts(client, keys) == ["HOLD"]
    assert _timeline_verdict(client, keys) == "HOLD"
    hit = client.post("/api/screen", json={"name": "Saigon Compute"}, headers=h(keys.analyst)).json()["hits"][0]
    review = {
        "party_name": "Saigon Compute",
        "entry_id": hit["entry_id"],
        "entry_hash": hit["entry_hash"],
        "decision": "not_a_match",
        "reason": "a Japanese firm",
    }
    assert client.post("/api/screen/reviews", json=review, headers=h(keys.approver)).status_code == 200
    assert client.post("/api/check", json=LINE, headers=h(keys.analyst)).json()["verdict"] == "NLR"
    assert _batch_verdicts(client, keys) == ["NLR"]
    assert _timeline_verdict(client, keys) == "NLR"
