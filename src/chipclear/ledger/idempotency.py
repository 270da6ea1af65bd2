"""Idempotency keys for recording shipments (the ``Idempotency-Key`` request header of ``POST /api/shipments``).

A client that sends a shipment again (a retry after a timeout, a double click) with the same key gets the first
answer back, and nothing is recorded or drawn again; the same key with a different request is refused. Keys belong
to the user who sent them and are kept in the ledger (``idempotency_keys``, migration 0006), so a replay after a
restart is answered too. The record is added in the shipment's own transaction, after its rows: the unique
constraint on (user, key) makes the second of two requests sent at once fail (``KeyTaken``) with nothing of it kept,
and the second is then answered from the first's record.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from chipclear.bounds import Identifier, checked
from chipclear.errors import Conflict, InputError
from chipclear.ledger import audit
from chipclear.ledger.models import IdempotencyRecord

HEADER = "Idempotency-Key"


@dataclass(frozen=True)
class Idempotency:
    """A request's key, the digest of its body and the status its first answer is sent with."""

    key: str
    digest: str
    status: int = 201
    field: str = HEADER  # where the key came from: the API's header, or the console's hidden ``submission`` field


class KeyTaken(Conflict):
    """Another request recorded a shipment under this key first (the unique constraint refused this one)."""


def idempotency(key: str | None, body: dict[str, Any], field: str = HEADER) -> Idempotency | None:
    """The checked key (an identifier of at most 200 visible characters) and the digest of ``body`` (its canonical
    JSON: the same request however its JSON is spaced or ordered); None without a key. ``field`` names the key's
    source in refusals."""
    if key is None:
        return None
    checked(Identifier, key, field)
    if not key.strip():
        raise InputError(f"{field}: must not be empty", field=field)
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return Idempotency(key, hashlib.sha256(canonical.encode()).hexdigest(), field=field)


def replayed(session: Session, user: str, given: Idempotency) -> tuple[int, dict[str, Any]] | None:
    """The first answer (status, JSON) to ``user``'s request under ``given.key``, or None if the key is new; an
    ``InputError`` naming the header when the key was used for another request."""
    found = session.execute(
        select(IdempotencyRecord).where(IdempotencyRecord.user_name == user, IdempotencyRecord.key == given.key)
    ).scalar_one_or_none()
    if found is None:
        return None
    if found.request_hash != given.digest:
        raise InputError(
            f"{given.field}: {given.key!r} was already used for another request (shipment {found.shipment_id}); a new"
            " shipment needs a new key",
            field=given.field,
        )
    return found.status_code, dict(found.response)


def remember(session: Session, user: str, given: Idempotency, shipment_id: int, answer: dict[str, Any]) -> None:
    """Keep ``answer`` under ``user``'s key, in the shipment's transaction; ``KeyTaken`` when another request took
    the key first (the caller rolls this shipment back)."""
    session.add(
        IdempotencyRecord(
            user_name=user,
            key=given.key,
            request_hash=given.digest,
            shipment_id=shipment_id,
            status_code=given.status,
            response=answer,
            created_at=audit.now_utc(),
        )
    )
    try:
        session.flush()
    except IntegrityError as exc:
        raise KeyTaken(f"{given.field}: {given.key!r} is being used by another request", field=given.field) from exc


__all__ = ["HEADER", "Idempotency", "KeyTaken", "idempotency", "remember", "replayed"]
