"""A replayed POST /api/shipments (an audit of 2026-12-07: the same request sent twice recorded two shipments and drew
the license twice). With an ``Idempotency-Key`` header the second request gets the first answer and records
nothing; the same key with another body is refused; keys survive a restart; two requests with one key at once
record one shipment (the ledger's unique constraint)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from chipclear.api import create_app
from chipclear.api.routers import shipments as shipments_router
from chipclear.ledger import open_ledger
from chipclear.ledger.models import IdempotencyRecord, Shipment

from .conftest import Keys, h

PARTY = {"name": "Example Cloud Services Ltd", "role": "end_user", "country": "CN"}
LINE = {"item": "H20", "destination": "CN", "ship_date": "2025-06-01", "quantity": 3, "parties": [PARTY]}


@pytest.fixture
def licensed(client: TestClient, keys: Keys) -> Iterator[TestClient]:
    """A license D100 for 100 H20 to the party, and a decider that is ready."""
    body = {"items": ["nvidia-h20"], "destinations": ["CN"], "parties": [PARTY], "quantity": 100}
    app = client.post("/api/applications", json=body, headers=h(keys.analyst)).json()
    submit = {"application_number": "Z1", "submitted_on": "2025-01-02"}
    assert client.post(f"/api/applications/{app['id']}/submit", json=submit, headers=h(keys.analyst)).is_success
    grant = {"number": "D100", "valid_from": "2025-04-20", "valid_to": "2027-04-19", "quantity_limit": 100}
    assert client.post(f"/api/applications/{app['id']}/grant", json=grant, headers=h(keys.approver)).is_success
    decider = client.app.state.group_commit.decider  # type: ignore[attr-defined]
    deadline = time.monotonic() + 120
    while not decider.ready and time.monotonic() < deadline:
        time.sleep(0.1)
    yield client


def _post(client: TestClient, keys: Keys, idem: str | None, lines: list[dict[str, Any]] | None = None) -> Any:
    headers = {**h(keys.analyst), **({"Idempotency-Key": idem} if idem is not None else {})}
    return client.post("/api/shipments", json={"lines": lines or [LINE]}, headers=headers)


def _stored(db_url: str) -> tuple[int, int]:
    ledger = open_ledger(db_url)
    try:
        with ledger.session() as s:
            return (
                s.execute(select(func.count()).select_from(Shipment)).scalar_one(),
                s.execute(select(func.count()).select_from(IdempotencyRecord)).scalar_one(),
            )
    finally:
        ledger.close()


def _used(client: TestClient, keys: Keys) -> int:
    return int(client.get("/api/licenses/D100", headers=h(keys.viewer)).json()["quantity_used"])


def test_a_replay_with_the_same_key_gets_the_first_answer_and_draws_nothing(
    licensed: TestClient, keys: Keys, db_url: str
) -> None:
    first = _post(licensed, keys, "order-42-try")
    assert first.status_code == 201 and first.json()["lines"][0]["status"] == "shipped", first.text
    assert "Idempotent-Replayed" not in first.headers
    again = _post(licensed, keys, "order-42-try")
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()  # the same shipment and line ids
    assert _used(licensed, keys) == 3 and _stored(db_url) == (1, 1)
    # without a key, a request sent twice is two shipments (as before: the key is the client's to give)
    assert _post(licensed, keys, None).status_code == _post(licensed, keys, None).status_code == 201
    assert _used(licensed, keys) == 9


def test_the_same_key_with_another_body_is_refused_naming_the_header(
    licensed: TestClient, keys: Keys, db_url: str
) -> None:
    assert _post(licensed, keys, "k-1").status_code == 201
    other = _post(licensed, keys, "k-1", [{**LINE, "quantity": 4}])
    assert other.status_code == 422, other.text
    error = other.json()["error"]
    assert error["field"] == "Idempotency-Key" and "'k-1' was already used for another request" in error["message"]
    assert _used(licensed, keys) == 3 and _stored(db_url) == (1, 1)


@pytest.mark.parametrize("bad", ["k\u200b1".encode(), b"", b"x" * 201])
def test_a_key_that_is_no_identifier_is_refused(licensed: TestClient, keys: Keys, db_url: str, bad: bytes) -> None:
    r = licensed.post("/api/shipments", json={"lines": [LINE]}, headers={**h(keys.analyst), "Idempotency-Key": bad})
    assert r.status_code == 422 and r.json()["error"]["field"] == "Idempotency-Key", r.text
    assert _stored(db_url) == (0, 0)


def test_keys_are_kept_per_user(licensed: TestClient, keys: Keys, db_url: str) -> None:
    assert _post(licensed, keys, "same").status_code == 201
    headers = {**h(keys.approver), "Idempotency-Key": "same"}
    r = licensed.post("/api/shipments", json={"lines": [LINE]}, headers=headers)
    assert r.status_code == 201 and "Idempotent-Replayed" not in r.headers
    assert _stored(db_url) == (2, 2)


def test_a_key_survives_a_restart(licensed: TestClient, keys: Keys, db_url: str) -> None:
    first = _post(licensed, keys, "before-restart").json()
    with TestClient(create_app(db_url)) as restarted:
        again = _post(restarted, keys, "before-restart")
        assert again.status_code == 201 and again.json() == first
    assert _stored(db_url) == (1, 1)


def test_two_requests_past_the_first_look_up_record_one_shipment(
    licensed: TestClient, keys: Keys, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # both requests look their key up before either is recorded (as two sent at once): the ledger's unique
    # constraint refuses the second, which is rolled back and answered from the first's record
    real = shipments_router.replayed
    looks: list[str] = []

    def late(session: Any, user: str, given: Any) -> Any:
        looks.append(given.key)
        return None if len(looks) <= 2 else real(session, user, given)

    monkeypatch.setattr(shipments_router, "replayed", late)
    first = _post(licensed, keys, "race")
    second = _post(licensed, keys, "race")
    assert (first.status_code, second.status_code) == (201, 201), second.text
    assert second.json() == first.json() and second.headers["Idempotent-Replayed"] == "true"
    assert len(looks) == 3 and _used(licensed, keys) == 3 and _stored(db_url) == (1, 1)


def test_requests_sent_at_once_with_one_key_record_one_shipment(licensed: TestClient, keys: Keys, db_url: str) -> None:
    start = threading.Barrier(4)
    answers: list[Any] = []

    def send() -> None:
        start.wait()
        answers.append(_post(licensed, keys, "burst"))

    threads = [threading.Thread(target=send) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert [a.status_code for a in answers] == [201] * 4, [a.text for a in answers]
    assert len({a.json()["shipment"]["id"] for a in answers}) == 1
    assert _used(licensed, keys) == 3 and _stored(db_url) == (1, 1)
