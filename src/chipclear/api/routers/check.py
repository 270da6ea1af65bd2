"""Determination: ``POST /api/check`` (ledger-aware, recorded in the audit log)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response

import chipclear.determination as determine
from chipclear.api.deps import api_key, read_transaction
from chipclear.api.group_commit import GroupCommit
from chipclear.api.responses import READ, errors
from chipclear.api.routers._util import ItemPath, LayerParam, layer_of
from chipclear.bounds import COUNTRY_LENGTH, NAME_LENGTH, Day
from chipclear.decision import Decision, OrderLine
from chipclear.determination.views import DecisionView, DiffView, TimelineView
from chipclear.errors import InputError
from chipclear.ledger.reviews import review_snapshot

router = APIRouter(tags=["check"], responses=errors(*READ, 413))


@router.post(
    "/check",
    summary="Decide one order line: verdict, reasons with citations, license exceptions (recorded in the audit log)",
    response_model=DecisionView,
)
async def check(
    request: Request,
    line: OrderLine,
    as_of: Day | None = None,
    layer: LayerParam = "enforced",
    key: str = Depends(api_key),
) -> Decision:
    if as_of is not None and line.ship_date is not None and as_of != line.ship_date:
        # a door audit (2026-12-07) had H20 to China on today's ship date decided and audited NLR as of 2025-01-01
        raise InputError(
            f"as_of: {as_of} differs from the line's ship_date {line.ship_date}; a check is decided for the day the"
            " line ships (leave as_of out, or give the same day)",
            field="as_of",
        )
    group: GroupCommit = request.app.state.group_commit
    decision = await group.acheck(key, line, as_of, layer=layer_of(layer))
    # The decision is already a validated Decision: serialise it once (the response model documents the shape).
    return Response(decision.model_dump_json(), media_type="application/json")  # type: ignore[return-value]


@router.get(
    "/timeline/{item}",
    response_model=TimelineView,
    summary="Verdict periods for an item and destination from 2022 to a date, with causes",
)
def timeline(
    request: Request,
    item: ItemPath,
    to: str = Query(..., min_length=1, max_length=100, description="Destination: ISO 3166-1 code or country name"),
    end_user_hq: str | None = Query(None, max_length=100),
    until: Day | None = None,
    layer: LayerParam = "enforced",
    end_user: str | None = Query(
        None, min_length=1, max_length=NAME_LENGTH, description="Screen this end user: its listings become dated causes"
    ),
    end_user_country: str | None = Query(
        None, max_length=COUNTRY_LENGTH, description="The screened end user's country: ISO code or country name"
    ),
    key: str | None = Depends(api_key),
) -> dict[str, Any]:
    with read_transaction(request, key) as tx:
        tx.require("read")
        reviews = review_snapshot(tx.session) if end_user else None  # the reviewers' calls apply, as in a check
    result = determine.timeline(
        item,
        to,
        end_user_hq=end_user_hq,
        end=until,
        layer=layer_of(layer),
        end_user=end_user,
        end_user_country=end_user_country,
        reviews=reviews,
    )
    data: dict[str, Any] = result.to_json()
    return data


@router.get(
    "/diff", response_model=DiffView, summary="Items whose verdict changes between two dates, per destination, and why"
)
def diff(
    request: Request,
    # Annotated, so the alias keeps Day's validator: with ``= Query(..., alias=...)`` as the default, 1685577600
    # and 2023-06-01T00:00:00Z were read as 2023-06-01 (an audit, 2026-12-07)
    date_from: Annotated[Day, Query(alias="from")],
    date_to: Annotated[Day, Query(alias="to")],
    item: list[str] = Query(default_factory=list, max_length=100),
    dest: list[str] = Query(default_factory=list, max_length=50),
    layer: LayerParam = "enforced",
    key: str | None = Depends(api_key),
) -> dict[str, Any]:
    with read_transaction(request, key) as tx:
        tx.require("read")
    result: dict[str, Any] = determine.diff(
        date_from, date_to, items=item or None, destinations=dest or None, layer=layer_of(layer)
    )
    return result
