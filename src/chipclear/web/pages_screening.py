"""Screening review: hits awaiting review beside the list entry and the explanation; match / not a match."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from chipclear.api.deps import Tx, ledger_of
from chipclear.errors import ChipclearError, validation_text
from chipclear.ledger import shipments as ledger_shipments
from chipclear.ledger.roles import allowed
from chipclear.ledger.screening import ReviewRequest, ScreenRequest, record_review, screen_one
from chipclear.ledger.users import SystemActor
from chipclear.screening import ListEntry, default_screener
from chipclear.web.render import console_tx, message, page
from chipclear.web.security import same_origin

router = APIRouter(include_in_schema=False)


_ENTRIES: dict[str, dict[str, ListEntry]] = {}  # list version -> entry id -> entry


def _entry(entry_id: str) -> dict[str, Any] | None:
    screener = default_screener()
    index = _ENTRIES.get(screener.list_version)
    if index is None:
        _ENTRIES.clear()
        index = _ENTRIES[screener.list_version] = {e.entry_id: e for e in screener.entries}
    found = index.get(entry_id)
    return dict(found.to_json()) if found is not None else None


def _with_entries(result: dict[str, Any]) -> dict[str, Any]:
    for hit in result["hits"]:
        hit["entry"] = _entry(hit["entry_id"]) or {}
    return result


def _held_parties(tx: Tx) -> list[tuple[int, str, str | None]]:
    """(line id, party name, country) of the parties on held lines, each party once."""
    seen: set[tuple[str, str | None]] = set()
    out = []
    for sl in ledger_shipments.list_holds(tx.session, tx.actor):
        for party in (sl.order_line or {}).get("parties") or []:
            key = (str(party.get("name") or ""), party.get("country"))
            if key[0] and key not in seen:
                seen.add(key)
                out.append((sl.id, key[0], key[1]))
    return out


# One load of the page screens at most SCREEN_BUDGET held parties and shows at most QUEUE_PAGE of them with open
# hits; "Next" goes on from there. Every load screened every held party again: 1,000 parties of 300 characters took
# 2-2.6 s and 4.3 MB per load (an audit, 2026-12-07; docs/console.md).
QUEUE_PAGE = 10
SCREEN_BUDGET = 25


def _queue(
    request: Request, actor: SystemActor, parties: list[tuple[int, str, str | None]], start: int = 0
) -> tuple[list[dict[str, Any]], int]:
    """Parties on held lines that still have unreviewed hits, screened against the current lists (outside any
    open transaction: the review store reads the ledger in its own), from ``start``: one page (``QUEUE_PAGE``,
    ``SCREEN_BUDGET``), with the index of the first party not screened."""
    queue: list[dict[str, Any]] = []
    index = start
    for line_id, name, country in parties[start : start + SCREEN_BUDGET]:
        if len(queue) == QUEUE_PAGE:
            break
        index += 1
        try:
            req = ScreenRequest(name=name, country=country)
        except ValidationError:
            # A name recorded before the ledger bounded its inputs (chipclear.bounds) may be longer than a
            # screening request takes; its line stays held, and the page still serves everyone else's queue.
            continue
        result = screen_one(ledger_of(request), actor, req).to_json()
        if result["hits"]:
            result["line_id"] = line_id
            queue.append(_with_entries(result))
    return queue, index


@router.get("/screening", response_class=HTMLResponse)
def screening(request: Request, name: str = "", country: str = "", start: int = Query(0, ge=0)) -> HTMLResponse:
    with console_tx(request) as tx:
        tx.require("read")
        parties = _held_parties(tx)
    start = min(start, len(parties))
    queue, after = _queue(request, tx.actor, parties, start)
    result = None
    error = None
    if name.strip():
        try:
            tx.require("screen")
            req = ScreenRequest(name=name.strip(), country=country.strip() or None)
            result = _with_entries(screen_one(ledger_of(request), tx.actor, req).to_json())
        except ValidationError as exc:
            first = exc.errors()[0]
            error = f"{'.'.join(str(p) for p in first['loc'])}: {validation_text(first)}"
        except ChipclearError as exc:
            error = exc.message
    status = default_screener()
    return page(
        request,
        "screening.html",
        tx,
        title="Screening review",
        queue=queue,
        queue_window={"start": start, "end": after, "total": len(parties)},
        result=result,
        error=error,
        name=name,
        country=country,
        can_review=allowed(tx.actor.role, "screening.review"),
        list_version=status.list_version,
    )


@router.post("/screening/review")
def review(
    request: Request,
    party_name: str = Form(...),
    country: str = Form(""),
    entry_id: str = Form(...),
    entry_hash: str = Form(...),
    decision: str = Form(...),
    reason: str = Form(""),
) -> Response:
    same_origin(request)
    with console_tx(request) as tx:
        pass
    try:
        body = ReviewRequest(
            party_name=party_name,
            country=country or None,
            entry_id=entry_id,
            entry_hash=entry_hash,
            decision=decision,
            reason=reason,
        )
        record_review(ledger_of(request), tx.actor, body)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        return message(
            request,
            tx,
            "Cannot record the review",
            f"{field}: {validation_text(first)}",
            status_code=422,
            back="/screening",
        )
    except ChipclearError as exc:
        return message(
            request, tx, "Cannot record the review", exc.message, status_code=exc.http_status, back="/screening"
        )
    query = urlencode({"name": party_name, "country": country, "reviewed": entry_id})
    return RedirectResponse(f"/screening?{query}", status_code=303)
