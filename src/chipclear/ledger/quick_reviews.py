"""The ledger's screening reviews read with SQLite's own driver, for a command that only screens a name.

``chipclear screen`` consults the ledger's reviews when a name has hits. Opening the ledger loads SQLAlchemy (about
0.3 s of a 1 s command). For the default SQLite ledger at the current schema, this reads the same rows, in the same
order, on a read-only connection of the standard library's driver. Anything else (another database, a URL with
options, a file at another schema revision, a file that cannot be read) answers None, and the caller opens the
ledger as usual, with its schema check and its errors.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any
from urllib.parse import quote

from chipclear.errors import InputError
from chipclear.ledger.revision import SCHEMA_REVISION
from chipclear.screening.reviews import ReviewDecision, ReviewSnapshot

_PREFIX = "sqlite:///"
_COLUMNS = "party_name, entry_id, entry_hash, reviewer, reason, decided_at, decision, id, party_country"
_BUSY_TIMEOUT_S = 5.0


def sqlite_path(url: str) -> Path | None:
    """The file of a plain SQLite URL (``sqlite:///relative`` or ``sqlite:////absolute``), None for any other."""
    if not url.startswith(_PREFIX) or "?" in url:
        return None
    path = url[len(_PREFIX) :]
    return Path(path) if path and path != ":memory:" else None


def quick_review_snapshot(url: str) -> ReviewSnapshot | None:
    """Every review in the SQLite ledger at ``url``, oldest first (as ``review_snapshot`` reads them); an empty
    snapshot when the file does not exist yet (a ledger that was never opened has no reviews); None when this
    read cannot answer and the ledger must be opened."""
    path = sqlite_path(url)
    if path is None:
        return None
    if not path.exists():
        return ReviewSnapshot([])
    try:
        uri = f"file:{quote(str(path.resolve()))}?mode=ro"
        con = sqlite3.connect(uri, uri=True, timeout=_BUSY_TIMEOUT_S)
        try:
            revision = con.execute("SELECT version_num FROM alembic_version").fetchall()
            if revision != [(SCHEMA_REVISION,)]:
                return None
            rows = con.execute(f"SELECT {_COLUMNS} FROM screening_reviews ORDER BY id").fetchall()
        finally:
            con.close()
    except sqlite3.Error:
        return None
    return ReviewSnapshot(
        [
            ReviewDecision(
                party_name=name,
                entry_id=entry_id,
                entry_hash=entry_hash,
                reviewer=reviewer,
                reason=reason,
                decided_at=decided_at,
                decision=decision,
                review_id=review_id,
                party_country=country,
            )
            for name, entry_id, entry_hash, reviewer, reason, decided_at, decision, review_id, country in rows
        ]
    )


def ledger_review_snapshot() -> ReviewSnapshot:
    """The reviews in the ledger of the settings (``CHIPCLEAR_DATABASE_URL``): the one review store every door
    reads (the API's checks, the console, ``chipclear check`` and ``screen``, the batch). A SQLite ledger is read
    with the standard library's driver when it can be (``quick_review_snapshot``: no SQLAlchemy to load)."""
    from chipclear.settings import get_settings

    quick = quick_review_snapshot(get_settings().database_url)
    if quick is not None:
        return quick
    from chipclear.ledger.db import open_ledger  # not the ledger services: they load the engine
    from chipclear.ledger.reviews import review_snapshot

    ledger = open_ledger()
    try:
        with ledger.session() as s:
            return review_snapshot(s)
    finally:
        ledger.close()


class LedgerReviewsOnDemand:
    """The ledger's reviews, read the first time a hit is looked up: a name with no hit never opens the ledger
    (which costs about half a second of imports and connection on the command line)."""

    def __init__(self) -> None:
        self._snapshot: ReviewSnapshot | None = None

    def snapshot(self) -> ReviewSnapshot:
        if self._snapshot is None:
            self._snapshot = ledger_review_snapshot()
        return self._snapshot

    def record(
        self, party_name: str, entry_id: str, entry_hash: str, reviewer: str, reason: str, *, country: str | None = None
    ) -> Any:
        raise InputError("reviews are recorded with `chipclear reviews add`", field="reviews")

    def is_suppressed(self, party_name: str, entry_id: str, entry_hash: str, country: str | None = None) -> Any:
        return self.snapshot().is_suppressed(party_name, entry_id, entry_hash, country)

    def confirmed_match(self, party_name: str, entry_id: str, entry_hash: str, country: str | None = None) -> Any:
        return self.snapshot().confirmed_match(party_name, entry_id, entry_hash, country)

    def decisions(self) -> list[Any]:
        return self.snapshot().decisions()


__all__ = ["LedgerReviewsOnDemand", "ledger_review_snapshot", "quick_review_snapshot", "sqlite_path"]
