"""Strict values on the API (outside audits, 2026-12): a value is taken as written or refused naming its field,
never converted and never a 500.

Before: a draft with ``effective: 2027-02-30`` was a 500; ``value: .nan`` in a draft changed 20 items;
``"ship_date": 1798761600`` was 2027-01-01, ``"quantity": true`` 1, a license ``"valid_from": 0`` 1970-01-01; a party
name, license number or reference of zero-width characters was screened as "0 hit(s)" and recorded."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from .conftest import Keys, h

LINE = {"item": "H20", "destination": "CN", "ship_date": "2025-05-01"}
DRAFT = (Path(__file__).parents[2] / "src/chipclear/whatif/drafts/tpp-threshold-2400.yaml").read_text("utf-8")
INVISIBLE = ["\u200b\u200b", "\u202e", "\u00ad", "\u2060", " ", "\u202e\u200b"]


def _refused(r: Any, field: str) -> str:
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert error["code"] == "invalid_input" and error["field"] == field, error
    assert "\n" not in error["message"]
    return str(error["message"])


def _draft(old: str, new: str) -> str:
    assert old in DRAFT
    return DRAFT.replace(old, new)


def test_a_draft_with_an_impossible_date_is_a_422_naming_it(client: TestClient, keys: Keys) -> None:
    body = {"draft_texts": [_draft("effective: 2027-01-01", "effective: 2027-02-30")], "destinations": ["CN"]}
    r = client.post("/api/whatif", json=body, headers=h(keys.analyst))
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert error["code"] == "invalid_data_file"
    assert error["field"] == "draft_texts.0" and error["message"].startswith("draft_texts.0: not valid YAML: line ")
    assert "'2027-02-30' is not a valid date" in error["message"]


@pytest.mark.parametrize("value", [".nan", ".inf", "-.inf"])
def test_a_draft_threshold_that_is_not_finite_is_refused(client: TestClient, keys: Keys, value: str) -> None:
    body = {"draft_texts": [_draft("value: 2400", f"value: {value}")], "destinations": ["CN"]}
    r = client.post("/api/whatif", json=body, headers=h(keys.analyst))
    assert r.status_code == 422, r.text
    message = r.json()["error"]["message"]
    assert "field classification.paragraphs.0.any_of.0.0.value" in message and "finite number" in message


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("ship_date", 1798761600),
        ("ship_date", "1798761600"),
        ("ship_date", "20250513"),
        ("ship_date", "2025-W20-2"),
        ("ship_date", "2025-05-01T00:00:00"),
        ("ship_date", "2025-02-30"),
        ("quantity", True),
        ("quantity", "3"),
        ("value_usd", True),
        ("value_usd", "3.5"),
    ],
)
def test_check_and_shipments_do_not_convert(client: TestClient, keys: Keys, field: str, value: Any) -> None:
    _refused(client.post("/api/check", json={**LINE, field: value}, headers=h(keys.analyst)), field)
    body = {"lines": [{**LINE, field: value}]}
    _refused(client.post("/api/shipments", json=body, headers=h(keys.admin)), f"lines.0.{field}")
    assert client.get("/api/holds", headers=h(keys.viewer)).json() == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**LINE, "end_use": {"military": "no"}}, "end_use.military"),
        ({**LINE, "end_use": {"supercomputer": 1}}, "end_use.supercomputer"),
        (
            {**LINE, "parties": [{"name": "Acme", "owners": [{"name": "Parent Co", "share": True}]}]},
            "parties.0.owners.0.share",
        ),
        (
            {**LINE, "import_entry": {"hts": "8471.50", "origin": "TW", "entry_date": 20250501}},
            "import_entry.entry_date",
        ),
    ],
)
def test_nested_values_are_not_converted_either(
    client: TestClient, keys: Keys, body: dict[str, Any], field: str
) -> None:
    _refused(client.post("/api/check", json=body, headers=h(keys.analyst)), field)


def test_the_documented_values_are_still_taken(client: TestClient, keys: Keys) -> None:
    line = {**LINE, "quantity": 8, "value_usd": 1200, "end_use": {"military": False}}
    r = client.post("/api/check", json=line, headers=h(keys.analyst))
    assert r.status_code == 200, r.text
    assert r.json()["input"]["ship_date"] == "2025-05-01" and r.json()["input"]["quantity"] == 8


@pytest.mark.parametrize(
    ("path", "query", "field"),
    [
        ("/api/check", "as_of=1798761600", "as_of"),
        ("/api/check", "as_of=20250501", "as_of"),
        ("/api/classify/H20", "as_of=1798761600", "as_of"),
        ("/api/catalog", "as_of=2025-W20-2", "as_of"),
        ("/api/diff", "from=20250101&to=2025-06-01", "from"),
        ("/api/timeline/H20", "to=CN&until=1798761600", "until"),
        ("/api/duty", "hts=8471.50&origin=TW&entry_date=20250501", "entry_date"),
    ],
)
def test_query_dates_are_yyyy_mm_dd_only(client: TestClient, keys: Keys, path: str, query: str, field: str) -> None:
    method = client.post if path == "/api/check" else client.get
    kwargs: dict[str, Any] = {"json": {"item": "H20", "destination": "CN"}} if path == "/api/check" else {}
    r = method(f"{path}?{query}", headers=h(keys.analyst), **kwargs)
    _refused(r, field)


def _submitted(client: TestClient, keys: Keys) -> int:
    app = {"items": ["H20"], "destinations": ["CN"], "parties": [{"name": "Acme", "role": "end_user"}]}
    made = client.post("/api/applications", json={**app, "quantity": 5}, headers=h(keys.admin))
    assert made.status_code == 201, made.text
    app_id = int(made.json()["id"])
    sub = client.post(
        f"/api/applications/{app_id}/submit",
        json={"application_number": "Z1", "submitted_on": "2025-01-02"},
        headers=h(keys.admin),
    )
    assert sub.status_code == 200, sub.text
    return app_id


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"valid_from": 0}, "valid_from"),
        ({"valid_to": 1798761600}, "valid_to"),
        ({"valid_from": "20250101"}, "valid_from"),
        ({"quantity_limit": True}, "quantity_limit"),
        ({"value_limit_usd": True}, "value_limit_usd"),
        ({"quantity_tolerance_percent": "5"}, "quantity_tolerance_percent"),
        ({"number": "\u202e\u200b"}, "number"),
        ({"number": " "}, "number"),
    ],
)
def test_a_license_grant_is_not_converted(client: TestClient, keys: Keys, change: dict[str, Any], field: str) -> None:
    app_id = _submitted(client, keys)
    grant = {"number": "D1", "valid_from": "2025-01-01", "valid_to": "2026-01-01", "quantity_limit": 5, **change}
    _refused(client.post(f"/api/applications/{app_id}/grant", json=grant, headers=h(keys.admin)), field)
    assert client.get("/api/licenses", headers=h(keys.viewer)).json() == []


@pytest.mark.parametrize("name", INVISIBLE)
def test_a_party_name_needs_a_visible_character(client: TestClient, keys: Keys, name: str) -> None:
    message = _refused(
        client.post("/api/check", json={**LINE, "parties": [{"name": name}]}, headers=h(keys.analyst)),
        "parties.0.name",
    )
    assert "visible character" in message
    body = {"lines": [{**LINE, "parties": [{"name": "Acme", "parents": [{"name": name}]}]}]}
    _refused(client.post("/api/shipments", json=body, headers=h(keys.admin)), "lines.0.parties.0.parents.0.name")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"lines": [LINE], "reference": "\u200b"}, "reference"),
        ({"lines": [LINE], "license_number": "\u2060"}, "license_number"),
        ({"lines": [{**LINE, "order_id": "\u00ad"}]}, "lines.0.order_id"),
        ({"lines": [{**LINE, "line_id": "\u202e"}]}, "lines.0.line_id"),
    ],
)
def test_shipment_ids_need_a_visible_character(
    client: TestClient, keys: Keys, body: dict[str, Any], field: str
) -> None:
    _refused(client.post("/api/shipments", json=body, headers=h(keys.admin)), field)
    assert client.get("/api/holds", headers=h(keys.viewer)).json() == []


def test_an_application_party_needs_a_visible_name(client: TestClient, keys: Keys) -> None:
    app = {"items": ["H20"], "destinations": ["CN"], "parties": [{"name": "\u200b", "role": "end_user"}]}
    _refused(client.post("/api/applications", json=app, headers=h(keys.admin)), "parties.0.name")
