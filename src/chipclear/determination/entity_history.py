"""Entity List entries as they stood on a decision date (``data/entity-list-history.yaml``).

The bundled lists give each entry as last amended. Before its latest amendment took effect, an entry's license
requirement and review policy are the ones the reference documents for that time (SMIC's: presumption of denial
only for items uniquely required for <= 10 nm production, case-by-case otherwise; no footnote 5 before
2024-12-02), or unknown, said so. The listing itself (and so the license requirement) is dated by the entry's first
citation (``chipclear.screening.listing``); this module changes only what the entry is read to say."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from chipclear.bounds import Day
from chipclear.datafiles import first_error, read_yaml
from chipclear.errors import DataFileError
from chipclear.provenance import Confidence
from chipclear.screening.listing import parse_citations, volume_year

_FILE = "determination/data/entity-list-history.yaml"


class _Amendment(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    citation: str
    effective: Day
    confidence: Confidence
    source: str


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    listing: str
    names: list[str]
    start: Day = Field(alias="from")
    end: Day = Field(alias="until")
    policy_text: str
    policy_depends_on: str | None = None
    license_requirement_note: str
    citation: str
    confidence: Confidence
    source: str


class _History(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    amendments: list[_Amendment]
    entries: list[_Entry]


@lru_cache(maxsize=1)
def _load() -> _History:
    text = (resources.files("chipclear.determination") / "data" / "entity-list-history.yaml").read_text("utf-8")
    try:
        return _History.model_validate(read_yaml(text, _FILE))
    except ValidationError as exc:
        raise DataFileError(f"{_FILE}: {first_error(exc)}") from None


@dataclass(frozen=True)
class EntryOnDate:
    """What a reason says of an entry on a date before its latest amendment."""

    text: str  # the entry's license requirement and policy as in force then (or that they are unknown)
    citation: str
    confidence: str
    missing: str  # what the decision needs to know (the policy's condition, or the entry as it stood)


def _key(c: Any) -> str:
    return f"{c.volume} FR {c.page}"


def entry_on(hit: Any, as_of: dt.date | None) -> EntryOnDate | None:
    """The Entity List entry ``hit`` as it stood on ``as_of`` when that is before its latest amendment took effect;
    None when the lists' text (as last amended) is the one in force then, or the entry is not on the Entity List."""
    if as_of is None or hit.source != "EL":
        return None
    cites = sorted({(c.volume, c.page or 0): c for c in parse_citations(hit.federal_register_notice)}.items())
    if len(cites) < 2:
        return None
    first, latest = cites[0][1], cites[-1][1]
    history = _load()
    known = next((a for a in history.amendments if a.citation == _key(latest)), None)
    if known is not None:
        since, since_text = known.effective, f"in force from {known.effective} ({known.confidence})"
    elif latest.date is not None or getattr(hit, "amended_on", None):
        since = latest.date or dt.date.fromisoformat(hit.amended_on)
        since_text = f"published {since}"
    else:  # the page alone gives no day: in force by the end of its volume's year at the latest
        since = dt.date(volume_year(latest.volume) + 1, 1, 1)
        since_text = f"a day in {volume_year(latest.volume)} the data does not give"
    if as_of >= since:
        return None
    entry = next(
        (e for e in history.entries if e.listing == _key(first) and hit.name in e.names and e.start <= as_of < e.end),
        None,
    )
    amended = f"the lists give entry {hit.name!r} as last amended by {latest.text} ({since_text})"
    if entry is not None:
        return EntryOnDate(
            text=f"On {as_of} the entry stood as {entry.citation} set it ({entry.start} to {entry.end}, exclusive):"
            f" review policy {entry.policy_text}; {entry.license_requirement_note}. ({amended}; its text is not"
            " applied before then)",
            citation=f"{entry.citation}; {entry.source}",
            confidence=entry.confidence,
            missing=f"{entry.policy_depends_on} (the review policy of EL entry {hit.name!r} on {as_of})"
            if entry.policy_depends_on
            else "",
        )
    return EntryOnDate(
        text=f"{amended}: the entry's license requirement and review policy on {as_of}, before that amendment, are"
        " not in chipclear's data, so the text the lists give is not applied to that date (the license requirement"
        " of the listing stands)",
        citation=f"{hit.federal_register_notice}; {_FILE}",
        confidence="L",
        missing=f"the license requirement and review policy of EL entry {hit.name!r} as in force on {as_of} (before"
        f" its amendment {latest.text})",
    )


__all__ = ["EntryOnDate", "entry_on"]
