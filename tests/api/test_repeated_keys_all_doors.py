"""A key or field given twice is refused naming it at every door, never read as its last value (an audit,
2026-12-07: ``{"name": "Moore Threads", "name": "Example GmbH"}`` in ``ship --file`` shipped NLR to an
Entity-Listed party; the console decided and audited ``destination=CN&destination=DE`` for DE)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from chipclear.cli import app
from chipclear.datafiles import json_loads, read_yaml
from chipclear.errors import DataFileError

from .conftest import Keys, sign_in
from .test_hostile_input import counts

ORIGIN = {"Origin": "http://testserver"}
LISTED = '{"name":"Moore Threads","name":"Example GmbH","role":"end_user","country":"DE","headquarters_country":"DE"}'


def test_the_shared_readers_refuse_a_repeated_key_naming_it() -> None:
    with pytest.raises(ValueError, match=r"key 'name' is given twice in one object"):
        json_loads('{"n\\u0061me": 1, "name": 2}')
    with pytest.raises(DataFileError, match=r"f.yaml: not valid YAML: line 3, column 1: key 'a' is given twice"):
        read_yaml("a: 1\nb: 2\na: 3\n", "f.yaml")
    assert read_yaml("base: &b {a: 1, b: 2}\nx:\n  <<: *b\n  a: 3\n", "f.yaml")["x"] == {"a": 3, "b": 2}


@pytest.mark.parametrize(
    ("name", "text", "needle"),
    [
        ("s7.json", f'[{{"item":"H100","quantity":8,"destination":"DE","parties":[{LISTED}]}}]', "'name'"),
        ("s2.jsonl", '{"item":"H100","quantity":8,"destination":"CN","destination":"DE"}\n', "'destination'"),
        ("s5.yaml", "item: H100\nquantity: 8\ndestination: CN\ndestination: DE\n", "'destination'"),
    ],
)
def test_ship_file_refuses_a_repeated_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, text: str, needle: str
) -> None:
    monkeypatch.setenv("CHIPCLEAR_DATABASE_URL", f"sqlite:///{tmp_path}/l.db")
    monkeypatch.setenv("CHIPCLEAR_STALE_LISTS_ON_SHIP", "ship")
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(app, ["ship", "--file", str(path)])
    assert result.exit_code == 2, result.output
    assert f"key {needle} is given twice in one" in result.output
    assert "SHIPPED" not in result.output


def test_ship_file_refuses_a_suffix_it_does_not_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHIPCLEAR_DATABASE_URL", f"sqlite:///{tmp_path}/l.db")
    path = tmp_path / "x.csv"
    path.write_text("item,quantity\nH100,8\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["ship", "--file", str(path)])
    assert result.exit_code == 2, result.output
    assert "give a .json, .jsonl or .yaml file of order lines (not .csv)" in result.output
    assert "Expecting value" not in result.output


@pytest.mark.parametrize(
    ("repeated", "field"),
    [
        ("destination=CN&destination=DE", "destination"),
        ("end_user=Moore+Threads&end_user=Example+GmbH", "end_user"),
        ("end_user_hq=CN&end_user_hq=DE", "end_user_hq"),
    ],
)
def test_console_check_refuses_a_repeated_field(
    client: TestClient, keys: Keys, db_url: str, repeated: str, field: str
) -> None:
    sign_in(client, keys.analyst)
    before = counts(db_url)
    base = {"item": "H100", "quantity": "8", "ship_date": "2024-06-01", "destination": "DE", "end_user": "Example"}
    name = repeated.split("=", 1)[0]
    body = "&".join(f"{k}={v}" for k, v in base.items() if k != name) + "&" + repeated
    r = client.post("/check", content=body, headers={**ORIGIN, "content-type": "application/x-www-form-urlencoded"})
    assert r.status_code == 422, r.text
    assert f"{field}: given more than once in the form; give it once" in r.text
    assert counts(db_url) == before


def test_console_shipment_refuses_a_repeated_key_in_the_order_line(client: TestClient, keys: Keys, db_url: str) -> None:
    sign_in(client, keys.analyst)
    before = counts(db_url)
    line = '{"item":"H20","quantity":1,"destination":"CN","destination":"DE","ship_date":"2025-05-01"}'
    r = client.post("/shipments", data={"order_line": line}, headers=ORIGIN, follow_redirects=False)
    assert r.status_code == 422, r.text
    assert "order_line: key &#39;destination&#39; is given twice in one object" in r.text
    assert counts(db_url) == before
    bad = client.post(
        "/shipments", data={"order_line": '{"item":"H20","quantity":0,"destination":"CN"}'}, headers=ORIGIN
    )
    assert bad.status_code == 422 and "order_line.quantity:" in bad.text
