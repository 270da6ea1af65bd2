"""The HTTP API against a real SQLite ledger: auth and roles, the decision JSON, errors, limits, the ledger flow."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from chipclear.api import create_app
from chipclear.cli import app as cli_app
from chipclear.cli.serve import first_admin_key

from .conftest import Keys, h, sign_in

H20_CN = {"item": "H20", "quantity": 8, "destination": "CN", "ship_date": "2025-05-01"}


def test_health_needs_no_key_and_openapi_is_published(client: TestClient) -> None:
    assert client.get("/api/health").json()["status"] == "ok"
    spec = client.get("/openapi.json").json()
    assert "/api/check" in spec["paths"] and "/api/holds/{line_id}/release" in spec["paths"]
    assert "X-API-Key" in json.dumps(spec["components"]["securitySchemes"])


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/catalog"),
        ("GET", "/api/classify/H20"),
        ("POST", "/api/check"),
        ("POST", "/api/screen"),
        ("GET", "/api/licenses"),
        ("POST", "/api/shipments"),
        ("GET", "/api/holds"),
        ("GET", "/api/audit/verify"),
        ("GET", "/api/lists/status"),
        ("GET", "/api/users"),
    ],
)
def test_no_anonymous_access(client: TestClient, method: str, path: str) -> None:
    r = client.request(method, path, json={})
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "unauthorized"
    if method == "GET":  # a write with a wrong key fails validation or authentication, never succeeds
        bad = client.request(method, path, headers=h("cc_wrong-key-0000000000000000000000000"))
        assert bad.status_code == 403
        assert bad.json()["error"] == {"code": "permission_denied", "message": "API key is not valid", "field": None}


def test_the_console_cookie_is_not_an_api_credential(client: TestClient, keys: Keys) -> None:
    sign_in(client, keys.admin)
    assert client.cookies.get("chipclear_session")
    assert client.get("/api/licenses").status_code == 401


def test_bearer_token_works_like_the_header(client: TestClient, keys: Keys) -> None:
    r = client.get("/api/me", headers={"Authorization": f"Bearer {keys.viewer}"})
    assert r.json() == {"name": "dave", "role": "viewer"}


def test_h20_to_china_2025_05_01_needs_a_license_with_its_citation(client: TestClient, keys: Keys) -> None:
    r = client.post("/api/check", json=H20_CN, headers=h(keys.analyst))
    assert r.status_code == 200, r.text
    d = r.json()
    assert d["verdict"] == "LICENSE_REQUIRED"
    assert d["as_of"] == "2025-05-01" and d["actor"] == "carol"
    assert any("744.23" in reason["citation"] and "H20" in reason["detail"] for reason in d["reasons"])


def test_check_json_has_the_cli_field_names_and_values(client: TestClient, keys: Keys) -> None:
    api = client.post("/api/check", json=H20_CN, headers=h(keys.analyst)).json()
    out = CliRunner().invoke(
        cli_app, ["check", "--item", "H20", "--to", "CN", "--quantity", "8", "--date", "2025-05-01", "--json"]
    )
    assert out.exit_code == 0, out.output
    cli = json.loads(out.output)
    assert set(api) == set(cli)
    assert api["verdict"] == cli["verdict"] and api["classification"] == cli["classification"]
    engine_reasons = [r for r in api["reasons"] if not r["rule"].startswith("ledger")]  # the API adds the ledger
    assert engine_reasons == cli["reasons"]


def test_roles_are_enforced_by_the_services(client: TestClient, keys: Keys) -> None:
    assert client.post("/api/check", json=H20_CN, headers=h(keys.viewer)).status_code == 403
    assert client.get("/api/licenses", headers=h(keys.viewer)).status_code == 200
    denied = client.post("/api/users", json={"name": "eve", "role": "admin"}, headers=h(keys.approver))
    assert denied.status_code == 403 and denied.json()["error"]["code"] == "permission_denied"
    made = client.post("/api/users", json={"name": "erin", "role": "analyst"}, headers=h(keys.admin))
    assert made.status_code == 201
    new_key = made.json()["api_key"]
    assert client.get("/api/me", headers=h(new_key)).json() == {"name": "erin", "role": "analyst"}
    assert "api_key" not in json.dumps(client.get("/api/users", headers=h(keys.admin)).json())


@pytest.mark.parametrize(
    ("body", "status", "code", "field"),
    [
        ({**H20_CN, "quantity": "eight"}, 422, "invalid_input", "quantity"),
        ({**H20_CN, "ship_date": "2025-13-01"}, 422, "invalid_input", "ship_date"),
        ({k: v for k, v in H20_CN.items() if k != "destination"}, 422, "invalid_input", "destination"),
        ({**H20_CN, "item": "NoSuchChip 9000"}, 404, "unknown_item", "item"),
        ({**H20_CN, "destination": "XX"}, 422, "invalid_input", "destination"),
    ],
)
def test_bad_input_is_one_json_error_naming_the_field(
    client: TestClient, keys: Keys, body: dict[str, Any], status: int, code: str, field: str
) -> None:
    r = client.post("/api/check", json=body, headers=h(keys.analyst))
    assert r.status_code == status, r.text
    error = r.json()["error"]
    assert error["code"] == code and error["field"] == field
    assert field.split(".")[0] in error["message"]


def test_request_body_size_is_limited(db_url: str, keys: Keys) -> None:
    with TestClient(create_app(db_url, max_body_bytes=2_000)) as small:
        big = {**H20_CN, "end_use": {"text": "x" * 5_000}}
        r = small.post("/api/check", json=big, headers=h(keys.analyst))
        assert r.status_code == 413
        assert r.json()["error"]["code"] == "request_too_large"
        chunked = small.post(
            "/api/check",
            content=iter([json.dumps(big).encode()]),
            headers={**h(keys.analyst), "content-type": "application/json"},
        )
        assert chunked.status_code == 413


def test_unexpected_errors_give_no_stack_trace(client: TestClient, keys: Keys, monkeypatch: pytest.MonkeyPatch) -> None:
    from chipclear.ledger import checks as ledger_checks

    def boom(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError("secret internal detail /etc/passwd")

    monkeypatch.setattr(ledger_checks, "record_check", boom)
    with TestClient(client.app, raise_server_exceptions=False) as c:
        r = c.post("/api/check", json=H20_CN, headers=h(keys.analyst))
    assert r.status_code == 500
    assert r.json()["error"]["code"] == "internal_error"
    assert "secret" not in r.text and "Traceback" not in r.text


def test_license_flow_ship_hold_release_and_audit(client: TestClient, keys: Keys) -> None:
    party = {"name": "Example Cloud Services Ltd", "role": "end_user", "country": "CN"}
    app = client.post(
        "/api/applications",
        json={"items": ["nvidia-h20"], "destinations": ["CN"], "parties": [party], "quantity": 100},
        headers=h(keys.analyst),
    )
    assert app.status_code == 201, app.text
    app_id = app.json()["id"]
    assert app.json()["status"] == "draft"
    sub = client.post(
        f"/api/applications/{app_id}/submit",
        json={"application_number": "Z1", "submitted_on": "2025-01-02"},
        headers=h(keys.analyst),
    )
    assert sub.json()["status"] == "submitted"
    grant = {"number": "D100", "valid_from": "2025-04-20", "valid_to": "2027-04-19", "quantity_limit": 100}
    assert client.post(f"/api/applications/{app_id}/grant", json=grant, headers=h(keys.analyst)).status_code == 403
    lic = client.post(f"/api/applications/{app_id}/grant", json=grant, headers=h(keys.approver))
    assert lic.status_code == 201, lic.text
    line = {**H20_CN, "quantity": 60, "ship_date": "2025-06-01", "parties": [party]}
    first = client.post("/api/shipments", json={"lines": [line]}, headers=h(keys.analyst)).json()
    assert first["lines"][0]["status"] == "shipped" and first["lines"][0]["verdict"] == "LICENSED"
    assert first["lines"][0]["license_number"] == "D100"
    got = client.get(f"/api/shipments/{first['shipment']['id']}", headers=h(keys.viewer)).json()
    assert [ln["status"] for ln in got["lines"]] == ["shipped"] and got["shipment"]["created_by"] == "carol"
    read = client.get(f"/api/shipment-lines/{first['lines'][0]['line_id']}", headers=h(keys.viewer)).json()
    assert read["license_number"] == "D100" and got["lines"][0]["license_number"] == "D100"  # read back, not null
    assert client.get("/api/shipments/999", headers=h(keys.viewer)).status_code == 404
    second = client.post("/api/shipments", json={"lines": [line]}, headers=h(keys.analyst)).json()
    held = second["lines"][0]
    assert held["status"] == "held" and held["verdict"] == "LICENSE_REQUIRED"  # 60 + 60 > 100: never over-drawn
    detail = client.get("/api/licenses/D100", headers=h(keys.viewer)).json()
    assert detail["quantity_used"] == 60 and detail["quantity_left"] == 40
    assert [u["quantity"] for u in detail["usage"]] == [60]
    holds = client.get("/api/holds", headers=h(keys.viewer)).json()
    assert [x["line_id"] for x in holds] == [held["line_id"]]
    release = {"reason": "no license covers it"}
    refused = client.post(f"/api/holds/{held['line_id']}/release", json=release, headers=h(keys.approver))
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "conflict"
    cancel = client.post(f"/api/holds/{held['line_id']}/cancel", json=release, headers=h(keys.approver))
    assert cancel.json()["status"] == "cancelled"
    assert client.get("/api/holds", headers=h(keys.viewer)).json() == []
    verify = client.get("/api/audit/verify", headers=h(keys.viewer)).json()
    assert verify["ok"] is True and verify["records"] >= 8
    export = client.get("/api/audit/export", headers=h(keys.viewer))
    lines = [json.loads(x) for x in export.text.splitlines()]
    assert len(lines) == verify["records"]
    assert lines[-1]["record"]["action"] == "shipment.cancel"


def test_screening_one_batch_and_review(client: TestClient, keys: Keys) -> None:
    one = client.post(
        "/api/screen", json={"name": "Moore Threads Technology", "country": "CN"}, headers=h(keys.analyst)
    )
    assert one.status_code == 200
    result = one.json()
    assert result["list_version"] and result["hits"]
    hit = result["hits"][0]
    assert hit["explanation"] and hit["entry_hash"]
    batch = client.post(
        "/api/screen/batch",
        json={"parties": [{"name": "Moore Threads Technology", "country": "CN"}, {"name": "Acme Bakery Ltd"}]},
        headers=h(keys.analyst),
    ).json()
    assert [bool(r["hits"]) for r in batch["results"]] == [True, False]
    review = {
        "party_name": "Moore Threads Technology",
        "country": "CN",
        "entry_id": hit["entry_id"],
        "entry_hash": hit["entry_hash"],
        "decision": "not_a_match",
        "reason": "different registration number and address",
    }
    assert client.post("/api/screen/reviews", json=review, headers=h(keys.analyst)).status_code == 403
    stale = client.post("/api/screen/reviews", json={**review, "entry_hash": "0" * 16}, headers=h(keys.approver))
    assert stale.status_code == 409
    ok = client.post("/api/screen/reviews", json=review, headers=h(keys.approver))
    assert ok.status_code == 200, ok.text
    again = client.post(
        "/api/screen", json={"name": "Moore Threads Technology", "country": "CN"}, headers=h(keys.analyst)
    )
    assert hit["entry_id"] in [s["entry_id"] for s in again.json()["suppressed"]]
    assert hit["entry_id"] not in [x["entry_id"] for x in again.json()["hits"]]
    assert [r["entry_id"] for r in client.get("/api/screen/reviews", headers=h(keys.viewer)).json()] == [
        hit["entry_id"]
    ]


def test_lists_status_and_update_is_admin_only(client: TestClient, keys: Keys) -> None:
    status = client.get("/api/lists/status", headers=h(keys.viewer)).json()
    assert status["embedded"] is True and status["entries"] > 1000 and status["list_date"]
    files = {"file": ("tiny.csv", b"name,source\nAcme,EL\n", "text/csv")}
    assert client.post("/api/lists/update", files=files, headers=h(keys.approver)).status_code == 403
    r = client.post("/api/lists/update", files=files, headers=h(keys.admin))
    assert r.status_code in (400, 422) and r.json()["error"]["message"]  # a truncated list is refused
    assert client.get("/api/lists/status", headers=h(keys.viewer)).json()["list_version"] == status["list_version"]


def test_catalog_classify_timeline_diff_and_duty(client: TestClient, keys: Keys) -> None:
    cat = client.get("/api/catalog", params={"vendor": "NVIDIA", "as_of": "2024-01-01"}, headers=h(keys.viewer))
    assert cat.status_code == 200 and all(x["item"]["vendor"] == "NVIDIA" for x in cat.json())
    item = client.get("/api/catalog/H20", headers=h(keys.viewer)).json()
    assert item["id"] == "nvidia-h20" and item["sources"]
    cls = client.get("/api/classify/H100", params={"as_of": "2024-01-01"}, headers=h(keys.viewer)).json()
    assert cls["eccn"] == "3A090.a" and cls["trace"]
    tl = client.get("/api/timeline/H20", params={"to": "CN"}, headers=h(keys.viewer)).json()
    changes = [p for k, p in enumerate(tl["periods"]) if k == 0 or p["verdict"] != tl["periods"][k - 1]["verdict"]]
    assert [p["verdict"] for p in changes[:2]] == ["NLR", "LICENSE_REQUIRED"] and changes[1]["start"] == "2025-04-09"
    diff = client.get(
        "/api/diff",
        params={"from": "2023-06-01", "to": "2023-12-01", "item": ["A800"], "dest": ["CN"]},
        headers=h(keys.viewer),
    ).json()
    assert diff["changes"] and diff["changes"][0]["after"]["verdict"] != diff["changes"][0]["before"]["verdict"]
    duty = client.get(
        "/api/duty", params={"hts": "8473.30.1180", "origin": "CN", "entry_date": "2025-06-01"}, headers=h(keys.viewer)
    )
    assert duty.status_code == 200 and duty.json()["lines"]
    bad = client.get("/api/duty", params={"hts": "0000.00", "origin": "CN"}, headers=h(keys.viewer))
    assert bad.status_code in (404, 422) and bad.json()["error"]["field"]


def test_first_admin_key_is_created_once(tmp_path: Any) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    key = first_admin_key(url)
    assert key and key.startswith("cc_")
    assert first_admin_key(url) is None


def test_console_refuses_a_form_posted_from_another_site(client: TestClient, keys: Keys) -> None:
    sign_in(client, keys.analyst)
    r = client.post(
        "/check", data={**H20_CN, "destination": "CN"}, headers={"Origin": "https://evil.example", "Host": "testserver"}
    )
    assert r.status_code == 422 and "another site" in r.text
    ok = client.post("/check", data={**H20_CN}, headers={"Origin": "http://testserver"})
    assert ok.status_code == 200 and 'data-verdict="LICENSE_REQUIRED"' in ok.text


def test_console_needs_sign_in(client: TestClient) -> None:
    r = client.get("/holds", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    assert client.post("/login", data={"key": "nope"}).status_code == 401


def test_today_default_dates(client: TestClient, keys: Keys) -> None:
    r = client.post("/api/check", json={"item": "H100", "destination": "DE"}, headers=h(keys.analyst)).json()
    assert r["as_of"] == dt.date.today().isoformat()


def test_console_starts_a_draft_application_from_a_check(client: TestClient, keys: Keys) -> None:
    sign_in(client, keys.analyst)
    party = {"name": "Example Cloud Services Ltd", "role": "end_user", "country": "CN"}
    line = {"item": "H20", "quantity": 8, "destination": "CN", "ship_date": "2025-05-01", "parties": [party]}
    r = client.post("/applications", data={"order_line": json.dumps(line)}, follow_redirects=False)
    assert r.status_code == 303
    apps = client.get("/api/applications", headers=h(keys.viewer)).json()
    assert [(a["status"], a["items"], a["destinations"], a["quantity"]) for a in apps] == [
        ("draft", ["nvidia-h20"], ["CN"], 8)
    ]
    assert client.get("/check").headers["x-frame-options"] == "DENY"


def test_check_adds_the_shares_of_listed_owners(client: TestClient, keys: Keys) -> None:
    """Owners as a set per party through the API: 30 % + 25 % Entity List owners -> affiliate (FR Doc 2025-19001)."""
    owners = [
        {"name": "Shanghai Biren Intelligent Technology Co., Ltd.", "share": 30, "headquarters_country": "CN"},
        {"name": "Moore Threads Intelligent Technology (Beijing) Co., Ltd.", "share": 25, "headquarters_country": "CN"},
    ]
    party = {"name": "Example Joint Venture GmbH", "role": "end_user", "country": "DE", "headquarters_country": "DE"}
    line = {"item": "L20", "destination": "DE", "ship_date": "2025-10-15", "parties": [{**party, "owners": owners}]}
    r = client.post("/api/check", json=line, headers=h(keys.analyst)).json()
    assert r["verdict"] == "LICENSE_REQUIRED"
    assert any(x["rule"].endswith("#affiliates-50") for x in r["reasons"])
    line["parties"] = [{**party, "owners": owners[:1]}]
    assert client.post("/api/check", json=line, headers=h(keys.analyst)).json()["verdict"] == "NLR"
