"""Ledger pages: licenses (balances, usage, expiry), shipments, holds (what waits for whom), the audit chain."""

from __future__ import annotations

import datetime as dt
import io
import json
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Path, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from chipclear.api.deps import Tx
from chipclear.bounds import MAX_DB_INT, iso_date
from chipclear.errors import ChipclearError, InputError
from chipclear.ledger import audit, views
from chipclear.ledger import licenses as ledger_licenses
from chipclear.ledger import shipments as ledger_shipments
from chipclear.ledger.coverage import MISSING_PREFIX
from chipclear.ledger.models import AuditRecord
from chipclear.ledger.reads import CoreReader
from chipclear.ledger.reviews import review_snapshot
from chipclear.ledger.roles import allowed
from chipclear.ledger.views import application_json, line_json, shipment_detail
from chipclear.screening.reviews import ReviewSnapshot
from chipclear.web.forms import whole_number
from chipclear.web.render import console_tx, message, page
from chipclear.web.security import same_origin

# A row id in a console path: bounded as the API's are (an id past 2**63 was a 500 from the database driver).
RowId = Annotated[int, Path(ge=1, le=MAX_DB_INT)]

router = APIRouter(include_in_schema=False)

EXPIRY_WARNING_DAYS = 30  # a console setting, not a regulatory number: when to flag a license as expiring
EXPIRY_NOTICE_DAYS = 90


def _share(used: float | None, limit: float | None) -> float | None:
    if limit in (None, 0) or used is None:
        return None
    return min(100.0, 100.0 * used / limit)


def license_view(lic: dict[str, Any], today: dt.date) -> dict[str, Any]:
    valid_to = dt.date.fromisoformat(lic["valid_to"])
    days = (valid_to - today).days
    if lic["status"] != "active":
        expiry = ("error", f"{lic['status']}")
    elif days < 0:
        expiry = ("error", f"expired {-days} days ago ({valid_to})")
    elif days <= EXPIRY_WARNING_DAYS:
        expiry = ("error", f"expires in {days} days ({valid_to})")
    elif days <= EXPIRY_NOTICE_DAYS:
        expiry = ("warn", f"expires in {days} days ({valid_to})")
    else:
        expiry = ("ok", f"valid to {valid_to}")
    return {
        **lic,
        "quantity_share": _share(lic["quantity_used"], lic["quantity_limit"]),
        "value_share": _share(lic["value_used_usd"], lic["value_limit_usd"]),
        "expiry": expiry,
        "days_left": days,
    }


@router.get("/licenses", response_class=HTMLResponse)
def licenses(request: Request) -> HTMLResponse:
    today = dt.date.today()
    with console_tx(request) as tx:
        lics = [license_view(x, today) for x in views.license_list(CoreReader(tx.session.connection()), tx.actor)]
        apps = [application_json(a) for a in ledger_licenses.list_applications(tx.session, tx.actor)]
    warnings = [x for x in lics if x["expiry"][0] in ("error", "warn") and x["status"] == "active"]
    return page(
        request,
        "licenses.html",
        tx,
        title="Licenses",
        licenses=lics,
        applications=apps,
        warnings=warnings,
        can_apply=allowed(tx.actor.role, "application.write"),
        can_grant=allowed(tx.actor.role, "license.write"),
        today=today.isoformat(),
    )


def _application_action(request: Request, action: str, app_id: int, form: dict[str, str]) -> Response:
    """Submit, grant or deny an application from the licenses page (the ledger services check the role)."""
    same_origin(request)
    holder: list[Any] = []
    try:
        with console_tx(request) as tx:
            holder.append(tx)
            if action == "submit":
                ledger_licenses.submit_application(
                    tx.session, tx.actor, app_id, application_number=form["application_number"].strip()
                )
            elif action == "grant":
                ledger_licenses.grant_license(
                    tx.session,
                    tx.actor,
                    app_id,
                    number=form["number"],
                    valid_from=_form_date(form["valid_from"], "valid_from"),
                    valid_to=_form_date(form["valid_to"], "valid_to"),
                    quantity_limit=whole_number(form.get("quantity_limit", ""), "quantity_limit"),
                )
            else:
                ledger_licenses.close_application(tx.session, tx.actor, app_id, "denied", reason=form["reason"])
    except ChipclearError as exc:
        return message(
            request,
            holder[0] if holder else None,
            f"Cannot {action} application {app_id}",
            exc.message,
            status_code=exc.http_status,
            back="/licenses",
        )
    return RedirectResponse("/licenses", status_code=303)


def _form_date(value: str, field: str) -> dt.date:
    try:
        return iso_date(value.strip())
    except ValueError:
        raise InputError(f"{field}: {value!r} is not a date (YYYY-MM-DD)", field=field) from None


@router.post("/applications/{app_id}/submit")
def submit_application(request: Request, app_id: RowId, application_number: str = Form("")) -> Response:
    return _application_action(request, "submit", app_id, {"application_number": application_number})


@router.post("/applications/{app_id}/grant")
def grant_application(
    request: Request,
    app_id: RowId,
    number: str = Form(""),
    valid_from: str = Form(""),
    valid_to: str = Form(""),
    quantity_limit: str = Form(""),
) -> Response:
    form = {"number": number, "valid_from": valid_from, "valid_to": valid_to, "quantity_limit": quantity_limit}
    return _application_action(request, "grant", app_id, form)


@router.post("/applications/{app_id}/deny")
def deny_application(request: Request, app_id: RowId, reason: str = Form("")) -> Response:
    return _application_action(request, "deny", app_id, {"reason": reason})


@router.get("/licenses/{number:path}", response_class=HTMLResponse)
def license_page(request: Request, number: str) -> HTMLResponse:
    with console_tx(request) as tx:
        return _license_page(request, tx, number)


def _license_page(
    request: Request, tx: Tx, number: str, error: ChipclearError | None = None, form: dict[str, str] | None = None
) -> HTMLResponse:
    """License ``number``'s page; with ``error``, the status form's refusal shown above it, as typed (``form``)."""
    today = dt.date.today()
    try:
        detail = views.license_detail(CoreReader(tx.session.connection()), tx.actor, number)
    except ChipclearError as exc:
        return message(request, tx, "License", exc.message, status_code=exc.http_status, back="/licenses")
    usage = detail.pop("usage")
    view = license_view(detail, today)
    running = 0
    for u in usage:
        running += u["quantity"]
        u["cumulative"] = running
    return page(
        request,
        "license.html",
        tx,
        title=f"License {number}",
        active="/licenses",
        lic=view,
        usage=usage,
        can_change_status=allowed(tx.actor.role, "license.write"),
        status_error=error.message if error is not None else None,
        status_form=form or {},
        today=today.isoformat(),
        status_code=error.http_status if error is not None else 200,
    )


@router.post("/licenses/{number:path}/status")
def license_status(
    request: Request,
    number: str,
    status: str = Form(""),
    effective_on: str = Form(""),
    reason: str = Form(""),
) -> Response:
    """Record the agency's suspension, revocation or reinstatement from the license's page (the ledger service
    checks the role: an analyst's post is a 403). A refusal is shown on the license's page, with the form as typed;
    nothing is written."""
    same_origin(request)
    form = {"status": status, "effective_on": effective_on, "reason": reason}
    try:
        with console_tx(request) as tx:
            day = _form_date(effective_on, "effective_on") if effective_on.strip() else None
            lic = ledger_licenses.change_license_status(
                tx.session, tx.actor, number, status, reason=reason, effective_on=day
            )
            target = lic.number
    except ChipclearError as exc:
        with console_tx(request) as tx:  # the refused transaction rolled back: read the license as it stands
            return _license_page(request, tx, number, exc, form)
    return RedirectResponse(f"/licenses/{quote(target)}", status_code=303)


def waits_for(line: dict[str, Any]) -> tuple[str, str, list[str]]:
    """Who must act on a held line, on what (one line), and the open questions one by one."""
    decision = line.get("decision") or {}
    verdict = line.get("verdict")
    if verdict == "PROHIBITED":
        return "approver", "cannot be released: no license path; cancel the line", []
    if verdict == "LICENSE_REQUIRED":
        return "licensing", "a license covering this item, destination and parties (then an approver releases it)", []
    missing = [str(m) for m in decision.get("missing") or []]
    if missing:
        count = f"{len(missing)} open question{'s' if len(missing) > 1 else ''}"
        return "approver", f"review {count}, then release or cancel", missing
    return "approver", "review the reasons and release or cancel", []


def open_questions(line: dict[str, Any], reviews: ReviewSnapshot) -> None:
    """Keep only what is still open on a held line: hits nobody has reviewed since (``open_hits``, each answerable
    on release) and the missing facts that are not about a reviewed hit."""
    decision = line.get("decision") or {}
    open_hits, reviewed = [], []
    for hit in decision.get("screening") or []:
        if hit.get("suppressed_by") or not hit.get("entry_id"):
            continue
        args = (str(hit.get("party")), str(hit["entry_id"]), str(hit.get("entry_hash") or ""), hit.get("party_country"))
        if reviews.is_suppressed(*args) or reviews.confirmed_match(*args):
            reviewed.append(hit)
        else:
            open_hits.append(hit)
    line["open_hits"] = open_hits
    missing = [
        m
        for m in decision.get("missing") or []
        # a license's listing stays open until an approver acknowledges it, whatever the hit's review
        if str(m).startswith(MISSING_PREFIX)
        or not any(f"entry {h.get('entry')!r}" in str(m) and str(h.get("party")) in str(m) for h in reviewed)
    ]
    line["decision"] = {**decision, "missing": missing}


@router.get("/holds", response_class=HTMLResponse)
def holds(request: Request) -> HTMLResponse:
    with console_tx(request) as tx:
        held = ledger_shipments.list_holds(tx.session, tx.actor)
        lines = [line_json(sl) for sl in held]
        acknowledgeable = ledger_shipments.listings_to_acknowledge(tx.session, tx.actor, held)
        for ln, listings in zip(lines, acknowledgeable, strict=True):
            ln["listings"] = listings
        reviews = review_snapshot(tx.session)
    for ln in lines:
        open_questions(ln, reviews)
        ln["waits_for"] = waits_for(ln)
    return page(
        request,
        "holds.html",
        tx,
        title="Holds",
        lines=lines,
        can_release=allowed(tx.actor.role, "hold.release"),
    )


def _hold_action(
    request: Request,
    line_id: int,
    action: str,
    reason: str,
    license_number: str,
    answers: ledger_shipments.ReleaseAnswers | None = None,
) -> Response:
    same_origin(request)
    holder: list[Any] = []
    try:
        with console_tx(request) as tx:
            holder.append(tx)
            unshown = [a.entry_id for a in (answers.reviews if answers else []) if not a.entry_hash]
            if unshown:
                raise InputError(
                    f"hash::{unshown[0]}: the answer does not say which text of the entry it is about; reload the"
                    " Holds page",
                    field="entry_hash",
                )
            if action != "release":
                ledger_shipments.cancel_line(tx.session, tx.actor, line_id, reason=reason)
        if action == "release":
            # Decided again with the approver's answers outside any lock; refusals are audited and raised.
            ledger_shipments.release_line(
                request.app.state.ledger.transaction,
                holder[0].actor,
                line_id,
                lambda _s, _done: None,
                reason=reason,
                license_number=license_number.strip() or None,
                answers=answers,
            )
    except ChipclearError as exc:
        return message(
            request,
            holder[0] if holder else None,
            f"Cannot {action} line {line_id}",
            exc.message,
            status_code=exc.http_status,
            back="/holds",
        )
    return RedirectResponse("/holds", status_code=303)


@router.post("/holds/{line_id}/release")
async def release(request: Request, line_id: RowId) -> Response:
    form = await request.form()
    reason = str(form.get("reason") or "")
    reviews = []
    for key, value in form.multi_items():
        # review::PARTY::ENTRY_ID = match | not_a_match (left empty: not answered), with hash::PARTY::ENTRY_ID = the
        # content hash of the entry as the page showed it: an answer is about that text (door audit 2026-12-07)
        if key.startswith("review::") and str(value) in ("match", "not_a_match"):
            which = key[len("review::") :]
            party, _, entry = which.rpartition("::")
            shown = str(form.get(f"hash::{which}") or "")  # none: refused in _hold_action (a page of an old version)
            reviews.append(ledger_shipments.ReviewAnswer(party, entry, shown, str(value), reason))
    # acknowledge_listing = a license number: the approver confirms it still holds after the listings shown
    listings = [ledger_shipments.ListingAnswer(str(v), reason) for v in form.getlist("acknowledge_listing")]
    answers = ledger_shipments.ReleaseAnswers(reviews, {}, listings)
    license_number = str(form.get("license_number") or "")
    return await run_in_threadpool(_hold_action, request, line_id, "release", reason, license_number, answers)


@router.post("/holds/{line_id}/cancel")
def cancel(request: Request, line_id: RowId, reason: str = Form("")) -> Response:
    return _hold_action(request, line_id, "cancel", reason, "")


@router.get("/shipments/{shipment_id}", response_class=HTMLResponse)
def shipment(request: Request, shipment_id: RowId) -> HTMLResponse:
    with console_tx(request) as tx:
        try:
            detail = shipment_detail(tx.session, tx.actor, shipment_id)
        except ChipclearError as exc:
            return message(request, tx, "Shipment", exc.message, status_code=exc.http_status, back="/check")
    for ln in detail["lines"]:
        ln["waits_for"] = waits_for(ln)
    return page(
        request,
        "shipment.html",
        tx,
        title=f"Shipment {shipment_id}",
        active="/holds",
        shipment=detail["shipment"],
        lines=detail["lines"],
    )


def entity_label(entity: str, payload: dict[str, Any]) -> str:
    """What an audit record is about, in words: a check without order or line ids ("check:-:-") names its line."""
    kind, _, rest = entity.partition(":")
    if kind != "check":
        return entity
    order, _, line = rest.partition(":")
    given = [f"order {order}" if order not in ("", "-") else "", f"line {line}" if line not in ("", "-") else ""]
    raw = payload.get("input")
    inp: dict[str, Any] = raw if isinstance(raw, dict) else {}
    what = " to ".join(str(v) for v in (inp.get("item"), inp.get("destination")) if v)
    named = ", ".join(g for g in given if g)
    if named and what:
        return f"check of {named} ({what})"
    if named or what:
        return f"check of {named or what}"
    return "check (no order or line id)"


@router.get("/audit", response_class=HTMLResponse)
def audit_page(request: Request) -> HTMLResponse:
    with console_tx(request) as tx:
        tx.require("audit.verify")
        result = audit.verify(tx.session).to_json()
        recent = tx.session.execute(select(AuditRecord).order_by(AuditRecord.seq.desc()).limit(50)).scalars()
        records = []
        for r in recent:
            payload = json.loads(r.payload)
            records.append(
                {
                    "seq": r.seq,
                    "recorded_at": r.recorded_at,
                    "actor": r.actor,
                    "action": r.action,
                    "entity": r.entity,
                    "entity_label": entity_label(r.entity, payload),
                    "hash": r.hash,
                    "verdict": (payload.get("output") or {}).get("verdict")
                    if isinstance(payload.get("output"), dict)
                    else None,
                }
            )
    return page(request, "audit.html", tx, title="Audit", result=result, records=records)


@router.get("/audit/export")
def audit_export(request: Request) -> Response:
    with console_tx(request) as tx:
        tx.require("audit.export")
        out = io.StringIO()
        audit.export(tx.session, out, redact_secrets=not allowed(tx.actor.role, "audit.export.secrets"))
    return Response(
        out.getvalue(),
        media_type="application/x-ndjson",
        headers={"Content-Disposition": 'attachment; filename="chipclear-audit.jsonl"'},
    )
