"""Console sessions: sign in with the API key once, then a random session id (never the key) in the cookie.

The id is stored only as its SHA-256; a session ends on logout, when it expires, and when the user's key is rotated
or the user revoked (the session remembers the key hash it was opened with).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from chipclear.errors import PermissionDenied
from chipclear.ledger.audit import now_utc
from chipclear.ledger.models import ConsoleSession, User
from chipclear.ledger.users import authenticate

SESSION_PREFIX = "cs_"
SESSION_HOURS = 12  # a console setting: a working day, then sign in again


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def sign_in(session: Session, key: str, *, hours: int = SESSION_HOURS) -> tuple[User, str]:
    """Check ``key`` and open a session for its user; returns the user and the new session id."""
    user = authenticate(session, key)
    token = SESSION_PREFIX + secrets.token_urlsafe(32)
    now = dt.datetime.now(dt.UTC)
    session.execute(delete(ConsoleSession).where(ConsoleSession.expires_at < now.isoformat()))  # tidy up
    session.add(
        ConsoleSession(
            token_hash=_hash(token),
            user_id=user.id,
            key_hash=user.key_hash,
            created_at=now_utc(),
            expires_at=(now + dt.timedelta(hours=hours)).isoformat(timespec="microseconds"),
        )
    )
    session.flush()
    return user, token


def signed_in_user(session: Session, token: str | None) -> User:
    """The user of a live session; PermissionDenied when the session is unknown, expired, signed out, or its
    user's key changed or was revoked."""
    if not token or not token.startswith(SESSION_PREFIX):
        raise PermissionDenied("not signed in")
    row = session.execute(select(ConsoleSession).where(ConsoleSession.token_hash == _hash(token))).scalar_one_or_none()
    if row is None or row.expires_at <= dt.datetime.now(dt.UTC).isoformat():
        raise PermissionDenied("the session has ended: sign in again")
    user = session.get(User, row.user_id)
    if user is None or not user.active or user.key_hash != row.key_hash:
        raise PermissionDenied("the session's key was rotated or revoked: sign in again")
    return user


def sign_out(session: Session, token: str | None) -> None:
    if token:
        session.execute(delete(ConsoleSession).where(ConsoleSession.token_hash == _hash(token)))


__all__ = ["SESSION_HOURS", "SESSION_PREFIX", "sign_in", "sign_out", "signed_in_user"]
