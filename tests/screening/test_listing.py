"""Listing dates derived from the lists' own Federal Register citations (lists as of the decision date)."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from chipclear.decision import OrderLine, Party
from chipclear.determination import determine
from chipclear.determination.history import timeline
from chipclear.screening import Screener, default_screener
from chipclear.screening.listing import Citation, PageCalendar, derive_listings, parse_citations, volume_year
from chipclear.screening.model import ListEntry
from chipclear.screening.store import load_embedded


@pytest.fixture(scope="module")
def screener() -> Screener:
    return default_screener()


def test_citation_formats_of_the_lists() -> None:
    assert parse_citations("90 FR 4622, 1/16/25") == [Citation(90, 4622, dt.date(2025, 1, 16), "90 FR 4622")]
    assert parse_citations("65 FR 42664 7/11/00")[0].date == dt.date(2000, 7, 11)
    assert parse_citations("58 F.R. 42719 8/11/93")[0].date == dt.date(1993, 8, 11)
    two = parse_citations("75 FR 1699 (1/13/2010), 77 FR 24587")
    assert [(c.volume, c.page, c.date) for c in two] == [(75, 1699, dt.date(2010, 1, 13)), (77, 24587, None)]
    assert parse_citations("Vol. 59, No. 44, 03/07/1994")[0].date == dt.date(1994, 3, 7)
    # A date outside the volume's year is a typo in the list (87 FR is 2022): it proves nothing.
    assert parse_citations("87 F.R. 52740 8/29/2002")[0].date is None
    assert parse_citations(None) == [] and parse_citations("no citation") == []


def test_volume_year_agrees_with_the_lists_own_dates() -> None:
    """FR volume V covers year 1935 + V: all but a handful of the bundled lists' four-digit dates agree."""
    lists = load_embedded()
    checked = wrong = 0
    for entry in lists.entries:
        for m in re.finditer(r"(\d+) F\.?R\.? \d+ \(?\d{1,2}/\d{1,2}/(\d{4})", entry.federal_register_notice or ""):
            checked += 1
            wrong += volume_year(int(m.group(1))) != int(m.group(2))
    assert checked > 1000 and wrong <= 5


def test_page_calendar_dates_a_page_between_two_pages_of_one_issue() -> None:
    day = dt.date(2025, 1, 16)
    cal = PageCalendar([Citation(90, 4600, day, ""), Citation(90, 4700, day, ""), Citation(90, 5000, None, "")])
    assert cal.date_of(Citation(90, 4621, None, "90 FR 4621")) == day
    cal2 = PageCalendar([Citation(90, 4600, day, ""), Citation(90, 4700, dt.date(2025, 1, 17), "")])
    assert cal2.date_of(Citation(90, 4650, None, "")) is None  # between two issues: unknown
    assert cal2.date_of(Citation(90, 4800, None, "")) is None  # after the last dated page: unknown


def test_pages_out_of_date_order_date_no_neighbours() -> None:
    """88 FR 200 is dated before 88 FR 100: one of the two dates is a typo, so 88 FR 150 stays undated."""
    calendar = PageCalendar(parse_citations("88 FR 100, 3/1/23; 88 FR 200, 2/1/23; 88 FR 300, 3/1/23"))
    assert calendar.out_of_order == [(88, 100), (88, 200)]
    assert calendar.date_of(Citation(88, 150, None, "88 FR 150")) is None
    assert calendar.date_of(Citation(88, 200, None, "88 FR 200")) == dt.date(2023, 2, 1)  # its own date stands


def test_listing_is_the_earliest_citation_and_later_ones_are_amendments() -> None:
    entry = ListEntry(
        entry_id="x", source="EL", name="X", federal_register_notice="88 FR 2000, 1/5/23; 86 FR 10, 1/4/21"
    )
    listing = derive_listings([entry])["x"]
    assert listing.listed_on == dt.date(2021, 1, 4) and listing.action == "86 FR 10"
    assert listing.amendments == ((dt.date(2023, 1, 5), "88 FR 2000"),)
    assert listing.describe() == "added 2021-01-04, 86 FR 10"
    undated = derive_listings([ListEntry(entry_id="y", source="SDN", name="Y")])["y"]
    assert undated.listed_on is None and undated.listed_by(dt.date(1990, 1, 1))
    assert "screened as listed on every date" in undated.describe()


def test_an_undated_csl_citation_takes_the_date_of_the_same_action_in_the_entity_list_text() -> None:
    """The CSL cites the rule's first page ("90 FR 4617"), the Entity List text the supplement's page with its date
    ("90 FR 4619, 1/16/25"): same volumes in the same order pair the actions. Different volumes do not."""
    entry = ListEntry(entry_id="z", source="EL", name="Z", federal_register_notice="90 FR 4617")
    listing = derive_listings([entry], {"z": "90 FR 4619, 1/16/25"}, effective={})["z"]
    assert listing.describe() == "added 2025-01-16, 90 FR 4617"
    two = ListEntry(entry_id="t", source="EL", name="T", federal_register_notice="84 FR 100; 85 FR 200")
    paired = derive_listings([two], {"t": "84 FR 105, 1/3/19. 85 FR 210, 2/4/20"})["t"]
    assert paired.listed_on == dt.date(2019, 1, 3) and paired.action == "84 FR 100"
    other = derive_listings([entry], {"z": "89 FR 4619, 1/16/24"})["z"]
    assert other.listed_on == dt.date(2024, 1, 16) and other.action == "89 FR 4619"  # its own earliest dated action
    alone = derive_listings([ListEntry(entry_id="u", source="EL", name="U", federal_register_notice="90 FR 4617")])
    assert alone["u"].listed_on is None


def test_embedded_lists_date_most_entity_list_entries(screener: Screener) -> None:
    lists = load_embedded()
    listings = derive_listings(lists.entries, lists.listing_citations)
    el = [e for e in lists.entries if e.source == "EL"]
    dated = [e for e in el if listings[e.entry_id].listed_on is not None]
    assert len(dated) >= 0.9 * len(el)  # 3,149 of 3,420 on the embedded lists
    sophgo = [e for e in el if "Sophgo" in e.name]
    sophgo_listing = (
        "added 2025-01-16, 90 FR 4621; in force from 2025-01-16 (90 FR 4617 (FR Doc 2025-00704); 90 FR 4621 (FR Doc"
        " 2025-00480), H)"
    )
    assert sophgo and all(listings[e.entry_id].describe() == sophgo_listing for e in sophgo)
    hit = screener.search("Xiamen Sophgo Technologies Limited", country="CN").hits[0]
    assert hit.listed_on == "2025-01-16" and hit.to_json()["listing"] == sophgo_listing
    assert hit.effective_on == "2025-01-16"


def test_an_addition_in_force_before_its_publication_applies_from_its_effective_date(screener: Screener) -> None:
    """Moore Threads was added by 88 FR 71991, published 2023-10-19 and effective 2023-10-17 (reference
    regulations.md 6.2, H): on 2023-10-17 and 10-18 the Entity List applies (a facts audit of 2026-12-06 found NLR
    there, the publication date taken for the listing date); on 10-16 it does not."""
    lists = load_embedded()
    listings = derive_listings(lists.entries, lists.listing_citations)
    moore = [e for e in lists.entries if e.source == "EL" and "Moore Thread" in e.name]
    assert moore and {listings[e.entry_id].effective_on for e in moore} == {dt.date(2023, 10, 17)}
    verdicts = {}
    for day in (16, 17, 18, 19):
        line = OrderLine(
            item="L20",
            destination="CN",
            ship_date=dt.date(2023, 10, day),
            parties=[Party(name="Moore Threads", role="end_user", headquarters_country="CN")],
        )
        verdicts[day] = determine(line, screener=screener).verdict.value
    assert verdicts == {16: "NLR", 17: "LICENSE_REQUIRED", 18: "LICENSE_REQUIRED", 19: "LICENSE_REQUIRED"}


def test_before_an_unconfirmed_publication_the_line_is_held_naming_the_action(screener: Screener) -> None:
    """4Paradigm was added by the rule published 2023-03-06 (88 FR 13675 in the lists); chipclear has no confirmed
    effective date for it, and an addition can take effect before it is published: on 2023-03-05 the line is held
    for that date, never decided as if the entry were absent. A requirement already known stands."""
    party = Party(name="4Paradigm Technology Co., Ltd", role="end_user", country="CN", headquarters_country="CN")
    line = OrderLine(item="L20", destination="CN", ship_date=dt.date(2023, 3, 5), parties=[party])
    held = determine(line, screener=screener)
    assert held.verdict.value == "HOLD"
    assert any("effective date of added 2023-03-06, 88 FR 13675" in m for m in held.missing), held.missing
    assert any(r.rule == "screening#listing-date" and "no effective date" in r.detail for r in held.reasons)
    assert any(h["entry_id"] for h in held.screening)  # the hit is offered for review
    known = determine(line.model_copy(update={"item": "H100"}), screener=screener)
    assert known.verdict.value == "LICENSE_REQUIRED" and any("88 FR 13675" in m for m in known.missing)
    assert determine(line.model_copy(update={"ship_date": dt.date(2023, 3, 6)}), screener=screener).verdict.value == (
        "LICENSE_REQUIRED"
    )


def test_an_entry_without_a_derivable_date_applies_on_every_date(screener: Screener) -> None:
    """Fail closed: an SDN entry (the CSL gives SDN records no citation) is screened as listed in 2015 too."""
    lists = load_embedded()
    entry = next(e for e in lists.entries if e.source == "SDN" and e.entity_type == "Entity" and len(e.name) > 25)
    line = OrderLine(
        item="H20", destination="CN", ship_date=dt.date(2015, 6, 1), parties=[{"name": entry.name, "role": "end_user"}]
    )  # type: ignore[list-item]
    decision = determine(line, screener=screener)
    assert decision.verdict.value != "NLR"
    assert any("listing date not derivable" in r.detail for r in decision.reasons)


def test_timeline_shows_the_listing_as_a_dated_cause(screener: Screener) -> None:
    result = timeline(
        "L20",
        "CN",
        end_user="Qingdao Sophgo Technology Co., Ltd.",
        end_user_country="CN",
        end=dt.date(2025, 6, 1),
        screener=screener,
    )
    listed = [p for p in result.periods if p.start == dt.date(2025, 1, 16)]
    assert listed and listed[0].verdict != "NLR"
    assert any(c["rule"] == "lists#EL" and "added 2025-01-16, 90 FR 4621" in c["what"] for c in listed[0].caused_by)
    before = [p for p in result.periods if p.start <= dt.date(2025, 1, 15) and p.end == dt.date(2025, 1, 15)]
    assert before and before[0].verdict == "NLR"


def test_long_before_an_unconfirmed_publication_the_entry_is_taken_as_not_yet_listed(screener: Screener) -> None:
    """A regression check (2026-12-06): every lookback before an unconfirmed publication was held, years back too.
    Beyond CHIPCLEAR_LISTING_LAG_DAYS (30) before it, the entry is taken as not yet listed, and the reason says so."""
    party = Party(name="4Paradigm Technology Co., Ltd", role="end_user", country="CN", headquarters_country="CN")
    line = OrderLine(item="L20", destination="CN", ship_date=dt.date(2023, 2, 3), parties=[party])
    decision = determine(line, screener=screener)
    assert decision.verdict.value == "NLR"
    later = [r.detail for r in decision.reasons if r.rule == "screening#listing-date"]
    assert later and "taken as at most 30 days before publication" in later[0]
    assert determine(line.model_copy(update={"ship_date": dt.date(2023, 2, 4)}), screener=screener).verdict.value == (
        "HOLD"
    )
