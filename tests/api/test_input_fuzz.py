"""Hypothesis beside schemathesis (issue 13): the numeric and text edges of an order line (huge, negative, zero,
NaN, infinite numbers; NUL, long, odd Unicode text) against the API and the console forms, on SQLite and
PostgreSQL. Every answer is 2xx or 4xx, never 5xx, and a 4xx writes nothing (audit records and shipments are
counted before and after). Bounded: a few dozen examples per test."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chipclear.bounds import MAX_QUANTITY, MAX_VALUE_USD, NAME_LENGTH

from .conftest import Keys, h, sign_in
from .test_hostile_input import any_url, counts, world  # noqa: F401 - fixtures: SQLite and PostgreSQL

FUZZ = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,
)

edge_ints = st.one_of(
    st.sampled_from([0, -1, -5, 1, MAX_QUANTITY, MAX_QUANTITY + 1, 2**31 - 1, 2**31, 2**53, 2**63 - 1, 2**63, 2**64]),
    st.integers(min_value=-(2**70), max_value=2**70),
)
edge_floats = st.one_of(
    st.sampled_from([0.0, -0.0, -1.0, MAX_VALUE_USD, MAX_VALUE_USD * 10, 1e18, 1e308]),
    st.floats(allow_nan=True, allow_infinity=True),
)
# written into the JSON text as is, so the server's parser sees the literals a hostile client would send
number_literals = st.sampled_from(["NaN", "Infinity", "-Infinity", "1e999", "-1e999", "1E400", "0e0", "1.5"])
edge_text = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.sampled_from("Aa \x00\u200b\u0301é中\U0001f600-/."), min_size=1, max_size=60),
    st.integers(min_value=NAME_LENGTH - 2, max_value=NAME_LENGTH + 400).map(lambda n: "W" * n),
    st.just("a\x00b"),
)


def line(**changes: Any) -> dict[str, Any]:
    return {"item": "H20", "quantity": 1, "destination": "CN", "ship_date": "2025-05-01", **changes}


def post_raw(client: TestClient, path: str, body: str, key: str) -> int:
    r = client.post(path, content=body.encode(), headers={**h(key), "Content-Type": "application/json"})
    return r.status_code


def assert_clean(status: int, before: tuple[int, int], after: tuple[int, int], what: str) -> None:
    assert status < 500, f"{what}: {status}"
    if 400 <= status < 500:
        assert after == before, f"{what}: a {status} wrote {after} (was {before})"


@FUZZ
@given(quantity=edge_ints, value=edge_floats, name=edge_text, item=edge_text)
def test_api_check_and_shipments_never_5xx_and_write_nothing_on_4xx(
    world: tuple[TestClient, Keys, str],  # noqa: F811
    quantity: int,
    value: float,
    name: str,
    item: str,
) -> None:
    client, keys, url = world
    body = line(quantity=quantity, value_usd=value, parties=[{"name": name, "role": "end_user", "country": "CN"}])
    if item.strip():
        body["item"] = item if len(item) % 3 else "H20"
    text = json.dumps(body)  # NaN and infinities become the literals NaN / Infinity
    for path, payload in (("/api/check", text), ("/api/shipments", '{"lines": [' + text + "]}")):
        before = counts(url)
        status = post_raw(client, path, payload, keys.admin)
        assert_clean(status, before, counts(url), f"{path} {payload[:120]}")


@FUZZ
@given(literal=number_literals, field=st.sampled_from(["quantity", "value_usd"]))
def test_api_number_literals(world: tuple[TestClient, Keys, str], literal: str, field: str) -> None:  # noqa: F811
    client, keys, url = world
    text = json.dumps(line(**{field: "@"})).replace('"@"', literal)
    before = counts(url)
    status = post_raw(client, "/api/shipments", '{"lines": [' + text + "]}", keys.admin)
    assert_clean(status, before, counts(url), text)


@FUZZ
@given(quantity=edge_ints, value=edge_floats, note=edge_text, number=edge_text)
def test_api_applications_never_5xx(
    world: tuple[TestClient, Keys, str],  # noqa: F811
    quantity: int,
    value: float,
    note: str,
    number: str,
) -> None:
    client, keys, url = world
    body = {
        "items": ["H20"],
        "destinations": ["CN"],
        "parties": [{"name": note or "Acme", "role": "end_user", "country": "CN"}],
        "quantity": quantity,
        "value_usd": value,
        "note": note,
        "application_number": number or None,
    }
    before = counts(url)
    status = post_raw(client, "/api/applications", json.dumps(body), keys.admin)
    assert_clean(status, before, counts(url), json.dumps(body)[:200])


@FUZZ
@given(
    quantity=st.one_of(edge_ints.map(str), edge_text),
    value=st.one_of(edge_floats.map(repr), st.sampled_from(["nan", "inf", "-inf", "1e999", "NaN", ""]), edge_text),
    end_user=edge_text,
    order_id=edge_text,
)
def test_console_check_form_never_5xx(
    world: tuple[TestClient, Keys, str],  # noqa: F811
    quantity: str,
    value: str,
    end_user: str,
    order_id: str,
) -> None:
    client, keys, url = world
    sign_in(client, keys.admin)
    form = {**line(), "quantity": quantity, "value_usd": value, "end_user": end_user, "order_id": order_id}
    before_audit, before_ships = counts(url)
    r = client.post("/check", data=form, headers={"Origin": "http://testserver"})
    assert r.status_code < 500, (r.status_code, form)
    after_audit, after_ships = counts(url)
    assert after_ships == before_ships  # a check never ships
    if r.status_code >= 400 or 'class="alert error"' in r.text:
        assert after_audit == before_audit, form
