"""The shapes of a batch run's outputs as the API describes them: one decisions row (Parquet or JSON lines) and one
bad row (CSV). The columns are those ``chipclear batch`` writes (``runner.OUTPUT_COLUMNS``; docs/batch.md)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel

from chipclear.decision import LicenseExceptionUse, Reason


class BatchDecisionRow(BaseModel):
    """One order line with its decision."""

    row: int
    order_id: str | None = None
    line_id: str | None = None
    item: str
    item_id: str | None = None
    quantity: int
    destination: str
    ship_date: dt.date | None = None
    as_of: dt.date
    end_user_name: str | None = None
    end_user_country: str | None = None
    end_user_headquarters_country: str | None = None
    end_user_owners: str | None = None
    end_use: str = ""
    supercomputer: bool = False
    advanced_node_ic_production: bool = False
    military: bool = False
    value_usd: float | None = None
    verdict: str
    review_policy: str | None = None
    license_exceptions: list[LicenseExceptionUse] = []
    eccn: str | None = None
    classification_status: str | None = None
    reasons: list[Reason] = []
    missing: list[str] = []
    screening: list[dict[str, Any]] = []
    rules_version: str
    list_version: str | None = None
    layer: str


class BadRow(BaseModel):
    """One row that was not decided: its number, why, and the input values as text (one CSV line)."""

    row: int
    reason: str
    order_id: str | None = None
    line_id: str | None = None
    item: str | None = None
    quantity: str | None = None
    destination: str | None = None
    ship_date: str | None = None
    end_user_name: str | None = None
    end_user_country: str | None = None
    end_user_headquarters_country: str | None = None
    end_user_owners: str | None = None
    end_use: str | None = None
    supercomputer: str | None = None
    advanced_node_ic_production: str | None = None
    military: str | None = None
    value_usd: str | None = None


__all__ = ["BadRow", "BatchDecisionRow"]
