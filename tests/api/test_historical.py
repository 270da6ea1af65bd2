"""Historical entries (issue 13): a shipment recorded after its ship date is marked, needs an approver and is
decided under that date's rules; a date before the rule data's coverage is refused (API 4xx, CLI exit 2)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from typer.testing import CliRunner

from chipclear.cli import app as cli_app
from chipclear.ledger import open_ledger
from chipclear.ledger import shipments as ledger_shipments
from chipclear.ledger.models import AuditRecord, ShipmentLine
from chipclear.rules import load_rules

from .conftest import Keys, h

PAST = {"item": "H20", "quantity": 2, "destination": "CN", "ship_date": "2025-05-01"}


@pytest.fixture(autouse=True)
def _real_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ledger_shipments, "today", lambda: dt.date(2026, 12, 4))  # after 2025-05-01, as in reality


def written(db_url: str) -> tuple[int, int]:
    ledger = open_ledger(db_url)
    try:
        with ledger.session() as s:
            return (
                s.execute(select(func.count()).select_from(AuditRecord)).scalar_one(),
                s.execute(select(func.count()).select_from(ShipmentLine)).scalar_one(),
            )
    finally:
        ledger.close()


def test_a_past_ship_date_needs_an_approver_and_is_marked_and_decided_as_of_that_date(
    client: TestClient, keys: Keys, db_url: str
) -> None:
    before = written(db_url)
    refused = client.post("/api/shipments", json={"lines": [PAST]}, headers=h(keys.analyst))
    assert refused.status_code == 403 and "shipment.historical" in refused.json()["error"]["message"]
    assert written(db_url) == before
    r = client.post("/api/shipments", json={"lines": [PAST]}, headers=h(keys.approver))
    assert r.status_code == 201, r.text
    line = r.json()["lines"][0]
    assert line["historical"] is True
    assert line["decision"]["as_of"] == "2025-05-01" and line["verdict"] == "LICENSE_REQUIRED"
    assert line["decision"]["historical_entry"] == {"recorded_on": "2026-12-04", "approved_by": "bob"}
    assert client.get(f"/api/shipment-lines/{line['line_id']}", headers=h(keys.viewer)).json()["historical"] is True


def test_a_current_ship_date_is_not_historical(client: TestClient, keys: Keys) -> None:
    line = {**PAST, "ship_date": "2026-12-04"}
    r = client.post("/api/shipments", json={"lines": [line]}, headers=h(keys.analyst))
    assert r.status_code == 201, r.text
    assert r.json()["lines"][0]["historical"] is False


@pytest.mark.parametrize("date", ["0001-01-01", "1990-06-30"])
def test_a_date_before_the_rule_data_is_refused(client: TestClient, keys: Keys, db_url: str, date: str) -> None:
    assert dt.date.fromisoformat(date) < load_rules().coverage_start
    before = written(db_url)
    for path, body, field in (
        # a shipment's error names the line's field as the request does (lines.0.ship_date; audit item 9, 2026-12-07)
        ("/api/shipments", {"lines": [{**PAST, "ship_date": date}]}, "lines.0.ship_date"),
        ("/api/check", {**PAST, "ship_date": date}, "ship_date"),
    ):
        r = client.post(path, json=body, headers=h(keys.admin))
        assert r.status_code == 422, r.text
        assert r.json()["error"]["field"] == field and "coverage" in r.json()["error"]["message"]
    assert written(db_url) == before
    undated = {k: v for k, v in PAST.items() if k != "ship_date"}
    r = client.post("/api/check", json=undated, params={"as_of": date}, headers=h(keys.admin))
    assert r.status_code == 422 and r.json()["error"]["field"] == "ship_date"
    # as_of on a dated line must be its ship date (another day is refused before anything is decided)
    r = client.post("/api/check", json=PAST, params={"as_of": date}, headers=h(keys.admin))
    assert r.status_code == 422 and r.json()["error"]["field"] == "as_of"


def test_cli_ship_refuses_a_date_before_the_rule_data_with_exit_2(
    db_url: str, keys: Keys, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHIPCLEAR_DATABASE_URL", db_url)
    before = written(db_url)
    args = ["ship", "--item", "H20", "--destination", "CN", "--ship-date", "0001-01-01"]
    out = CliRunner().invoke(cli_app, args, env={"CHIPCLEAR_API_KEY": keys.admin})
    assert out.exit_code == 2, out.output
    assert "coverage" in out.output and len(out.output.strip().splitlines()) == 1
    assert written(db_url) == before
    past = ["ship", "--item", "H20", "--destination", "CN", "--ship-date", "2025-05-01", "--json"]
    refused = CliRunner().invoke(cli_app, past, env={"CHIPCLEAR_API_KEY": keys.analyst})
    assert refused.exit_code == 2 and "shipment.historical" in refused.output
    done = CliRunner().invoke(cli_app, past, env={"CHIPCLEAR_API_KEY": keys.approver})
    assert done.exit_code in (0, 1), done.output
    assert json.loads(done.output)[0]["decision"]["historical_entry"]["approved_by"] == "bob"
