"""Ledger tables (SQLAlchemy 2 declarative). The schema itself is created by the Alembic migrations in
``chipclear/ledger/migrations``; a test checks that these models and the migrated schema agree.

Dates are ``Date`` columns; instants are ISO 8601 UTC text, so that the audit hash covers exactly what is
stored on both SQLite and PostgreSQL. Money is whole US cents (``*_cents``) so that balances are exact.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, BigInteger, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    role: Mapped[str] = mapped_column(String(20))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 hex of the API key
    key_prefix: Mapped[str] = mapped_column(String(16))  # first characters, to recognise a key in lists
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[str] = mapped_column(String(40))


class ConsoleSession(Base):
    """A console sign-in (migration 0003): the random session id is stored only as its SHA-256. A session ends on
    logout, at ``expires_at``, and when its user's key changes (``key_hash`` no longer the user's) or is revoked.
    Sessions are not audited rows: signing in changes no ledger state."""

    __tablename__ = "console_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    key_hash: Mapped[str] = mapped_column(String(64))  # the user's key when signing in
    created_at: Mapped[str] = mapped_column(String(40))
    expires_at: Mapped[str] = mapped_column(String(40))


class PartyRecord(Base):
    """A party known to the ledger, with its last screening result."""

    __tablename__ = "parties"
    __table_args__ = (UniqueConstraint("name", "country", name="uq_parties_name_country"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    country: Mapped[str | None] = mapped_column(String(2))
    headquarters_country: Mapped[str | None] = mapped_column(String(2))
    parents: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)  # nearest parent first
    screening_status: Mapped[str] = mapped_column(String(30), default="not_screened")
    list_version: Mapped[str | None] = mapped_column(String(200))
    screened_at: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[str] = mapped_column(String(40))


class LicenseApplication(Base):
    __tablename__ = "license_applications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    status: Mapped[str] = mapped_column(String(30))  # draft|submitted|granted|denied|returned|withdrawn
    application_number: Mapped[str | None] = mapped_column(String(60), unique=True)  # the agency's number
    items: Mapped[list[str]] = mapped_column(JSON)
    destinations: Mapped[list[str]] = mapped_column(JSON)
    parties: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    quantity: Mapped[int | None] = mapped_column(Integer)
    value_cents: Mapped[int | None] = mapped_column(BigInteger)
    note: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[str] = mapped_column(String(40))
    submitted_on: Mapped[dt.date | None] = mapped_column(Date)
    decided_on: Mapped[dt.date | None] = mapped_column(Date)
    decided_by: Mapped[str | None] = mapped_column(String(200))
    decision_note: Mapped[str] = mapped_column(Text, default="")


class License(Base):
    __tablename__ = "licenses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(60), unique=True)
    application_id: Mapped[int | None] = mapped_column(ForeignKey("license_applications.id"))
    status: Mapped[str] = mapped_column(String(20), default="active")  # active|suspended|revoked
    valid_from: Mapped[dt.date] = mapped_column(Date)
    valid_to: Mapped[dt.date] = mapped_column(Date)
    items: Mapped[list[str]] = mapped_column(JSON)  # catalog ids or ECCNs
    destinations: Mapped[list[str]] = mapped_column(JSON)  # ISO 3166-1 alpha-2
    parties: Mapped[list[dict[str, Any]]] = mapped_column(JSON)  # [{name, role, country}]
    quantity_limit: Mapped[int | None] = mapped_column(Integer)
    quantity_used: Mapped[int] = mapped_column(Integer, default=0)
    value_limit_cents: Mapped[int | None] = mapped_column(BigInteger)
    value_used_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    # Shipping tolerances (15 CFR 750.11) depend on the ECCN's "Unit"; entered per license, none by default.
    quantity_tolerance_percent: Mapped[int] = mapped_column(Integer, default=0)
    value_tolerance_percent: Mapped[int] = mapped_column(Integer, default=0)
    conditions: Mapped[str] = mapped_column(Text, default="")
    granted_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[str] = mapped_column(String(40))
    # the day the agency issued it (the grant's decided_on); None for a license recorded before revision 0007,
    # read as its valid_from (an upper bound: a grant may not precede it)
    issued_on: Mapped[dt.date | None] = mapped_column(Date)
    # [{status, effective_on, recorded_at, actor}]: each suspension, revocation or reinstatement with the day it
    # took effect (15 CFR 750.8); a line dated while the license was not in force is not covered
    status_changes: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON, default=list)


class LicenseUsage(Base):
    """One decrement of a license: the usage ledger."""

    __tablename__ = "license_usage"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    license_id: Mapped[int] = mapped_column(ForeignKey("licenses.id"), index=True)
    shipment_line_id: Mapped[int] = mapped_column(ForeignKey("shipment_lines.id"))
    quantity: Mapped[int] = mapped_column(Integer)
    value_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    actor: Mapped[str] = mapped_column(String(200))
    recorded_at: Mapped[str] = mapped_column(String(40))
    # Set on a new usage, so that one flush inserts the line and its usage; never loaded (``lazy="raise"``).
    shipment_line: Mapped[ShipmentLine] = relationship(lazy="raise")


class Shipment(Base):
    __tablename__ = "shipments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str | None] = mapped_column(String(200))  # the order id
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[str] = mapped_column(String(40))


class ShipmentLine(Base):
    __tablename__ = "shipment_lines"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    shipment_id: Mapped[int] = mapped_column(ForeignKey("shipments.id"), index=True)
    line_no: Mapped[int] = mapped_column(Integer)
    item: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[int] = mapped_column(Integer)
    destination: Mapped[str] = mapped_column(String(8))  # a country or a region code (migration 0005)
    ship_date: Mapped[dt.date] = mapped_column(Date)
    value_cents: Mapped[int | None] = mapped_column(BigInteger)
    order_line: Mapped[dict[str, Any]] = mapped_column(JSON)  # OrderLine as JSON
    decision: Mapped[dict[str, Any]] = mapped_column(JSON)  # Decision.to_json(), ledger-aware
    verdict: Mapped[str] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(20), index=True)  # held|released|shipped|cancelled
    license_id: Mapped[int | None] = mapped_column(ForeignKey("licenses.id"))
    license_exception: Mapped[str | None] = mapped_column(String(20))
    release_reason: Mapped[str | None] = mapped_column(Text)
    released_by: Mapped[str | None] = mapped_column(String(200))
    updated_at: Mapped[str] = mapped_column(String(40))
    # Set on a new line, so that one flush inserts the shipment and its line; never loaded (``lazy="raise"``).
    shipment: Mapped[Shipment] = relationship(lazy="raise")


class IdempotencyRecord(Base):
    """A shipment recorded under a client's ``Idempotency-Key`` (migration 0006): the request's digest and the
    answer given, so that the same request sent again gets the same answer and records nothing more. One key per
    user: the unique constraint is what stops two requests with the key sent at once from both recording. Not an
    audited row: the shipment it answers is audited."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("user_name", "key", name="uq_idempotency_keys_user_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_name: Mapped[str] = mapped_column(String(200))
    key: Mapped[str] = mapped_column(String(200))
    request_hash: Mapped[str] = mapped_column(String(64))  # sha256 of the request body's canonical JSON
    shipment_id: Mapped[int] = mapped_column(ForeignKey("shipments.id"))
    status_code: Mapped[int] = mapped_column(Integer)
    response: Mapped[dict[str, Any]] = mapped_column(JSON)  # the answer's JSON, as first sent
    created_at: Mapped[str] = mapped_column(String(40))


class AuditRecord(Base):
    """One append-only audit record. ``payload`` is canonical JSON; ``hash`` = sha256(prev_hash, payload)."""

    __tablename__ = "audit_records"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    recorded_at: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(60))
    entity: Mapped[str] = mapped_column(String(100), index=True)
    payload: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """A single row holding the last sequence number and hash: appends lock it, so the chain stays linear."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))


class ScreeningReview(Base):
    """A reviewer's call on a screening hit, tied to the list entry's content hash (migration 0002).

    Implements the storage behind ``chipclear.screening.ReviewStore`` (see ``chipclear.ledger.reviews``)."""

    __tablename__ = "screening_reviews"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    party_name: Mapped[str] = mapped_column(String(300))
    party_key: Mapped[str] = mapped_column(String(300), index=True)  # normalised party name
    entry_id: Mapped[str] = mapped_column(String(200))  # list entry id
    entry_hash: Mapped[str] = mapped_column(String(128))  # the entry's content when reviewed
    decision: Mapped[str] = mapped_column(String(30))  # not_a_match
    reason: Mapped[str] = mapped_column(Text)
    reviewer: Mapped[str] = mapped_column(String(200))
    decided_at: Mapped[str] = mapped_column(String(40))
    party_country: Mapped[str | None] = mapped_column(String(2), nullable=True)  # as reviewed (migration 0004)


__all__ = [
    "AuditHead",
    "AuditRecord",
    "Base",
    "ConsoleSession",
    "IdempotencyRecord",
    "License",
    "LicenseApplication",
    "LicenseUsage",
    "PartyRecord",
    "ScreeningReview",
    "Shipment",
    "ShipmentLine",
    "User",
]
