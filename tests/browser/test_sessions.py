"""A sign-in link opened in a browser that is already signed in asks before switching accounts (issue 13), and
signing out ends the session."""

from __future__ import annotations

import re
from typing import Any

import pytest

from .conftest import Server

pytestmark = pytest.mark.browser


def test_a_sign_in_link_asks_before_switching_a_signed_in_admin(page: Any, server: Server) -> None:
    made = server.api("POST", "/api/users", json={"name": "link-viewer", "role": "viewer"})
    assert made.status_code == 201, made.text
    other_key = made.json()["api_key"]
    pg = page  # signed in as the admin
    pg.goto(f"{server.url}/login#key={other_key}")
    warning = pg.locator("#switch-warning")
    warning.wait_for(state="visible")
    assert "signed in as admin" in warning.inner_text()
    assert pg.url.endswith("/login")  # no automatic switch
    assert "#key=" not in pg.url  # the key left the address bar
    pg.goto(server.url + "/users")  # still the admin: the users page is admin-only
    assert "link-viewer" in pg.inner_text("main")
    pg.goto(f"{server.url}/login#key={other_key}")
    pg.locator("#switch-warning").wait_for(state="visible")
    pg.click("button[type=submit]")  # the user chooses to switch
    pg.wait_for_url(re.compile(r".*/check$"))
    pg.goto(server.url + "/logout")
    pg.goto(server.url + "/holds")
    assert pg.url.startswith(server.url + "/login")
