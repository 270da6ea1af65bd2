"""Restricted-party screening: one name, a batch, and reviewers' match / not-a-match decisions."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from chipclear.api.deps import api_key, ledger_of, transaction
from chipclear.api.responses import WRITE, errors
from chipclear.ledger.screening import ReviewRequest, ScreenRequest, record_review, review_store, screen_one
from chipclear.ledger.users import SystemActor
from chipclear.screening.views import BatchScreeningView, ReviewAnswer, ReviewView, ScreeningResultView

router = APIRouter(tags=["screening"], responses=errors(*WRITE))

MAX_BATCH = 500


class BatchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    parties: list[ScreenRequest] = Field(min_length=1, max_length=MAX_BATCH)


def authenticated(request: Request, key: str | None, action: str) -> SystemActor:
    """Check the key and the role in a short transaction, and return the actor."""
    with transaction(request, key) as tx:
        tx.require(action)
        return tx.actor


@router.post(
    "/screen",
    response_model=ScreeningResultView,
    response_model_exclude_unset=True,  # a note that did not move the score is absent, as in `screen --json`
    summary="Screen one party name against the restricted-party lists, every hit explained",
)
def screen(request: Request, body: ScreenRequest, key: str | None = Depends(api_key)) -> dict[str, Any]:
    actor = authenticated(request, key, "screen")
    return screen_one(ledger_of(request), actor, body).to_json()


@router.post(
    "/screen/batch",
    response_model=BatchScreeningView,
    response_model_exclude_unset=True,
    summary="Screen up to 500 parties in one request",
)
def screen_batch(request: Request, body: BatchRequest, key: str | None = Depends(api_key)) -> dict[str, Any]:
    actor = authenticated(request, key, "screen")
    return {"results": [screen_one(ledger_of(request), actor, p).to_json() for p in body.parties]}


@router.get("/screen/reviews", response_model=list[ReviewView], summary="Reviewers' not-a-match decisions")
def reviews(request: Request, key: str | None = Depends(api_key)) -> list[dict[str, Any]]:
    actor = authenticated(request, key, "read")
    return [d.to_json() for d in review_store(ledger_of(request), actor).decisions()]


@router.post(
    "/screen/reviews",
    response_model=ReviewAnswer,
    response_model_exclude_unset=True,
    summary="Record match / not a match on a hit, with a reason (approver)",
)
def review(request: Request, body: ReviewRequest, key: str | None = Depends(api_key)) -> dict[str, Any]:
    actor = authenticated(request, key, "screening.review")
    return record_review(ledger_of(request), actor, body)
