"""Errors name the field the caller wrote, with the right reason (an audit, 2026-12-07, item 9): not pydantic's
validator names, not ``field: null`` for a body that is not an object, not ``item`` for the second line of a
shipment, not "should be less than or equal to 10^13" for NaN; and the CLI's and the resolver's edges."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from chipclear.cli import app
from chipclear.geography import load_geography

from .conftest import Keys, h

LINE = {"item": "H20", "quantity": 1, "destination": "CN", "ship_date": "2025-06-01"}


def test_match_names_the_property_not_the_validator(client: TestClient, keys: Keys) -> None:
    body = {"queries": {"q1": {"schema": "Company", "properties": {"name": [5]}}}}
    r = client.post("/api/match/default", json=body, headers=h(keys.analyst))
    assert r.status_code == 422, r.text
    assert r.json()["error"]["field"] == "queries.q1.properties.name"
    assert "function-after" not in r.text


@pytest.mark.parametrize(
    ("body", "kind"), [("hello", "text/plain"), ("null", "application/json"), ("[]", "application/json")]
)
def test_a_body_that_is_not_an_object_is_named_body(client: TestClient, keys: Keys, body: str, kind: str) -> None:
    r = client.post("/api/check", content=body, headers={**h(keys.analyst), "content-type": kind})
    assert r.status_code == 422, r.text
    assert r.json()["error"]["field"] == "body" and r.json()["error"]["message"].startswith("body: ")


def test_an_unknown_item_on_the_second_line_names_that_line(client: TestClient, keys: Keys) -> None:
    r = client.post("/api/shipments", json={"lines": [LINE, {**LINE, "item": "nope"}]}, headers=h(keys.analyst))
    assert r.status_code == 404, r.text
    assert r.json()["error"]["field"] == "lines.1.item"
    assert r.json()["error"]["message"].startswith("lines.1.item: unknown item 'nope'")


@pytest.mark.parametrize("value", ["NaN", "inf", "-inf"])
def test_duty_value_not_finite_says_so(client: TestClient, keys: Keys, value: str) -> None:
    r = client.get(f"/api/duty?hts=8473.30.1180&origin=CN&value={value}", headers=h(keys.viewer))
    assert r.status_code == 422, r.text
    assert r.json()["error"]["message"] == "value: Input should be a finite number"


def test_fullwidth_codes_read_as_their_names_are() -> None:
    geo = load_geography()
    assert [geo.normalize(v) for v in ("\uff23\uff2e", "\uff35\uff33", "\uff23\uff48\uff49\uff4e\uff41")] == [
        "CN",
        "US",
        "CN",
    ]


def test_screen_out_without_file_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "f.csv"
    result = CliRunner().invoke(app, ["screen", "Example GmbH", "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert "--out: writes the hits of --file" in result.output
    assert not out.exists()


def test_a_utf16_book_header_is_shown_escaped(tmp_path: Path) -> None:
    book = tmp_path / "u16.csv"
    book.write_bytes("item,quantity,destination,ship_date\nH20,1,CN,2025-06-01\n".encode("utf-16"))
    result = CliRunner().invoke(app, ["batch", str(book), "--out", str(tmp_path / "o.parquet"), "--no-screening"])
    assert result.exit_code == 2, result.output
    assert "\x00" not in result.output
    assert "i\\x00t\\x00e\\x00m" in result.output and "save it as UTF-8" in result.output
