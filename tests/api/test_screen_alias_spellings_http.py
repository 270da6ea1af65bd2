"""``POST /api/screen`` and ``POST /api/check`` find real spellings of listed aliases that were missed until
2026-12-08 (tests/screening/test_alias_spellings.py): the rules live in the engine every door calls."""

from __future__ import annotations

from fastapi.testclient import TestClient

from .conftest import Keys, h


def test_screen_finds_a_number_written_in_words(client: TestClient, keys: Keys) -> None:
    r = client.post("/api/screen", json={"name": "AO Zavod No. Nine"}, headers=h(keys.analyst))
    assert r.status_code == 200, r.text
    assert "EL-6b808a0566" in {x["entry_id"] for x in r.json()["hits"] if x["determination"] == "match"}


def test_check_holds_a_name_whose_apostrophes_were_typed_as_spaces(client: TestClient, keys: Keys) -> None:
    party = {"name": "Xi an Int l Logistics Co Ltd", "role": "end_user", "country": "CN"}
    line = {"item": "H100", "quantity": 1, "destination": "CN", "ship_date": "2025-06-02", "parties": [party]}
    d = client.post("/api/check", json=line, headers=h(keys.analyst)).json()
    assert d["verdict"] != "NLR"
    assert any(x["determination"] == "match" for x in d["screening"]), d["screening"]
