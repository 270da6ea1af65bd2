"""POST /api/check at memory speed (issue 16 part 3) gives the interpreter's answers: decided from the compiled
table with cached screening answers, recorded by the group commit's writer thread, with the ledger's reviews
applied (a review recorded after the server last read them is never missed) and keys checked at every commit."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from fastapi.testclient import TestClient

from chipclear.decision import OrderLine
from chipclear.determination import determine
from chipclear.ledger import open_ledger
from chipclear.ledger.checks import ledger_aware
from chipclear.ledger.models import User

from .conftest import Keys, h, review_first_hit

MOORE = {"name": "Moore Threads Technology", "country": "CN"}
LINES: list[dict[str, Any]] = [
    {"item": "H20", "quantity": 8, "destination": "CN", "ship_date": "2025-05-01"},
    {"item": "H20", "quantity": 1, "destination": "CN", "ship_date": "2025-03-01"},
    {"item": "H100", "quantity": 2, "destination": "AE", "ship_date": "2026-07-01"},
    {
        "item": "RTX 4090",
        "quantity": 1,
        "destination": "DE",
        "ship_date": "2025-05-01",
        "parties": [MOORE | {"role": "end_user"}],
    },
    {
        "item": "H20",
        "quantity": 1,
        "destination": "CN",
        "ship_date": "2025-05-01",
        "parties": [
            {"name": "Example Trading Co., Ltd.", "role": "end_user", "country": "CN", "headquarters_country": "CN"}
        ],
    },
    {"item": "A100", "quantity": 1, "destination": "CN", "ship_date": "2022-09-15"},
    {
        "item": "L20",
        "quantity": 1,
        "destination": "CN",
        "ship_date": "2024-06-01",
        "parties": [{"name": "Sophgo Technologies Ltd.", "role": "end_user", "country": "CN"}],
    },
]
STAMPS = ("actor", "decided_at")


def _without_stamps(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k not in STAMPS}


@pytest.mark.parametrize("body", LINES, ids=lambda b: f"{b['item']}-{b['destination']}-{b['ship_date']}")
def test_api_check_equals_the_interpreter(client: TestClient, keys: Keys, body: dict[str, Any]) -> None:
    for _ in range(2):  # the second answer comes from the table row and the screening cache the first one filled
        r = client.post("/api/check", json=body, headers=h(keys.analyst))
        assert r.status_code == 200, r.text
        line = OrderLine.model_validate(body)
        expected, _ = ledger_aware(determine(line, as_of=dt.date.fromisoformat(body["ship_date"])), line, [])
        assert _without_stamps(r.json()) == _without_stamps(expected.to_json())
        assert r.json()["actor"] == "carol"


def _review(client: TestClient, keys: Keys, decision: str) -> None:
    review_first_hit(client, keys, MOORE, decision)


def test_a_review_recorded_after_the_last_check_applies_to_the_next(client: TestClient, keys: Keys) -> None:
    """The server decides with the reviews it last read; the writer thread sees the ledger's newer review and
    decides the line again, so the not-a-match review suppresses the hit at once (issue 12: one review store)."""
    line = LINES[3]
    before = client.post("/api/check", json=line, headers=h(keys.analyst)).json()
    assert not any("suppressed by review" in r["detail"] for r in before["reasons"])
    _review(client, keys, "not_a_match")
    after = client.post("/api/check", json=line, headers=h(keys.analyst)).json()
    assert any("suppressed by review" in r["detail"] and "bob" in r["detail"] for r in after["reasons"]), after
    assert _without_stamps(after)["reasons"] != _without_stamps(before)["reasons"]


def test_a_revoked_key_is_refused_at_the_next_check(client: TestClient, keys: Keys, db_url: str) -> None:
    assert client.post("/api/check", json=LINES[0], headers=h(keys.analyst)).status_code == 200
    ledger = open_ledger(db_url)
    try:
        with ledger.session() as s:
            carol = s.query(User).filter_by(name="carol").one()
            carol.active = False
    finally:
        ledger.close()
    r = client.post("/api/check", json=LINES[0], headers=h(keys.analyst))
    assert r.status_code == 403 and "API key is not valid" in r.text, r.text
    viewer = client.post("/api/check", json=LINES[0], headers=h(keys.viewer))  # a viewer may not check
    assert viewer.status_code == 403 and "API key is not valid" not in viewer.text


def test_checks_are_audited_one_record_each(client: TestClient, keys: Keys) -> None:
    for body in LINES[:3]:
        assert client.post("/api/check", json=body, headers=h(keys.analyst)).status_code == 200
    export = client.get("/api/audit/export", headers=h(keys.admin))
    import json

    records = [json.loads(x)["record"] for x in export.text.splitlines() if x.strip()]
    assert [r["action"] for r in records].count("check") == 3
    assert client.get("/api/audit/verify", headers=h(keys.admin)).json()["ok"] is True


@pytest.mark.parametrize("path", ["/api/check", "/api/shipments"])
def test_after_a_list_update_the_new_screener_is_built_off_the_event_loop(
    client: TestClient, keys: Keys, monkeypatch: pytest.MonkeyPatch, path: str
) -> None:
    """Building the screener of a new list takes seconds: on the event loop, every request (health too) waited."""
    import asyncio
    import time

    from chipclear.api import group_commit
    from chipclear.screening import reset_default_screener

    decider = client.app.state.group_commit.decider  # type: ignore[attr-defined]
    deadline = time.monotonic() + 120
    while not decider.ready and time.monotonic() < deadline:
        time.sleep(0.1)
    assert decider.ready
    line = LINES[0]
    body = line if path == "/api/check" else {"lines": [line]}
    assert client.post(path, json=body, headers=h(keys.analyst)).status_code in (200, 201)
    reset_default_screener()  # what a list update does to the screener in use: the next lookup builds another
    decider._screener = None  # and the decider's once-a-second lookup is due
    on_loop: list[bool] = []
    real = group_commit.default_screener

    def recorded() -> Any:
        try:
            asyncio.get_running_loop()
            on_loop.append(True)
        except RuntimeError:
            on_loop.append(False)
        return real()

    monkeypatch.setattr(group_commit, "default_screener", recorded)
    r = client.post(path, json=body, headers=h(keys.analyst))
    assert r.status_code in (200, 201), r.text
    assert on_loop and not any(on_loop)
