"""Every country field of the console takes an ISO code or a country name, shows back the country it used, and
refuses anything else with a message: "China" is never read as "CH" (Switzerland)."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import Server, shoot

pytestmark = pytest.mark.browser

CHECK_COUNTRY_FIELDS = ["#destination", "#end_user_country", "#end_user_hq", "#consignee_country", "#origin"]
CHINA = ["China", "china", "CN", "People's Republic of China"]


def _fill_check(pg: Any, country: str, *, overrides: dict[str, str] | None = None) -> None:
    pg.fill("#item", "H100")
    pg.fill("#quantity", "2")
    pg.fill("#ship_date", "2025-05-01")
    pg.fill("#value_usd", "25000")
    pg.fill("#end_user", "Example Compute Co")
    pg.fill("#consignee", "Example Logistics Co")
    pg.fill("#hts", "8473.30.1180")
    for field in CHECK_COUNTRY_FIELDS:
        pg.fill(field, (overrides or {}).get(field, country))
    pg.click("#check-button")


@pytest.mark.parametrize("typed", CHINA)
def test_every_check_form_country_field_reads_china(page: Any, server: Server, typed: str) -> None:
    pg = page
    pg.goto(server.url + "/check")
    _fill_check(pg, typed)
    card = pg.locator("#verdict-card")
    card.wait_for()
    facts = card.inner_text()
    assert "China (CN)" in facts and "Switzerland" not in facts
    parties = pg.locator("#facts-parties tbody tr")
    assert parties.count() == 2
    for i in range(2):
        assert parties.nth(i).locator(".party-country").inner_text() == "China (CN)"
    assert parties.nth(0).locator(".party-hq").inner_text() == "China (CN)"
    pg.locator("#duty-card").wait_for()
    assert pg.inner_text("#duty-origin") == "China (CN)"
    # every fact the decision used is on the card
    for label in ("Ship date", "Rules layer", "Rules data", "Lists"):
        assert label.lower() in facts.lower()
    assert "2025-05-01" in facts
    if typed == "People's Republic of China":
        shoot(pg, "07-check-country-names")


@pytest.mark.parametrize("field", CHECK_COUNTRY_FIELDS)
def test_a_misspelled_country_is_refused_with_a_message(page: Any, server: Server, field: str) -> None:
    pg = page
    pg.goto(server.url + "/check")
    _fill_check(pg, "CN", overrides={field: "Chinaa"})
    pg.locator("#check-error").wait_for()
    error = pg.inner_text("#check-error")
    assert "unknown country 'Chinaa'" in error and "did you mean China (CN)" in error
    assert pg.locator("#verdict-card").count() == 0


def test_a_headquarters_without_an_end_user_is_refused_not_dropped(page: Any, server: Server) -> None:
    pg = page
    pg.goto(server.url + "/check")
    pg.fill("#item", "H100")
    pg.fill("#destination", "Singapore")
    pg.fill("#ship_date", "2025-05-01")
    pg.fill("#end_user_hq", "China")
    pg.click("#check-button")
    pg.locator("#check-error").wait_for()
    assert "give the end user's name too" in pg.inner_text("#check-error")
    assert pg.locator("#verdict-card").count() == 0


@pytest.mark.parametrize("typed", CHINA)
def test_screening_country_field_reads_china(page: Any, server: Server, typed: str) -> None:
    pg = page
    pg.goto(server.url + "/screening")
    pg.fill("#name", "Example Compute Co")
    pg.fill("#country", typed)
    pg.click("#screen-form button[type=submit]")
    pg.locator("#screen-query").wait_for()
    assert "(China, CN)" in pg.inner_text("#screen-query")


def test_screening_refuses_a_misspelled_country(page: Any, server: Server) -> None:
    pg = page
    pg.goto(server.url + "/screening")
    pg.fill("#name", "Example Compute Co")
    pg.fill("#country", "Chinaa")
    pg.click("#screen-form button[type=submit]")
    pg.locator("#screen-error").wait_for()
    assert "unknown country 'Chinaa'" in pg.inner_text("#screen-error")
