"""Identifiers that cannot pass for one another (an audit of 2026-12-07): a license numbered ``L 1\\u200b`` (a
zero-width space: shown as ``L 1``) was granted, and a user ``Аdmin`` (a Cyrillic А) was created beside ``admin``.
An identifier holds no control or format character at any door (``chipclear.bounds.no_hidden``); a user name is in
one script and does not equal another's after NFKC and case folding (``chipclear.ledger.usernames``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from chipclear.cli import app as cli_app

from .conftest import Keys, h, sign_in
from .test_grant_dates import _application

ORIGIN = {"Origin": "http://testserver"}
ZWSP = "U+200B, zero width space"


def _grant(client: TestClient, keys: Keys, number: str) -> Any:
    app_id = _application(client, keys).json()["id"]
    body = {"number": number, "valid_from": "2025-08-01", "valid_to": "2027-01-01"}
    return client.post(f"/api/applications/{app_id}/grant", json=body, headers=h(keys.approver))


@pytest.mark.parametrize(("number", "named"), [("L 1\u200b", ZWSP), ("L\u202e1", "U+202E"), ("L\t1", "U+0009")])
def test_the_api_refuses_a_license_number_holding_a_hidden_character(
    client: TestClient, keys: Keys, number: str, named: str
) -> None:
    r = _grant(client, keys, number)
    assert r.status_code == 422, r.text
    assert r.json()["error"]["field"] == "number" and named in r.json()["error"]["message"], r.text
    assert client.get("/api/licenses", headers=h(keys.viewer)).json() == []


def test_a_license_number_with_an_ordinary_space_is_still_granted(client: TestClient, keys: Keys) -> None:
    assert _grant(client, keys, "L 1").status_code == 201


def test_the_console_grant_form_refuses_it(client: TestClient, keys: Keys) -> None:
    app_id = _application(client, keys).json()["id"]
    sign_in(client, keys.approver)
    form = {"number": "C 1\u200b", "valid_from": "2025-08-01", "valid_to": "2027-01-01", "quantity_limit": "10"}
    r = client.post(f"/applications/{app_id}/grant", data=form, headers=ORIGIN)
    assert r.status_code == 422 and ZWSP in r.text, r.text[:2000]
    assert client.get("/api/licenses", headers=h(keys.viewer)).json() == []


def test_the_cli_refuses_it_with_exit_2(
    client: TestClient, keys: Keys, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHIPCLEAR_DATABASE_URL", db_url)
    app_id = _application(client, keys).json()["id"]
    args = ["license", "grant", str(app_id), "--number", "L 1\u200b"]
    out = CliRunner().invoke(
        cli_app,
        [*args, "--valid-from", "2025-08-01", "--valid-to", "2027-01-01"],
        env={"CHIPCLEAR_API_KEY": keys.approver},
    )
    assert out.exit_code == 2, out.output
    assert out.output.startswith("chipclear: error: --number: must not contain an invisible control, format"), (
        out.output
    )
    assert ZWSP in out.output


def test_the_api_refuses_an_order_id_or_reference_holding_a_hidden_character(client: TestClient, keys: Keys) -> None:
    line = {"item": "L20", "quantity": 1, "destination": "DE", "ship_date": "2025-05-01", "order_id": "SO-1\u2060"}
    r = client.post("/api/shipments", json={"lines": [line]}, headers=h(keys.analyst))
    assert r.status_code == 422 and r.json()["error"]["field"] == "lines.0.order_id", r.text
    line["order_id"] = "SO-1"
    r = client.post("/api/shipments", json={"lines": [line], "reference": "R\u200b"}, headers=h(keys.analyst))
    assert r.status_code == 422 and r.json()["error"]["field"] == "reference", r.text


def test_batch_makes_an_order_id_with_a_hidden_character_a_bad_row(tmp_path: Path) -> None:
    book = tmp_path / "orders.csv"
    book.write_text("order_id,item,destination,ship_date\nSO-1,L20,DE,2025-05-01\nSO-2\u200b,L20,DE,2025-05-01\n")
    out = tmp_path / "d.parquet"
    result = CliRunner().invoke(cli_app, ["batch", str(book), "--out", str(out), "--no-screening", "--quiet"])
    assert result.exit_code == 0, result.output
    assert pl.read_parquet(out)["row"].to_list() == [1]
    bad = pl.read_csv(tmp_path / "d.bad-rows.csv", infer_schema=False)
    assert bad["row"].to_list() == ["2"]
    assert (
        bad["reason"][0] == f"order_id: must not contain an invisible control, format or separator character ({ZWSP})"
    )
    assert bad["order_id"][0] == "SO-2\\u200b"


@pytest.mark.parametrize(
    ("name", "status", "message"),
    [
        ("\u0410dmin", 422, "name: '\u0410dmin' mixes scripts (Cyrillic (U+0410 CYRILLIC CAPITAL LETTER A), Latin"),
        ("ADMIN", 409, "name: 'ADMIN' reads as the existing user 'alice'"),
        ("\uff41lice", 409, "reads as the existing user 'alice'"),
        ("al\u200bice", 422, f"must not contain an invisible control, format or separator character ({ZWSP})"),
    ],
)
def test_the_api_refuses_a_user_name_that_passes_for_another(
    client: TestClient, keys: Keys, name: str, status: int, message: str
) -> None:
    if name == "ADMIN":  # beside a user named admin
        assert client.post("/api/users", json={"name": "admin", "role": "viewer"}, headers=h(keys.admin)).is_success
        message = message.replace("alice", "admin")
    before = len(client.get("/api/users", headers=h(keys.admin)).json())
    r = client.post("/api/users", json={"name": name, "role": "admin"}, headers=h(keys.admin))
    assert r.status_code == status and r.json()["error"]["field"] == "name", r.text
    assert message in r.json()["error"]["message"], r.text
    assert len(client.get("/api/users", headers=h(keys.admin)).json()) == before


@pytest.mark.parametrize("name", ["山田太郎", "やまだ 山田 Taro", "Björn Ångström", "Ελένη", "Дмитрий"])
def test_a_name_in_one_writing_system_is_created(client: TestClient, keys: Keys, name: str) -> None:
    r = client.post("/api/users", json={"name": name, "role": "viewer"}, headers=h(keys.admin))
    assert r.status_code == 201, r.text


def test_the_cli_refuses_the_cyrillic_admin_beside_admin(
    client: TestClient, keys: Keys, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHIPCLEAR_DATABASE_URL", db_url)
    env = {"CHIPCLEAR_API_KEY": keys.admin}
    assert CliRunner().invoke(cli_app, ["user", "add", "admin", "--role", "viewer"], env=env).exit_code == 0
    out = CliRunner().invoke(cli_app, ["user", "add", "\u0410dmin", "--role", "admin"], env=env)
    assert out.exit_code == 2 and out.output.startswith("chipclear: error: NAME: '\u0410dmin' mixes scripts"), (
        out.output
    )
