"""Import duties: ``/api/duty`` and ``/api/duty/timeline``."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BeforeValidator, Field

import chipclear.tariffs as tariffs
from chipclear.api.deps import api_key, read_transaction
from chipclear.api.responses import READ, errors
from chipclear.bounds import MAX_VALUE_USD, Day, plain_number_text
from chipclear.catalog import load_catalog
from chipclear.tariffs.views import DutyTimelineView, DutyView

# a customs value in a query string: finite, 0 to 10^13, written plainly (not 1_000: ``bounds.plain_number_text``)
DutyValue = Annotated[float, Field(ge=0, le=MAX_VALUE_USD, allow_inf_nan=False)]

router = APIRouter(tags=["duty"], responses=errors(*READ))


def _item(name: str | None) -> Any:
    return load_catalog().get(name) if name else None


@router.get(
    "/duty",
    response_model=DutyView,
    response_model_exclude_unset=True,  # a known rate has no ``rate_range``: the CLI's --json, byte for byte
    summary="The import-duty stack for an HTS line, origin and entry date, each layer cited",
)
def duty(
    request: Request,
    hts: str = Query(..., min_length=1, max_length=20),
    origin: str = Query(..., min_length=1, max_length=60),
    entry_date: Day | None = None,
    value: Annotated[DutyValue | None, BeforeValidator(plain_number_text), Query()] = None,
    item: str | None = Query(None, max_length=200),
    end_use: str | None = Query(None, max_length=100),
    claims: list[str] = Query(default_factory=list, max_length=20),
    entry_type: str | None = Query(None, max_length=40, description="section321, formal or informal (de minimis)"),
    key: str | None = Depends(api_key),
) -> dict[str, Any]:
    with read_transaction(request, key) as tx:
        tx.require("read")
    result = tariffs.duty(
        hts, origin, entry_date or dt.date.today(), value, _item(item), end_use, claims, entry_type=entry_type
    )
    data: dict[str, Any] = result.to_json()
    return data


@router.get(
    "/duty/timeline",
    response_model=DutyTimelineView,
    summary="How the duty stack for an HTS line and origin changed over time (as `chipclear duty timeline --json`)",
)
def duty_timeline(
    request: Request,
    hts: str = Query(..., min_length=1, max_length=20),
    origin: str = Query(..., min_length=1, max_length=60),
    item: str | None = Query(None, max_length=200),
    end_use: str | None = Query(None, max_length=100),
    claims: list[str] = Query(default_factory=list, max_length=20),
    value: Annotated[DutyValue | None, BeforeValidator(plain_number_text), Query()] = None,
    entry_type: str | None = Query(None, max_length=40, description="section321, formal or informal (de minimis)"),
    key: str | None = Depends(api_key),
) -> dict[str, Any]:
    with read_transaction(request, key) as tx:
        tx.require("read")
    segments = tariffs.timeline(hts, origin, _item(item), end_use, claims, value=value, entry_type=entry_type)
    return tariffs.timeline_json(hts, origin, segments)
