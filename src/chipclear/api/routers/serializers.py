"""JSON for ledger rows that the ledger does not serialise itself (field names follow the ledger's columns)."""

from __future__ import annotations

from typing import Any

from chipclear.ledger.models import LicenseApplication, LicenseUsage, Shipment, ShipmentLine
from chipclear.ledger.services import ShipmentResult, ShippedLine


def _money(cents: int | None) -> float | None:
    return None if cents is None else cents / 100


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


def usage_json(u: LicenseUsage) -> dict[str, Any]:
    return {
        "shipment_line_id": u.shipment_line_id,
        "quantity": u.quantity,
        "value_usd": _money(u.value_cents),
        "actor": u.actor,
        "recorded_at": u.recorded_at,
    }


def line_json(sl: ShipmentLine, license_number: str | None = None) -> dict[str, Any]:
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
