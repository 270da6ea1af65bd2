"""A refused value is said in chipclear's words at every door, without pydantic's "Value error, " before them (an
audit of 2026-12-07: the API's 422 said ``ship_date: Value error, '20250601' is not a date ...``). The API keeps
its own field names; the CLI names the option (tests/cli/test_every_option_error.py)."""

from __future__ import annotations

import html

import pytest
from fastapi.testclient import TestClient

from .conftest import Keys, h, sign_in

LINE = {"item": "H20", "quantity": 1, "destination": "CN", "ship_date": "2025-06-01"}
NOT_A_DATE = "'20250601' is not a date in YYYY-MM-DD form"


@pytest.mark.parametrize(
    ("path", "body", "field", "said"),
    [
        ("/api/check", {**LINE, "ship_date": "20250601"}, "ship_date", NOT_A_DATE),
        ("/api/check", {**LINE, "quantity": "3"}, "quantity", "must be a whole number, not a string"),
        ("/api/shipments", {"lines": [{**LINE, "ship_date": "20250601"}]}, "lines.0.ship_date", NOT_A_DATE),
    ],
)
def test_the_api_says_the_reason_without_pydantic_prefix(
    client: TestClient, keys: Keys, path: str, body: dict[str, object], field: str, said: str
) -> None:
    r = client.post(path, json=body, headers=h(keys.analyst))
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert error["field"] == field and error["message"] == f"{field}: {said}", error
    assert "Value error" not in r.text


def test_the_console_says_the_reason_without_pydantic_prefix(client: TestClient, keys: Keys) -> None:
    sign_in(client, keys.analyst)
    line = '{"item":"H20","quantity":1,"destination":"CN","ship_date":"20250601"}'
    r = client.post("/shipments", data={"order_line": line}, headers={"Origin": "http://testserver"})
    assert r.status_code == 422, r.text
    said = html.unescape(r.text)
    assert f"order_line.ship_date: {NOT_A_DATE}" in said, said
    assert "Value error" not in r.text
