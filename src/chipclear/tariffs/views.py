"""The JSON shapes of a duty stack (``DutyResult.to_json()``) and of its timeline, as pydantic models for the
HTTP API's schema. Extra fields are allowed (passed on, never dropped)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class View(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)


class RateRange(View):
    low: float | None
    high: float | None


class DutyLineView(View):
    measure: str
    heading: str | None
    rate: float | None
    citation: Any
    confidence: str


class DutyView(View):
    """The import-duty stack for an HTS line, origin and entry date: each layer cited, the total only when
    determined (else its range), and the open questions that move it."""

    hts: str
    origin: str
    entry_date: str
    value: float | None
    item: str | None
    end_use: str | None
    claims: list[str]
    status: str
    lines: list[DutyLineView]
    total_rate: float | None
    total_rate_range: RateRange
    total_amount: float | None
    total_amount_range: RateRange
    stacking: list[dict[str, Any]]
    unknowns: list[dict[str, Any]]
    available_claims: list[dict[str, Any]]
    notes: list[str]


class DutySegmentView(View):
    """One span of entry dates (``from``, ``to``) over which the stack stays the same."""

    date_from: str = Field(alias="from")
    date_to: str | None = Field(alias="to")
    status: str
    total_rate: float | None
    total_rate_range: RateRange
    lines: list[DutyLineView]
    unknowns: list[str]


__all__ = ["DutyLineView", "DutySegmentView", "DutyView", "RateRange"]
