"""Re-screening the known parties when the lists change: what newly hits, what no longer hits, what changed."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chipclear.errors import DataFileError
from chipclear.screening.reviews import party_key

if TYPE_CHECKING:
    from chipclear.screening.screener import Hit, Screener


@dataclass(frozen=True, slots=True)
class KnownParty:
    name: str
    country: str | None = None
    address: str | None = None


@dataclass(frozen=True, slots=True)
class RescreenChange:
    party: KnownParty
    new_hits: list[dict[str, Any]] = field(default_factory=list)  # hits in the new version only
    gone_hits: list[dict[str, Any]] = field(default_factory=list)  # hits of the old version no longer raised
    changed_entries: list[str] = field(default_factory=list)  # still hit, but the entry's content changed

    def to_json(self) -> dict[str, Any]:
        return {
            "party": {"name": self.party.name, "country": self.party.country, "address": self.party.address},
            "new_hits": self.new_hits,
            "no_longer_hits": self.gone_hits,
            "changed_entries": self.changed_entries,
        }


def _brief(hit: Hit) -> dict[str, Any]:
    return {
        "entry_id": hit.entry_id,
        "source": hit.source,
        "name": hit.name,
        "score": hit.score,
        "determination": hit.determination,
    }


def rescreen(parties: Iterable[KnownParty], old: Screener, new: Screener) -> list[RescreenChange]:
    """Screen each party against both versions; report the parties whose hits differ."""
    changes: list[RescreenChange] = []
    for party in parties:
        before = {h.entry_id: h for h in old.search(party.name, party.country, party.address).hits}
        after = {h.entry_id: h for h in new.search(party.name, party.country, party.address).hits}
        new_hits = [_brief(h) for k, h in after.items() if k not in before]
        gone = [_brief(h) for k, h in before.items() if k not in after]
        changed = [k for k in after if k in before and after[k].entry_hash != before[k].entry_hash]
        if new_hits or gone or changed:
            changes.append(RescreenChange(party, new_hits, gone, changed))
    return changes


class PartyRegistry:
    """The parties chipclear has screened and should re-screen on a list update (a JSON file)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def parties(self) -> list[KnownParty]:
        if not self.path.exists():
            return []
        try:
            rows = json.loads(self.path.read_text(encoding="utf-8"))
            return [KnownParty(**row) for row in rows]
        except (ValueError, TypeError) as exc:
            raise DataFileError(f"{self.path}: not a valid party registry ({exc})") from None

    def add(self, parties: Iterable[KnownParty]) -> int:
        """Add parties (deduplicated by normalized name and country); returns how many were new."""
        current = self.parties()
        seen = {(party_key(p.name), p.country) for p in current}
        added = 0
        for party in parties:
            key = (party_key(party.name), party.country)
            if key not in seen:
                seen.add(key)
                current.append(party)
                added += 1
        if added:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".parties-")
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(
                    [_party_json(p) for p in current],
                    handle,
                    indent=1,
                    ensure_ascii=False,
                )
            os.replace(tmp, self.path)
        return added


def _party_json(party: KnownParty) -> dict[str, str | None]:
    return {"name": party.name, "country": party.country, "address": party.address}
