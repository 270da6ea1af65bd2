"""Console inputs an outside audit (2026-12) got through: a sign-in link's `next` leading to another site
(`/\\evil.example`, which browsers read as `//evil.example`); numbers Python reads but the API does not (`1_000`,
Arabic-Indic digits); form fields whose bytes are not UTF-8, decided and audited for a party named U+FFFD."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

ORIGIN = {"Origin": "http://testserver"}
FORM = {"item": "H20", "quantity": "8", "destination": "CN", "ship_date": "2025-05-01"}


def _next_links(page: str) -> set[str]:
    """Every place the login page carries `next`: the hidden field and the "stay signed in" link."""
    hidden = re.findall(r'name="next" value="([^"]*)"', page)
    links = re.findall(r'href="([^"]*)"', page.split("<main", 1)[-1])
    return set(hidden) | {x for x in links if not x.startswith(("/static", "/favicon", "/logout", "/login"))}


@pytest.mark.parametrize(
    "target",
    [
        "/\\evil.example",
        "//evil.example",
        "/%5Cevil",
        "/%5cevil",
        "/%2F/evil.example",
        "/\t/evil.example",
        "/\n/evil.example",
        "/%09/evil.example",
        "https://evil",
        "javascript:alert(1)",
        "evil.example",
        "",
    ],
)
def test_sign_in_goes_only_to_a_path_on_this_site(console: TestClient, target: str) -> None:
    page = console.get("/login", params={"next": target})  # signed in: the page offers to stay
    assert page.status_code == 200
    assert _next_links(page.text) <= {"/check"}, _next_links(page.text)
    assert "evil" not in page.text
    r = console.post("/login", data={"key": console.api_key, "next": target}, headers=ORIGIN, follow_redirects=False)  # type: ignore[attr-defined]
    assert r.status_code == 303 and r.headers["location"] == "/check"


@pytest.mark.parametrize("target", ["/holds", "/licenses/D%2F100", "/items/nvidia-h20?as_of=2025-01-01"])
def test_sign_in_keeps_a_path_on_this_site(console: TestClient, target: str) -> None:
    r = console.post("/login", data={"key": console.api_key, "next": target}, headers=ORIGIN, follow_redirects=False)  # type: ignore[attr-defined]
    assert r.status_code == 303 and r.headers["location"] == target


def _check_error(console: TestClient, **fields: str) -> str:
    r = console.post("/check", data={**FORM, **fields}, headers=ORIGIN)
    assert r.status_code == 422, r.text[:500]
    found = re.search(r'id="check-error"><strong>Cannot check:</strong> ([^<]*)<', r.text)
    assert found, r.text[:500]
    assert 'id="verdict' not in r.text
    return found.group(1)


@pytest.mark.parametrize("typed", ["1_000", "\u0663", "\u0968", "+8", "8.0", "1e3", " 8 8", "８", "9" * 5000])
def test_quantity_takes_ascii_digits_only(console: TestClient, typed: str) -> None:
    assert _check_error(console, quantity=typed).startswith("quantity:")


@pytest.mark.parametrize(
    "typed", ["\u0661\u0660", "1_000", "1e3", "1.2.3", "-5", "nan", "inf", "1,000", "\uff11\uff10"]
)
def test_value_takes_ascii_digits_and_one_point(console: TestClient, typed: str) -> None:
    assert _check_error(console, value_usd=typed).startswith("value_usd:")


@pytest.mark.parametrize(("field", "typed"), [("quantity", "1000"), ("quantity", " 12 "), ("value_usd", "25000.50")])
def test_plain_numbers_are_still_read(console: TestClient, field: str, typed: str) -> None:
    r = console.post("/check", data={**FORM, field: typed}, headers=ORIGIN)
    assert r.status_code == 200 and 'id="check-error"' not in r.text, r.text[:500]


def _audit_lines(console: TestClient) -> int:
    r = console.get("/api/audit/export", headers={"X-API-Key": console.api_key})  # type: ignore[attr-defined]
    assert r.status_code == 200
    return len(r.text.splitlines())


@pytest.mark.parametrize("raw", [b"end_user=%ED%A0%80", b"end_user=%FF%FE", b"end_use=caf%E9"])
def test_a_form_field_that_is_not_utf8_is_refused_naming_it(console: TestClient, raw: bytes) -> None:
    before = _audit_lines(console)
    body = b"item=H20&quantity=8&destination=CN&ship_date=2025-05-01&" + raw
    headers = {**ORIGIN, "content-type": "application/x-www-form-urlencoded"}
    r = console.post("/check", content=body, headers=headers)
    field = raw.split(b"=")[0].decode()
    assert r.status_code == 400 and f"{field}: not valid UTF-8" in r.text, r.text[:300]
    assert "\ufffd" not in r.text
    assert _audit_lines(console) == before  # nothing decided, nothing recorded
    # the same field in UTF-8 is read as before
    ok = console.post("/check", content=body.replace(raw, raw.split(b"=")[0] + b"=caf%C3%A9"), headers=headers)
    assert ok.status_code == 200


def test_a_query_parameter_that_is_not_utf8_is_refused(console: TestClient) -> None:
    r = console.get("/check?item=%ED%A0%80")
    assert r.status_code == 400 and "item: not valid UTF-8" in r.text


def test_license_grant_quantity_takes_ascii_digits_only(console: TestClient) -> None:
    key = {"X-API-Key": console.api_key}  # type: ignore[attr-defined]
    party = {"name": "Example Cloud Services Ltd", "role": "end_user", "country": "CN"}
    application = {"items": ["nvidia-h20"], "destinations": ["CN"], "parties": [party], "quantity": 100}
    app_id = console.post("/api/applications", json=application, headers=key).json()["id"]
    console.post(
        f"/api/applications/{app_id}/submit",
        json={"application_number": "Z1", "submitted_on": "2025-01-02"},
        headers=key,
    )
    grant = {"number": "D100", "valid_from": "2025-04-20", "valid_to": "2027-04-19"}
    for typed in ("1_000", "\u0663", "+5", "1e3"):
        r = console.post(f"/applications/{app_id}/grant", data={**grant, "quantity_limit": typed}, headers=ORIGIN)
        assert r.status_code == 422 and "quantity_limit:" in r.text, (typed, r.text[:300])
    assert console.get("/api/licenses/D100", headers=key).status_code == 404  # nothing granted
    r = console.post(
        f"/applications/{app_id}/grant", data={**grant, "quantity_limit": "100"}, headers=ORIGIN, follow_redirects=False
    )
    assert r.status_code == 303
    assert console.get("/api/licenses/D100", headers=key).json()["quantity_limit"] == 100


def test_a_party_name_shown_otherwise_than_read_is_refused_and_not_recorded(console: TestClient) -> None:
    """``"\\u202eiewauH"`` is shown as "Huawei" on the page and in the audit log, but was screened as "iewauH"."""
    key = {"X-API-Key": console.api_key}  # type: ignore[attr-defined]
    before = console.get("/api/audit/verify", headers=key).json()["records"]
    error = _check_error(console, item="L20", destination="DE", end_user="\u202eiewauH", end_user_country="CN")
    assert error.startswith("end user: ") and "U+202E, right-to-left override" in error, error
    assert console.get("/api/audit/verify", headers=key).json()["records"] == before


@pytest.mark.parametrize(
    ("field", "typed", "message"),
    [
        ("end_user", "x" * 5000, "end user: String should have at most 300 characters"),
        ("consignee", "x" * 5000, "ultimate consignee: String should have at most 300 characters"),
        ("consignee", "Khazna\x01", "ultimate consignee: must not contain an invisible control"),
        ("end_user", "\u202eiewauH", "end user: must not contain an invisible control"),
        ("end_use", "x" * 5000, "end use: String should have at most 4000 characters"),
    ],
)
def test_a_refused_party_or_end_use_names_its_form_field(
    console: TestClient, field: str, typed: str, message: str
) -> None:
    """The check form names the field a refused party name or end use came from; the model's own error said `name`
    or `text`, not which party (a console audit, 2026-12-08)."""
    error = _check_error(console, **{field: typed})
    assert error.startswith(message), error
