"""Audit A12 through the HTTP API (a fresh SQLite ledger): a DPL order counts from its own effective date, and a
hyphenated spelling of a listed name is screened (both NLR before)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from .conftest import Keys, h


def _check(client: TestClient, keys: Keys, name: str, country: str, ship_date: str) -> dict[str, object]:
    party = {"role": "end_user", "name": name, "country": country, "headquarters_country": country}
    body = {"item": "H100", "destination": country, "ship_date": ship_date, "parties": [party]}
    r = client.post("/api/check", json=body, headers=h(keys.analyst))
    assert r.status_code == 200, r.text
    return dict(r.json())


def test_dpl_order_effective_before_its_notice(client: TestClient, keys: Keys) -> None:
    # effective 2020-03-11 per the DPL, notice 85 FR 52312 of 2020-08-25: NLR on 2020-06-01 before
    d = _check(client, keys, "Nordic Maritime Pte. Ltd.", "SG", "2020-06-01")
    assert d["verdict"] == "PROHIBITED"
    assert any("in force from 2020-03-11" in str(r["detail"]) for r in d["reasons"])  # type: ignore[attr-defined]
    assert _check(client, keys, "Nordic Maritime Pte. Ltd.", "SG", "2020-03-01")["verdict"] != "PROHIBITED"


def test_hyphenated_spelling_of_a_listed_name(client: TestClient, keys: Keys) -> None:
    r = client.post("/api/screen", json={"name": "Limited-Liability Company Eliars"}, headers=h(keys.analyst))
    assert r.status_code == 200, r.text
    assert {hit["name"] for hit in r.json()["hits"] if hit["score"] == 1.0} >= {"Limited Liability Company Eliars"}
