"""One JSON shape per ledger object: the views that the HTTP API (its ``response_model``), the console and the CLI
all serialise, so an application, a license, a shipment line or a user reads the same at every door.

Each view is a pydantic model; the ``*_json`` helpers build the view from a ledger row and return its JSON (what
the adapters send). Field names follow the ledger's columns; money is in US dollars (the ledger keeps cents).
Views allow extra fields so that a field added to a row's JSON by a later change is passed on, never dropped."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from chipclear.decision import OrderLine
from chipclear.determination.views import DecisionView
from chipclear.errors import NotFound
from chipclear.ledger.licenses import license_json, license_key
from chipclear.ledger.models import License, LicenseApplication, LicenseUsage, Shipment, ShipmentLine, User
from chipclear.ledger.reads import Query, Reader, Record
from chipclear.ledger.roles import require
from chipclear.ledger.shipments import ShipmentResult, ShippedLine
from chipclear.ledger.users import Actor


class View(BaseModel):
    model_config = ConfigDict(extra="allow")


class PartyRefView(View):
    """A party an application or a license names: its name, role (15 CFR 748.5) and country."""

    name: str
    role: str
    country: str | None = None


def _money(cents: int | None) -> float | None:
    return None if cents is None else cents / 100


class ApplicationView(View):
    id: int
    status: str
    application_number: str | None
    items: list[str]
    destinations: list[str]
    parties: list[PartyRefView]
    quantity: int | None
    value_usd: float | None
    note: str
    created_by: str
    created_at: str
    submitted_on: str | None
    decided_on: str | None
    decided_by: str | None
    decision_note: str | None


class UsageView(View):
    shipment_line_id: int
    quantity: int
    value_usd: float | None
    actor: str
    recorded_at: str


class StatusChangeView(View):
    """One suspension, revocation or reinstatement (``status`` active) of a license, as the agency set it."""

    status: str
    effective_on: str  # the day it took effect
    reason: str | None = None  # None: recorded before 2026-12-07, when the reason was kept in the audit record only
    recorded_at: str
    actor: str


class LicenseView(View):
    number: str
    status: str
    application_id: int | None
    valid_from: str
    valid_to: str
    items: list[str]
    destinations: list[str]
    parties: list[PartyRefView]
    quantity_limit: int | None
    quantity_used: int
    quantity_left: int | None
    value_limit_usd: float | None
    value_used_usd: float
    value_left_usd: float | None
    quantity_tolerance_percent: int
    value_tolerance_percent: int
    conditions: str
    granted_by: str
    issued_on: str | None  # the grant's decided_on (None: recorded before it was kept; read as valid_from)
    status_changes: list[StatusChangeView]  # each suspension, revocation, reinstatement, oldest first


class LicenseDetailView(LicenseView):
    usage: list[UsageView]


class ShipmentLineView(View):
    line_id: int
    shipment_id: int
    line_no: int
    item: str
    quantity: int
    destination: str
    ship_date: str
    historical: bool
    value_usd: float | None
    status: str
    verdict: str
    license_number: str | None
    license_exception: str | None
    release_reason: str | None
    released_by: str | None
    updated_at: str
    order_line: OrderLine
    decision: DecisionView


class ShipmentView(View):
    id: int
    reference: str | None
    created_by: str
    created_at: str


class ShipmentDetailView(View):
    shipment: ShipmentView
    lines: list[ShipmentLineView]


class ShipmentResultView(ShipmentDetailView):
    held: int


class UserView(View):
    name: str
    role: str
    active: bool
    key_prefix: str
    created_at: str


class NewUserView(UserView):
    api_key: str


class ActorView(View):
    name: str
    role: str


def application_json(app: LicenseApplication) -> dict[str, Any]:
    return {
        "id": app.id,
        "status": app.status,
        "application_number": app.application_number,
        "items": app.items,
        "destinations": app.destinations,
        "parties": app.parties,
        "quantity": app.quantity,
        "value_usd": _money(app.value_cents),
        "note": app.note,
        "created_by": app.created_by,
        "created_at": app.created_at,
        "submitted_on": app.submitted_on.isoformat() if app.submitted_on else None,
        "decided_on": app.decided_on.isoformat() if app.decided_on else None,
        "decided_by": app.decided_by,
        "decision_note": app.decision_note,
    }


def usage_json(u: LicenseUsage | Record) -> dict[str, Any]:
    return {
        "shipment_line_id": u.shipment_line_id,
        "quantity": u.quantity,
        "value_usd": _money(u.value_cents),
        "actor": u.actor,
        "recorded_at": u.recorded_at,
    }


def line_json(sl: ShipmentLine, license_number: str | None = None) -> dict[str, Any]:
    if license_number is None:  # a line read back: the license its decision relied on (it read null)
        license_number = ((sl.decision or {}).get("license") or {}).get("number")
    return {
        "line_id": sl.id,
        "shipment_id": sl.shipment_id,
        "line_no": sl.line_no,
        "item": sl.item,
        "quantity": sl.quantity,
        "destination": sl.destination,
        "ship_date": sl.ship_date.isoformat(),
        "historical": bool((sl.decision or {}).get("historical_entry")),  # recorded after its ship date
        "value_usd": _money(sl.value_cents),
        "status": sl.status,
        "verdict": sl.verdict,
        "license_number": license_number,
        "license_exception": sl.license_exception,
        "release_reason": sl.release_reason,
        "released_by": sl.released_by,
        "updated_at": sl.updated_at,
        "order_line": sl.order_line,
        "decision": sl.decision,
    }


def shipped_line_json(sl: ShippedLine) -> dict[str, Any]:
    return line_json(sl.line, sl.license_number)


def shipment_json(shipment: Shipment) -> dict[str, Any]:
    return {
        "id": shipment.id,
        "reference": shipment.reference,
        "created_by": shipment.created_by,
        "created_at": shipment.created_at,
    }


def shipment_result_json(result: ShipmentResult) -> dict[str, Any]:
    return {
        "shipment": shipment_json(result.shipment),
        "lines": [shipped_line_json(ln) for ln in result.lines],
        "held": len(result.held),
    }


def user_json(user: User) -> dict[str, Any]:
    return {
        "name": user.name,
        "role": user.role,
        "active": user.active,
        "key_prefix": user.key_prefix,
        "created_at": user.created_at,
    }


def shipment_detail(session: Session, actor: Actor, shipment_id: int) -> dict[str, Any]:
    """A shipment and its lines (``ShipmentDetailView``); needs the read role."""
    require(actor.name, actor.role, "read")
    ship = session.get(Shipment, shipment_id)
    if ship is None:
        raise NotFound(f"no shipment {shipment_id}")
    rows = session.execute(
        select(ShipmentLine).where(ShipmentLine.shipment_id == shipment_id).order_by(ShipmentLine.line_no)
    ).scalars()
    return {"shipment": shipment_json(ship), "lines": [line_json(sl) for sl in rows]}


# The reads that need no session (``chipclear.api.deps.read``, ``chipclear.ledger.reads``): the same JSON as
# ``license_json`` and ``usage_json`` of the ORM rows, from plain rows.
_licenses, _usage = License.__table__, LicenseUsage.__table__
_LICENSE_BY_NUMBER = Query(select(_licenses).where(_licenses.c.number == bindparam("number")))
_LICENSES = Query(select(_licenses).order_by(_licenses.c.number), many=True)
_USAGE_OF = Query(select(_usage).where(_usage.c.license_id == bindparam("license_id")).order_by(_usage.c.id), many=True)


def license_detail(reader: Reader, actor: Actor, number: str) -> dict[str, Any]:
    """License ``number`` with its usage history (``LicenseDetailView``); needs the read role."""
    require(actor.name, actor.role, "read")
    found = reader.rows(_LICENSE_BY_NUMBER, number=number)
    if not found:  # "d1" is D1 (``licenses.license_key``)
        found = [x for x in reader.rows(_LICENSES) if license_key(x.number) == license_key(number)]
    if not found:
        raise NotFound(f"no license numbered {number!r}")
    data = license_json(found[0])
    data["usage"] = [usage_json(u) for u in reader.rows(_USAGE_OF, license_id=found[0].id)]
    return data


def license_list(reader: Reader, actor: Actor) -> list[dict[str, Any]]:
    """Every license with its balances, by number (``LicenseView``); needs the read role."""
    require(actor.name, actor.role, "read")
    return [license_json(lic) for lic in reader.rows(_LICENSES)]


class AuditRecordView(View):
    """One line of the audit export: the record with its sequence number and hash links."""

    seq: int
    prev_hash: str
    hash: str
    record: dict[str, Any]


class AuditVerifyView(View):
    """The audit chain check: every record's hash links, and every audited row against its last record."""

    ok: bool
    records: int
    first_bad_seq: int | None
    problem: str | None
    last_hash: str | None
    redacted: int = 0  # records whose secrets were redacted in the export that was checked
    anchors: int = 0  # anchors and checkpoints checked


__all__ = [
    "ActorView",
    "ApplicationView",
    "AuditRecordView",
    "AuditVerifyView",
    "LicenseDetailView",
    "LicenseView",
    "NewUserView",
    "PartyRefView",
    "ShipmentDetailView",
    "ShipmentLineView",
    "ShipmentResultView",
    "ShipmentView",
    "StatusChangeView",
    "UsageView",
    "UserView",
    "View",
    "application_json",
    "license_detail",
    "license_list",
    "line_json",
    "shipment_detail",
    "shipment_json",
    "shipment_result_json",
    "shipped_line_json",
    "usage_json",
    "user_json",
]
