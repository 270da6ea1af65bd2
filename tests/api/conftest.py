"""An app on a fresh SQLite ledger, with one user per role."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from fastapi.testclient import TestClient

from chipclear.api import create_app
from chipclear.ledger import open_ledger, users


@dataclass
class Keys:
    admin: str
    approver: str
    analyst: str
    viewer: str


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'ledger.db'}"


@pytest.fixture
def keys(db_url: str) -> Keys:
    ledger = open_ledger(db_url)
    try:
        with ledger.session() as s:
            admin, admin_key = users.create_user(s, "alice", "admin", None)
            made = {
                role: users.create_user(s, name, role, admin)[1]
                for name, role in (("bob", "approver"), ("carol", "analyst"), ("dave", "viewer"))
            }
    finally:
        ledger.close()
    return Keys(admin_key, made["approver"], made["analyst"], made["viewer"])


@pytest.fixture
def client(db_url: str, keys: Keys) -> Iterator[TestClient]:
    with TestClient(create_app(db_url)) as c:
        yield c


def h(key: str) -> dict[str, str]:
    return {"X-API-Key": key}


def review_first_hit(client: TestClient, keys: Keys, party: dict[str, str], decision: str) -> None:
    """An approver's review (``decision``) of the first hit of ``party`` (name, country), through the API."""
    hit = client.post("/api/screen", json=party, headers=h(keys.analyst)).json()["hits"][0]
    review = {
        "party_name": party["name"],
        "country": party["country"],
        "entry_id": hit["entry_id"],
        "entry_hash": hit["entry_hash"],
        "decision": decision,
        "reason": "different registration number and address",
    }
    assert client.post("/api/screen/reviews", json=review, headers=h(keys.approver)).status_code == 200


def granted(client: TestClient, keys: Keys, application: dict[str, Any], grant: dict[str, Any]) -> None:
    """An analyst's application and an approver's grant of it (``grant``: the license's terms), through the API."""
    made = client.post("/api/applications", json=application, headers=h(keys.analyst))
    assert made.status_code == 201, made.text
    r = client.post(f"/api/applications/{made.json()['id']}/grant", json=grant, headers=h(keys.approver))
    assert r.status_code == 201, r.text


def sign_in(client: TestClient, key: str) -> None:
    """Sign the test client in to the console (a session cookie, chipclear.ledger.sessions)."""
    r = client.post("/login", data={"key": key, "next": "/check"}, follow_redirects=False)
    assert r.status_code == 303, r.text


@pytest.fixture(autouse=True)
def _recorded_on_the_ship_date(monkeypatch: pytest.MonkeyPatch) -> None:
    """These flows record each shipment when it ships (their dates are in 2025): pin the ledger's clock before
    them so they are not historical entries. tests/ledger/test_historical.py uses the real clock."""
    import datetime as _dt

    from chipclear.ledger import shipments as _shipments

    monkeypatch.setattr(_shipments, "today", lambda: _dt.date(2020, 1, 1))
    # and not "after today" either (a line dated after the recording day is held: test_future_ship_dates)
    monkeypatch.setattr(_shipments, "latest_ship_day", lambda: _dt.date(2100, 1, 1))


def threads_counted(monkeypatch: pytest.MonkeyPatch, module: ModuleType) -> list[str]:
    """The names of the functions ``module`` hands to a worker thread (its ``run_in_threadpool``), from now on."""
    calls: list[str] = []
    real = module.run_in_threadpool

    async def counted(fn: Any, *args: Any) -> Any:
        calls.append(getattr(fn, "__name__", "?"))
        return await real(fn, *args)

    monkeypatch.setattr(module, "run_in_threadpool", counted)
    return calls
