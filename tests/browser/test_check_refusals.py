"""A check the console refuses, posted from the browser (htmx), is answered 4xx with the message in the page, as the
same form posted without JavaScript is (a console audit, 2026-12-08: htmx's post of a refused check was answered
200, so the browser, a proxy and the access log read a refusal as a success)."""

from __future__ import annotations

from typing import Any

import pytest
from tests.browser.conftest import Server, shoot


def _submit(page: Any, server: Server, **fields: str) -> tuple[int, str]:
    """Fill the check form, press Check, and answer the POST's status and the message shown."""
    page.goto(f"{server.url}/check")
    for name, value in fields.items():
        page.fill(f"#{name}", value)
    with page.expect_response(lambda r: r.request.method == "POST" and r.url.endswith("/check")) as posted:
        page.click("#check-button")
    status = posted.value.status
    page.wait_for_selector("#check-error, #verdict-card")
    shown = page.inner_text("#check-error") if page.locator("#check-error").count() else ""
    return status, shown


@pytest.mark.parametrize(
    ("fields", "status", "message"),
    [
        ({"item": "H20", "destination": "Chinaa"}, 422, "destination: unknown country 'Chinaa'"),
        ({"item": "no-such-chip", "destination": "CN"}, 404, "item: unknown item 'no-such-chip'"),
        ({"item": "H20", "destination": "CN", "end_user": "x" * 5000}, 422, "end user: String should have at most 300"),
        ({"item": "H20", "destination": "CN", "end_user_hq": "CN"}, 422, "end user headquarters: give the end user's"),
    ],
)
def test_a_refused_check_is_a_4xx_with_its_message(
    page: Any, server: Server, fields: dict[str, str], status: int, message: str
) -> None:
    got, shown = _submit(page, server, **fields)
    assert got == status, (got, shown)
    assert shown.startswith(f"Cannot check: {message}"), shown


def test_after_a_refusal_the_corrected_check_is_decided(page: Any, server: Server) -> None:
    status, shown = _submit(page, server, item="H20", destination="Chinaa", ship_date="2025-05-01")
    assert status == 422 and "Chinaa" in shown
    page.fill("#destination", "People's Republic of China")
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.click("#check-button")
    assert posted.value.status == 200
    page.wait_for_selector("#verdict-card")
    assert page.locator("#check-error").count() == 0
    assert page.get_attribute("#verdict-card", "data-verdict") == "LICENSE_REQUIRED"
    assert "China (CN)" in page.inner_text("#verdict-card")
    shoot(page, "check-after-refusal")
