"""Users and API keys. Keys are random 256-bit tokens shown once; only their SHA-256 is stored."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from chipclear.bounds import Identifier, checked
from chipclear.errors import Conflict, InputError, NotFound, PermissionDenied
from chipclear.ledger import audit
from chipclear.ledger.models import User
from chipclear.ledger.reads import Query, Reader
from chipclear.ledger.roles import Role, parse_role, require
from chipclear.ledger.usernames import refuse_lookalike, refuse_mixed_scripts

KEY_PREFIX = "cc_"


class Actor(Protocol):
    """Who acts: a ``User`` row, or any object with a name and a role."""

    @property
    def name(self) -> str: ...

    @property
    def role(self) -> str: ...


@dataclass(frozen=True)
class SystemActor:
    """An actor that is not a stored user (e.g. a migration or a test fixture)."""

    name: str
    role: str


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _new_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def _user_state(user: User) -> dict[str, object]:
    return {"name": user.name, "role": user.role, "active": user.active, "key_prefix": user.key_prefix}


def create_user(session: Session, name: str, role: str, actor: Actor | None = None) -> tuple[User, str]:
    """Create a user and return it with its API key (the only time the key is visible).

    With no users in the ledger yet, ``actor`` may be None to create the first admin (bootstrap). A name holds
    no control or format character (``Identifier``: "admin\u200b" displays as "admin"), is written in one script
    and does not read as an existing user's name (``chipclear.ledger.usernames``)."""
    name = checked(Identifier, name.strip(), "name")
    if not name:
        raise InputError("user name: must not be empty", field="name")
    refuse_mixed_scripts(name)
    parsed = parse_role(role)
    count = session.execute(select(func.count()).select_from(User)).scalar_one()
    if actor is None:
        if count:
            raise PermissionDenied("creating a user needs an admin's API key (set CHIPCLEAR_API_KEY)")
        if parsed != Role.ADMIN:
            raise InputError("the first user of a ledger must have role admin", field="role")
        actor_name = name
    else:
        require(actor.name, actor.role, "user.write")
        actor_name = actor.name
    if session.execute(select(User.id).where(User.name == name)).first():
        raise Conflict(f"user {name!r} already exists")
    refuse_lookalike(name, list(session.execute(select(User.name)).scalars()))
    key = _new_key()
    user = User(
        name=name,
        role=parsed.value,
        key_hash=hash_key(key),
        key_prefix=key[:10],
        active=True,
        created_at=audit.now_utc(),
    )
    session.add(user)
    session.flush()
    audit.append(
        session,
        actor=actor_name,
        action="user.create",
        entity=f"users:{user.id}",
        input={"name": name, "role": parsed.value},
        output=_user_state(user),
        state=[user],
    )
    return user, key


def rotate_key(session: Session, name: str, actor: Actor) -> str:
    """Give ``name`` a new key (the old one stops working)."""
    require(actor.name, actor.role, "user.write")
    user = session.execute(select(User).where(User.name == name)).scalar_one_or_none()
    if user is None:
        raise NotFound(f"no user named {name!r}")
    key = _new_key()
    user.key_hash = hash_key(key)
    user.key_prefix = key[:10]
    audit.append(
        session,
        actor=actor.name,
        action="user.rotate_key",
        entity=f"users:{user.id}",
        input={"name": name},
        output=_user_state(user),
        state=[user],
    )
    return key


def _checked_key(key: str) -> str:
    if not key or not key.startswith(KEY_PREFIX):
        raise PermissionDenied("no valid API key given (set CHIPCLEAR_API_KEY or pass --api-key)")
    return key


def authenticate(session: Session, key: str) -> User:
    """The active user holding ``key``; PermissionDenied otherwise."""
    user = session.execute(select(User).where(User.key_hash == hash_key(_checked_key(key)))).scalar_one_or_none()
    if user is None or not user.active:
        raise PermissionDenied("API key is not valid")
    return user


_users = User.__table__
_ACTOR_BY_KEY = Query(select(_users.c.name, _users.c.role, _users.c.active).where(_users.c.key_hash == bindparam("h")))


def actor_of(reader: Reader, key: str) -> SystemActor:
    """``authenticate`` for the reads that need no session (``chipclear.ledger.reads``): the name and role of the
    active user holding ``key``; PermissionDenied otherwise."""
    rows = reader.rows(_ACTOR_BY_KEY, h=hash_key(_checked_key(key)))
    if not rows or not rows[0].active:
        raise PermissionDenied("API key is not valid")
    return SystemActor(rows[0].name, rows[0].role)


def list_users(session: Session, actor: Actor) -> list[User]:
    require(actor.name, actor.role, "user.write")
    return list(session.execute(select(User).order_by(User.name)).scalars())


__all__ = ["Actor", "SystemActor", "actor_of", "authenticate", "create_user", "hash_key", "list_users", "rotate_key"]
