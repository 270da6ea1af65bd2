"""A shipment dated far in the future is refused at every door (an audit of 2026-12-07 recorded one dated
9999-12-31): the rules, lists and licenses of that day are unknown. Within a year of today a later line is still
recorded, and held until its day (test_release_dates)."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from chipclear.cli import app as cli_app
from chipclear.ledger import shipments as ledger_shipments

from .conftest import Keys, h, sign_in
from .test_hostile_input import counts
from .test_release_dates import CLEAN

TODAY = dt.date(2026, 12, 7)
ORIGIN = {"Origin": "http://testserver"}
REFUSED = "ship_date: 9999-12-31 is more than 366 days after today (the latest is 2027-12-09)"


@pytest.fixture(autouse=True)
def _clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ledger_shipments, "today", lambda: TODAY)
    monkeypatch.setattr(ledger_shipments, "latest_ship_day", lambda: TODAY + dt.timedelta(days=1))


def _line(ship_date: str) -> dict[str, object]:
    return {"item": "L20", "quantity": 1, "destination": "DE", "ship_date": ship_date, "parties": [CLEAN]}


def test_the_api_refuses_a_shipment_dated_past_the_horizon(client: TestClient, keys: Keys, db_url: str) -> None:
    before = counts(db_url)
    r = client.post("/api/shipments", json={"lines": [_line("9999-12-31")]}, headers=h(keys.analyst))
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert REFUSED in error["message"] and error["field"].endswith("ship_date"), r.text
    assert counts(db_url) == before


def test_the_last_day_of_the_horizon_is_recorded_and_held(client: TestClient, keys: Keys) -> None:
    r = client.post("/api/shipments", json={"lines": [_line("2027-12-09")]}, headers=h(keys.analyst))
    assert r.status_code == 201, r.text
    assert r.json()["lines"][0]["status"] == "held"
    late = client.post("/api/shipments", json={"lines": [_line("2027-12-10")]}, headers=h(keys.analyst))
    assert late.status_code == 422 and "ship_date: 2027-12-10 is more than 366 days" in late.text


def test_the_cli_refuses_it_with_exit_2(
    client: TestClient, keys: Keys, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHIPCLEAR_DATABASE_URL", db_url)
    before = counts(db_url)
    args = ["ship", "--item", "L20", "--destination", "DE", "--ship-date", "9999-12-31"]
    out = CliRunner().invoke(cli_app, args, env={"CHIPCLEAR_API_KEY": keys.analyst})
    assert out.exit_code == 2, out.output
    said = REFUSED.replace("ship_date: ", "--ship-date: ")  # the CLI names the option typed (the API: ship_date)
    assert out.output.startswith(f"chipclear: error: {said}"), out.output
    assert counts(db_url) == before


def test_the_console_refuses_it(client: TestClient, keys: Keys, db_url: str) -> None:
    sign_in(client, keys.analyst)
    before = counts(db_url)
    line = '{"item":"L20","quantity":1,"destination":"DE","ship_date":"9999-12-31"}'
    r = client.post("/shipments", data={"order_line": line}, headers=ORIGIN, follow_redirects=False)
    assert r.status_code == 422, r.text
    assert REFUSED in r.text
    assert counts(db_url) == before


def test_a_release_cannot_redate_a_line_past_the_horizon(
    client: TestClient, keys: Keys, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHIPCLEAR_DATABASE_URL", db_url)
    r = client.post("/api/shipments", json={"lines": [_line("2026-12-20")]}, headers=h(keys.analyst))
    held = r.json()["lines"][0]
    assert held["status"] == "held", r.text
    args = ["hold", "release", str(held["line_id"]), "--reason", "x", "--ship-date", "9999-12-31"]
    out = CliRunner().invoke(cli_app, args, env={"CHIPCLEAR_API_KEY": keys.approver})
    said = REFUSED.replace("ship_date: ", "--ship-date: ")
    assert out.exit_code == 2 and out.output.startswith(f"chipclear: error: {said}"), out.output
    assert client.get(f"/api/shipment-lines/{held['line_id']}", headers=h(keys.viewer)).json()["status"] == "held"
