"""The ledger's JSON views, re-exported for older imports: they live in ``chipclear.ledger.views``."""

from __future__ import annotations

from chipclear.ledger.views import (
    application_json,
    line_json,
    shipment_json,
    shipment_result_json,
    shipped_line_json,
    usage_json,
)

__all__ = [
    "application_json",
    "line_json",
    "shipment_json",
    "shipment_result_json",
    "shipped_line_json",
    "usage_json",
]
