"""Policy what-if over HTTP: ``POST /api/whatif`` gives the report ``chipclear whatif --json`` gives."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from chipclear.api.deps import api_key, read_transaction, transaction
from chipclear.api.responses import WRITE, errors
from chipclear.bounds import NOTE_LENGTH, Day, no_nul
from chipclear.errors import ChipclearError, InputError
from chipclear.geography import CountryCode
from chipclear.rules import RuleSet, load_rules
from chipclear.whatif.overlay import Draft, bundled_drafts, parse_draft
from chipclear.whatif.service import WhatIfReport, run_whatif

router = APIRouter(tags=["whatif"], responses=errors(*WRITE))

MAX_ORDER_LINES = 20_000  # a larger book belongs in a batch job (POST /api/batch)
DraftText = Annotated[str, StringConstraints(min_length=1, max_length=200_000)]
Cell = str | int | float | bool | None


class WhatIfIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    drafts: list[Annotated[str, StringConstraints(min_length=1, max_length=100)]] = Field(
        default_factory=list, max_length=10, description="Bundled draft names (GET /api/whatif/drafts lists them)"
    )
    draft_texts: list[DraftText] = Field(
        default_factory=list, max_length=5, description="Draft rule files' YAML text (kind: draft), applied together"
    )
    date: Day | None = Field(None, description="Assess as of this date (default: today or the draft's date)")
    layer: Literal["enforced", "codified"] = "enforced"
    destinations: list[CountryCode] | None = Field(None, min_length=1, max_length=50)
    orders: list[dict[Annotated[str, StringConstraints(max_length=100)], Cell]] | None = Field(
        None, max_length=MAX_ORDER_LINES, description="Order lines with the batch columns (docs/batch.md)"
    )

    @field_validator("orders")
    @classmethod
    def _storable_text(cls, orders: list[dict[str, Cell]] | None) -> list[dict[str, Cell]] | None:
        """Each text cell bounded and storable (a lone surrogate was a 500 where the lines are read)."""
        for i, row in enumerate(orders or []):
            for key, value in row.items():
                if isinstance(value, str):
                    if len(value) > NOTE_LENGTH:
                        raise ValueError(f"orders.{i}.{key}: at most {NOTE_LENGTH} characters")
                    try:
                        no_nul(value)
                    except ValueError as exc:
                        raise ValueError(f"orders.{i}.{key}: {exc}") from None
        return orders


class DraftsView(BaseModel):
    drafts: list[str]


@router.get("/whatif/drafts", response_model=DraftsView, summary="The bundled example drafts")
def drafts(request: Request, key: str | None = Depends(api_key)) -> dict[str, Any]:
    with read_transaction(request, key) as tx:
        tx.require("read")
    return {"drafts": sorted(bundled_drafts())}


def _draft_text(text: str, i: int, base: RuleSet) -> Draft:
    """The draft of ``draft_texts[i]``; its errors name the field as the request does (``draft_texts.0``), as the
    errors about an order line of a shipment name ``lines.0.item``."""
    try:
        return parse_draft(text, f"draft_texts[{i}]", base)
    except ChipclearError as exc:
        if exc.field is None:
            exc.field = f"draft_texts.{i}"
            exc.message = exc.message.replace(f"draft_texts[{i}]", exc.field, 1)
            exc.args = (exc.message,)
        raise


@router.post(
    "/whatif",
    response_model=WhatIfReport,
    summary="What a draft rule would change: classifications, verdicts per destination, order lines (hypothetical)",
)
def whatif(request: Request, body: WhatIfIn, key: str | None = Depends(api_key)) -> WhatIfReport:
    with transaction(request, key) as tx:
        tx.require("check")
    if not body.drafts and not body.draft_texts:
        raise InputError("drafts: give a bundled draft name or a draft's text (draft_texts)", field="drafts")
    known = bundled_drafts()
    for name in body.drafts:  # names only: a path on the server is never read for a request
        if name not in known:
            raise InputError(f"drafts: {name!r} is not a bundled draft; bundled: {', '.join(known)}", field="drafts")
    base = load_rules()
    refs: list[str | Path | Draft] = [*body.drafts]
    refs += [_draft_text(text, i, base) for i, text in enumerate(body.draft_texts)]
    with tempfile.TemporaryDirectory(prefix="chipclear-whatif-") as tmp:
        book = None
        if body.orders:
            book = Path(tmp) / "orders.jsonl"
            book.write_text("\n".join(json.dumps(row) for row in body.orders) + "\n", encoding="utf-8")
        try:
            report = run_whatif(
                refs, as_of=body.date, layer=body.layer, orders=book, rules=base, destinations=body.destinations
            )
            if report.orders is not None:
                report.orders["file"] = "orders"  # the request's lines, never a server path
            return report
        except ChipclearError as exc:  # the client knows its lines as "orders", never by a server path
            exc.message = exc.message.replace(str(book), "orders").replace(tmp, "")
            exc.args = (exc.message,)
            raise
