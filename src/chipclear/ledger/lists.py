"""Replacing the restricted-party lists (admin), audited: the one code path of ``POST /api/lists/update`` and
``chipclear lists update``.

The lists decide which lines ship and which hold (a stale list holds; a list without an entry clears its party), so
replacing them is an admin action recorded like every other state change (a door audit, 2026-12-07: the CLI's
``lists update`` needed no key and wrote no record, and a held line then shipped on a re-dated list)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from chipclear.ledger import audit
from chipclear.ledger.roles import require
from chipclear.ledger.users import Actor
from chipclear.screening import ListStore
from chipclear.screening.store import UpdateReport


@dataclass(frozen=True)
class ListUpdate:
    """What the admin asked for: the file (as the admin knows it: the uploaded name, the path or the URL given),
    where to read it (``source``, a local copy for an upload; None: trade.gov's CSL), and the options."""

    file: str
    source: str | None = None
    fmt: str | None = None
    list_date: dt.date | None = None
    allow_shrink: bool = False
    allow_older: bool = False
    allow_redate: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "format": self.fmt,
            "list_date": self.list_date.isoformat() if self.list_date else None,
            "allow_redate": self.allow_redate,
            "allow_older": self.allow_older,
            "allow_shrink": self.allow_shrink,
        }


def update_lists(session: Session, actor: Actor, request: ListUpdate) -> UpdateReport:
    """Check the actor's role (``lists.write``: admin), swap the list in (``ListStore.update``: validated, atomic)
    and append a ``lists.update`` audit record in ``session``: who, the file, its format, the list date given, the
    options used, the entry counts before and after and the file's own date when the given one replaced it."""
    require(actor.name, actor.role, "lists.write")
    store = ListStore()
    report = store.update(
        request.source,
        fmt=request.fmt,
        list_date=request.list_date,
        allow_shrink=request.allow_shrink,
        allow_older=request.allow_older,
        allow_redate=request.allow_redate,
    )
    pointer = store.current() or {}
    audit.append(
        session,
        actor=actor.name,
        action="lists.update",
        entity="lists:active",
        input=request.to_json(),
        output={**report.to_json(), "file_list_date": pointer.get("file_list_date")},
        list_version=report.version,
    )
    return report


__all__ = ["ListUpdate", "update_lists"]
