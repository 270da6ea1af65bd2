"""A license's suspension and reinstatement recorded from its console page in a real browser: the approver's form,
a refused day shown on the page, the history, and the shipments that follow; an analyst sees no form (until
2026-12-07 only the CLI could record a status change)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from .conftest import Server, shoot

pytestmark = pytest.mark.browser

PARTY = {"name": "Status Test Cloud Ltd", "role": "end_user", "country": "CN"}  # its own party: no other test's license


def _line(ship_date: str) -> dict[str, Any]:
    return {"item": "nvidia-h20", "quantity": 2, "destination": "CN", "ship_date": ship_date, "parties": [PARTY]}


def _ship(server: Server, ship_date: str) -> dict[str, Any]:
    r = server.api("POST", "/api/shipments", json={"lines": [_line(ship_date)], "reference": f"PO-ST-{ship_date}"})
    assert r.status_code == 201, r.text
    return dict(r.json()["lines"][0])


@pytest.fixture(scope="module")
def st1(server: Server) -> str:
    """License ST1 for H20 to PARTY in China, issued 2025-08-08."""
    app = {
        "items": ["nvidia-h20"],
        "destinations": ["CN"],
        "parties": [PARTY],
        "quantity": 100,
        "application_number": "A-ST1",
        "submitted_on": "2025-07-15",
    }
    made = server.api("POST", "/api/applications", json=app)
    assert made.status_code == 201, made.text
    grant = {"number": "ST1", "valid_from": "2025-08-08", "valid_to": "2027-08-07", "decided_on": "2025-08-08"}
    r = server.api("POST", f"/api/applications/{made.json()['id']}/grant", json=grant)
    assert r.status_code == 201, r.text
    return "ST1"


def test_an_analyst_sees_no_status_form_and_is_refused(browser: Any, server: Server, st1: str) -> None:
    made = server.api("POST", "/api/users", json={"name": "status-analyst", "role": "analyst"})
    assert made.status_code == 201, made.text
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    try:
        pg = context.new_page()
        pg.goto(f"{server.url}/login#key={made.json()['api_key']}")
        pg.wait_for_url(re.compile(r".*/check$"))
        pg.goto(server.url + "/licenses/ST1")
        assert "License ST1" in pg.inner_text("h1")
        assert pg.locator("#status-form").count() == 0
        form = {"status": "revoked", "effective_on": "2025-10-01", "reason": "not mine to record"}
        r = pg.request.post(server.url + "/licenses/ST1/status", form=form, headers={"Origin": server.url})
        assert r.status == 403 and "may not license.write" in r.text()
        assert server.api("GET", "/api/licenses/ST1").json()["status"] == "active"
    finally:
        context.close()


def test_an_approver_suspends_and_reinstates_a_license_from_its_page(page: Any, server: Server, st1: str) -> None:
    pg = page  # the admin: an approver and more
    pg.goto(server.url + "/licenses/ST1")
    form = pg.locator("#status-form")
    assert form.is_visible()
    # a day before the license was issued: refused on the page, the form kept as typed, nothing written
    pg.select_option("#status-choice", "suspended")
    pg.fill("#effective_on", "2025-08-01")
    pg.fill("#status-reason", "BIS letter of 2025-09-01")
    form.locator("button[type=submit]").click()
    pg.wait_for_load_state()
    error = pg.locator("#status-error")
    assert error.is_visible() and "before license ST1 was issued (2025-08-08)" in error.inner_text()
    assert pg.input_value("#status-reason") == "BIS letter of 2025-09-01"
    assert server.api("GET", "/api/licenses/ST1").json()["status"] == "active"
    shoot(pg, "19-license-status-refused")
    pg.fill("#effective_on", "2025-09-01")
    form.locator("button[type=submit]").click()
    pg.wait_for_url(re.compile(r".*/licenses/ST1$"))
    assert pg.locator("#status-error").count() == 0
    assert "suspended" in pg.inner_text(".kv")
    history = pg.inner_text("#status-history")
    assert "2025-09-01" in history and "BIS letter of 2025-09-01" in history
    # suspended: a line dated after the suspension is held, not licensed
    out = _ship(server, "2025-09-05")
    assert out["status"] == "held" and out["verdict"] == "LICENSE_REQUIRED", out
    assert "ST1: suspended since 2025-09-01" in str(out["decision"]["reasons"])
    # the form now offers a reinstatement
    pg.goto(server.url + "/licenses/ST1")
    pg.select_option("#status-choice", "active")
    pg.fill("#effective_on", "2025-09-10")
    pg.fill("#status-reason", "BIS lifted the suspension")
    shoot(pg, "20-license-status-form")
    pg.locator("#status-form button[type=submit]").click()
    pg.wait_for_url(re.compile(r".*/licenses/ST1$"))
    assert pg.locator("#status-history tbody tr").count() == 2
    assert "reinstated" in pg.inner_text("#status-history")
    shipped = _ship(server, "2025-09-12")
    assert shipped["status"] == "shipped" and shipped["verdict"] == "LICENSED", shipped
    inside = _ship(server, "2025-09-05")
    assert inside["status"] == "held" and "the license was suspended from 2025-09-01" in str(inside["decision"])
    assert server.api("GET", "/api/licenses/ST1").json()["quantity_used"] == 2
