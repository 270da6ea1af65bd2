"""Reviewer decisions that a hit is "not a match", and the store that keeps them.

A decision is tied to (party name, party country, list entry id, entry content hash): it suppresses that hit only for
the party as reviewed (the same name in the same country: a call on a German company does not clear a Chinese one of
the same name) and only while the entry reads the same. When a later list version changes the entry (new alias, address, license requirement),
the hash changes and the hit is raised again. ``ReviewStore`` is the interface; ``JsonReviewStore`` keeps the
decisions in one JSON file (written atomically); the ledger may provide a database-backed store with the same
three methods.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
import threading
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from chipclear.bounds import blank
from chipclear.errors import DataFileError, InputError
from chipclear.screening.normalize import party_identity_key


def party_key(name: str) -> str:
    """Reviews are keyed on the party's identity (``party_identity_key``): a reviewer's call on "Moore Threads
    Technology GmbH" is about that company, not about "Moore Threads Technology Co., Ltd." (the key used to sort the
    words and drop the legal form, so a not-a-match for the German company cleared the Entity List hit of the
    Chinese one). Spacing, case, punctuation and the spelling of one legal form still share a review."""
    return party_identity_key(name)


@dataclass(frozen=True, slots=True)
class ReviewDecision:
    party_name: str
    entry_id: str
    entry_hash: str
    reviewer: str
    reason: str
    decided_at: str  # ISO 8601 UTC
    decision: str = "not_a_match"  # or "match": the reviewer confirmed a possible match
    review_id: int | None = None  # the ledger's review number (None in the local JSON store)
    party_country: str | None = None  # the party's country as reviewed (ISO alpha-2), None when the party gave none

    @property
    def party_key(self) -> str:
        return party_key(self.party_name)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def describe(self) -> str:
        """ "review N by WHO on WHEN (reason)", as the reasons of a decision name it."""
        number = f"review {self.review_id}" if self.review_id is not None else "a review"
        return f"{number} by {self.reviewer} on {self.decided_at} ({self.reason})"


@runtime_checkable
class ReviewStore(Protocol):
    """Where "not a match" decisions live (local JSON file now; the ledger database later)."""

    def record(
        self, party_name: str, entry_id: str, entry_hash: str, reviewer: str, reason: str, *, country: str | None = None
    ) -> ReviewDecision: ...

    def is_suppressed(
        self, party_name: str, entry_id: str, entry_hash: str, country: str | None = None
    ) -> ReviewDecision | None:
        """The decision suppressing this hit for the party in ``country``, or None (none recorded for this party in
        this country, or the entry changed since)."""
        ...

    def decisions(self) -> list[ReviewDecision]: ...


def review_country(country: str | None) -> str | None:
    """A party's country as a review keys it: the ISO code upper-cased, None for none given."""
    code = country.strip().upper() if country else ""
    return code or None


def find_review(
    decisions: list[ReviewDecision],
    party_name: str,
    entry_id: str,
    entry_hash: str,
    decision: str,
    country: str | None = None,
) -> ReviewDecision | None:
    """The latest review of this party (normalized name and the same country, or none on both sides) against this
    exact entry content, when it is of ``decision`` kind (a later review overrides an earlier one)."""
    key = party_key(party_name)
    where = review_country(country)
    for d in reversed(decisions):
        if d.entry_id == entry_id and d.entry_hash == entry_hash and d.party_key == key and d.party_country == where:
            return d if d.decision == decision else None
    return None


class ReviewSnapshot:
    """Reviews read once (e.g. from the ledger before a decision), answering without further I/O: what the engine
    consults while it decides outside any database transaction."""

    def __init__(self, decisions: list[ReviewDecision]) -> None:
        self._items = list(decisions)

    def record(
        self, party_name: str, entry_id: str, entry_hash: str, reviewer: str, reason: str, *, country: str | None = None
    ) -> ReviewDecision:
        raise InputError("reviews: a snapshot is read-only; record reviews in the ledger", field="review")

    def with_decisions(self, extra: list[ReviewDecision]) -> ReviewSnapshot:
        return ReviewSnapshot([*self._items, *extra])

    def is_suppressed(
        self, party_name: str, entry_id: str, entry_hash: str, country: str | None = None
    ) -> ReviewDecision | None:
        return find_review(self._items, party_name, entry_id, entry_hash, "not_a_match", country)

    def confirmed_match(
        self, party_name: str, entry_id: str, entry_hash: str, country: str | None = None
    ) -> ReviewDecision | None:
        return find_review(self._items, party_name, entry_id, entry_hash, "match", country)

    def decisions(self) -> list[ReviewDecision]:
        return list(self._items)


class JsonReviewStore:
    """Decisions in a JSON file (default ``<data dir>/screening/reviews.json``); safe for one process."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._items: list[ReviewDecision] = self._read()

    def _read(self) -> list[ReviewDecision]:
        if not self.path.exists():
            return []
        try:
            rows = json.loads(self.path.read_text(encoding="utf-8"))
            return [ReviewDecision(**row) for row in rows]
        except (ValueError, TypeError) as exc:
            raise DataFileError(f"{self.path}: not a valid review file ({exc})") from None

    def _write(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".reviews-", suffix=".json")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump([d.to_json() for d in self._items], handle, indent=1, ensure_ascii=False)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, self.path)

    def record(
        self, party_name: str, entry_id: str, entry_hash: str, reviewer: str, reason: str, *, country: str | None = None
    ) -> ReviewDecision:
        for field_name, value in (("party", party_name), ("entry", entry_id), ("by", reviewer), ("reason", reason)):
            if blank(value):
                raise InputError(f"review: {field_name} must not be empty", field=field_name)
        decision = ReviewDecision(
            party_name=party_name.strip(),
            entry_id=entry_id,
            entry_hash=entry_hash,
            reviewer=reviewer.strip(),
            reason=reason.strip(),
            decided_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            party_country=review_country(country),
        )
        with self._lock:
            self._items.append(decision)
            self._write()
        return decision

    def is_suppressed(
        self, party_name: str, entry_id: str, entry_hash: str, country: str | None = None
    ) -> ReviewDecision | None:
        return find_review(self._items, party_name, entry_id, entry_hash, "not_a_match", country)

    def decisions(self) -> list[ReviewDecision]:
        return list(self._items)
