"""Records of the restricted-party lists: one ``ListEntry`` per listed party, one ``LoadedList`` per load."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import asdict, dataclass, field

# Short codes of the CSL sources, taken from the parenthesis in the CSL "source" field.
_CODE_RE = re.compile(r"\(([^)]+)\)")


def source_code(source: str) -> str:
    """``"Entity List (EL) - Bureau of Industry and Security"`` -> ``"EL"``; a bare code is returned as is."""
    found = _CODE_RE.search(source)
    if not found:
        return source.strip()
    return found.group(1).removesuffix(" List").strip()


@dataclass(frozen=True, slots=True)
class ListEntry:
    """One listed party as published (names exactly as on the list)."""

    entry_id: str
    source: str  # short code: EL, SDN, DPL, MEU, UVL, ...
    name: str
    aliases: tuple[str, ...] = ()
    source_name: str = ""  # full source title, e.g. "Entity List (EL) - Bureau of Industry and Security"
    entity_type: str | None = None  # Entity / Individual / Vessel / Aircraft where the list says
    countries: tuple[str, ...] = ()  # ISO 3166-1 alpha-2 where known
    addresses: tuple[str, ...] = ()
    programs: tuple[str, ...] = ()
    federal_register_notice: str | None = None
    license_requirement: str | None = None
    license_policy: str | None = None
    source_list_url: str | None = None
    remarks: str | None = None

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)

    def content_hash(self) -> str:
        """Hash of everything the list says about the entry: a review is tied to this exact content."""
        body = json.dumps([getattr(self, f) for f in self.__slots__], ensure_ascii=False)
        return hashlib.sha256(body.encode("utf-8")).hexdigest()[:16]

    def to_json(self) -> dict[str, object]:
        data = asdict(self)
        for key, value in data.items():
            if isinstance(value, tuple):
                data[key] = list(value)
        return data


@dataclass(frozen=True, slots=True)
class LoadedList:
    """A validated list load: its entries plus the version every screening result records."""

    entries: tuple[ListEntry, ...]
    list_date: dt.date | None
    content_sha256: str
    format: str
    origin: str = ""
    counts_by_source: dict[str, int] = field(default_factory=dict)
    # Extra Federal Register citation text per entry id (e.g. the Entity List parse's dated actions joined to the
    # CSL's Entity List entries), read by ``chipclear.screening.listing`` to date each listing.
    listing_citations: dict[str, str] = field(default_factory=dict)
    # Entry id -> alias -> where it comes from, for aliases joined in from another publication than the list's
    # (the Entity List parse's a.k.a. names missing from the CSL); a hit on such a name cites it.
    alias_sources: dict[str, dict[str, str]] = field(default_factory=dict)
    # Entry id -> the date its listing took effect as the list itself states it (the BIS DPL export's
    # Effective_Date), read by ``chipclear.screening.listing``.
    stated_effective: dict[str, dt.date] = field(default_factory=dict)

    @property
    def version(self) -> str:
        """Version id: list date plus content hash, e.g. ``2026-07-31:4cb2be849d97``."""
        date = self.list_date.isoformat() if self.list_date else "undated"
        return f"{date}:{self.content_sha256[:12]}"
