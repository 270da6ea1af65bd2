"""When each listed party was listed: dates derived from the lists' own Federal Register citations.

The lists publish, for most entries, the Federal Register actions that added and amended them ("90 FR 4622,
1/16/25"; the Entity List parse gives every action with its date, the CSL often the volume and page alone).
chipclear derives from that text, and from nothing else:

* **each citation's date**: the date written beside it; otherwise, the date of a citation elsewhere in the same
  data on the same volume and page; otherwise, when the nearest dated pages before and after it in the same volume
  carry the same date, that date (the Federal Register numbers its pages consecutively through a volume, so a page
  between two pages of one issue belongs to that issue). Two-digit years are read in the century that matches the
  volume (a volume covers one calendar year); a date outside its volume's year is a typo and is not used;
* **the listing action**: the earliest citation (lowest volume, then page); its date is the listing date, later
  citations are amendments.

An entry whose earliest citation cannot be dated, or that cites nothing (SDN and most OFAC records in the CSL), has
no derivable listing date: it is screened as listed on every date (fail closed), and the reason says so. The
bundled lists are snapshots of the current lists, so removals are not in them: a removed party is simply absent.

The date so derived is the **publication** date, and an addition can take effect before it is published.
``data/listing-effective-dates.yaml`` gives the effective date of the actions the reference research confirms (by
volume and publication date); an entry listed by one of them is in force from that date. For any other action the
effective date is unknown: a decision dated shortly before the publication date does not know whether the entry
already applied, and the determination holds the line for it (``chipclear.determination.parties.listing_lag``).
"""

from __future__ import annotations

import bisect
import datetime as dt
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from functools import cache
from importlib import resources

from chipclear.datafiles import safe_load
from chipclear.screening.model import ListEntry

_CITE_RE = re.compile(r"(\d{1,3})\s*F\.?\s*R\.?\s*(\d{1,6})")
_DATE_RE = re.compile(r"^[\s,.;:(]*(?:on\s+)?(\d{1,2})/(\d{1,2})/(\d{2}|\d{4})\b")
_VOL_DATE_RE = re.compile(r"Vol\.\s*(\d{1,3}),\s*No\.\s*\d+,\s*(\d{1,2})/(\d{1,2})/(\d{4})")
# The Federal Register's volume for a calendar year: volume 1 is 1936 (so volume 90 is 2025).
FIRST_VOLUME_YEAR = 1936


def volume_year(volume: int) -> int:
    return FIRST_VOLUME_YEAR - 1 + volume


@dataclass(frozen=True, slots=True)
class Citation:
    volume: int
    page: int | None
    date: dt.date | None
    text: str

    @property
    def order(self) -> tuple[int, int]:
        return (self.volume, self.page if self.page is not None else -1)


def _date(volume: int, month: str, day: str, year: str) -> dt.date | None:
    y, wanted = int(year), volume_year(volume)
    if len(year) == 2:
        y = 1900 + y if (1900 + y) == wanted else 2000 + y
    if y != wanted:  # a date outside the volume's year is a typo in the list: it proves nothing
        return None
    try:
        return dt.date(y, int(month), int(day))
    except ValueError:
        return None


def parse_citations(text: str | None) -> list[Citation]:
    """Every Federal Register citation in a list's citation text, with the date written beside it if any."""
    if not text:
        return []
    out: list[Citation] = []
    matches = list(_CITE_RE.finditer(text))
    for k, m in enumerate(matches):
        volume, page = int(m.group(1)), int(m.group(2))
        tail = text[m.end() : matches[k + 1].start() if k + 1 < len(matches) else len(text)]
        found = _DATE_RE.match(tail)
        date = _date(volume, *found.groups()) if found else None
        out.append(Citation(volume, page, date, f"{volume} FR {page}"))
    for m in _VOL_DATE_RE.finditer(text):
        volume = int(m.group(1))
        out.append(Citation(volume, None, _date(volume, m.group(2), m.group(3), m.group(4)), m.group(0)))
    return out


class PageCalendar:
    """Dates of Federal Register pages, learned from every dated citation in the data."""

    def __init__(self, citations: Iterable[Citation]) -> None:
        exact: dict[tuple[int, int], set[dt.date]] = {}
        for c in citations:
            if c.date is not None and c.page is not None:
                exact.setdefault((c.volume, c.page), set()).add(c.date)
        # A page cited with two different dates is a typo somewhere: it teaches nothing.
        self._exact = {k: next(iter(v)) for k, v in exact.items() if len(v) == 1}
        pages: dict[int, list[tuple[int, dt.date]]] = {}
        for (volume, page), date in self._exact.items():
            pages.setdefault(volume, []).append((page, date))
        # A page dated before the dated page below it breaks consecutive pagination: one of the two dates is a
        # typo, so neither page dates the pages around it (each still dates its own citations).
        self.out_of_order: list[tuple[int, int]] = []
        self._pages: dict[int, list[tuple[int, dt.date]]] = {}
        for volume, rows in pages.items():
            rows.sort()
            bad = {i for i in range(1, len(rows)) if rows[i][1] < rows[i - 1][1]}
            bad |= {i - 1 for i in bad}
            self.out_of_order += [(volume, rows[i][0]) for i in sorted(bad)]
            self._pages[volume] = [r for i, r in enumerate(rows) if i not in bad]

    def date_of(self, c: Citation) -> dt.date | None:
        if c.date is not None:
            return c.date
        if c.page is None:
            return None
        key = (c.volume, c.page)
        if key in self._exact:
            return self._exact[key]
        pages = self._pages.get(c.volume)
        if not pages:
            return None
        i = bisect.bisect_left(pages, (c.page, dt.date.min))
        if 0 < i < len(pages) and pages[i - 1][1] == pages[i][1]:
            return pages[i][1]
        return None


DPL_EFFECTIVE_DATES = "dpl-effective-dates.json"
DPL_STATED = "Effective_Date of the BIS Denied Persons List"
_SPACES_RE = re.compile(r"\s+")


def _name_key(name: str) -> str:
    return _SPACES_RE.sub(" ", name).strip().casefold()


@cache
def dpl_effective_dates() -> dict[tuple[str, tuple[int, int]], dt.date]:
    """(name, first cited FR volume and page) -> the date the denial order took effect, as BIS's DPL export states it
    (``data/dpl-effective-dates.json``, vendored by ``tools/vendor_dpl_effective_dates.py``); the earliest where one
    name and citation carry several."""
    path = resources.files("chipclear.screening") / "data" / DPL_EFFECTIVE_DATES
    out: dict[tuple[str, tuple[int, int]], dt.date] = {}
    for row in json.loads(path.read_text("utf-8"))["entries"]:
        cited = parse_citations(row["fr_citation"])
        if not cited:
            continue
        key = (_name_key(row["name"]), min(c.order for c in cited))
        day = dt.date.fromisoformat(row["effective"])
        out[key] = min(day, out.get(key, day))
    return out


EFFECTIVE_DATES = "listing-effective-dates.yaml"
# (Federal Register volume, publication date) -> (effective date, its citation and confidence)
Effective = Mapping[tuple[int, dt.date], tuple[dt.date, str]]


@cache
def effective_dates() -> dict[tuple[int, dt.date], tuple[dt.date, str]]:
    """The effective dates of listing actions the data confirms (``data/listing-effective-dates.yaml``)."""
    raw = safe_load((resources.files("chipclear.screening") / "data" / EFFECTIVE_DATES).read_text("utf-8"))
    out: dict[tuple[int, dt.date], tuple[dt.date, str]] = {}
    for action in raw["actions"]:
        key = (int(action["volume"]), action["published"])
        out[key] = (action["effective"], f"{action['citation']}, {action['confidence']}")
    return out


@dataclass(frozen=True, slots=True)
class Listing:
    """An entry's listing as its citations show it."""

    listed_on: dt.date | None  # the listing action's publication date
    action: str | None  # the listing citation, e.g. "90 FR 4621"
    amendments: tuple[tuple[dt.date | None, str], ...] = ()
    note: str = ""
    effective_on: dt.date | None = None  # the action's effective date, where the data confirms it
    effective_citation: str = ""

    def describe(self) -> str:
        if self.listed_on is not None:
            text = f"added {self.listed_on.isoformat()}, {self.action}"
            if self.effective_on is not None:
                return f"{text}; in force from {self.effective_on.isoformat()} ({self.effective_citation})"
            return text
        return f"listing date not derivable from the list data ({self.note}): screened as listed on every date"

    def listed_by(self, day: dt.date) -> bool:
        """Listed on ``day``: true when the date it took effect (else its publication date) is on or before it, and
        when it is unknown (fail closed). The days just before an unconfirmed publication are unsure
        (``chipclear.determination.parties``)."""
        start = self.effective_on or self.listed_on
        return start is None or start <= day

    def to_json(self) -> dict[str, object]:
        return {
            "listed_on": self.listed_on.isoformat() if self.listed_on else None,
            "action": self.action,
            "amendments": [{"date": d.isoformat() if d else None, "citation": t} for d, t in self.amendments],
            "described": self.describe(),
        }


MAX_DOCUMENT_PAGES = 400  # how far into a rule the Entity List text's page may lie from the rule's first page


def _partnered(own: list[Citation], more: list[Citation], calendar: PageCalendar) -> list[Citation]:
    """The CSL's citations of an entry (``own``: "90 FR 4617", the rule's first page), an undated one dated by its
    partner in the Entity List text (``more``: "90 FR 4619, 1/16/25", the page of the supplement). Paired volume by
    volume: where both cite a volume equally often, the k-th citation of each is the same Federal Register action
    (the partner's page at or after the first page, within ``MAX_DOCUMENT_PAGES``); a volume cited otherwise (an
    amendment the Entity List text no longer shows) pairs nothing. The rules audit of 2026-12-07 found 137 entries
    undated because the two lists' volumes differed as a whole ("88 FR 70352; 89 FR 87264" beside "88 FR 70353,
    10/11/23")."""
    out = list(own)
    for volume in {c.volume for c in own}:
        mine = [i for i, c in enumerate(own) if c.volume == volume]
        theirs = [m for m in more if m.volume == volume]
        if len(mine) != len(theirs):
            continue
        for i, partner in zip(mine, theirs, strict=True):
            c, day = own[i], calendar.date_of(partner)
            if calendar.date_of(c) is not None or day is None:
                continue
            if c.page is None or partner.page is None or not 0 <= partner.page - c.page <= MAX_DOCUMENT_PAGES:
                continue
            out[i] = replace(c, date=day)
    return out


def derive_listings(
    entries: Iterable[ListEntry],
    extra: Mapping[str, str] | None = None,
    effective: Effective | None = None,
    stated: Mapping[str, dt.date] | None = None,
) -> dict[str, Listing]:
    """Entry id -> ``Listing``. ``extra`` adds citation text per entry id (the Entity List parse's dated actions
    for the CSL's Entity List entries); ``effective``: the confirmed effective dates (``effective_dates()``);
    ``stated``: the effective date the list itself gives an entry (a DPL export's ``Effective_Date``,
    ``LoadedList.stated_effective``). A DPL entry without one takes the vendored DPL export's date for its name and
    first cited page (``dpl_effective_dates()``). A stated date is used only when it is on or before the listing
    action's publication (an earlier start is the fail-closed side; a later one is a renewed order's date)."""
    extra = extra or {}
    effective = effective_dates() if effective is None else effective
    stated = stated or {}
    cited: dict[str, list[Citation]] = {}
    paired: dict[str, tuple[list[Citation], list[Citation]]] = {}
    dpl: dict[str, str] = {}  # DPL entry id -> its name key
    for entry in entries:
        if entry.source == "DPL":
            dpl[entry.entry_id] = _name_key(entry.name)
        own, more = parse_citations(entry.federal_register_notice), parse_citations(extra.get(entry.entry_id))
        cited[entry.entry_id] = own + more
        if own and more:
            paired[entry.entry_id] = (own, more)
    calendar = PageCalendar(c for cs in cited.values() for c in cs)
    for entry_id, (own, more) in paired.items():
        cited[entry_id] = [*_partnered(own, more, calendar), *more]
    out: dict[str, Listing] = {}
    for entry_id, citations in cited.items():
        if not citations:
            out[entry_id] = Listing(None, None, note="the entry cites no Federal Register action")
            continue
        dated = sorted({(c.order, calendar.date_of(c), c.text) for c in citations}, key=lambda x: x[0])
        first_order, first_date, first_text = dated[0]
        rest = tuple((d, t) for o, d, t in dated[1:] if o != first_order)
        if first_date is None:
            out[entry_id] = Listing(None, first_text, rest, note=f"{first_text} carries no date")
        else:
            effective_on, citation = effective.get((first_order[0], first_date), (None, ""))
            if effective_on is None and entry_id in dpl:
                given = stated.get(entry_id)
                said = given or dpl_effective_dates().get((dpl[entry_id], first_order))
                if said is not None and said <= first_date:
                    effective_on = said
                    citation = DPL_STATED + (
                        "" if given else f" (BIS export of Sept 2022, vendored in {DPL_EFFECTIVE_DATES})"
                    )
            out[entry_id] = Listing(
                first_date, first_text, rest, effective_on=effective_on, effective_citation=citation
            )
    return out


__all__ = [
    "Citation",
    "Listing",
    "PageCalendar",
    "derive_listings",
    "dpl_effective_dates",
    "effective_dates",
    "parse_citations",
    "volume_year",
]
