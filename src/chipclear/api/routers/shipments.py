"""Shipments and holds: ``/api/shipments``, ``/api/holds``."""

from __future__ import annotations

from contextlib import suppress
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Path, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from chipclear.api.deps import LedgerHolder, RecentKeys, api_key, read_transaction, transaction
from chipclear.api.errors import NotAvailable
from chipclear.api.group_commit import GroupCommit, Reviews, ShipmentGroup
from chipclear.api.responses import WRITE, as_recorded, errors
from chipclear.bounds import Identifier, LicenseNumber, Reason
from chipclear.decision import OrderLine
from chipclear.ledger import shipments as ledger_shipments
from chipclear.ledger.idempotency import HEADER, Idempotency, KeyTaken, idempotency, replayed
from chipclear.ledger.users import SystemActor
from chipclear.ledger.views import (
    ShipmentDetailView,
    ShipmentLineView,
    ShipmentResultView,
    line_json,
    shipment_detail,
)
from chipclear.screening.cached import NotCached

router = APIRouter(tags=["shipments"], responses=errors(*WRITE))

LineId = Path(ge=1, le=2**31 - 1)


class ShipmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    lines: list[OrderLine] = Field(min_length=1, max_length=1000)
    reference: Identifier | None = None
    license_number: LicenseNumber | None = None


class ReasonIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Reason
    license_number: LicenseNumber | None = None


class ReviewAnswerIn(BaseModel):
    entry_id: str = Field(min_length=1, max_length=200)
    party: str = Field("", max_length=500, description="The party hit; may be left out when only one party hit")
    decision: Literal["match", "not_a_match"]
    reason: str = Field("", max_length=4000, description="Defaults to the release reason")
    entry_hash: str = Field(
        "",
        max_length=64,
        description="The entry's content hash as shown (the held decision's `screening[].entry_hash`): an answer"
        " whose hash differs from the held decision's is refused (409). Optional: an answer is always checked"
        " against the held decision, which does not change while the line is held",
    )


class ListingAcknowledgementIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    license: LicenseNumber = Field(description="A license issued before a party of the line was listed")
    reason: str = Field("", max_length=4000, description="Defaults to the release reason")


class ReleaseIn(ReasonIn):
    reviews: list[ReviewAnswerIn] = Field(default_factory=list, max_length=200)
    facts: dict[str, Any] = Field(default_factory=dict, description="Missing facts: order-line fields to set")
    listing_acknowledgements: list[ListingAcknowledgementIn] = Field(
        default_factory=list,
        max_length=50,
        description="The approver confirms each license still holds after the listings of the line's parties that"
        " postdate its issue (the held decision's `missing` names them); recorded in the audit log",
    )


def _actor(request: Request, key: str | None, action: str) -> Any:
    with transaction(request, key) as tx:
        tx.require(action)
        return tx.actor


INLINE_LINES = 20  # a shipment of at most this many lines, all of them decided from cached answers, is decided
# on the event loop (about 0.1 ms a line); a larger one, or one that needs screening, in a worker thread


async def ship(request: Request, key: str | None, body: ShipmentIn, given: Idempotency | None = None) -> dict[str, Any]:
    """Decide the lines with no lock held, then hand the shipment to the server's shipment writer
    (``ShipmentGroup``): it records the shipments queued at that moment in one transaction, authenticating each
    key again and deciding again if a review came in meanwhile.

    The decision is made with the key's actor as authenticated in the last seconds (``RecentKeys``; otherwise in a
    short transaction of its own, in a worker thread) and the reviews as last read: on SQLite every transaction
    queues on the server's one write lock, and this way most shipments never take it themselves. A small shipment
    whose parties' screening answers are all cached is decided on the event loop, as a check is
    (``GroupCommit.acheck``), and no request holds a worker thread while its shipment is recorded."""
    group: GroupCommit = request.app.state.group_commit
    shipments: ShipmentGroup = request.app.state.shipment_group
    holder: LedgerHolder = request.app.state.ledger
    recent: RecentKeys = request.app.state.recent_keys
    decider = group.decider
    recent_actor = recent.get(key) if key else None  # no key: ``transaction`` refuses it
    reviews = decider.reviews

    def authenticated() -> tuple[SystemActor, Reviews]:
        with transaction(request, key) as tx:
            return tx.actor, decider.refresh(tx.session)

    if recent_actor is None or reviews.version < 0:
        actor, reviews = await run_in_threadpool(authenticated)
    else:
        actor = recent_actor
    assert key is not None  # ``transaction`` refused a missing key
    # Refused before any decision is spent (the writer checks again with the actor authenticated in its transaction).
    ledger_shipments.refuse_shipment(body.lines, actor, reference=body.reference)
    try:
        decided = None
        if decider.ready and len(body.lines) <= INLINE_LINES:
            with suppress(NotCached):  # a party not screened yet: decided in a worker thread below
                decided = ledger_shipments.decide_lines(
                    holder.transaction, body.lines, lambda line, on: decider.decide(line, on, reviews, cached_only=True)
                )
        if decided is None:
            decided = await run_in_threadpool(
                ledger_shipments.decide_lines,
                holder.transaction,
                body.lines,
                lambda line, on: decider.decide(line, on, reviews),
            )
    except ModuleNotFoundError as exc:
        if (exc.name or "").startswith("chipclear.determination"):
            raise NotAvailable("the determination engine (chipclear.determine) is not installed") from None
        raise
    answer, actor = await shipments.aship(
        key,
        body.lines,
        decided,
        reviews.version,
        reference=body.reference,
        license_number=body.license_number,
        idempotency=given,
    )
    recent.put(key, actor)
    return answer


@router.post(
    "/shipments",
    status_code=201,
    response_model=ShipmentResultView,
    summary="Record a shipment: lines with authority ship (licenses decremented), the others are held",
)
async def create_shipment(
    request: Request,
    body: ShipmentIn,
    key: str | None = Depends(api_key),
    idempotency_key: Annotated[
        str | None,
        Header(
            alias=HEADER,
            description="Optional. A key of the client's choosing (a UUID) for this shipment: the same request sent"
            " again with the same key is answered with the first answer (same shipment and line ids, the original"
            " status, header `Idempotent-Replayed: true`) and records nothing; the same key with another body is"
            " refused (422). Keys are kept per user in the ledger.",
        ),
    ] = None,
) -> Any:
    given = idempotency(idempotency_key, body.model_dump(mode="json"))
    if given is None:
        return as_recorded(await ship(request, key, body), 201)
    first = await run_in_threadpool(_first_answer, request, key, given)
    if first is None:
        try:
            return as_recorded(await ship(request, key, body, given), 201)
        except KeyTaken:  # another request with this key was recorded first: answered from its record
            first = await run_in_threadpool(_first_answer, request, key, given)
            if first is None:
                raise
    status, answer = first
    return JSONResponse(answer, status_code=status, headers={"Idempotent-Replayed": "true"})


def _first_answer(request: Request, key: str | None, given: Idempotency) -> tuple[int, dict[str, Any]] | None:
    with read_transaction(request, key) as tx:
        return replayed(tx.session, tx.actor.name, given)


@router.get(
    "/shipments/{shipment_id}",
    response_model=ShipmentDetailView,
    summary="One shipment with its lines and their decisions",
)
def get_shipment(
    request: Request, shipment_id: int = Path(ge=1, le=2**31 - 1), key: str | None = Depends(api_key)
) -> JSONResponse:
    with read_transaction(request, key) as tx:
        return as_recorded(shipment_detail(tx.session, tx.actor, shipment_id))


@router.get(
    "/holds", response_model=list[ShipmentLineView], summary="Held shipment lines, with the decision that holds each"
)
def holds(request: Request, key: str | None = Depends(api_key)) -> JSONResponse:
    with read_transaction(request, key) as tx:
        return as_recorded([line_json(sl) for sl in ledger_shipments.list_holds(tx.session, tx.actor)])


@router.get("/shipment-lines/{line_id}", response_model=ShipmentLineView, summary="One shipment line")
def shipment_line(request: Request, line_id: int = LineId, key: str | None = Depends(api_key)) -> JSONResponse:
    with read_transaction(request, key) as tx:
        return as_recorded(line_json(ledger_shipments.get_line(tx.session, tx.actor, line_id)))


@router.post(
    "/holds/{line_id}/release",
    response_model=ShipmentLineView,
    summary="Release a held line (approver): decided again with the answers; ships only with authority, else 409",
)
def release(
    request: Request, body: ReleaseIn, line_id: int = LineId, key: str | None = Depends(api_key)
) -> JSONResponse:
    actor = _actor(request, key, "read")
    holder: LedgerHolder = request.app.state.ledger
    answers = ledger_shipments.ReleaseAnswers(
        [
            ledger_shipments.ReviewAnswer(r.party, r.entry_id, r.entry_hash, r.decision, r.reason or body.reason)
            for r in body.reviews
        ],
        body.facts,
        [ledger_shipments.ListingAnswer(a.license, a.reason or body.reason) for a in body.listing_acknowledgements],
    )
    return as_recorded(
        ledger_shipments.release_line(
            holder.transaction,
            actor,
            line_id,
            lambda _s, done: line_json(done.line, done.license_number),
            reason=body.reason,
            license_number=body.license_number,
            answers=answers,
        )
    )


@router.post(
    "/holds/{line_id}/cancel", response_model=ShipmentLineView, summary="Cancel a held line with a reason (approver)"
)
def cancel(request: Request, body: ReasonIn, line_id: int = LineId, key: str | None = Depends(api_key)) -> JSONResponse:
    with transaction(request, key) as tx:
        return as_recorded(line_json(ledger_shipments.cancel_line(tx.session, tx.actor, line_id, reason=body.reason)))
