"""Ship dates a release cannot take (a door audit of 2026-12-06): a held line moved back before its ship date (an
Entity List line released for a day before the listing, unmarked as historical), and a line dated after today,
which is decided on today's rules and lists and would draw a license not yet valid."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from chipclear.cli import app as cli_app
from chipclear.ledger import shipments as ledger_shipments

from .conftest import Keys, h

TODAY = dt.date(2026, 12, 6)
SOPHGO = {"name": "Sophgo Technologies Ltd.", "role": "end_user", "country": "CN", "headquarters_country": "CN"}
CLEAN = {"name": "Example Trading GmbH", "role": "end_user", "country": "DE", "headquarters_country": "DE"}


@pytest.fixture(autouse=True)
def _clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ledger_shipments, "today", lambda: TODAY)
    monkeypatch.setattr(ledger_shipments, "latest_ship_day", lambda: TODAY)


def _ship(client: TestClient, key: str, line: dict[str, Any]) -> dict[str, Any]:
    r = client.post("/api/shipments", json={"lines": [line]}, headers=h(key))
    assert r.status_code == 201, r.text
    return dict(r.json()["lines"][0])


def test_a_release_cannot_move_a_held_line_back_before_its_ship_date(
    client: TestClient, keys: Keys, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    line = {"item": "RTX 4090 D", "quantity": 20, "destination": "CN", "ship_date": "2026-12-06", "parties": [SOPHGO]}
    held = _ship(client, keys.analyst, line)
    assert (held["status"], held["verdict"]) == ("held", "LICENSE_REQUIRED")
    monkeypatch.setenv("CHIPCLEAR_DATABASE_URL", db_url)
    args = ["hold", "release", str(held["line_id"]), "--reason", "x", "--ship-date", "2025-01-10"]
    out = CliRunner().invoke(cli_app, args, env={"CHIPCLEAR_API_KEY": keys.approver})
    assert out.exit_code == 2, out.output
    assert out.output.startswith(
        "chipclear: error: --ship-date: 2025-01-10 is before the held line's ship date 2026-12-06"
    ), out.output
    assert client.get(f"/api/shipment-lines/{held['line_id']}", headers=h(keys.viewer)).json()["status"] == "held"


def test_a_line_dated_after_today_is_held_until_its_day(
    client: TestClient, keys: Keys, monkeypatch: pytest.MonkeyPatch
) -> None:
    line = {"item": "L20", "quantity": 1, "destination": "DE", "ship_date": "2026-12-20", "parties": [CLEAN]}
    held = _ship(client, keys.analyst, line)
    assert (held["status"], held["verdict"]) == ("held", "NLR")
    assert held["decision"]["reasons"][-1]["detail"] == (
        "held: is dated 2026-12-20, after today: it is decided again and released when it ships"
    )
    r = client.post(f"/api/holds/{held['line_id']}/release", json={"reason": "early"}, headers=h(keys.approver))
    assert r.status_code == 409 and "is dated 2026-12-20, after today" in r.text
    # on its day it is released
    monkeypatch.setattr(ledger_shipments, "today", lambda: dt.date(2026, 12, 20))
    monkeypatch.setattr(ledger_shipments, "latest_ship_day", lambda: dt.date(2026, 12, 20))
    r = client.post(f"/api/holds/{held['line_id']}/release", json={"reason": "shipped"}, headers=h(keys.approver))
    assert r.status_code == 200 and r.json()["status"] == "released", r.text


def test_a_line_booked_for_a_later_day_can_be_brought_forward_to_today(
    client: TestClient, keys: Keys, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a regression check (2026-12-06): shipping earlier than booked is routine; only a move into the past is refused
    monkeypatch.setenv("CHIPCLEAR_DATABASE_URL", db_url)
    line = {"item": "L20", "quantity": 1, "destination": "DE", "ship_date": "2026-12-20", "parties": [CLEAN]}
    held = _ship(client, keys.analyst, line)
    assert held["status"] == "held"
    args = ["hold", "release", str(held["line_id"]), "--reason", "shipped early"]
    out = CliRunner().invoke(cli_app, [*args, "--ship-date", "2026-12-05"], env={"CHIPCLEAR_API_KEY": keys.approver})
    assert out.exit_code == 2 and "before the held line's ship date 2026-12-20" in out.output, out.output
    out = CliRunner().invoke(cli_app, [*args, "--ship-date", "2026-12-06"], env={"CHIPCLEAR_API_KEY": keys.approver})
    assert out.exit_code == 0 and "RELEASED" in out.output, out.output
