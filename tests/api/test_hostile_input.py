"""Hostile and out-of-range input (issue 13): every case gets a 4xx naming the field, never a 5xx, and writes
nothing; on SQLite and PostgreSQL. The bounds come from ``chipclear.bounds``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from tests.ledger.conftest import BACKENDS, new_database_url

from chipclear.api import create_app
from chipclear.bounds import MAX_QUANTITY, MAX_VALUE_USD
from chipclear.ledger import licenses as ledger_licenses
from chipclear.ledger import open_ledger, users
from chipclear.ledger.models import AuditRecord, Shipment

from .conftest import Keys, h, sign_in

LINE = {"item": "H20", "quantity": 1, "destination": "CN", "ship_date": "2025-05-01"}


@pytest.fixture(params=BACKENDS)
def any_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    yield from new_database_url(request.param, tmp_path)


@pytest.fixture
def world(any_url: str) -> Iterator[tuple[TestClient, Keys, str]]:
    ledger = open_ledger(any_url)
    try:
        with ledger.session() as s:
            admin, admin_key = users.create_user(s, "alice", "admin", None)
            made = {
                role: users.create_user(s, name, role, admin)[1]
                for name, role in (("bob", "approver"), ("carol", "analyst"), ("dave", "viewer"))
            }
    finally:
        ledger.close()
    with TestClient(create_app(any_url)) as c:
        yield c, Keys(admin_key, made["approver"], made["analyst"], made["viewer"]), any_url


def counts(url: str) -> tuple[int, int]:
    ledger = open_ledger(url)
    try:
        with ledger.session() as s:
            return (
                s.execute(select(func.count()).select_from(AuditRecord)).scalar_one(),
                s.execute(select(func.count()).select_from(Shipment)).scalar_one(),
            )
    finally:
        ledger.close()


def raw_line(**changes: Any) -> str:
    """JSON text of an order line; numbers are written as given (``1e999``, ``NaN``, ``Infinity``)."""
    body = json.dumps({**LINE, **{k: f"@{k}@" for k in changes}})
    for k, v in changes.items():
        body = body.replace(f'"@{k}@"', v)
    return body


BAD_LINES = [
    ("value_usd", {"value_usd": "NaN"}),
    ("value_usd", {"value_usd": "Infinity"}),
    ("value_usd", {"value_usd": "-Infinity"}),
    ("value_usd", {"value_usd": "1e999"}),
    ("value_usd", {"value_usd": "1e18"}),
    ("value_usd", {"value_usd": "-1"}),
    ("quantity", {"quantity": "0"}),
    ("quantity", {"quantity": "-5"}),
    ("quantity", {"quantity": str(2**31)}),
    ("quantity", {"quantity": str(2**63)}),
    ("item", {"item": json.dumps("H20\u0000")}),
    ("parties.0.name", {"parties": json.dumps([{"name": "Acme\u0000", "role": "end_user"}])}),
    ("parties.0.name", {"parties": json.dumps([{"name": "W" * 301, "role": "end_user"}])}),
    ("order_id", {"order_id": json.dumps("x" * 201)}),
    ("end_use.text", {"end_use": json.dumps({"text": "t" * 4001})}),
]


@pytest.mark.parametrize(
    ("field", "changes"), BAD_LINES, ids=[f"{f}={next(iter(c.values()))[:12]}" for f, c in BAD_LINES]
)
def test_bad_numbers_and_text_get_a_4xx_naming_the_field_and_write_nothing(
    world: tuple[TestClient, Keys, str], field: str, changes: dict[str, str]
) -> None:
    client, keys, url = world
    before = counts(url)
    body = raw_line(**changes)
    headers = {**h(keys.admin), "Content-Type": "application/json"}
    check = client.post("/api/check", content=body, headers=headers)
    assert check.status_code == 422, check.text
    assert check.json()["error"]["field"] == field
    ship = client.post("/api/shipments", content='{"lines": [' + body + "]}", headers=headers)
    assert ship.status_code == 422, ship.text
    assert ship.json()["error"]["field"] == f"lines.0.{field}"
    assert counts(url) == before


def test_the_largest_accepted_values_are_stored(world: tuple[TestClient, Keys, str]) -> None:
    client, keys, _url = world
    line = {**LINE, "quantity": MAX_QUANTITY, "value_usd": MAX_VALUE_USD, "parties": [{"name": "W" * 300}]}
    r = client.post("/api/shipments", json={"lines": [line]}, headers=h(keys.admin))
    assert r.status_code == 201, r.text
    assert client.get("/api/holds", headers=h(keys.viewer)).json()[0]["quantity"] == MAX_QUANTITY


def test_license_limits_beyond_the_bounds_are_refused(world: tuple[TestClient, Keys, str]) -> None:
    client, keys, _url = world
    app = {"items": ["H20"], "destinations": ["CN"], "parties": [{"name": "Acme", "role": "end_user"}]}
    assert client.post("/api/applications", json={**app, "quantity": 2**31}, headers=h(keys.admin)).status_code == 422
    r = client.post("/api/applications", json={**app, "quantity": 5}, headers=h(keys.admin)).json()
    grant = {"number": "X/1", "valid_from": "2025-01-01", "valid_to": "2026-01-01", "quantity_limit": 2**40}
    client.post(
        f"/api/applications/{r['id']}/submit",
        json={"application_number": "Z1", "submitted_on": "2025-01-02"},
        headers=h(keys.admin),
    )
    bad = client.post(f"/api/applications/{r['id']}/grant", json=grant, headers=h(keys.admin))
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "quantity_limit"
    nul = client.post(f"/api/applications/{r['id']}/grant", json={**grant, "number": "A\u0000"}, headers=h(keys.admin))
    assert nul.status_code == 422 and nul.json()["error"]["field"] == "number"


def test_a_license_number_with_a_slash_can_be_fetched(world: tuple[TestClient, Keys, str]) -> None:
    client, keys, url = world
    ledger = open_ledger(url)
    try:
        with ledger.session() as s:
            actor = users.SystemActor("alice", "admin")
            app = ledger_licenses.apply_for_license(
                s, actor, items=["H20"], destinations=["CN"], parties=[{"name": "Acme", "role": "end_user"}], quantity=5
            )
            ledger_licenses.submit_application(s, actor, app.id, application_number="Z-1", submitted_on=dt_date())
            for number in ("D123/45", "A/B?c#d %x"):
                ledger_licenses.apply_for_license(
                    s,
                    actor,
                    items=["H20"],
                    destinations=["CN"],
                    parties=[{"name": "Acme", "role": "end_user"}],
                    quantity=5,
                    application_number=f"N{number}",
                    submitted_on=dt_date(),
                )
            apps = ledger_licenses.list_applications(s, actor)
            ledger_licenses.grant_license(s, actor, app.id, number="D123/45", valid_from=dt_date(), valid_to=dt_date(1))
            ledger_licenses.grant_license(
                s, actor, apps[1].id, number="A/B?c#d %x", valid_from=dt_date(), valid_to=dt_date(1)
            )
    finally:
        ledger.close()
    from urllib.parse import quote

    for number in ("D123/45", "A/B?c#d %x"):
        r = client.get(f"/api/licenses/{quote(number, safe='/')}", headers=h(keys.viewer))
        assert r.status_code == 200, r.text
        assert r.json()["number"] == number


def dt_date(years: int = 0) -> Any:
    import datetime as dt

    return dt.date(2025 + years, 1, 1)


def test_without_a_key_a_malformed_body_gets_401_not_422(world: tuple[TestClient, Keys, str]) -> None:
    client, _keys, _url = world
    for path in ("/api/check", "/api/shipments", "/api/applications"):
        r = client.post(path, content=b"{not json", headers={"Content-Type": "application/json"})
        assert r.status_code == 401, (path, r.text)
        assert r.json()["error"]["code"] == "unauthorized"


@pytest.mark.parametrize("filename", ["..", ".", "x" * 300, "a/../../etc"])
def test_lists_update_refuses_a_bad_file_name_without_server_paths(
    world: tuple[TestClient, Keys, str], filename: str
) -> None:
    client, keys, url = world
    before = counts(url)
    files = {"file": (filename, b"name,source\nAcme,EL\n", "text/csv")}
    r = client.post("/api/lists/update", files=files, headers=h(keys.admin))
    assert 400 <= r.status_code < 500, r.text
    assert "/tmp" not in r.text and "chipclear-upload" not in r.text
    assert counts(url) == before


def test_lists_update_errors_name_the_upload_not_the_temporary_path(world: tuple[TestClient, Keys, str]) -> None:
    client, keys, _url = world
    files = {"file": ("tiny.csv", b"name,source\nAcme,EL\n", "text/csv")}
    r = client.post("/api/lists/update", files=files, headers=h(keys.admin))
    assert r.status_code in (400, 422) and "chipclear-upload" not in r.text and "tiny.csv" in r.text


@pytest.mark.parametrize(
    ("form", "words"),
    [
        # the console takes digits and one point only (an audit, 2026-12: Python's float() took "١٠" as 10)
        ({"value_usd": "nan"}, "is not an amount (digits 0-9"),
        ({"value_usd": "inf"}, "is not an amount (digits 0-9"),
        ({"value_usd": "1e999"}, "is not an amount (digits 0-9"),
        ({"value_usd": "9" * 400}, "finite"),  # digits only, but past a float: infinity
        ({"quantity": str(2**63)}, "quantity"),
        ({"quantity": "0"}, "quantity"),
        ({"end_user": "W" * 301}, "end_user"),
        ({"end_user": "Acme\u0000"}, "NUL"),
    ],
)
def test_console_check_form_refuses_bad_input_with_a_message(
    world: tuple[TestClient, Keys, str], form: dict[str, str], words: str
) -> None:
    client, keys, url = world
    sign_in(client, keys.analyst)
    before = counts(url)
    r = client.post("/check", data={**LINE, **form}, headers={"Origin": "http://testserver"})
    assert 400 <= r.status_code < 500, r.text
    assert words.lower() in r.text.lower() or "parties.0.name" in r.text
    assert counts(url) == before


def test_console_grant_refuses_an_unstorable_quantity(world: tuple[TestClient, Keys, str]) -> None:
    client, keys, _url = world
    app = {"items": ["H20"], "destinations": ["CN"], "parties": [{"name": "Acme", "role": "end_user"}], "quantity": 5}
    made = client.post("/api/applications", json={**app, "application_number": "Q1"}, headers=h(keys.admin)).json()
    sign_in(client, keys.admin)
    form = {"number": "L1", "valid_from": "2025-01-01", "valid_to": "2026-01-01", "quantity_limit": str(2**40)}
    r = client.post(f"/applications/{made['id']}/grant", data=form, headers={"Origin": "http://testserver"})
    assert 400 <= r.status_code < 500 and "quantity_limit" in r.text


def test_screening_page_serves_while_a_held_line_has_an_over_long_name(world: tuple[TestClient, Keys, str]) -> None:
    client, keys, url = world
    line = {**LINE, "parties": [{"name": "Moore Threads", "role": "end_user", "country": "CN"}]}
    assert client.post("/api/shipments", json={"lines": [line]}, headers=h(keys.admin)).status_code == 201
    ledger = open_ledger(url)  # a line recorded before the bounds existed
    try:
        with ledger.session() as s:
            from chipclear.ledger.models import ShipmentLine

            sl = s.execute(select(ShipmentLine)).scalars().first()
            assert sl is not None and sl.status == "held"
            sl.order_line = {**sl.order_line, "parties": [{"name": "W" * 600, "role": "end_user", "country": "CN"}]}
    finally:
        ledger.close()
    sign_in(client, keys.viewer)
    assert client.get("/screening").status_code == 200


# -- found by a hostile-input audit (2026-12-06): each was a 500 --------------------------------------------------
@pytest.mark.parametrize(
    "path",
    [f"/shipments/{2**70}", "/shipments/9223372036854775808", f"/holds/{2**70}/release", f"/holds/{2**70}/cancel"]
    + [f"/applications/{2**70}/{action}" for action in ("submit", "grant", "deny")],
)
def test_console_ids_past_the_database_integers_are_a_4xx(world: tuple[TestClient, Keys, str], path: str) -> None:
    client, keys, url = world
    sign_in(client, keys.admin)
    before = counts(url)
    if path.startswith("/shipments/"):
        r = client.get(path)
    else:
        r = client.post(path, data={"reason": "x"}, headers={"Origin": "http://testserver"})
    assert 400 <= r.status_code < 500, (r.status_code, r.text[:300])
    assert counts(url) == before


@pytest.mark.parametrize("form", ["/shipments", "/applications"])
def test_console_order_line_nested_too_deep_is_a_4xx(world: tuple[TestClient, Keys, str], form: str) -> None:
    client, keys, url = world
    sign_in(client, keys.admin)
    before = counts(url)
    deep = "[" * 100_000 + "]" * 100_000
    r = client.post(form, data={"order_line": deep}, headers={"Origin": "http://testserver"})
    assert 400 <= r.status_code < 500, (r.status_code, r.text[:300])
    assert "not valid" in r.text
    assert counts(url) == before


def test_whatif_order_text_that_cannot_be_stored_is_a_422(world: tuple[TestClient, Keys, str]) -> None:
    client, keys, _url = world
    body = '{"drafts": ["h20-class-bandwidth"], "date": "2025-06-01", "orders": [{"item": "\\ud800", "destination": "CN"}]}'
    r = client.post("/api/whatif", content=body, headers={**h(keys.analyst), "content-type": "application/json"})
    assert r.status_code == 422, r.text
    assert "orders" in r.text and "surrogate" in r.text


def test_a_query_parameter_given_twice_is_refused_unless_it_is_a_list(world: tuple[TestClient, Keys, str]) -> None:
    # found by a hostile-input audit (2026-12-06): ?origin=CN&origin=TW was decided for TW
    client, keys, _url = world
    base = "/api/duty?hts=8473.30.1180&entry_date=2025-06-01&value=1000"
    r = client.get(base + "&origin=CN&origin=TW", headers=h(keys.viewer))
    assert r.status_code == 422, r.text
    assert r.json()["error"]["field"] == "origin" and "given 2 times" in r.json()["error"]["message"]
    # a list parameter takes several values, as before
    r = client.get(base + "&origin=CN&claims=9903.88.69&claims=9903.01.23", headers=h(keys.viewer))
    assert r.status_code == 200 and sorted(r.json()["claims"]) == ["9903.01.23", "9903.88.69"], r.text
    assert client.get(base + "&origin=CN", headers=h(keys.viewer)).status_code == 200


# -- hostile-input audit of 2026-12-07 ---------------------------------------------------------------------------
def test_a_json_key_given_twice_is_refused(world: tuple[TestClient, Keys, str]) -> None:
    # {"destination": "CN", "destination": "DE"} was recorded for DE (the parser keeps the last value)
    client, keys, url = world
    before = counts(url)
    body = (
        '{"lines": [{"item": "H20", "quantity": 1, "destination": "CN", "destination": "DE",'
        ' "ship_date": "2026-12-01"}]}'
    )
    r = client.post("/api/shipments", content=body, headers={**h(keys.analyst), "content-type": "application/json"})
    assert r.status_code == 422, r.text
    assert r.json()["error"]["message"] == "body: key 'destination' is given twice in one object"
    assert counts(url) == before
    check = '{"item": "H20", "item": "H100", "destination": "CN", "ship_date": "2025-06-01"}'
    r = client.post("/api/check", content=check, headers={**h(keys.analyst), "content-type": "application/json"})
    assert r.status_code == 422 and "'item' is given twice" in r.text
    # the same key in two objects is not a repeat
    fine = '{"item": "H20", "destination": "CN", "ship_date": "2025-06-01", "parties": [{"name": "A", "role": "end_user"}]}'
    assert (
        client.post(
            "/api/check", content=fine, headers={**h(keys.analyst), "content-type": "application/json"}
        ).status_code
        == 200
    )


def test_a_long_item_in_a_path_is_a_422_before_any_lookup(world: tuple[TestClient, Keys, str]) -> None:
    client, keys, _url = world
    for path in ("/api/classify/", "/api/catalog/", "/api/timeline/", "/api/models/"):
        r = client.get(path + "H" * 5000, headers=h(keys.viewer))
        assert r.status_code in (404, 422), (path, r.status_code)
        assert len(r.text) < 3000, path  # the item is not echoed back whole


def test_out_of_range_ship_dates_in_whatif_orders_are_bad_rows_not_a_500(world: tuple[TestClient, Keys, str]) -> None:
    client, keys, _url = world
    for day in ("0000-01-01", "-2025-01-01", "+99999-01-01"):
        body = {"drafts": ["h20-class-bandwidth"], "orders": [{"item": "H20", "destination": "CN", "ship_date": day}]}
        r = client.post("/api/whatif", json=body, headers=h(keys.analyst))
        assert r.status_code < 500, (day, r.text[:300])
        if r.status_code == 200:
            bad = r.json()["orders"]["bad_rows"]
            assert bad and "ship_date" in bad[0]["reason"], r.json()["orders"]


def test_a_check_as_of_another_day_than_the_ship_date_is_refused(world: tuple[TestClient, Keys, str]) -> None:
    # a door audit (2026-12-07): H20 to China shipping today was decided, and audited, NLR as of 2025-01-01
    client, keys, _url = world
    line = {
        "item": "H20",
        "destination": "CN",
        "ship_date": "2026-12-01",
        "parties": [{"name": "A", "role": "end_user", "headquarters_country": "CN"}],
    }
    r = client.post("/api/check?as_of=2025-01-01", json=line, headers=h(keys.analyst))
    assert r.status_code == 422 and r.json()["error"]["field"] == "as_of", r.text
    assert client.post("/api/check?as_of=2026-12-01", json=line, headers=h(keys.analyst)).status_code == 200
    undated = {k: v for k, v in line.items() if k != "ship_date"}
    r = client.post("/api/check?as_of=2025-01-01", json=undated, headers=h(keys.analyst))
    assert r.status_code == 200 and r.json()["as_of"] == "2025-01-01"


@pytest.mark.parametrize(
    ("filename", "content", "words"),
    [
        ("junk.bin", bytes(range(256)) * 100, "not UTF-8 text"),
        ("utf16.csv", "name,source\nAcme,EL\n".encode("utf-16"), "UTF-16"),
        ("deep.json", b"[" * 200_000, "nested too deeply"),
        ("bad.jsonl", b'{"id": "Q1", "schema": "Company", "properties": {"name": ["A"]}}\n\xff\n', "line 2"),
        (
            "huge.jsonl",
            b'{"id": "Q1", "schema": "Company", "properties": {"name": ["' + b"Q" * 2_000_000 + b'"]}}\n',
            "2,000,000 characters",
        ),
    ],
)
def test_lists_update_refuses_a_malformed_file_with_422_and_keeps_the_list(
    world: tuple[TestClient, Keys, str], filename: str, content: bytes, words: str
) -> None:
    client, keys, _url = world
    before = client.get("/api/lists/status", headers=h(keys.viewer)).json()["list_version"]
    r = client.post("/api/lists/update", files={"file": (filename, content)}, headers=h(keys.admin))
    assert r.status_code == 422, r.text[:500]
    error = r.json()["error"]
    assert error["code"] == "invalid_data_file" and words in error["message"], error
    assert error["message"].startswith(filename) and "chipclear-upload" not in error["message"]
    assert client.get("/api/lists/status", headers=h(keys.viewer)).json()["list_version"] == before


@pytest.mark.parametrize("form", ["/screening/review", "/shipments", "/applications"])
def test_a_console_form_missing_a_field_answers_with_a_page(world: tuple[TestClient, Keys, str], form: str) -> None:
    # a hostile-input audit (2026-12-07): a console form missing a required field got FastAPI's JSON 422
    client, keys, _url = world
    sign_in(client, keys.admin)
    r = client.post(form, data={"reason": "x"}, headers={"Origin": "http://testserver"})
    assert r.status_code == 422, r.text[:200]
    assert r.headers["content-type"].startswith("text/html") and "Cannot do that" in r.text
