"""Console pages. Each page calls the same services as the API; forms post back to the console (cookie session,
SameSite=Strict, and the Origin checked on every form post)."""

from __future__ import annotations

import datetime as dt
import json
import re
import secrets
from collections.abc import Callable
from functools import partial
from importlib import resources
from typing import Any, TypeVar
from urllib.parse import unquote

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from chipclear.api.deps import COOKIE_NAME, Tx, ledger_of
from chipclear.api.errors import NotAvailable
from chipclear.api.group_commit import check_and_record
from chipclear.bounds import Quantity, ValueUSD, checked, iso_date
from chipclear.catalog import load_catalog
from chipclear.datafiles import json_loads
from chipclear.decision import EndUse, ImportEntry, OrderLine, Party
from chipclear.errors import ChipclearError, InputError, validation_text
from chipclear.geography import load_geography
from chipclear.ledger import licenses as ledger_licenses
from chipclear.ledger import sessions
from chipclear.ledger import shipments as ledger_shipments
from chipclear.ledger.idempotency import idempotency
from chipclear.ledger.roles import allowed
from chipclear.ledger.views import shipment_result_json
from chipclear.web import pages_items, pages_ledger, pages_models, pages_screening, pages_users
from chipclear.web.forms import amount, whole_number
from chipclear.web.render import console_tx, message, page
from chipclear.web.security import same_origin


def _parsed_order_line(text: str) -> OrderLine:
    """The form's order-line JSON: an ``InputError`` naming the field (shown on the page, 422) for text that is
    not one: nested too deep (``json.loads`` raises RecursionError for that: it was a 500), a key given twice
    (``{"destination": "CN", "destination": "DE"}`` was shipped to DE), or a field the line refuses."""
    try:
        return OrderLine.model_validate(json_loads(text))
    except RecursionError:
        raise InputError("order_line: not valid JSON (nested too deep)", field="order_line") from None
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(["order_line", *(str(p) for p in first["loc"])])
        raise InputError(f"{where}: {validation_text(first)}", field=where) from None
    except json.JSONDecodeError as exc:
        raise InputError(f"order_line: not valid JSON ({exc.msg} at column {exc.colno})", field="order_line") from None
    except ValueError as exc:  # a key given twice (``json_loads``)
        raise InputError(f"order_line: {exc}", field="order_line") from None


T = TypeVar("T")

router = APIRouter(include_in_schema=False)
router.include_router(pages_items.router)
router.include_router(pages_models.router)
router.include_router(pages_ledger.router)
router.include_router(pages_screening.router)
router.include_router(pages_users.router)


def signed_in(request: Request) -> Tx:
    """The signed-in user (a short transaction; redirects to sign in without a valid cookie)."""
    with console_tx(request) as tx:
        return tx


def html_error(request: Request, exc: ChipclearError) -> HTMLResponse:
    """A console page for an error raised outside a page's own handling (e.g. a role the user lacks)."""
    return message(request, None, "Cannot do that", exc.message, status_code=exc.http_status)


@router.get("/")
def home() -> RedirectResponse:
    return RedirectResponse("/check", status_code=303)


@router.get("/favicon.ico")
def favicon() -> Response:
    """The console's icon (browsers ask for /favicon.ico whatever the page links)."""
    icon = resources.files("chipclear.web") / "static" / "favicon.svg"
    return Response(icon.read_bytes(), media_type="image/svg+xml", headers={"Cache-Control": "max-age=86400"})


@router.get("/docs", response_class=HTMLResponse)
def api_reference(request: Request) -> HTMLResponse:
    """The HTTP API reference, drawn from the OpenAPI schema (no sign-in needed: it holds no data)."""
    spec = request.app.openapi()
    operations = []
    for path, methods in spec.get("paths", {}).items():
        for method, op in methods.items():
            params = [(p["name"], p.get("in", ""), p.get("required", False)) for p in op.get("parameters", [])]
            body: dict[str, Any] = (op.get("requestBody") or {}).get("content", {})
            first: dict[str, Any] = next(iter(body.values()), {}) if body else {}
            ref = str(first.get("schema", {}).get("$ref", ""))
            operations.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "summary": op.get("summary", ""),
                    "tag": (op.get("tags") or [""])[0],
                    "params": params,
                    "body": ref.rsplit("/", 1)[-1] if ref else ("form / file" if body else ""),
                }
            )
    schemas = spec.get("components", {}).get("schemas", {})
    return page(
        request, "api.html", None, title="HTTP API", operations=operations, schemas=schemas, info=spec.get("info", {})
    )


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "/check") -> HTMLResponse:
    return page(
        request,
        "login.html",
        None,
        title="Sign in",
        next=_safe_next(next),
        error=None,
        signed_in_as=_signed_in_as(request),
    )


def _signed_in_as(request: Request) -> str | None:
    """The name of the user already signed in in this browser (a sign-in link asks before switching)."""
    token = request.cookies.get(COOKIE_NAME)
    if not token:
        return None
    try:
        with ledger_of(request).session() as session:
            return sessions.signed_in_user(session, token).name
    except ChipclearError:
        return None


_NOT_IN_A_PATH = re.compile(r"[\\\x00-\x1f\x7f]")  # a backslash, a control character


def _safe_next(value: str) -> str:
    """Where to go after signing in: a path on this site, else the check page. Browsers read a backslash in a URL
    as a slash and drop its tabs and line breaks, so a backslash or a control character after the first slash
    leads to another site as a second slash does (an audit, 2026-12: the sign-in page linked to ``/%5Cevil.example``
    decoded); the value is judged as given and percent-decoded."""
    for form in (value, unquote(value)):
        if not form.startswith("/") or form.startswith("//") or _NOT_IN_A_PATH.search(form):
            return "/check"
    return value


@router.post("/login")
def login(request: Request, key: str = Form(""), next: str = Form("/check")) -> Response:
    same_origin(request)
    try:
        with ledger_of(request).session() as session:
            sessions.sign_out(session, request.cookies.get(COOKIE_NAME))  # a new sign-in ends the old session
            _user, token = sessions.sign_in(session, key.strip())
    except ChipclearError as exc:
        return page(
            request,
            "login.html",
            None,
            status_code=401,
            title="Sign in",
            next=_safe_next(next),
            error=exc.message,
            signed_in_as=None,
        )
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(
        COOKIE_NAME,
        token,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        max_age=sessions.SESSION_HOURS * 3600,
    )
    return response


@router.get("/logout")
def logout(request: Request) -> RedirectResponse:
    with ledger_of(request).session() as session:
        sessions.sign_out(session, request.cookies.get(COOKIE_NAME))  # revoked server-side, not just forgotten
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE_NAME)
    return response


# ---------------------------------------------------------------- check a shipment

_FORM_DEFAULTS: dict[str, Any] = {
    "item": "",
    "quantity": 1,
    "destination": "",
    "ship_date": "",
    "value_usd": "",
    "order_id": "",
    "end_user": "",
    "end_user_country": "",
    "end_user_hq": "",
    "consignee": "",
    "consignee_country": "",
    "end_use": "",
    "hts": "",
    "origin": "",
    "entry_type": "",
    "supercomputer": False,
    "advanced_node_ic_production": False,
    "military": False,
}


def _countries() -> list[tuple[str, str]]:
    geo = load_geography()
    return sorted(((c.code, c.name) for c in geo.countries.values()), key=lambda cn: cn[1])


def _code(value: str, field: str) -> str | None:
    """A country field: blank, or an ISO code or country name resolved by the geography data (never truncated)."""
    if not str(value).strip():
        return None
    return load_geography().normalize(str(value), field=field)


def _unused_party_fields(form: dict[str, Any]) -> None:
    """A party's country or headquarters without the party's name would be dropped: refuse it instead."""
    for name_field, label, fields in (
        ("end_user", "end user", (("end_user_country", "end user country"), ("end_user_hq", "end user headquarters"))),
        ("consignee", "ultimate consignee", (("consignee_country", "consignee country"),)),
    ):
        if str(form[name_field]).strip():
            continue
        for field, field_label in fields:
            if str(form[field]).strip():
                raise InputError(
                    f"{field_label}: give the {label}'s name too (a {field_label} without a {label} is not used)",
                    field=field,
                )


def order_line_from_form(form: dict[str, Any]) -> OrderLine:
    """Build the order line from the form fields, naming the field on bad input."""
    given = whole_number(str(form["quantity"]), "quantity")
    quantity = 1 if given is None else given
    checked(Quantity, quantity, "quantity")
    try:
        ship_date = iso_date(str(form["ship_date"])) if form["ship_date"] else None
    except ValueError:
        raise InputError(f"ship date: {form['ship_date']!r} is not a date (YYYY-MM-DD)", field="ship_date") from None
    value = amount(str(form["value_usd"]), "value_usd")
    checked(ValueUSD, value, "value_usd")
    if not str(form["item"]).strip():
        raise InputError("item: choose an item from the catalog", field="item")
    try:
        return _order_line(form, quantity, ship_date, value)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        raise InputError(f"{field}: {validation_text(first)}", field=field) from None


def _order_line(form: dict[str, Any], quantity: int, ship_date: dt.date | None, value: float | None) -> OrderLine:
    destination = _code(str(form["destination"]), "destination")
    if destination is None:
        raise InputError("destination: choose a country", field="destination")
    _unused_party_fields(form)
    import_entry = _import_entry(form)
    # A party's country is what the user gives, or unknown: the destination is not assumed. Screening lowers the
    # score of an entry listed in another country than the party's, so an assumed country cleared possible
    # matches (a door audit, 2026-12-07: "Xi'an Xiangyu" to DE was NLR here and HOLD through the API).
    parties = []
    if str(form["end_user"]).strip():
        end_user = partial(
            Party,
            name=form["end_user"].strip(),
            role="end_user",
            country=_code(form["end_user_country"], "end user country"),
            headquarters_country=_code(form["end_user_hq"], "end user headquarters"),
        )
        parties.append(_field_of_form("end_user", "end user", end_user))
    if str(form["consignee"]).strip():
        consignee = partial(
            Party,
            name=form["consignee"].strip(),
            role="ultimate_consignee",
            country=_code(form["consignee_country"], "consignee country"),
        )
        parties.append(_field_of_form("consignee", "ultimate consignee", consignee))
    end_use = _field_of_form(
        "end_use",
        "end use",
        partial(
            EndUse,
            text=str(form["end_use"]).strip(),
            supercomputer=bool(form["supercomputer"]),
            advanced_node_ic_production=bool(form["advanced_node_ic_production"]),
            military=bool(form["military"]),
        ),
    )
    return OrderLine(
        item=str(form["item"]).strip(),
        quantity=quantity,
        destination=destination,
        ship_date=ship_date,
        parties=parties,
        end_use=end_use,
        value_usd=value,
        order_id=str(form["order_id"]).strip() or None,
        import_entry=import_entry,
    )


def _field_of_form(field: str, label: str, build: Callable[[], T]) -> T:
    """A part of the line built from one form field (a party from its name, the end use from its text), refused
    naming that field: the model's own error named ``name`` or ``text`` (a console audit, 2026-12-08: "name: String
    should have at most 300 characters" did not say whether the end user or the consignee was too long)."""
    try:
        return build()
    except ValidationError as exc:
        raise InputError(f"{label}: {validation_text(exc.errors()[0])}", field=field) from None


def _import_entry(form: dict[str, Any]) -> ImportEntry | None:
    """The import entry when the form names an HTS code and an origin (an import line), as ``import_entry`` of
    ``POST /api/check``: the line is decided with it, so the decision shown, recorded and carried into a shipment
    has its duty (a doors audit, 2026-12-07: the console priced the duty beside a line recorded without it, refused
    AI-model items the API prices, and took a Section 321 entry without a value that the API refuses). The customs
    value is the line's value, as the API's default."""
    hts, origin = str(form["hts"]).strip(), str(form["origin"]).strip()
    entry_type = str(form.get("entry_type") or "").strip() or None
    if not hts and not origin:
        if entry_type:
            raise InputError("entry type: give the HTS code and the country of origin too", field="entry_type")
        return None
    if not hts or not origin:
        missing, field = ("HTS code", "hts") if not hts else ("country of origin", "origin")
        raise InputError(f"import duty: give the {missing} too (an import line needs both)", field=field)
    return ImportEntry(hts=hts, origin=load_geography().normalize(origin, field="origin"), entry_type=entry_type)


# The key a check's "Create shipment" form carries (its ``submission`` field), one per check shown: kept as the
# user's idempotency key with the shipment it recorded (``ledger.idempotency``).
SUBMISSION = "console-"


def _check_context(tx_actor_role: str) -> dict[str, Any]:
    return {
        "items": load_catalog().items(),
        "countries": _countries(),
        "can_ship": allowed(tx_actor_role, "ship"),
    }


@router.get("/check", response_class=HTMLResponse)
def check_form(request: Request) -> HTMLResponse:
    with console_tx(request) as tx:
        pass
    form = {**_FORM_DEFAULTS, "ship_date": dt.date.today().isoformat()}
    for name in ("item", "destination", "ship_date", "quantity"):
        if request.query_params.get(name):
            form[name] = request.query_params[name]
    return page(
        request,
        "check.html",
        tx,
        title="Check a shipment",
        form=form,
        decision=None,
        error=None,
        **_check_context(tx.actor.role),
    )


@router.post("/check", response_class=HTMLResponse)
async def check_submit(request: Request) -> HTMLResponse:
    same_origin(request)
    raw = await request.form()
    form = {**_FORM_DEFAULTS}
    for name in _FORM_DEFAULTS:
        if name in raw:
            form[name] = str(raw[name]) if not isinstance(_FORM_DEFAULTS[name], bool) else True
    tx = await run_in_threadpool(signed_in, request)
    decision = None
    error = None
    duty: dict[str, Any] | None = None
    order_json = ""
    submission = ""
    status = 200
    try:
        line = order_line_from_form(form)
        key = request.cookies.get(COOKIE_NAME) or ""
        group = request.app.state.group_commit
        checked_line = partial(check_and_record, console=True)
        decision = (await run_in_threadpool(checked_line, group, key, line, None)).to_json()
        order_json = json.dumps(line.model_dump(mode="json"))
        submission = f"{SUBMISSION}{secrets.token_urlsafe(18)}"
        duty = decision.get("duty")
    except ChipclearError as exc:
        error = exc.message
        status = exc.http_status if not isinstance(exc, NotAvailable) else 503
    # in a worker thread: the page's stale-lists banner asks the screener, which a list update makes build again
    return await run_in_threadpool(
        page,
        request,
        "check.html",
        tx,
        status_code=status,  # htmx too: check.html shows a 4xx answer's #result
        title="Check a shipment",
        form=form,
        decision=decision,
        error=error,
        order_json=order_json,
        submission=submission,
        duty=duty,
        active="/check",
        **_check_context(tx.actor.role),
    )


@router.post("/shipments")
def create_shipment(
    request: Request, order_line: str = Form(...), reference: str = Form(""), submission: str = Form("")
) -> Response:
    """Record the checked line. ``submission`` is the key the check's page gave its form (``SUBMISSION``): the
    form posted again with it (a double click, a second press while the server is slow) is answered with the
    first shipment and records nothing (``ship_lines_once``; the API's ``Idempotency-Key``). Until 2026-12-08 each
    post recorded a shipment: a line shipped twice and drew its license twice."""
    same_origin(request)
    holder: list[Any] = []
    try:
        # Errors leave the transaction before they are handled, so a failed shipment writes nothing.
        with console_tx(request) as tx:
            holder.append(tx)
            tx.require("ship")
        line = _parsed_order_line(order_line)
        ref = reference.strip() or None
        body = {"order_line": line.model_dump(mode="json"), "reference": ref}
        given = idempotency(submission or None, body, field="submission")
        # Decided with no lock held; the transaction only re-checks the licenses and commits. No key: a page
        # served before the form carried one, shipped as it comes.
        answer, _ = ledger_shipments.ship_lines_once(
            request.app.state.ledger.transaction,
            tx.actor,
            [line],
            given,
            lambda _s, r: shipment_result_json(r),
            reference=ref,
        )
        shipment_id = answer["shipment"]["id"]
    except (ValueError, ValidationError):
        return message(
            request,
            holder[0] if holder else None,
            "Cannot create the shipment",
            "the order line was not valid: check it again",
        )
    except ChipclearError as exc:
        return message(
            request,
            holder[0] if holder else None,
            "Cannot create the shipment",
            exc.message,
            status_code=exc.http_status,
        )
    return RedirectResponse(f"/shipments/{shipment_id}", status_code=303)


@router.post("/applications")
def start_application(request: Request, order_line: str = Form(...)) -> Response:
    """A draft license application for a checked line that needs a license (item, destination, parties,
    quantity and value from the line); the analyst completes and submits it with the agency's number."""
    same_origin(request)
    holder: list[Any] = []
    try:
        with console_tx(request) as tx:
            holder.append(tx)
            line = _parsed_order_line(order_line)
            item = load_catalog().get(line.item).id
            ledger_licenses.apply_for_license(
                tx.session,
                tx.actor,
                items=[item],
                destinations=[line.destination],
                parties=[{"name": p.name, "role": p.role, "country": p.country} for p in line.parties],
                quantity=line.quantity,
                value_usd=line.value_usd,
                note=f"started from a check of {line.item} to {line.destination} on {line.ship_date}",
            )
    except (ValueError, ValidationError):
        return message(
            request,
            holder[0] if holder else None,
            "Cannot start the application",
            "the order line was not valid: check it again",
        )
    except ChipclearError as exc:
        return message(
            request,
            holder[0] if holder else None,
            "Cannot start the application",
            exc.message,
            status_code=exc.http_status,
        )
    return RedirectResponse("/licenses#applications-table", status_code=303)
