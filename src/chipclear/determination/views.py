"""The JSON shapes of the determination's history answers (``timeline`` and ``diff``), as pydantic models for
the HTTP API's schema. Extra fields are allowed (passed on, never dropped)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class View(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)


class PeriodView(View):
    """A span of dates with one verdict, what started it and the dated statements inside it."""

    start: str
    end: str | None
    verdict: str
    review_policy: str | None
    license_exceptions: list[Any]
    caused_by: list[dict[str, Any]]
    reasons: list[dict[str, Any]]
    missing: list[str]
    events: list[dict[str, Any]]


class TimelineView(View):
    """Verdict periods of one item (a chip, a system or an AI model) to one destination; ``end_user`` and
    ``end_user_country`` name the end user screened for the timeline (None: no party screened)."""

    item: str
    destination: str
    end_user_headquarters: str | None
    end_user: str | None = None
    end_user_country: str | None = None
    layer: str
    rules_version: str
    periods: list[PeriodView]


class VerdictChangeView(View):
    item: str
    destination: str
    groups: list[str]
    before: dict[str, Any]
    after: dict[str, Any]
    why: list[dict[str, Any]]


class DiffView(View):
    """Items whose verdict changes between two dates (``from``, ``to``), per destination, with the reasons."""

    date_from: str = Field(alias="from")
    date_to: str = Field(alias="to")
    layer: str
    rules_version: str
    destinations: list[str]
    actions_between: Any
    changes: list[VerdictChangeView]


__all__ = ["DiffView", "PeriodView", "TimelineView", "VerdictChangeView"]
