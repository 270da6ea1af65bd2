"""Console details a new user trips over: the icon, readable times, audit labels, the duty card's origin and
sources."""

from __future__ import annotations

import datetime as dt
import re

from fastapi.testclient import TestClient

from chipclear.web.render import utc

ORIGIN = {"Origin": "http://testserver"}


def test_favicon_is_served(console: TestClient) -> None:
    r = console.get("/favicon.ico")
    assert r.status_code == 200 and r.headers["content-type"].startswith("image/svg+xml")
    assert r.content.startswith(b"<svg")
    assert '<link rel="icon" href="/favicon.ico"' in console.get("/check").text


def test_times_read_to_the_minute_in_utc() -> None:
    assert utc("2026-12-05T02:45:13.123456+00:00") == "2026-12-05 02:45 UTC"
    assert utc(dt.datetime(2026, 12, 5, 3, 45, 9, 5, tzinfo=dt.timezone(dt.timedelta(hours=1)))) == (
        "2026-12-05 02:45 UTC"
    )
    assert utc("2026-12-05 02:45:13.5") == "2026-12-05 02:45 UTC"  # the ledger's naive UTC
    assert utc(None) == "" and utc("not a time") == "not a time"


def test_audit_page_labels_checks_and_shows_minutes(console: TestClient) -> None:
    form = {"item": "H20", "quantity": "8", "destination": "CN", "ship_date": "2025-05-01"}
    r = console.post("/check", data=form, headers=ORIGIN)
    assert r.status_code == 200, r.text
    decided = re.search(r"decided ([^<]*?) by", r.text)
    assert decided and re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", decided.group(1)), decided
    page = console.get("/audit").text
    table = page.split('id="audit-table"')[1]
    assert ">check:-:-<" not in table
    assert ">check of H20 to CN<" in table
    assert re.search(r">\d{4}-\d\d-\d\d \d\d:\d\d UTC<", table)
    assert not re.search(r"\d\d:\d\d:\d\d\.\d+", table)  # no raw ISO with microseconds


def test_duty_card_names_the_origin_and_explains_its_sources(console: TestClient) -> None:
    form = {
        "item": "H20",
        "quantity": "1",
        "destination": "US",
        "ship_date": "2025-06-01",
        "value_usd": "25000",
        "hts": "8473.30.1180",
        "origin": "CN",
    }
    r = console.post("/check", data=form, headers=ORIGIN)
    assert r.status_code == 200, r.text
    card = r.text.split('id="duty-card"')[1]
    assert 'id="duty-origin">China (CN)<' in card and "(US)" not in card.split("<table")[0]
    sources = card.split('id="duty-sources"')[1]
    assert 'id="duty-source-S1"' in sources and 'id="duty-source-S18"' in sources
    assert "USITC, HTSUS Revision 6" in sources  # S1's title, not just its id


def test_verdict_card_says_lists_not_consulted_when_no_party_is_named(console: TestClient) -> None:
    form = {"item": "H20", "quantity": "8", "destination": "CN", "ship_date": "2025-05-01"}
    r = console.post("/check", data=form, headers=ORIGIN)
    assert r.status_code == 200, r.text
    assert "<div><span>Lists</span>not consulted (no party)</div>" in r.text
    assert "none loaded" not in r.text
