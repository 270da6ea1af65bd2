"""The license reads of the API (chipclear.api.deps.read): served on the event loop from SQLite's driver when the read
is quick, in a worker thread otherwise, with the same answer either way."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from chipclear.api import deps
from chipclear.ledger import licenses as ledger_licenses
from chipclear.ledger import open_ledger, reads, users, views
from chipclear.ledger.reads import NotQuick, QuickReads
from chipclear.ledger.users import SystemActor

from .conftest import Keys, h, threads_counted

H20_CN = {"item": "H20", "destination": "CN", "ship_date": "2025-06-01", "value_usd": 1000.0}
PARTY = {"name": "Example Cloud Services Ltd", "role": "end_user", "country": "CN"}


@pytest.fixture
def licensed(client: TestClient, keys: Keys) -> TestClient:
    """License D100 (100 units), used by three shipments of 10, 20 and 5; license D200 unused."""
    for number in ("D100", "D200"):
        app = client.post(
            "/api/applications",
            json={"items": ["nvidia-h20"], "destinations": ["CN"], "parties": [PARTY], "quantity": 100},
            headers=h(keys.analyst),
        ).json()
        client.post(
            f"/api/applications/{app['id']}/submit",
            json={"application_number": f"Z{number}", "submitted_on": "2025-01-02"},
            headers=h(keys.analyst),
        )
        grant = {"number": number, "valid_from": "2025-04-20", "valid_to": "2027-04-19", "quantity_limit": 100}
        assert client.post(f"/api/applications/{app['id']}/grant", json=grant, headers=h(keys.approver)).is_success
    for quantity in (10, 20, 5):
        line = {**H20_CN, "quantity": quantity, "parties": [PARTY]}
        body = {"lines": [line], "license_number": "D100"}
        shipped = client.post("/api/shipments", json=body, headers=h(keys.analyst)).json()
        assert shipped["lines"][0]["status"] == "shipped", shipped
    return client


def orm_answers(db_url: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The answers of the ORM path the routes took before: license_json and usage_json of the ORM rows."""
    ledger = open_ledger(db_url)
    actor = SystemActor("test", "viewer")
    try:
        with ledger.session() as s:
            lic = ledger_licenses.get_license(s, actor, "D100")
            detail = ledger_licenses.license_json(lic)
            detail["usage"] = [views.usage_json(u) for u in ledger_licenses.license_usage(s, actor, lic)]
            listed = [ledger_licenses.license_json(x) for x in ledger_licenses.list_licenses(s, actor)]
    finally:
        ledger.close()
    return detail, listed


def test_reads_are_served_on_the_event_loop_as_the_orm_answered(
    licensed: TestClient, keys: Keys, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    detail, listed = orm_answers(db_url)
    licensed.get("/api/licenses", headers=h(keys.viewer))  # the ledger is open by now in any case
    threads = threads_counted(monkeypatch, deps)
    got = licensed.get("/api/licenses/D100", headers=h(keys.viewer))
    assert got.status_code == 200 and got.json() == detail
    assert [u["quantity"] for u in detail["usage"]] == [10, 20, 5] and detail["quantity_left"] == 65
    assert licensed.get("/api/licenses", headers=h(keys.viewer)).json() == listed
    assert threads == []  # both quick


def test_a_read_too_long_for_the_event_loop_runs_in_a_thread(
    licensed: TestClient, keys: Keys, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    detail, _ = orm_answers(db_url)
    licensed.get("/api/licenses", headers=h(keys.viewer))
    monkeypatch.setattr(reads, "QUICK_READ_ROWS", 2)  # D100 has three usage rows
    threads = threads_counted(monkeypatch, deps)
    got = licensed.get("/api/licenses/D100", headers=h(keys.viewer))
    assert got.status_code == 200 and got.json() == detail  # every row, read again in a thread
    assert threads == ["in_thread"]
    assert licensed.get("/api/licenses/D200", headers=h(keys.viewer)).json()["usage"] == []
    assert threads == ["in_thread"]  # no usage rows: quick


def test_a_busy_file_is_read_in_a_thread(
    licensed: TestClient, keys: Keys, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    detail, _ = orm_answers(db_url)

    def busy(self: QuickReads) -> Any:
        raise NotQuick("the database is busy")

    monkeypatch.setattr(QuickReads, "transaction", busy)
    threads = threads_counted(monkeypatch, deps)
    assert licensed.get("/api/licenses/D100", headers=h(keys.viewer)).json() == detail
    assert threads == ["in_thread"]


def test_quick_reads_check_the_key_each_time(licensed: TestClient, keys: Keys, db_url: str) -> None:
    assert licensed.get("/api/licenses/D100", headers=h(keys.viewer)).status_code == 200
    assert licensed.get("/api/licenses/D100", headers=h("cc_not-a-key")).status_code == 403
    assert licensed.get("/api/licenses/D100").status_code == 401
    missing = licensed.get("/api/licenses/D999", headers=h(keys.viewer))
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    ledger = open_ledger(db_url)  # the viewer's key is rotated (the CLI's `chipclear user rotate-key`)
    try:
        with ledger.session() as s:
            users.rotate_key(s, "dave", SystemActor("alice", "admin"))
    finally:
        ledger.close()
    assert licensed.get("/api/licenses/D100", headers=h(keys.viewer)).status_code == 403
