"""An application or a license names items that exist (an audit of 2026-12-07: an application for the item "nope"
was accepted): an ECCN, or a part, system or AI model of the catalogs; anything else is refused naming the item."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from chipclear.cli import app as cli_app
from chipclear.errors import InputError
from chipclear.ledger import licenses as ledger_licenses
from chipclear.ledger import open_ledger
from chipclear.ledger.users import SystemActor

from .conftest import Keys, h
from .test_grant_dates import APP

UNKNOWN = "items[0]: unknown item 'nope': name a catalog part or system, an AI model, or an ECCN such as 3A090"


def test_the_api_refuses_an_application_for_an_unknown_item(client: TestClient, keys: Keys) -> None:
    r = client.post("/api/applications", json={**APP, "items": ["nope"]}, headers=h(keys.analyst))
    assert r.status_code == 422, r.text
    assert r.json()["error"]["field"] == "items[0]" and r.json()["error"]["message"].startswith(UNKNOWN), r.text
    assert client.get("/api/applications", headers=h(keys.viewer)).json() == []


@pytest.mark.parametrize("item", ["H20", "nvidia-h20", "3A090", "3a090.a", "4A090"])
def test_a_catalog_item_or_an_eccn_is_applied_for(client: TestClient, keys: Keys, item: str) -> None:
    r = client.post("/api/applications", json={**APP, "items": [item]}, headers=h(keys.analyst))
    assert r.status_code == 201, r.text


def test_a_grant_cannot_name_an_unknown_item_either(client: TestClient, keys: Keys, db_url: str) -> None:
    # no door passes a grant's own items today; the service refuses them as it refuses an application's
    body = {**APP, "application_number": "Z1", "submitted_on": "2025-07-15"}
    app_id = client.post("/api/applications", json=body, headers=h(keys.analyst)).json()["id"]
    ledger = open_ledger(db_url)
    try:
        with pytest.raises(InputError) as refused, ledger.session() as s:
            ledger_licenses.grant_license(
                s,
                SystemActor("bob", "approver"),
                app_id,
                number="L1",
                valid_from=dt.date(2025, 8, 1),
                valid_to=dt.date(2027, 1, 1),
                quantity_limit=5,
                items=["H20", "nope"],
            )
    finally:
        ledger.close()
    assert refused.value.field == "items[1]" and "unknown item 'nope'" in refused.value.message
    assert client.get("/api/licenses", headers=h(keys.viewer)).json() == []


def test_the_cli_refuses_it_with_exit_2(
    client: TestClient, keys: Keys, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHIPCLEAR_DATABASE_URL", db_url)
    args = ["license", "apply", "--item", "nope", "--destination", "CN", "--end-user", "E"]
    out = CliRunner().invoke(cli_app, args, env={"CHIPCLEAR_API_KEY": keys.analyst})
    said = UNKNOWN.replace("items[0]: ", "--item: ")  # the CLI names the option typed (the API: items[0])
    assert out.exit_code == 2 and out.output.startswith(f"chipclear: error: {said}"), out.output
    assert client.get("/api/applications", headers=h(keys.viewer)).json() == []
