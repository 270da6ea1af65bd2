"""Console details as a new user sees them in Chromium: ECCN badges keep their case, the icon loads, times read to
the minute, audit checks are labelled, the duty card names its origin and sources, a long Entity List address does
not stretch the screening page, and the chip map's labels come from the catalog."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from .conftest import Server, shoot

pytestmark = pytest.mark.browser


def test_eccn_badge_keeps_the_paragraph_letter_lower_case(page: Any, server: Server) -> None:
    page.goto(server.url + "/items/nvidia-h100-sxm5-80gb?as_of=2026-01-01")
    badge = page.locator(".facts .badge.s-controlled").first
    assert badge.inner_text() == "3A090.a"  # innerText applies CSS text-transform: this is what the user reads
    assert page.locator(".facts div > span:first-child").first.inner_text() == "ECCN"  # the label stays small caps


def test_favicon_loads(page: Any, server: Server) -> None:
    r = httpx.get(server.url + "/favicon.ico", timeout=10)
    assert r.status_code == 200 and r.headers["content-type"].startswith("image/svg+xml")
    page.goto(server.url + "/favicon.ico")
    assert page.locator("svg").count() == 1


def test_check_duty_card_and_audit_entry(page: Any, server: Server) -> None:
    pg = page
    pg.goto(server.url + "/check")
    pg.fill("#item", "H100")
    pg.fill("#destination", "US")
    pg.fill("#ship_date", "2025-06-01")
    pg.fill("#value_usd", "25000")
    pg.fill("#hts", "8473.30.1180")
    pg.fill("#origin", "CN")
    pg.click("#check-button")
    pg.locator("#duty-card").wait_for()
    assert pg.inner_text("#duty-origin") == "China (CN)"
    assert "(US)" not in pg.inner_text("#duty-card .muted >> nth=0")
    pg.click("#duty-sources summary")
    sources = pg.inner_text("#duty-sources")
    assert "S1" in sources and "USITC, HTSUS Revision 6" in sources
    card = pg.inner_text("#verdict-card")
    assert re.search(r"decided \d{4}-\d\d-\d\d \d\d:\d\d UTC by", card), card
    shoot(pg, "30-check-duty-sources")
    pg.goto(server.url + "/audit")
    rows = pg.locator("#audit-table tbody tr")
    first = rows.first.inner_text()
    assert "check of H100 to US" in first and "check:-:-" not in first
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", first) and not re.search(r"\d\d:\d\d:\d\d\.\d", first)
    shoot(pg, "31-audit-labels")


def test_long_entity_list_address_is_clamped(page: Any, server: Server) -> None:
    pg = page
    pg.goto(server.url + "/screening?name=Huawei+Technologies+Co.%2C+Ltd.&country=CN")
    blocks = pg.locator(".hit .addresses")
    assert blocks.count() >= 1
    heights = [blocks.nth(i).evaluate("e => e.getBoundingClientRect().height") for i in range(blocks.count())]
    full = [blocks.nth(i).evaluate("e => e.scrollHeight") for i in range(blocks.count())]
    assert max(heights) <= 140, heights  # about 7.5 lines at most, scrollable
    assert max(full) > 300  # the long address is all there, inside its box
    shoot(pg, "32-screening-long-address")


def test_footnotes_and_trace_sentences(page: Any, server: Server) -> None:
    pg = page
    pg.goto(server.url + "/screening?name=Huawei+Technologies+Co.%2C+Ltd.&country=CN")
    assert pg.locator(".hit sup.fn").count() >= 1
    html = pg.content()
    assert 'of the EAR<sup class="fn">2</sup>' in html and "of the EAR2" not in html
    pg.goto(server.url + "/items/nvidia-h20?as_of=2026-01-01")
    trace = pg.inner_text("ol.reasons")
    assert "designed for datacenters is yes, not no; and TPP 2,368 is below 4,800" in trace
    assert "->" not in trace
    shoot(pg, "33-item-h20-sentences")
