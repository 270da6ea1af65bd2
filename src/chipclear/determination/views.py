"""The JSON shapes of the determination's answers, as pydantic models for the HTTP API's schema: a decision with
every nested part typed (``DecisionView``: its classification, screening findings, the license relied on, the duty
and the line it decided), and the history answers (``timeline`` and ``diff``). Extra fields are allowed (passed on,
never dropped); ``tests/api/test_openapi_strict.py`` fails when an answer carries a field its view does not declare.

The engine keeps building ``chipclear.decision.Decision`` (its nested parts as plain JSON objects, the form the
ledger stores and the batch and what-if tables patch); these views only say, for every door that answers with a
decision, what those objects hold."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from chipclear.catalog.views import ClassificationView
from chipclear.decision import Decision, OrderLine, Reason
from chipclear.models.classify import ModelClassification
from chipclear.screening.views import ReviewView
from chipclear.tariffs.views import DutyView


class View(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)


class ScreeningFindingView(View):
    """One screening hit a decision considered: the party (or the owner it was found through) and the list entry."""

    party: str
    party_country: str | None = Field(None, description="The party's country it was screened with (None: by name)")
    via_owner: str | None = Field(None, description="The owner or parent the hit was found through")
    entry_id: str | None = None
    entry_hash: str | None = None
    suppressed_by: ReviewView | None = Field(None, description="The reviewer's not-a-match call that clears it")
    source: str
    entry: str
    score: float
    determination: str
    license_requirement: str | None = None
    license_policy: str | None = None
    federal_register_notice: str | None = None
    effective_on: str | None = None
    listed_on: str | None = None
    listing: str | None = None


class LicenseUseView(View):
    """The license a LICENSED decision relies on, with what is left before and after the line."""

    number: str
    valid_from: str
    valid_to: str
    quantity_left: int | None
    quantity_left_after: int | None
    value_left_usd: float | None
    value_left_after_usd: float | None
    conditions: str


class HistoricalEntryView(View):
    """A line recorded after its ship date (an approver ships it with a past ship date): when, and who allowed it."""

    recorded_on: str
    approved_by: str


class DecisionView(Decision):
    """A decision (``chipclear.decision.Decision``, ``to_json()``) with its nested parts typed: what ``POST
    /api/check``, ``chipclear check --json``, a shipment line and a held line answer."""

    model_config = ConfigDict(extra="allow")

    classification: ClassificationView | ModelClassification  # type: ignore[assignment]
    screening: list[ScreeningFindingView] = Field(default_factory=list)  # type: ignore[assignment]
    license: LicenseUseView | None = None  # type: ignore[assignment]
    duty: DutyView | None = None  # type: ignore[assignment]
    input: OrderLine  # type: ignore[assignment]
    historical_entry: HistoricalEntryView | None = Field(
        None, description="A shipment line recorded after its ship date: when, and who allowed it (ledger only)"
    )


class CauseView(View):
    """A dated change that starts a period: the rule (or list entry, or catalog record) and what it did."""

    rule: str
    citation: str
    what: str


class EventView(View):
    """A dated statement inside a period that does not change its verdict (e.g. an official's announcement)."""

    date: str
    rule: str
    text: str
    citation: str
    confidence: str | None = None
    lifts_requirement: bool = False


class PeriodView(View):
    """A span of dates with one verdict, what started it and the dated statements inside it."""

    start: str
    end: str | None
    verdict: str
    review_policy: str | None
    license_exceptions: list[str] = Field(description="The license exceptions' codes, e.g. NAC")
    caused_by: list[CauseView]
    reasons: list[Reason]
    missing: list[str]
    events: list[EventView]


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


class VerdictSummaryView(View):
    """A verdict with its review policy and the license exceptions' codes, on one of the two dates."""

    verdict: str
    review_policy: str | None
    license_exceptions: list[str]


class ChangeReasonView(View):
    """A rule that applies on one date and not the other (``detail`` starts "no longer applies:" for the latter)."""

    rule: str
    citation: str
    detail: str


class VerdictChangeView(View):
    item: str
    destination: str
    groups: list[str]
    before: VerdictSummaryView
    after: VerdictSummaryView
    why: list[ChangeReasonView]


class DiffView(View):
    """Items whose verdict changes between two dates (``from``, ``to``), per destination, with the reasons."""

    date_from: str = Field(alias="from")
    date_to: str = Field(alias="to")
    layer: str
    rules_version: str
    destinations: list[str]
    actions_between: list[CauseView] = Field(description="The dated changes after from, up to to")
    changes: list[VerdictChangeView]


__all__ = [
    "CauseView",
    "ChangeReasonView",
    "DecisionView",
    "DiffView",
    "EventView",
    "HistoricalEntryView",
    "LicenseUseView",
    "PeriodView",
    "ScreeningFindingView",
    "TimelineView",
    "VerdictChangeView",
    "VerdictSummaryView",
]
