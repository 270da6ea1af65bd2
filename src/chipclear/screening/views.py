"""The JSON shape of a screening answer (``Screener.search(...).to_json()``) as pydantic models, for the HTTP
API's schema and every door that serialises a hit. Extra fields are allowed (passed on, never dropped)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class View(BaseModel):
    model_config = ConfigDict(extra="allow")


class HitView(View):
    entry_id: str
    source: str
    name: str
    matched_name: str
    score: float
    determination: str
    explanation: dict[str, Any]
    license_requirement: str | None
    license_policy: str | None
    federal_register_notice: str | None
    countries: list[str]
    programs: list[str]
    source_list_url: str | None
    entry_hash: str
    suppressed_by: ReviewView | None = Field(description="The reviewer's not-a-match call that clears the hit")
    listed_on: str | None = Field(None, description="ISO date the entry was listed (from its FR citations)")
    listing: str | None = Field(
        None, description="When and by which notice the entry was added, or why the date is unknown"
    )
    effective_on: str | None = Field(None, description="ISO date the listing took effect, where the data confirms it")


class ListStateView(BaseModel):
    """The lists an answer was screened against and the thresholds it used (every screening answer carries them)."""

    list_version: str
    list_date: str | None
    stale: bool
    stale_reason: str | None
    match_threshold: float
    review_threshold: float
    screened_at: str


class ScreeningResultView(View, ListStateView):
    query: dict[str, Any]
    hits: list[HitView]
    suppressed: list[HitView]


class BatchScreeningView(View):
    results: list[ScreeningResultView]


class ReviewView(View):
    """A reviewer's call on one list entry for one party name (``decided_at`` once stored)."""

    party_name: str
    entry_id: str
    entry_hash: str
    reviewer: str
    reason: str
    decision: str
    decided_at: str | None = None
    review_id: int | None = None  # the ledger's review number
    party_country: str | None = None  # the party's country as reviewed: the review clears the hit only there


class ReviewAnswer(View):
    """What recording a review answers: the review, the hit it is about and the list version it was checked on."""

    review: ReviewView
    hit: HitView
    list_version: str


class ListStatusView(View):
    """The screening list in use: version, date, size, origin and staleness."""

    list_version: str
    list_date: str | None
    entries: int
    names: int = Field(description="Names and aliases indexed for screening")
    counts_by_source: dict[str, int]
    origin: str
    embedded: bool
    loaded_at: str | None
    stale: bool
    stale_reason: str | None
    max_age_days: int


class ListUpdateView(View):
    """What replacing the list did: the new and the previous version and size."""

    version: str
    list_date: str | None
    entries: int
    previous_version: str
    previous_entries: int
    counts_by_source: dict[str, int]
    path: str


__all__ = [
    "BatchScreeningView",
    "HitView",
    "ListStateView",
    "ListStatusView",
    "ListUpdateView",
    "ReviewAnswer",
    "ReviewView",
    "ScreeningResultView",
]
