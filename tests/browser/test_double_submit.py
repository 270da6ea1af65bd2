"""The check page's "Create shipment" form posted twice records one shipment and draws its license once (a console
audit, 2026-12-08: with the server busy, a second press on the button sent the form again and the line shipped
twice, drawing 8 of a 10-unit license for a 4-unit line; the API had its Idempotency-Key, the console's form no
key at all). The form carries a key per check shown (``submission``); the ledger keeps it with the shipment."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from tests.browser.conftest import Server

LICENSE = "L-TWICE-1"
PARTY = {"name": "Qorvix Systems", "role": "end_user", "country": "CN"}

# Posts the form on the page as the browser would (its fields, the session cookie, the Origin header), ``times``
# times, one after the other or all at once, and answers where each post ended (after the redirect).
POST_FORM_TWICE = """async ([times, together]) => {
  const form = document.querySelector("#create-shipment").form;
  const post = () => fetch(form.action, {method: "POST", body: new FormData(form)})
    .then(async r => ({status: r.status, url: r.url, text: (await r.text()).slice(0, 2000)}));
  if (together) return Promise.all(Array.from({length: times}, post));
  const out = [];
  for (let i = 0; i < times; i++) out.push(await post());
  return out;
}"""


@pytest.fixture(scope="module")
def licensed(server: Server) -> str:
    today = dt.date.today().isoformat()
    app = server.api(
        "POST",
        "/api/applications",
        json={
            "items": ["nvidia-h100-sxm5-80gb"],
            "destinations": ["CN"],
            "parties": [PARTY],
            "quantity": 10,
            "application_number": "D-TWICE",
            "submitted_on": today,
        },
    )
    assert app.status_code == 201, app.text
    until = (dt.date.today() + dt.timedelta(days=300)).isoformat()
    grant = {"number": LICENSE, "valid_from": today, "valid_to": until, "quantity_limit": 10}
    granted = server.api("POST", f"/api/applications/{app.json()['id']}/grant", json=grant)
    assert granted.status_code == 201, granted.text
    return LICENSE


def _checked(page: Any, server: Server, quantity: int) -> None:
    page.goto(f"{server.url}/check?item=H100&destination=CN&quantity={quantity}")
    page.fill("#end_user", PARTY["name"])
    page.fill("#end_user_country", "China")
    page.fill("#end_user_hq", "CN")
    page.click("#check-button")
    page.wait_for_selector("#create-shipment")
    assert page.get_attribute("#verdict-card", "data-verdict") == "LICENSED"


def _used(server: Server) -> tuple[int, list[int]]:
    lic = server.api("GET", f"/api/licenses/{LICENSE}").json()
    return lic["quantity_used"], [u["shipment_line_id"] for u in lic["usage"]]


@pytest.mark.parametrize("together", [False, True], ids=["one-after-the-other", "at-once"])
def test_the_shipment_form_posted_twice_ships_once_and_draws_the_license_once(
    page: Any, server: Server, licensed: str, together: bool
) -> None:
    used_before, lines_before = _used(server)
    _checked(page, server, 2)
    answers = page.evaluate(POST_FORM_TWICE, [2, together])
    assert [a["status"] for a in answers] == [200, 200], answers
    urls = {a["url"] for a in answers}
    assert len(urls) == 1 and "/shipments/" in urls.pop(), answers  # both end on the one shipment's page
    used, lines = _used(server)
    assert used == used_before + 2, (used_before, used)
    assert len(lines) == len(lines_before) + 1, lines


def test_each_check_shown_is_its_own_shipment(page: Any, server: Server, licensed: str) -> None:
    """The key belongs to one check shown: checking the same line again and creating it ships it again (two orders
    of the same line are two shipments), and a form whose key was used with another reference is refused."""
    used_before, _ = _used(server)
    for _ in range(2):
        _checked(page, server, 1)
        page.click("#create-shipment")
        page.wait_for_url("**/shipments/*")
    used, _ = _used(server)
    assert used == used_before + 2
    _checked(page, server, 1)
    first = page.evaluate(POST_FORM_TWICE, [1, False])
    page.fill("input[name=reference]", "PO-CHANGED")
    [again] = page.evaluate(POST_FORM_TWICE, [1, False])
    assert again["status"] == 422 and "submission:" in again["text"], again
    assert _used(server)[0] == used_before + 3, first
