"""The JSON shape of a screening answer (``Screener.search(...).to_json()``) as pydantic models, for the HTTP
API's schema and every door that serialises a hit. Extra fields are allowed (passed on, never dropped)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class View(BaseModel):
    model_config = ConfigDict(extra="allow")


class TokenMatchView(View):
    """A query word and the listed word it matched, how (exact, typo, split, joined, acronym ...) and how closely."""

    query: str
    listed: str
    similarity: float
    how: str


class NormalizationView(View):
    """The steps that normalised the query and the listed name before they were compared."""

    query: list[str]
    listed: list[str]


class AddressNoteView(View):
    """The address words the party shares with the entry and the bonus they gave."""

    shared_tokens: list[str]
    bonus: float


class ContainedNameView(View):
    """A listed name found whole inside a longer query name (a branch, an office, "c/o"): held for review."""

    listed_name: str
    listed_tokens: list[str]
    extra_query_tokens: list[str]
    rule: str
    score_before: float


class DistinctiveWordView(View):
    """A listed name's rare word found in the query among places and trade words: held for review."""

    listed_name: str
    distinctive_word: str
    other_query_tokens: list[str]
    rule: str
    score_before: float


class ExplanationView(View):
    """Why a name scored as it did: the words matched and unmatched, their weights, the normalisation, and the notes
    that moved the score (country, address, a name held for review, a homonym capped at a possible match)."""

    name_score: float
    matched_tokens: list[TokenMatchView]
    unmatched_query_tokens: list[str]
    unmatched_listed_tokens: list[str]
    token_weights: dict[str, float]
    normalization: NormalizationView
    legal_forms_ignored: list[str]
    matched_name_source: str | None = Field(None, description="Where a name the lists' parse joined comes from")
    country: str | None = Field(None, description="The party's country against the entry's (bonus or penalty)")
    address: AddressNoteView | None = None
    contains_listed_name: ContainedNameView | None = None
    contains_distinctive_word: DistinctiveWordView | None = None
    country_disagrees: str | None = None
    legal_forms_differ: str | None = None
    matched_across_names: str | None = None
    headquarters_disagrees: str | None = None


class QueryView(View):
    """What was screened: the name, and the country, address and lists it was screened with."""

    name: str
    country: str | None
    address: str | None
    sources: list[str] | None = Field(None, description="The lists searched, when not all")


class HitView(View):
    entry_id: str
    source: str
    name: str
    matched_name: str
    score: float
    determination: str
    explanation: ExplanationView
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
    query: QueryView
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
    "AddressNoteView",
    "BatchScreeningView",
    "ContainedNameView",
    "DistinctiveWordView",
    "ExplanationView",
    "HitView",
    "ListStateView",
    "ListStatusView",
    "ListUpdateView",
    "NormalizationView",
    "QueryView",
    "ReviewAnswer",
    "ReviewView",
    "ScreeningResultView",
    "TokenMatchView",
]
