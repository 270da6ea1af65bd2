"""Determination: ``POST /api/check`` (ledger-aware, recorded in the audit log)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse

from chipclear.api.deps import api_key, transaction
from chipclear.api.errors import NotAvailable
from chipclear.api.group_commit import GroupCommit
from chipclear.api.routers._util import LayerParam, layer_of, optional_module
from chipclear.decision import Decision, OrderLine
from chipclear.ledger import services


def check_json(decision: Decision) -> dict[str, Any]:
    """The decision contract's JSON: the same fields as `chipclear check --json` (tests/api compares the two).
    Not imported from the CLI so that the server does not load every command module."""
    return decision.to_json()


router = APIRouter(tags=["check"])


def decide(line: OrderLine, as_of: dt.date | None) -> Decision:
    """The ledger's own default determination (pure: no I/O), run before the transaction."""
    try:
        return services.default_decide(line, as_of or line.ship_date)
    except ModuleNotFoundError as exc:
        if (exc.name or "").startswith(("chipclear.determine", "chipclear.determination")):
            raise NotAvailable("the determination engine (chipclear.determine) is not installed") from None
        raise


def check_line(
    request: Request, key: str, line: OrderLine, as_of: dt.date | None, *, console: bool = False
) -> dict[str, Any]:
    """The ledger's check (determination, licenses on file, audit record) as the decision JSON.

    The determination runs first, outside any transaction; the ledger step runs in a group commit with the
    other checks waiting at that moment (``chipclear.api.group_commit``), answered only after the commit."""
    decision = decide(line, as_of)
    group: GroupCommit = request.app.state.group_commit
    return check_json(group.check(key, line, as_of, decision, console=console))


@router.post(
    "/check",
    summary="Decide one order line: verdict, reasons with citations, license exceptions (recorded in the audit log)",
    response_class=JSONResponse,
)
def check(
    request: Request,
    line: OrderLine,
    as_of: dt.date | None = None,
    key: str = Depends(api_key),
) -> JSONResponse:
    return JSONResponse(check_line(request, key, line, as_of))


@router.get("/timeline/{item}", summary="Verdict periods for an item and destination from 2022 to a date, with causes")
def timeline(
    request: Request,
    item: str,
    to: str = Query(..., min_length=1, max_length=100, description="Destination: ISO 3166-1 code or country name"),
    end_user_hq: str | None = Query(None, max_length=100),
    until: dt.date | None = None,
    layer: LayerParam = "enforced",
    key: str | None = Depends(api_key),
) -> dict[str, Any]:
    with transaction(request, key) as tx:
        tx.require("read")
    determine = optional_module("chipclear.determine", "the determination engine")
    result = determine.timeline(item, to, end_user_hq=end_user_hq, end=until, layer=layer_of(layer))
    data: dict[str, Any] = result.to_json()
    return data


@router.get("/diff", summary="Items whose verdict changes between two dates, per destination, and why")
def diff(
    request: Request,
    date_from: dt.date = Query(..., alias="from"),
    date_to: dt.date = Query(..., alias="to"),
    item: list[str] = Query(default_factory=list, max_length=100),
    dest: list[str] = Query(default_factory=list, max_length=50),
    layer: LayerParam = "enforced",
    key: str | None = Depends(api_key),
) -> dict[str, Any]:
    with transaction(request, key) as tx:
        tx.require("read")
    determine = optional_module("chipclear.determine", "the determination engine")
    result: dict[str, Any] = determine.diff(
        date_from, date_to, items=item or None, destinations=dest or None, layer=layer_of(layer)
    )
    return result
