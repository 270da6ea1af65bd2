"""Screening with the ledger: a party screened against the lists with the reviewers' not-a-match decisions
applied, and a reviewer's call on a hit recorded (and audited). The API and the console both call these.

The requests and the review answer are pydantic models, so every door validates and answers the same shape."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from chipclear.bounds import (
    MIN_SCREEN_SCORE,
    HitLimit,
    Identifier,
    Name,
    Reason,
    ScreenAddress,
    ScreenName,
    ScreenScore,
    blank,
)
from chipclear.errors import Conflict, InputError
from chipclear.geography import CountryCode
from chipclear.ledger.db import Ledger
from chipclear.ledger.reviews import LedgerReviewStore
from chipclear.ledger.roles import require
from chipclear.ledger.users import SystemActor
from chipclear.screening import Hit, ScreeningResult, default_screener
from chipclear.screening.views import ReviewAnswer, ReviewView


class ScreenRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: ScreenName
    country: CountryCode | None = Field(None, description="ISO 3166-1 code or country name (resolved)")
    address: ScreenAddress | None = None
    limit: HitLimit = 10
    min_score: ScreenScore | None = Field(
        None, description=f"Lowest score returned, {MIN_SCREEN_SCORE}-1 (default: the review threshold)"
    )
    sources: list[Annotated[str, Field(min_length=1, max_length=20)]] | None = Field(
        None, max_length=50, description="Only hits from these lists (short codes: EL, SDN, MEU, DPL ...)"
    )


class ReviewRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    party_name: Name = Field(min_length=1)  # stored: the ledger's bound, chipclear.bounds
    country: CountryCode | None = None
    entry_id: Identifier = Field(min_length=1)
    entry_hash: Identifier = Field(min_length=1, max_length=128)
    decision: Literal["not_a_match", "match"]
    reason: Reason


def review_store(ledger: Ledger, actor: SystemActor) -> LedgerReviewStore:
    """Reviews live in the ledger (shared by every server process, audited); reading them needs no role."""
    return LedgerReviewStore(ledger, actor)


def screen_one(ledger: Ledger, actor: SystemActor, req: ScreenRequest) -> ScreeningResult:
    return default_screener().search(
        req.name,
        country=req.country,
        address=req.address,
        limit=req.limit,
        min_score=req.min_score,
        sources=req.sources,
        reviews=review_store(ledger, actor),
    )


def record_review(ledger: Ledger, actor: SystemActor, req: ReviewRequest) -> dict[str, Any]:
    """Record a reviewer's call on a hit that the current lists still show with the same content
    (``ReviewAnswer``). Runs outside any open transaction: the review store and the audit append each take their own."""
    require(actor.name, actor.role, "screening.review")
    if blank(req.reason):
        raise InputError("reason: a review needs a reason", field="reason")
    result = default_screener().search(req.party_name, country=req.country, limit=100)
    hit: Hit | None = next((h for h in result.hits if h.entry_id == req.entry_id), None)
    if hit is None:
        raise Conflict(f"entry {req.entry_id!r} is not a hit for {req.party_name!r} on list {result.list_version}")
    if hit.entry_hash != req.entry_hash:
        raise Conflict(f"entry {req.entry_id!r} changed since it was shown (list {result.list_version}); screen again")
    # Both calls go to the one review store (a "match" used to be audited only: an earlier "not a match" of the same
    # hit stayed in force, while the CLI's --match stored it).
    review: dict[str, Any] = (
        review_store(ledger, actor)
        .record(
            req.party_name,
            req.entry_id,
            req.entry_hash,
            actor.name,
            req.reason,
            decision=req.decision,
            country=req.country,
        )
        .to_json()
    )
    return {"review": review, "hit": hit.to_json(), "list_version": result.list_version}


__all__ = [
    "ReviewAnswer",
    "ReviewRequest",
    "ReviewView",
    "ScreenRequest",
    "record_review",
    "review_store",
    "screen_one",
]
