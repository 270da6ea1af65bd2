"""The JSON shapes of a duty stack (``DutyResult.to_json()``) and of its timeline, as pydantic models for the
HTTP API's schema. Extra fields are allowed (passed on, never dropped)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class View(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)


class RateRange(View):
    low: float | None
    high: float | None


class DutyLineView(View):
    """One layer of the stack (``DutyLine.to_json()``); ``rate_range`` only when the rate is not known."""

    measure: str
    measure_id: str
    heading: str | None
    rate: float | None
    amount: float | None
    citation: str
    sources: list[str]
    confidence: str
    low_confidence: bool
    note: str
    rate_range: RateRange | None = None


class DutySegmentLineView(View):
    """One layer of a timeline segment: its rate, else its range (``rate_range`` null when the rate is known)."""

    measure: str
    heading: str | None
    rate: float | None
    rate_range: RateRange | None
    citation: str
    confidence: str


class StackingView(View):
    rule: str
    citation: str
    confidence: str


class OutcomeView(View):
    """The range of the total duty rate if the open question has this answer."""

    answer: str
    total_rate_low: float
    total_rate_high: float | None


class ClaimView(View):
    """A claim the importer could make (e.g. a Section 301 exclusion, 9903.88.69) and what it must describe."""

    claim: str
    measure: str
    descriptions: str = Field(description="The goods the claim covers, as its heading describes them")


class UnknownView(View):
    """An open question and the range of the total over its answers."""

    id: str
    question: str
    affects: str
    citation: str
    confidence: str
    range: RateRange
    outcomes: list[OutcomeView]
    changes_total: bool


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
    entry_type: str | None
    status: str
    lines: list[DutyLineView]
    total_rate: float | None
    total_rate_range: RateRange
    total_amount: float | None
    total_amount_range: RateRange
    stacking: list[StackingView]
    unknowns: list[UnknownView]
    available_claims: list[ClaimView]
    headings_to_file: list[str] = Field(description="Chapter 99 headings to report on the entry")
    headings_unknown: list[str] = Field(description="Headings that depend on an open question")
    notes: list[str]


class DutySegmentView(View):
    """One span of entry dates (``from``, ``to``) over which the stack stays the same."""

    date_from: str = Field(alias="from")
    date_to: str | None = Field(alias="to")
    status: str
    total_rate: float | None
    total_rate_range: RateRange
    lines: list[DutySegmentLineView]
    unknowns: list[str]
    headings_to_file: list[str]
    headings_unknown: list[str]


class DutyTimelineView(View):
    """How the stack for one HTS line and origin changed over time: ``chipclear duty timeline --json`` and
    ``GET /api/duty/timeline`` (one shape)."""

    hts: str
    origin: str
    segments: list[DutySegmentView]


__all__ = [
    "ClaimView",
    "DutyLineView",
    "DutySegmentLineView",
    "DutySegmentView",
    "DutyTimelineView",
    "DutyView",
    "OutcomeView",
    "RateRange",
    "StackingView",
    "UnknownView",
]
