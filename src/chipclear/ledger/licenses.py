"""Ledger licenses: license applications (draft, submitted, granted, denied, returned, withdrawn), the licenses
the agency granted, their status (suspended, revoked, reinstated), their terms and their use.

Every function takes the caller's ``Session`` (one transaction, see ``Ledger.session``) and an ``Actor``; it checks
the actor's role first, then reads and writes, and appends the audit record in the same transaction, so a change
and its record commit together or not at all. The CLI, the API and the console all call these functions.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Sequence
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from chipclear.bounds import ItemId, LicenseNumber, Note, Quantity, ValueUSD, checked, given_reason
from chipclear.decision import PARTY_ROLES
from chipclear.determination.citations import engine_citation
from chipclear.errors import Conflict, InputError, NotFound
from chipclear.geography import load_geography
from chipclear.ledger import audit
from chipclear.ledger.coverage import LicenseTerms, cents, unknown_license_item
from chipclear.ledger.models import License, LicenseApplication, LicenseUsage
from chipclear.ledger.reads import Record
from chipclear.ledger.roles import require
from chipclear.ledger.users import Actor

_OPEN = ("draft", "submitted")

R = TypeVar("R")


def _check_parties(parties: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for i, p in enumerate(parties):
        name = str(p.get("name") or "").strip()
        role = str(p.get("role") or "")
        if not name:
            raise InputError(f"parties[{i}].name: must not be empty", field=f"parties[{i}].name")
        if role not in PARTY_ROLES:
            raise InputError(
                f"parties[{i}].role: {role!r} is not one of {', '.join(PARTY_ROLES)}",
                field=f"parties[{i}].role",
            )
        out.append({"name": name, "role": role, "country": p.get("country")})
    return out


def _check_codes(values: Sequence[str], what: str) -> list[str]:
    out = [v.strip() for v in values if v.strip()]
    if not out:
        raise InputError(f"{what}: give at least one", field=what)
    return out


def _known_items(items: Sequence[str]) -> None:
    """Refuse an item that is no ECCN and no part, system or model of the catalogs, naming it."""
    for i, one in enumerate(items):
        unknown = unknown_license_item(one.strip()) if one.strip() else None
        if unknown is not None:
            raise InputError(f"items[{i}]: {unknown}", field=f"items[{i}]")


def _country_codes(values: Sequence[str]) -> list[str]:
    """License destinations as ISO codes: a code or a country name, resolved by the geography data."""
    geo = load_geography()
    return [geo.normalize(v, field="destinations") for v in values]


def apply_for_license(
    session: Session,
    actor: Actor,
    *,
    items: Sequence[str],
    destinations: Sequence[str],
    parties: Sequence[dict[str, Any]],
    quantity: int | None = None,
    value_usd: float | None = None,
    note: str = "",
    application_number: str | None = None,
    submitted_on: dt.date | None = None,
) -> LicenseApplication:
    """Create an application: a draft, or submitted when the agency's number or submission date is given."""
    require(actor.name, actor.role, "application.write")
    checked(Quantity, quantity, "quantity")
    checked(ValueUSD, value_usd, "value")
    if value_usd is not None and (cents(value_usd) or 0) <= 0:
        raise InputError("value: must be at least $0.01", field="value")
    checked(Note, note, "note")
    checked(LicenseNumber, application_number, "application_number")
    for i, one in enumerate(items):
        checked(ItemId, one, f"items[{i}]")
    destinations = _country_codes(_check_codes(destinations, "destinations"))
    checked_parties = _check_parties(parties)
    if not any(p["role"] == "end_user" for p in checked_parties):
        raise InputError("parties: an application must name the end user", field="parties")
    _known_items(items)
    submitted = bool(application_number or submitted_on)
    app = LicenseApplication(
        status="submitted" if submitted else "draft",
        application_number=application_number,
        items=_check_codes(items, "items"),
        destinations=destinations,
        parties=checked_parties,
        quantity=quantity,
        value_cents=cents(value_usd),
        note=note,
        created_by=actor.name,
        created_at=audit.now_utc(),
        submitted_on=_submission_day(submitted_on) if submitted else None,
        decision_note="",
    )
    _unique_application_number(session, application_number)
    session.add(app)
    session.flush()
    audit.append(
        session,
        actor=actor.name,
        action="application.create",
        entity=audit.entity_key(app),
        input={
            "items": app.items,
            "destinations": destinations,
            "parties": app.parties,
            "quantity": quantity,
        },
        output={"status": app.status},
        state=[app],
    )
    return app


def _submission_day(submitted_on: dt.date | None) -> dt.date:
    """The day an application was submitted: the one given, else today; a day after today is refused (an
    application submitted in 2030 let a grant be dated before it; door audit 2026-12-07)."""
    today = dt.date.today()
    if submitted_on is not None and submitted_on > today:
        raise InputError(
            f"submitted_on: {submitted_on} is after today ({today}); record a submission once it is made",
            field="submitted_on",
        )
    return submitted_on or today


def _unique_application_number(session: Session, number: str | None) -> None:
    if (
        number
        and session.execute(
            select(LicenseApplication.id).where(LicenseApplication.application_number == number)
        ).first()
    ):
        raise Conflict(f"an application with agency number {number!r} already exists")


def get_by_id(session: Session, actor: Actor, model: type[R], row_id: int, what: str, for_update: bool) -> R:
    require(actor.name, actor.role, "read")
    stmt = select(model).where(model.id == row_id)  # type: ignore[attr-defined]
    if for_update:
        stmt = stmt.with_for_update()
    row = session.execute(stmt).scalar_one_or_none()
    if row is None:
        raise NotFound(f"no {what} {row_id}")
    return row


def get_application(session: Session, actor: Actor, app_id: int, *, for_update: bool = False) -> LicenseApplication:
    return get_by_id(session, actor, LicenseApplication, app_id, "license application", for_update)


def submit_application(
    session: Session,
    actor: Actor,
    app_id: int,
    *,
    application_number: str,
    submitted_on: dt.date | None = None,
) -> LicenseApplication:
    require(actor.name, actor.role, "application.write")
    checked(LicenseNumber, application_number, "application_number")
    app = get_application(session, actor, app_id, for_update=True)
    if app.status != "draft":
        raise Conflict(f"application {app_id} is {app.status}; only a draft can be submitted")
    _unique_application_number(session, application_number)
    app.status = "submitted"
    app.application_number = application_number
    app.submitted_on = _submission_day(submitted_on)
    audit.append(
        session,
        actor=actor.name,
        action="application.submit",
        entity=audit.entity_key(app),
        input={"application_number": application_number},
        output={"status": app.status},
        state=[app],
    )
    return app


def close_application(
    session: Session,
    actor: Actor,
    app_id: int,
    status: str,
    *,
    reason: str,
    decided_on: dt.date | None = None,
) -> LicenseApplication:
    """Deny, return without action, or withdraw an open application."""
    if status not in ("denied", "returned", "withdrawn"):
        raise InputError(f"status: {status!r} is not denied, returned or withdrawn", field="status")
    require(actor.name, actor.role, "application.write" if status == "withdrawn" else "application.decide")
    given_reason(reason, "must not be empty")
    app = get_application(session, actor, app_id, for_update=True)
    if app.status not in _OPEN:
        raise Conflict(f"application {app_id} is already {app.status}")
    if status != "withdrawn" and app.status != "submitted":
        raise Conflict(f"application {app_id} is a draft; the agency can only decide a submitted application")
    app.status = status
    app.decided_on = _decision_day(app, decided_on) if decided_on is not None else dt.date.today()
    app.decided_by = actor.name
    app.decision_note = reason
    audit.append(
        session,
        actor=actor.name,
        action=f"application.{status}",
        entity=audit.entity_key(app),
        input={"reason": reason},
        output={"status": status},
        state=[app],
    )
    return app


# A plausibility bound on a license's validity, not a regulation's value: chipclear's reference does not hold the
# validity periods BIS sets, so a grant valid for longer than this is taken for a typing error (2199 for 2029).
MAX_VALIDITY_YEARS = 10


def _decision_day(app: LicenseApplication, decided_on: dt.date) -> dt.date:
    """The agency's decision on ``app``: not after today, nor before the application was submitted."""
    today = dt.date.today()
    if decided_on > today:
        raise InputError(
            f"decided_on: {decided_on} is after today ({today}); record a grant once it is made", field="decided_on"
        )
    if app.submitted_on is not None and decided_on < app.submitted_on:
        raise InputError(
            f"decided_on: {decided_on} is before the application was submitted ({app.submitted_on}); the agency"
            " decides an application after it is submitted",
            field="decided_on",
        )
    return decided_on


def _grant_day(app: LicenseApplication, decided_on: dt.date | None, valid_from: dt.date) -> dt.date:
    """The day the license was issued: the one given, else its first valid day (a license is valid from its
    issue) or today if that is later. A grant dated after today or before the application was submitted, or a
    validity that starts before the license was issued, is refused: a license never authorises what left before it
    existed (door audits 2026-12-07)."""
    if decided_on is None:
        day = min(valid_from, dt.date.today())
        if app.submitted_on is not None and day < app.submitted_on:
            raise InputError(
                f"valid_from: {valid_from} is before the application was submitted ({app.submitted_on}); a license"
                " is valid from its issue, which follows the submission",
                field="valid_from",
            )
        return day
    decided_on = _decision_day(app, decided_on)
    if valid_from < decided_on:
        raise InputError(
            f"valid_from: {valid_from} is before the grant's date {decided_on}; a license is valid from its issue,"
            " not before it (give the day it was issued as decided_on)",
            field="valid_from",
        )
    return decided_on


def _granted_limits(
    app: LicenseApplication, quantity_limit: int | None, value_limit_usd: float | None
) -> tuple[int | None, int | None]:
    """The license's quantity and value limits: those given, else the application's. The agency may authorise less
    than was applied for, never more: a larger limit is refused (a grant of 1,000,000 units on an application for
    10 was recorded; door audit 2026-12-07); a limit where the application gave none is taken as given."""
    quantity = quantity_limit if quantity_limit is not None else app.quantity
    if quantity is not None and quantity <= 0:
        raise InputError("quantity limit: must be a positive whole number", field="quantity_limit")
    if quantity is not None and app.quantity is not None and quantity > app.quantity:
        raise InputError(
            f"quantity_limit: {quantity} is more than the {app.quantity} applied for; a license authorises at most"
            " what was applied for",
            field="quantity_limit",
        )
    value = cents(value_limit_usd) if value_limit_usd is not None else app.value_cents
    if value is not None and value <= 0:
        # a limit of $0 (or under a cent) would cover lines declared at $0 without drawing anything
        raise InputError("value limit: must be at least $0.01", field="value_limit_usd")
    if value is not None and app.value_cents is not None and value > app.value_cents:
        raise InputError(
            f"value_limit_usd: {value / 100:,.2f} is more than the {app.value_cents / 100:,.2f} applied for; a license"
            " authorises at most what was applied for",
            field="value_limit_usd",
        )
    if quantity is None:
        # coverage bounds the units shipped by the quantity alone: a license with only a value limit would be
        # recorded and then cover nothing (door audit 2026-12-07); the license states the quantity authorised
        raise InputError(
            "quantity: a license needs a quantity limit (none given or applied for); a value limit alone cannot"
            " bound the units shipped",
            field="quantity",
        )
    return quantity, value


def _check_validity(valid_from: dt.date, valid_to: dt.date) -> None:
    if valid_to < valid_from:
        raise InputError(f"valid_to {valid_to} is before valid_from {valid_from}", field="valid_to")
    try:
        latest = valid_from.replace(year=valid_from.year + MAX_VALIDITY_YEARS)
    except ValueError:  # 29 February
        latest = valid_from.replace(year=valid_from.year + MAX_VALIDITY_YEARS, day=28)
    if valid_to > latest:
        raise InputError(
            f"valid_to: {valid_to} is more than {MAX_VALIDITY_YEARS} years after valid_from {valid_from}; give the"
            " license's own last day",
            field="valid_to",
        )


def _check_unit_tolerance(items: Sequence[str], percent: int) -> None:
    """A license's quantity limit counts units (the line's quantity is a number of pieces), and under 15 CFR 750.11
    items licensed by number (the AI chips and systems of 3A090, 4A090, 5A992 ...) have no tolerance on the number
    of units (docs/ledger.md, "Shipping tolerances"): a quantity tolerance above 0 is refused (a 10-unit license
    with 10 % shipped 11; door audit 2026-12-07). chipclear's reference holds no table of the ECCNs' units that
    would show an item with a quantity tolerance, so none is accepted (fail closed)."""
    if percent:
        raise InputError(
            f"quantity_tolerance_percent: {percent} is not allowed; the license's quantity counts units of"
            f" {', '.join(items)}, and {engine_citation('unit-tolerance').citation} (give 0; a value tolerance is"
            " allowed)",
            field="quantity_tolerance_percent",
        )


def grant_license(
    session: Session,
    actor: Actor,
    app_id: int,
    *,
    number: str,
    valid_from: dt.date,
    valid_to: dt.date,
    quantity_limit: int | None = None,
    value_limit_usd: float | None = None,
    quantity_tolerance_percent: int = 0,
    value_tolerance_percent: int = 0,
    conditions: str = "",
    items: Sequence[str] | None = None,
    destinations: Sequence[str] | None = None,
    parties: Sequence[dict[str, Any]] | None = None,
    decided_on: dt.date | None = None,
) -> License:
    """Record the agency's grant of a submitted application as a license. Items, destinations and parties
    default to the application's; the quantity limit defaults to the quantity applied for."""
    require(actor.name, actor.role, "license.write")
    checked(LicenseNumber, number, "number")
    checked(Quantity, quantity_limit, "quantity_limit")
    checked(ValueUSD, value_limit_usd, "value_limit_usd")
    checked(Note, conditions, "conditions")
    app = get_application(session, actor, app_id, for_update=True)
    if app.status != "submitted":
        raise Conflict(f"application {app_id} is {app.status}; only a submitted application can be granted")
    if not number.strip():
        raise InputError("license number: must not be empty", field="number")
    _check_validity(valid_from, valid_to)
    decided_on = _grant_day(app, decided_on, valid_from)
    for name, percent in (
        ("quantity_tolerance_percent", quantity_tolerance_percent),
        ("value_tolerance_percent", value_tolerance_percent),
    ):
        if not 0 <= percent <= 100:  # as the API bounds it: a tolerance of 1,000,000 % is no limit at all
            raise InputError(f"{name}: {percent} must be 0 to 100 (percent)", field=name)
    licensed_items = _check_codes(items, "items") if items else list(app.items)
    _check_unit_tolerance(licensed_items, quantity_tolerance_percent)
    same = _license_by_number(session, number, lock=False)
    if same is not None:
        raise Conflict(
            f"number: license {same.number!r} already exists (license numbers ignore case and width)", field="number"
        )
    quantity, value = _granted_limits(app, quantity_limit, value_limit_usd)
    if items:
        _known_items(items)
    lic = License(
        number=number.strip(),
        application_id=app.id,
        status="active",
        valid_from=valid_from,
        valid_to=valid_to,
        items=licensed_items,
        destinations=_country_codes(destinations) if destinations else list(app.destinations),
        parties=_check_parties(parties) if parties else list(app.parties),
        quantity_limit=quantity,
        quantity_used=0,
        value_limit_cents=value,
        value_used_cents=0,
        quantity_tolerance_percent=quantity_tolerance_percent,
        value_tolerance_percent=value_tolerance_percent,
        conditions=conditions,
        granted_by=actor.name,
        created_at=audit.now_utc(),
        issued_on=decided_on,
        status_changes=[],
    )
    session.add(lic)
    app.status = "granted"
    app.decided_on = decided_on
    app.decided_by = actor.name
    session.flush()
    audit.append(
        session,
        actor=actor.name,
        action="license.grant",
        entity=audit.entity_key(lic),
        input={"application_id": app.id, "number": number},
        output={"license": license_json(lic)},
        state=[app, lic],
    )
    return lic


_CHANGE = {"active": "reinstatement", "suspended": "suspension", "revoked": "revocation"}


def _effective_day(lic: License, status: str, effective_on: dt.date | None) -> dt.date:
    """The day a status change took effect: given, else today; never after today, before the license was issued,
    or before the change it follows took effect."""
    today = dt.date.today()
    day = effective_on or today
    if day > today:
        raise InputError(
            f"effective_on: {day} is after today ({today}); record a change once it is made", field="effective_on"
        )
    issued = lic.issued_on or lic.valid_from
    if day < issued:
        raise InputError(
            f"effective_on: {day} is before license {lic.number} was issued ({issued})", field="effective_on"
        )
    last = max((dt.date.fromisoformat(c["effective_on"]) for c in lic.status_changes or []), default=None)
    if last is not None and day < last:
        raise InputError(
            f"effective_on: {day} is before the license's last change of status took effect ({last}); a"
            f" {_CHANGE[status]} follows it",
            field="effective_on",
        )
    return day


STATUSES = ("suspended", "revoked", "active")  # what a status change records: "active" is a reinstatement


def _check_transition(lic: License, status: str) -> None:
    """A suspended license may be reinstated; a license in force may be suspended or revoked, and a suspended one
    revoked; a revoked license stays revoked (as the ledger has kept it since status changes were recorded).
    Anything else is a conflict naming the field ``status``."""
    if lic.status == "revoked":
        raise Conflict(
            f"status: license {lic.number} is already revoked; a revoked license cannot change status", field="status"
        )
    if status == "active" and lic.status != "suspended":
        raise Conflict(
            f"status: license {lic.number} is {lic.status}, not suspended; only a suspended license can be reinstated",
            field="status",
        )
    if lic.status == status:
        raise Conflict(f"status: license {lic.number} is already {status}", field="status")


def change_license_status(
    session: Session, actor: Actor, number: str, status: str, *, reason: str, effective_on: dt.date | None = None
) -> License:
    """Record that the agency suspended or revoked a license (15 CFR 750.8), or reinstated a suspended one, with the
    day it took effect (``effective_on``, default today) and the reason, on the license (``status_changes``) and
    in its audit record, in the caller's transaction: every check comes before the first write, so a refused
    change writes nothing. A license that is not active covers nothing, and a line dated while it was suspended or
    revoked is not covered by it once reinstated (``LicenseTerms.not_in_force``). The CLI (``license revoke``),
    the API (``POST /api/licenses/{number}/status``) and the console's license page all call this."""
    require(actor.name, actor.role, "license.write")
    if status not in STATUSES:
        raise InputError(f"status: {status!r} is not suspended, revoked or active (a reinstatement)", field="status")
    given_reason(reason, "must not be empty")
    lic = _license_by_number(session, number, lock=True)
    if lic is None:
        raise NotFound(f"no license numbered {number!r}")
    _check_transition(lic, status)
    day = _effective_day(lic, status, effective_on)
    lic.status = status
    change = {
        "status": status,
        "effective_on": day.isoformat(),
        "reason": reason,
        "recorded_at": audit.now_utc(),
        "actor": actor.name,
    }
    lic.status_changes = [*(lic.status_changes or []), change]
    audit.append(
        session,
        actor=actor.name,
        action=f"license.{status}",
        entity=audit.entity_key(lic),
        input={"number": number, "reason": reason, "effective_on": day.isoformat()},
        output={"status": status, "effective_on": day.isoformat()},
        state=[lic],
    )
    return lic


def not_in_force(changes: Sequence[dict[str, Any]] | None) -> tuple[tuple[dt.date, dt.date | None, str], ...]:
    """The windows in which a license was suspended or revoked, from its status changes: (first day, the day it was
    reinstated or revoked, or None, status). A suspension the agency then revoked is two windows: the suspension up
    to the revocation's day, and the revocation from that day (the next window starts where the first ends)."""
    windows: list[tuple[dt.date, dt.date | None, str]] = []
    start: tuple[dt.date, str] | None = None
    for change in changes or []:
        day = dt.date.fromisoformat(change["effective_on"])
        if change["status"] == "active":
            if start is not None:
                windows.append((start[0], day, start[1]))
            start = None
        elif start is None:
            start = (day, change["status"])
        elif change["status"] != start[1]:
            windows.append((start[0], day, start[1]))
            start = (day, change["status"])
    if start is not None:
        windows.append((start[0], None, start[1]))
    return tuple(windows)


def terms_of(lic: License | Record) -> LicenseTerms:
    return LicenseTerms(
        id=lic.id,
        number=lic.number,
        valid_from=lic.valid_from,
        valid_to=lic.valid_to,
        items=tuple(lic.items),
        destinations=tuple(lic.destinations),
        parties=tuple((p["name"], p["role"], p.get("country")) for p in lic.parties),
        quantity_limit=lic.quantity_limit,
        quantity_used=lic.quantity_used,
        value_limit_cents=lic.value_limit_cents,
        value_used_cents=lic.value_used_cents,
        quantity_tolerance_percent=lic.quantity_tolerance_percent,
        value_tolerance_percent=lic.value_tolerance_percent,
        status=lic.status,
        conditions=lic.conditions,
        issued_on=lic.issued_on,
        not_in_force=not_in_force(lic.status_changes),
    )


def license_json(lic: License | Record) -> dict[str, Any]:
    terms = terms_of(lic)
    return {
        "number": lic.number,
        "status": lic.status,
        "application_id": lic.application_id,
        "valid_from": lic.valid_from.isoformat(),
        "valid_to": lic.valid_to.isoformat(),
        "items": lic.items,
        "destinations": lic.destinations,
        "parties": lic.parties,
        "quantity_limit": lic.quantity_limit,
        "quantity_used": lic.quantity_used,
        "quantity_left": terms.quantity_left,
        "value_limit_usd": None if lic.value_limit_cents is None else lic.value_limit_cents / 100,
        "value_used_usd": lic.value_used_cents / 100,
        "value_left_usd": None if terms.value_left_cents is None else terms.value_left_cents / 100,
        "quantity_tolerance_percent": lic.quantity_tolerance_percent,
        "value_tolerance_percent": lic.value_tolerance_percent,
        "conditions": lic.conditions,
        "granted_by": lic.granted_by,
        "issued_on": lic.issued_on.isoformat() if lic.issued_on else None,
        "status_changes": list(lic.status_changes or []),
    }


def list_licenses(session: Session, actor: Actor) -> list[License]:
    require(actor.name, actor.role, "read")
    return list(session.execute(select(License).order_by(License.number)).scalars())


def license_key(number: str) -> str:
    """A license number as the ledger compares it: NFKC-normalised, trimmed, casefolded ("d1" and "Ｄ1" are D1)."""
    return unicodedata.normalize("NFKC", number).strip().casefold()


def _license_by_number(session: Session, number: str, *, lock: bool) -> License | None:
    """The license whose number is ``number`` (``license_key``), locked FOR UPDATE with ``lock``: by the indexed
    number itself, and only where none is written so, by comparing every number's key (as ``views.license_detail``
    reads it)."""
    ids = list(session.execute(select(License.id).where(License.number == number)).scalars())
    if not ids:
        key = license_key(number)
        ids = [i for i, n in session.execute(select(License.id, License.number)) if license_key(n) == key]
    if not ids:
        return None
    stmt = select(License).where(License.id == ids[0])
    return session.execute(stmt.with_for_update() if lock else stmt).scalar_one()


def get_license(session: Session, actor: Actor, number: str) -> License:
    require(actor.name, actor.role, "read")
    lic = _license_by_number(session, number, lock=False)
    if lic is None:
        raise NotFound(f"no license numbered {number!r}")
    return lic


def license_usage(session: Session, actor: Actor, lic: License) -> list[LicenseUsage]:
    require(actor.name, actor.role, "read")
    stmt = select(LicenseUsage).where(LicenseUsage.license_id == lic.id).order_by(LicenseUsage.id)
    return list(session.execute(stmt).scalars())


def list_applications(session: Session, actor: Actor) -> list[LicenseApplication]:
    require(actor.name, actor.role, "read")
    return list(session.execute(select(LicenseApplication).order_by(LicenseApplication.id)).scalars())


def active_licenses(
    session: Session, *, lock: bool, number: str | None = None, inactive: bool = False
) -> list[License]:
    """Active licenses; with ``lock`` the rows are locked (FOR UPDATE, in id order so that writers never
    deadlock) until the transaction ends. ``inactive``: the suspended and revoked licenses too, for the coverage
    reason to name them ("L5: suspended since 2026-12-06"); they cover nothing (``coverage.why_not_covered``)."""
    statuses = ("active", "suspended", "revoked") if inactive else ("active",)
    stmt = select(License).where(License.status.in_(statuses)).order_by(License.id)
    if number is not None:
        found = _license_by_number(session, number, lock=False)
        stmt = stmt.where(License.id == (found.id if found is not None else -1))
    if lock:
        stmt = stmt.with_for_update()
    return list(session.execute(stmt).scalars())


__all__ = [
    "PARTY_ROLES",
    "STATUSES",
    "active_licenses",
    "apply_for_license",
    "change_license_status",
    "close_application",
    "get_application",
    "get_by_id",
    "get_license",
    "grant_license",
    "license_json",
    "license_key",
    "license_usage",
    "list_applications",
    "list_licenses",
    "not_in_force",
    "submit_application",
    "terms_of",
]
