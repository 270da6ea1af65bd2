"""Strict inputs on the API: unknown fields are refused by name; countries are codes or names the geography resolves."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from .conftest import Keys, h


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"item": "H20", "destination": "CN", "date": "2025-05-01"}, "date"),
        ({"item": "H20", "destination": "CN", "ship_date": "2025-05-01", "end_user": {"name": "Huawei"}}, "end_user"),
        (
            {"item": "H20", "destination": "CN", "parties": [{"name": "Huawei", "hq": "CN"}]},
            "parties.0.hq",
        ),
        ({"item": "H20", "destination": "CN", "end_use": {"military_use": True}}, "end_use.military_use"),
    ],
)
def test_check_refuses_an_unknown_field_by_name(
    client: TestClient, keys: Keys, body: dict[str, Any], field: str
) -> None:
    r = client.post("/api/check", json=body, headers=h(keys.analyst))
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert error["field"] == field
    assert field in error["message"] and "Extra inputs are not permitted" in error["message"]


def test_other_request_bodies_refuse_unknown_fields(client: TestClient, keys: Keys) -> None:
    r = client.post("/api/screen", json={"name": "Huawei", "countr": "CN"}, headers=h(keys.analyst))
    assert r.status_code == 422 and r.json()["error"]["field"] == "countr"
    r = client.post(
        "/api/shipments", json={"lines": [{"item": "H20", "destination": "CN"}], "ref": "x"}, headers=h(keys.analyst)
    )
    assert r.status_code == 422 and r.json()["error"]["field"] == "ref"


@pytest.mark.parametrize("typed", ["China", "china", "CN", "cn", "CHN", "People's Republic of China", "PRC"])
def test_check_resolves_country_names_everywhere_and_shows_the_code(client: TestClient, keys: Keys, typed: str) -> None:
    body = {
        "item": "H100",
        "destination": typed,
        "ship_date": "2025-05-01",
        "parties": [{"name": "Example Co", "country": typed, "headquarters_country": typed}],
    }
    r = client.post("/api/check", json=body, headers=h(keys.analyst))
    assert r.status_code == 200, r.text
    line = r.json()["input"]
    assert line["destination"] == "CN"
    assert line["parties"][0]["country"] == "CN" and line["parties"][0]["headquarters_country"] == "CN"


def test_hq_china_is_not_read_as_another_country(client: TestClient, keys: Keys) -> None:
    """The console once kept "Ch" of "China" (Switzerland): the API must read China, so H100 to Singapore for an
    end user headquartered in China is never NLR."""
    body = {
        "item": "H100",
        "destination": "SG",
        "ship_date": "2025-05-01",
        "parties": [{"name": "Example Pte Ltd", "country": "SG", "headquarters_country": "China"}],
    }
    r = client.post("/api/check", json=body, headers=h(keys.analyst))
    assert r.status_code == 200, r.text
    assert r.json()["input"]["parties"][0]["headquarters_country"] == "CN"
    assert r.json()["verdict"] != "NLR"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"item": "H20", "destination": "Chinaa"}, "destination"),
        (
            {"item": "H20", "destination": "CN", "parties": [{"name": "X", "headquarters_country": "Chinaa"}]},
            "parties.0.headquarters_country",
        ),
        ({"item": "H20", "destination": "CN", "export_from": "Atlantis"}, "export_from"),
    ],
)
def test_check_refuses_an_unknown_country_with_a_message(
    client: TestClient, keys: Keys, body: dict[str, Any], field: str
) -> None:
    r = client.post("/api/check", json=body, headers=h(keys.analyst))
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert error["field"] == field and "unknown country" in error["message"]


def test_screen_resolves_a_country_name(client: TestClient, keys: Keys) -> None:
    r = client.post("/api/screen", json={"name": "Huawei Technologies", "country": "China"}, headers=h(keys.analyst))
    assert r.status_code == 200, r.text
    assert r.json()["query"]["country"] == "CN"
    bad = client.post("/api/screen", json={"name": "Huawei", "country": "Chinaa"}, headers=h(keys.analyst))
    assert bad.status_code == 422 and "did you mean China (CN)" in bad.json()["error"]["message"]
