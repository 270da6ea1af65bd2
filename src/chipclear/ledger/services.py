"""Ledger services: license applications and licenses, ledger-aware checks, shipments, holds.

Every function takes the caller's ``Session`` (one transaction, see ``Ledger.session``) and an ``Actor``; it
checks the actor's role first, then reads and writes, and appends the audit record in the same transaction, so
a change and its record commit together or not at all. The CLI, the API and the console all call these
functions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from chipclear.bounds import (
    MAX_DB_INT,
    Identifier,
    ItemId,
    LicenseNumber,
    Note,
    Quantity,
    ValueUSD,
    checked,
)
from chipclear.decision import Decision, OrderLine, Party, Reason, Verdict
from chipclear.errors import Conflict, InputError, NotFound, PermissionDenied
from chipclear.geography import load_geography
from chipclear.ledger import audit
from chipclear.ledger.coverage import (
    COVERAGE_RULE,
    Coverage,
    LicenseTerms,
    apply_coverage,
    cents,
    find_covering_license,
)
from chipclear.ledger.models import (
    License,
    LicenseApplication,
    LicenseUsage,
    PartyRecord,
    Shipment,
    ShipmentLine,
)
from chipclear.ledger.reviews import record_review, review_snapshot
from chipclear.ledger.roles import require
from chipclear.ledger.users import Actor
from chipclear.rules import load_rules
from chipclear.screening.reviews import ReviewDecision, ReviewSnapshot

Decide = Callable[[OrderLine, dt.date | None], Decision]
Sessions = Callable[[], AbstractContextManager[Session]]  # opens one transaction (Ledger.session, a server's)
STALE_LISTS_RULE = "screening#stale"  # the reason the engine adds when it screened on stale lists
HOLD_RULE = "ledger#held"  # the reason the ledger adds when it holds a line the verdict alone would ship

_OPEN = ("draft", "submitted")
PARTY_ROLES = ("end_user", "ultimate_consignee", "intermediate_consignee", "purchaser")
SHIPPABLE = (Verdict.NLR, Verdict.LICENSE_EXCEPTION, Verdict.LICENSED)

R = TypeVar("R")


def default_decide(line: OrderLine, as_of: dt.date | None, reviews: ReviewSnapshot | None = None) -> Decision:
    from chipclear.determination import determine  # the engine; imported late so the ledger loads without it

    check_coverage(as_of or line.ship_date)
    return determine(line, as_of=as_of, reviews=reviews)


def reviewed_decide(reviews: ReviewSnapshot) -> Decide:
    """The engine with reviewers' calls on screening hits (a not-a-match review suppresses its hit)."""
    return lambda line, as_of: default_decide(line, as_of, reviews)


def decide_lines(sessions: Sessions, lines: Sequence[OrderLine], decide: Decide | None = None) -> list[Decision]:
    """Decide ``lines`` before any write transaction: the reviews are read in a short transaction of their own,
    then the engine runs with no database lock held. Pass the result to ``ship(..., decided=...)``."""
    for i, line in enumerate(lines):
        _validate_line(line, i)
    if decide is None:
        with sessions() as s:
            decide = reviewed_decide(review_snapshot(s))
    return [decide(line, line.ship_date) for line in lines]


def ship_blocker(decision: Decision) -> str | None:
    """Why a line with this (ledger-aware) decision may not ship, or None: only NLR, a license exception or a
    covering license ship; a license does not answer open questions; stale lists hold unless the deployment
    accepts them (``CHIPCLEAR_STALE_LISTS_ON_SHIP=ship``)."""
    from chipclear.settings import get_settings

    if decision.verdict not in SHIPPABLE:
        if decision.verdict == Verdict.PROHIBITED:
            return "is PROHIBITED: no license or review can release it"
        if decision.verdict == Verdict.LICENSE_REQUIRED:
            cover = next((r.detail for r in reversed(decision.reasons) if r.rule == COVERAGE_RULE), None)
            return "needs a covering license to be released: " + (cover or "no license on file covers this line")
        return "is still HOLD: " + ("; ".join(decision.missing) or "it needs an approver's review")
    if decision.verdict == Verdict.LICENSED and decision.missing:
        return "has a covering license but open questions: " + "; ".join(decision.missing)
    stale = next((r for r in decision.reasons if r.rule == STALE_LISTS_RULE), None)
    if stale is not None and get_settings().stale_lists_on_ship != "ship":
        return f"was screened on stale lists: {stale.detail} (or set CHIPCLEAR_STALE_LISTS_ON_SHIP=ship)"
    return None


def _held(decision: Decision, why: str) -> Decision:
    """The decision with the ledger's reason for holding a line its verdict alone would ship."""
    reasons = [r for r in decision.reasons if r.rule != HOLD_RULE]
    reasons.append(Reason(rule=HOLD_RULE, citation="chipclear ledger", detail=f"held: {why}"))
    return decision.model_copy(update={"reasons": reasons})


def check_coverage(on: dt.date | None) -> None:
    """Refuse a date before the rule data's coverage: chipclear cannot decide under rules it does not hold."""
    if on is None:
        return
    start = load_rules().coverage_start
    if on < start:
        raise InputError(
            f"ship_date: {on.isoformat()} is before the rule data's coverage (from {start.isoformat()}); "
            "chipclear cannot decide a line under rules it does not hold",
            field="ship_date",
        )


def today() -> dt.date:
    """The ledger's clock: the day a line is recorded (tests of flows recorded on their ship dates pin it)."""
    return dt.date.today()


def is_historical(ship_date: dt.date | None) -> bool:
    """A line recorded after its ship date: a historical entry (needs an approver, decided as of that date)."""
    return ship_date is not None and ship_date < today()


def _mark_historical(decision_json: dict[str, Any], actor: Actor) -> dict[str, Any]:
    return {
        **decision_json,
        "historical_entry": {"recorded_on": today().isoformat(), "approved_by": actor.name},
    }


# ---------------------------------------------------------------- parties


def _party_row(session: Session, party: Party) -> PartyRecord | None:
    country = PartyRecord.country.is_(None) if party.country is None else PartyRecord.country == party.country
    return session.execute(select(PartyRecord).where(PartyRecord.name == party.name, country)).scalar_one_or_none()


def _apply_party(
    session: Session,
    party: Party,
    screening_status: str | None,
    list_version: str | None,
    known: dict[tuple[str, str | None], PartyRecord] | None = None,
) -> tuple[PartyRecord, bool]:
    """Create or update the party's row (looked up in ``known`` when given); returns it and whether anything
    changed."""
    row = known.get((party.name, party.country)) if known is not None else _party_row(session, party)
    if row is None:
        row = PartyRecord(name=party.name, country=party.country, created_at=audit.now_utc())
        row.screening_status = "not_screened"
        session.add(row)
    before = audit.snapshot(row) if row.id is not None else None
    row.headquarters_country = party.headquarters_country or row.headquarters_country
    row.parents = [p.model_dump(mode="json") for p in party.parents] or row.parents or []
    if screening_status and (screening_status, list_version) != (row.screening_status, row.list_version):
        row.screening_status = screening_status
        row.list_version = list_version
        row.screened_at = audit.now_utc()
    session.flush()
    return row, before != audit.snapshot(row)


def upsert_party(
    session: Session,
    party: Party,
    actor: Actor,
    *,
    screening_status: str | None = None,
    list_version: str | None = None,
) -> PartyRecord:
    """Record a party (name, country, headquarters, parent chain), optionally with its screening result."""
    require(actor.name, actor.role, "screen" if screening_status else "party.write")
    audit.lock_head(session)  # serialises concurrent first inserts of the same party
    row, _ = _apply_party(session, party, screening_status, list_version)
    audit.append(
        session,
        actor=actor.name,
        action="party.screen" if screening_status else "party.upsert",
        entity=audit.entity_key(row),
        input=party.model_dump(mode="json"),
        output={"screening_status": row.screening_status},
        list_version=list_version,
        state=[row],
    )
    return row


def screening_status(decision: Decision, party_name: str) -> str | None:
    """The party's status from the screening hits the decision considered: match, possible_match, clear (screened,
    no hit) or None (not screened)."""
    hits = [h for h in decision.screening if h.get("party") == party_name]
    if any(h.get("determination") == "match" for h in hits):
        return "match"
    if hits:
        return "possible_match"
    return "clear" if decision.list_version else None


def _record_parties(session: Session, line: OrderLine, decision: Decision) -> list[PartyRecord]:
    """Keep the parties table current with each shipped or held line's parties and their screening status.
    Call with the audit head locked (so two writers never insert the same party)."""
    if not line.parties:
        return []
    names = {p.name for p in line.parties}
    rows = session.execute(select(PartyRecord).where(PartyRecord.name.in_(names))).scalars()
    known = {(r.name, r.country): r for r in rows}  # one query for all the line's parties
    changed = []
    for party in line.parties:
        status = screening_status(decision, party.name)
        row, did_change = _apply_party(session, party, status, decision.list_version, known)
        known[(party.name, party.country)] = row
        if did_change and row not in changed:
            changed.append(row)
    return changed


# ---------------------------------------------------------------- applications and licenses


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
    checked(Note, note, "note")
    checked(LicenseNumber, application_number, "application_number")
    for i, one in enumerate(items):
        checked(ItemId, one, f"items[{i}]")
    destinations = _country_codes(_check_codes(destinations, "destinations"))
    checked_parties = _check_parties(parties)
    if not any(p["role"] == "end_user" for p in checked_parties):
        raise InputError("parties: an application must name the end user", field="parties")
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
        submitted_on=(submitted_on or dt.date.today()) if submitted else None,
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


def _unique_application_number(session: Session, number: str | None) -> None:
    if (
        number
        and session.execute(
            select(LicenseApplication.id).where(LicenseApplication.application_number == number)
        ).first()
    ):
        raise Conflict(f"an application with agency number {number!r} already exists")


def _get_by_id(session: Session, actor: Actor, model: type[R], row_id: int, what: str, for_update: bool) -> R:
    require(actor.name, actor.role, "read")
    stmt = select(model).where(model.id == row_id)  # type: ignore[attr-defined]
    if for_update:
        stmt = stmt.with_for_update()
    row = session.execute(stmt).scalar_one_or_none()
    if row is None:
        raise NotFound(f"no {what} {row_id}")
    return row


def get_application(session: Session, actor: Actor, app_id: int, *, for_update: bool = False) -> LicenseApplication:
    return _get_by_id(session, actor, LicenseApplication, app_id, "license application", for_update)


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
    app.submitted_on = submitted_on or dt.date.today()
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
    if not reason.strip():
        raise InputError("reason: must not be empty", field="reason")
    app = get_application(session, actor, app_id, for_update=True)
    if app.status not in _OPEN:
        raise Conflict(f"application {app_id} is already {app.status}")
    if status != "withdrawn" and app.status != "submitted":
        raise Conflict(f"application {app_id} is a draft; the agency can only decide a submitted application")
    app.status = status
    app.decided_on = decided_on or dt.date.today()
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
    if valid_to < valid_from:
        raise InputError(f"valid_to {valid_to} is before valid_from {valid_from}", field="valid_to")
    if quantity_tolerance_percent < 0 or value_tolerance_percent < 0:
        raise InputError("tolerance: must not be negative", field="tolerance")
    if session.execute(select(License.id).where(License.number == number)).first():
        raise Conflict(f"license {number!r} already exists")
    quantity = quantity_limit if quantity_limit is not None else app.quantity
    if quantity is not None and quantity <= 0:
        raise InputError("quantity limit: must be a positive whole number", field="quantity_limit")
    value = cents(value_limit_usd) if value_limit_usd is not None else app.value_cents
    if quantity is None and value is None:
        raise InputError("a license needs a quantity or a value limit (none given or applied for)", field="quantity")
    lic = License(
        number=number.strip(),
        application_id=app.id,
        status="active",
        valid_from=valid_from,
        valid_to=valid_to,
        items=_check_codes(items, "items") if items else list(app.items),
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
    )
    session.add(lic)
    app.status = "granted"
    app.decided_on = decided_on or dt.date.today()
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


def change_license_status(session: Session, actor: Actor, number: str, status: str, *, reason: str) -> License:
    """Record that the agency suspended or revoked a license (15 CFR 750.8), or reinstated a suspended one. A
    license that is not active covers nothing."""
    if status not in ("suspended", "revoked", "active"):
        raise InputError(f"status: {status!r} is not suspended, revoked or active", field="status")
    require(actor.name, actor.role, "license.write")
    if not reason.strip():
        raise InputError("reason: must not be empty", field="reason")
    lic = session.execute(select(License).where(License.number == number).with_for_update()).scalar_one_or_none()
    if lic is None:
        raise NotFound(f"no license numbered {number!r}")
    if lic.status == "revoked":
        raise Conflict(f"license {number} is revoked; a revoked license cannot change status")
    if lic.status == status:
        raise Conflict(f"license {number} is already {status}")
    lic.status = status
    audit.append(
        session,
        actor=actor.name,
        action=f"license.{status}",
        entity=audit.entity_key(lic),
        input={"number": number, "reason": reason},
        output={"status": status},
        state=[lic],
    )
    return lic


def terms_of(lic: License) -> LicenseTerms:
    return LicenseTerms(
        id=lic.id,
        number=lic.number,
        valid_from=lic.valid_from,
        valid_to=lic.valid_to,
        items=tuple(lic.items),
        destinations=tuple(lic.destinations),
        parties=tuple((p["name"], p["role"]) for p in lic.parties),
        quantity_limit=lic.quantity_limit,
        quantity_used=lic.quantity_used,
        value_limit_cents=lic.value_limit_cents,
        value_used_cents=lic.value_used_cents,
        quantity_tolerance_percent=lic.quantity_tolerance_percent,
        value_tolerance_percent=lic.value_tolerance_percent,
        status=lic.status,
        conditions=lic.conditions,
    )


def license_json(lic: License) -> dict[str, Any]:
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
    }


def list_licenses(session: Session, actor: Actor) -> list[License]:
    require(actor.name, actor.role, "read")
    return list(session.execute(select(License).order_by(License.number)).scalars())


def get_license(session: Session, actor: Actor, number: str) -> License:
    require(actor.name, actor.role, "read")
    lic = session.execute(select(License).where(License.number == number)).scalar_one_or_none()
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


# ---------------------------------------------------------------- checks


def _licenses(session: Session, *, lock: bool, number: str | None = None) -> list[License]:
    """Active licenses; with ``lock`` the rows are locked (FOR UPDATE, in id order so that writers never
    deadlock) until the transaction ends."""
    stmt = select(License).where(License.status == "active").order_by(License.id)
    if number is not None:
        stmt = stmt.where(License.number == number)
    if lock:
        stmt = stmt.with_for_update()
    return list(session.execute(stmt).scalars())


def _stamp(decision: Decision, actor: Actor) -> Decision:
    return decision.model_copy(
        update={"actor": actor.name, "decided_at": decision.decided_at or dt.datetime.now(dt.UTC)}
    )


def ledger_aware(
    decision: Decision, line: OrderLine, licenses: Sequence[License], terms: Sequence[LicenseTerms] | None = None
) -> tuple[Decision, Coverage]:
    """The decision with the licenses on file applied (``terms``: the licenses' terms when already computed)."""
    coverage = find_covering_license(decision, line, terms if terms is not None else [terms_of(x) for x in licenses])
    return apply_coverage(decision, line, coverage), coverage


@dataclass
class CheckContext:
    """What the checks of one transaction share: the active licenses (and their terms) and the audit chain, whose
    head is locked for the rest of the transaction."""

    licenses: list[License]
    terms: list[LicenseTerms]
    chain: audit.Chain


def check_context(session: Session) -> CheckContext:
    """Read the licenses on file and lock the audit head, once for every check recorded in this transaction."""
    licenses = _licenses(session, lock=False)
    return CheckContext(licenses, [terms_of(x) for x in licenses], audit.Chain(audit.lock_head(session)))


def record_check(line: OrderLine, decision: Decision, actor: Actor, ctx: CheckContext) -> Decision:
    """Apply the licenses on file to a check's decision, stamp it and add its audit record to ``ctx.chain``
    (written with ``ctx.chain.write(session)``). Raises, recording nothing, when the actor may not check."""
    require(actor.name, actor.role, "check")
    decision, _ = ledger_aware(decision, line, ctx.licenses, ctx.terms)
    decision = _stamp(decision, actor)
    ctx.chain.add(
        actor=actor.name,
        action="check",
        entity=f"check:{line.order_id or '-'}:{line.line_id or '-'}",
        input=line.model_dump(mode="json"),
        output=decision.to_json(),
        rules_version=decision.rules_version,
        list_version=decision.list_version,
    )
    return decision


def check_line(
    session: Session,
    line: OrderLine,
    actor: Actor,
    *,
    decide: Decide | None = None,
    as_of: dt.date | None = None,
) -> Decision:
    """Determine the line, then apply the licenses on file (LICENSE_REQUIRED -> LICENSED when one covers it),
    and record the decision in the audit log."""
    require(actor.name, actor.role, "check")
    decide = decide or reviewed_decide(review_snapshot(session))  # reviews feed checks as they feed shipments
    base = decide(line, as_of or line.ship_date)
    session.flush()
    ctx = check_context(session)
    decision = record_check(line, base, actor, ctx)
    ctx.chain.write(session)
    return decision


# ---------------------------------------------------------------- shipments


@dataclass
class ShippedLine:
    line: ShipmentLine
    decision: Decision
    license_number: str | None = None
    refused: str | None = None  # a release that was refused (the line stays held): why

    @property
    def shipped(self) -> bool:
        return self.line.status == "shipped"


@dataclass
class ShipmentResult:
    shipment: Shipment
    lines: list[ShippedLine] = field(default_factory=list)

    @property
    def held(self) -> list[ShippedLine]:
        return [ln for ln in self.lines if ln.line.status == "held"]


def _decrement(session: Session, lic: License, sl: ShipmentLine, line: OrderLine, actor: Actor) -> LicenseUsage:
    value = cents(line.value_usd) or 0
    if lic.quantity_used + line.quantity > MAX_DB_INT:  # a license limited by value only: keep the count storable
        raise Conflict(f"license {lic.number}: its used quantity would exceed what the ledger can store")
    lic.quantity_used += line.quantity
    lic.value_used_cents += value
    terms = terms_of(lic)
    # The coverage check ran on these same locked rows; this is the last line of defence.
    if (terms.quantity_left is not None and terms.quantity_left < 0) or (
        terms.value_left_cents is not None and terms.value_left_cents < 0
    ):
        raise Conflict(f"license {lic.number} would be over-drawn")
    usage = LicenseUsage(
        license_id=lic.id,
        shipment_line_id=sl.id,
        quantity=line.quantity,
        value_cents=value,
        actor=actor.name,
        recorded_at=audit.now_utc(),
    )
    session.add(usage)
    session.flush()
    return usage


def _validate_line(line: OrderLine, index: int) -> None:
    if line.quantity <= 0:
        raise InputError(f"line {index + 1}: quantity must be a positive whole number", field="quantity")
    if len(line.destination) != 2 or not line.destination.isalpha():
        raise InputError(
            f"line {index + 1}: destination {line.destination!r} is not an ISO 3166-1 alpha-2 code",
            field="destination",
        )
    if line.value_usd is not None and line.value_usd < 0:
        raise InputError(f"line {index + 1}: value must not be negative", field="value_usd")


def ship(
    session: Session,
    lines: Sequence[OrderLine],
    actor: Actor,
    *,
    reference: str | None = None,
    decide: Decide | None = None,
    license_number: str | None = None,
    decided: Sequence[Decision] | None = None,
) -> ShipmentResult:
    """Record a shipment of ``lines`` in one transaction. Each line is determined and made ledger-aware; a
    line with authority (NLR, a license exception, or a covering license, which is decremented) is shipped,
    any other line is held for an approver (``ship_blocker``). ``license_number`` restricts coverage to that
    license. Interfaces decide first with ``decide_lines`` (no lock held) and pass ``decided``: this transaction
    then only locks the licenses, re-checks their balance and commits."""
    require(actor.name, actor.role, "ship")
    if not lines:
        raise InputError("ship: no order lines given", field="lines")
    checked(Identifier, reference, "reference")
    for i, line in enumerate(lines):
        _validate_line(line, i)
        if is_historical(line.ship_date):
            # Recording a past shipment is legitimate, but it is an approver's act, marked on the line.
            require(actor.name, actor.role, "shipment.historical")
    if decided is not None:
        if len(decided) != len(lines):
            raise InputError("ship: one decision per order line is needed", field="lines")
        bases = list(decided)
    else:
        decide = decide or reviewed_decide(review_snapshot(session))
        bases = [decide(line, line.ship_date) for line in lines]
    shipment = Shipment(reference=reference or lines[0].order_id, created_by=actor.name, created_at=audit.now_utc())
    session.add(shipment)
    session.flush()  # before the license locks: keeps the locked part of the transaction short
    licenses = _licenses(session, lock=True, number=license_number)
    if license_number is not None and not licenses:
        raise NotFound(f"no active license numbered {license_number!r}")
    by_number = {lic.number: lic for lic in licenses}
    result = ShipmentResult(shipment)
    for i, (line, base) in enumerate(zip(lines, bases, strict=True)):
        decision, coverage = ledger_aware(base, line, licenses)
        decision = _stamp(decision, actor)
        blocker = ship_blocker(decision)
        if blocker is not None and decision.verdict in SHIPPABLE:
            decision = _held(decision, blocker)
        verdict = decision.verdict
        lic = (
            by_number[coverage.license.number]
            if blocker is None and verdict == Verdict.LICENSED and coverage.license
            else None
        )
        sl = ShipmentLine(
            shipment_id=shipment.id,
            line_no=i + 1,
            item=line.item,
            quantity=line.quantity,
            destination=line.destination.upper(),
            ship_date=line.ship_date or decision.as_of,
            value_cents=cents(line.value_usd),
            order_line=line.model_dump(mode="json"),
            decision=_mark_historical(decision.to_json(), actor)
            if is_historical(line.ship_date)
            else decision.to_json(),
            verdict=verdict.value,
            status="shipped" if blocker is None else "held",
            license_id=lic.id if lic else None,
            license_exception=(
                decision.license_exceptions[0].code if blocker is None and decision.license_exceptions else None
            ),
            updated_at=audit.now_utc(),
        )
        session.add(sl)
        session.flush()
        state: list[Any] = [sl] if i else [shipment, sl]
        if lic is not None:
            state += [lic, _decrement(session, lic, sl, line, actor)]
        head = audit.lock_head(session)
        state += _record_parties(session, line, decision)
        audit.append(
            session,
            actor=actor.name,
            action="ship" if sl.status == "shipped" else "hold",
            entity=audit.entity_key(sl),
            input=sl.order_line,
            output=sl.decision,
            rules_version=decision.rules_version,
            list_version=decision.list_version,
            state=state,
            head=head,
        )
        result.lines.append(ShippedLine(sl, decision, lic.number if lic else None))
    return result


def list_holds(session: Session, actor: Actor) -> list[ShipmentLine]:
    require(actor.name, actor.role, "read")
    stmt = select(ShipmentLine).where(ShipmentLine.status == "held").order_by(ShipmentLine.id)
    return list(session.execute(stmt).scalars())


def get_line(session: Session, actor: Actor, line_id: int, *, for_update: bool = False) -> ShipmentLine:
    return _get_by_id(session, actor, ShipmentLine, line_id, "shipment line", for_update)


@dataclass(frozen=True)
class ReviewAnswer:
    """An approver's call on one screening hit of the held decision: ``match`` or ``not_a_match``."""

    party: str
    entry_id: str
    entry_hash: str
    decision: str
    reason: str


@dataclass
class ReleaseAnswers:
    """What an approver supplies to release a held line: a call on each hit, and the missing facts (order-line
    fields, e.g. ``{"end_use": {"military": false}}``; nested objects are merged, lists replaced)."""

    reviews: list[ReviewAnswer] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"reviews": [vars(r) for r in self.reviews], "facts": self.facts}


@dataclass
class PreparedRelease:
    """A held line decided again with the approver's answers, before any lock is taken."""

    line_id: int
    held_order_line: dict[str, Any]  # the line as read: the release refuses if it changed meanwhile
    line: OrderLine
    decision: Decision
    answers: ReleaseAnswers
    reviews: list[ReviewDecision]  # the answers' reviews, recorded when the release commits


def _merge(base: dict[str, Any], facts: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in facts.items():
        out[key] = _merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


def _resolve_parties(held: Decision, answers: ReleaseAnswers) -> ReleaseAnswers:
    """An answer naming only the entry applies to the one party of the held decision that hit it."""
    out = []
    for i, a in enumerate(answers.reviews):
        if not a.party:
            parties = sorted({str(h.get("party")) for h in held.screening if h.get("entry_id") == a.entry_id})
            if len(parties) != 1:
                what = "no party" if not parties else f"several parties ({', '.join(parties)})"
                raise InputError(
                    f"reviews[{i}]: entry {a.entry_id!r} is a hit for {what} in the held decision; name the party",
                    field=f"reviews[{i}].party",
                )
            a = ReviewAnswer(parties[0], a.entry_id, a.entry_hash, a.decision, a.reason)
        out.append(a)
    return ReleaseAnswers(out, answers.facts)


def _check_answers(held: Decision, answers: ReleaseAnswers) -> None:
    hits = {(h.get("party"), h.get("entry_id")): h for h in held.screening}
    for i, a in enumerate(answers.reviews):
        where = f"reviews[{i}]"
        if a.decision not in ("match", "not_a_match"):
            raise InputError(f"{where}.decision: {a.decision!r} is not match or not_a_match", field=f"{where}.decision")
        if not a.reason.strip():
            raise InputError(f"{where}.reason: a review needs a reason", field=f"{where}.reason")
        hit = hits.get((a.party, a.entry_id))
        if hit is None:
            raise InputError(
                f"{where}: entry {a.entry_id!r} is not a hit for {a.party!r} in the held decision", field=where
            )
        if a.entry_hash and hit.get("entry_hash") != a.entry_hash:
            raise Conflict(f"{where}: entry {a.entry_id!r} changed since it was shown; screen again")


def _prepare(
    line_id: int,
    order_line: dict[str, Any],
    held: Decision,
    reviews: ReviewSnapshot,
    actor: Actor,
    answers: ReleaseAnswers,
    ship_date: dt.date | None,
    decide: Decide | None,
) -> PreparedRelease:
    answers = _resolve_parties(held, answers)
    _check_answers(held, answers)
    try:
        line = OrderLine.model_validate(_merge(order_line, answers.facts))
    except ValueError as exc:
        raise InputError(f"facts: {exc}".splitlines()[0], field="facts") from None
    if ship_date is not None:
        line = line.model_copy(update={"ship_date": ship_date})
    hashes = {(h.get("party"), h.get("entry_id")): h.get("entry_hash") for h in held.screening}
    pending = [
        ReviewDecision(
            party_name=a.party,
            entry_id=a.entry_id,
            entry_hash=str(hashes.get((a.party, a.entry_id)) or a.entry_hash),
            reviewer=actor.name,
            reason=a.reason.strip(),
            decided_at=audit.now_utc(),
            decision=a.decision,
        )
        for a in answers.reviews
    ]
    decide = decide or reviewed_decide(reviews.with_decisions(pending))
    # The line is decided again, always: with the answers, the reviews on file and today's lists.
    decision = decide(line, line.ship_date)
    return PreparedRelease(line_id, order_line, line, decision, answers, pending)


def prepare_release(
    sessions: Sessions,
    actor: Actor,
    line_id: int,
    *,
    answers: ReleaseAnswers | None = None,
    ship_date: dt.date | None = None,
    decide: Decide | None = None,
) -> PreparedRelease:
    """Read the held line and the reviews in a short transaction, then decide it again with the approver's
    answers with no lock held. Pass the result to ``release_hold(..., prepared=...)``."""
    require(actor.name, actor.role, "hold.release")
    with sessions() as s:
        sl = get_line(s, actor, line_id)
        if sl.status != "held":
            raise Conflict(f"shipment line {line_id} is {sl.status}, not held")
        order_line, held, reviews = dict(sl.order_line), Decision.model_validate(sl.decision), review_snapshot(s)
    return _prepare(line_id, order_line, held, reviews, actor, answers or ReleaseAnswers(), ship_date, decide)


def release_hold(
    session: Session,
    actor: Actor,
    line_id: int,
    *,
    reason: str,
    license_number: str | None = None,
    ship_date: dt.date | None = None,
    decide: Decide | None = None,
    answers: ReleaseAnswers | None = None,
    prepared: PreparedRelease | None = None,
) -> ShippedLine:
    """An approver releases a held line, with a reason and answers (``ReleaseAnswers``). The answers are recorded
    (reviews in the ledger's review store) and the line is decided again with them (``prepared`` when decided
    before this transaction). It ships only if ``ship_blocker`` finds nothing: NLR, a license exception, or a
    covering license with quantity left (decremented here). Otherwise the line stays held with the new decision,
    the refusal is audited and returned in ``refused`` (``release_line`` turns it into a Conflict)."""
    require(actor.name, actor.role, "hold.release")
    if not reason.strip():
        raise InputError("reason: releasing a hold needs a reason", field="reason")
    answers = prepared.answers if prepared is not None else (answers or ReleaseAnswers())
    licenses = _licenses(session, lock=True, number=license_number)
    if license_number is not None and not licenses:
        raise NotFound(f"no active license numbered {license_number!r}")
    sl = get_line(session, actor, line_id, for_update=True)
    if sl.status != "held":
        raise Conflict(f"shipment line {line_id} is {sl.status}, not held")
    if prepared is None:
        held = Decision.model_validate(sl.decision)
        prepared = _prepare(
            line_id, dict(sl.order_line), held, review_snapshot(session), actor, answers, ship_date, decide
        )
    elif prepared.line_id != line_id or prepared.held_order_line != sl.order_line:
        raise Conflict(f"shipment line {line_id} changed while it was being decided again; release it again")
    historical = sl.decision.get("historical_entry") if isinstance(sl.decision, dict) else None
    state: list[Any] = [sl]
    for review in prepared.reviews:
        record_review(
            session,
            actor,
            party_name=review.party_name,
            entry_id=review.entry_id,
            entry_hash=review.entry_hash,
            reason=review.reason,
            decision=review.decision,
            context={"shipment_line": line_id},
        )
    line = prepared.line
    decision, coverage = ledger_aware(_stamp(prepared.decision, actor), line, licenses)
    blocker = ship_blocker(decision)
    if blocker is not None and decision.verdict in SHIPPABLE:
        decision = _held(decision, blocker)
    sl.order_line = line.model_dump(mode="json")
    sl.ship_date = line.ship_date or decision.as_of
    sl.decision = decision.to_json()
    if historical is not None:  # a historical entry stays marked as one
        sl.decision = {**sl.decision, "historical_entry": historical}
    elif ship_date is not None and is_historical(ship_date):
        sl.decision = _mark_historical(sl.decision, actor)
    sl.verdict = decision.verdict.value
    sl.updated_at = audit.now_utc()
    audit_input = {
        "line_id": line_id,
        "reason": reason,
        "license": license_number,
        "ship_date": ship_date.isoformat() if ship_date else None,
        "answers": answers.to_json(),
    }
    if blocker is not None:
        refused = f"shipment line {line_id} {blocker}; it stays held"
        audit.append(
            session,
            actor=actor.name,
            action="hold.release.refused",
            entity=audit.entity_key(sl),
            input=audit_input,
            output={"refused": refused, "decision": sl.decision},
            rules_version=decision.rules_version,
            list_version=decision.list_version,
            state=state,
        )
        return ShippedLine(sl, decision, None, refused=refused)
    lic: License | None = None
    if decision.verdict == Verdict.LICENSED and coverage.license is not None:
        lic = next(x for x in licenses if x.number == coverage.license.number)
        sl.license_id = lic.id
        state += [lic, _decrement(session, lic, sl, line, actor)]
    sl.license_exception = decision.license_exceptions[0].code if decision.license_exceptions else None
    sl.status = "released"
    sl.release_reason = reason
    sl.released_by = actor.name
    audit.append(
        session,
        actor=actor.name,
        action="hold.release",
        entity=audit.entity_key(sl),
        input=audit_input,
        output=decision.to_json(),
        rules_version=decision.rules_version,
        list_version=decision.list_version,
        state=state,
    )
    return ShippedLine(sl, decision, lic.number if lic else None)


def release_line(
    sessions: Sessions,
    actor: Actor,
    line_id: int,
    present: Callable[[Session, ShippedLine], R],
    *,
    reason: str,
    license_number: str | None = None,
    ship_date: dt.date | None = None,
    answers: ReleaseAnswers | None = None,
    decide: Decide | None = None,
) -> R:
    """Every door's release: decide again outside any lock (``prepare_release``), then one short transaction
    that re-checks the line and the license balance and commits (``release_hold``); ``present`` serialises the
    result inside it. A refused attempt is audited (also one refused before the transaction, e.g. a line no
    longer held or a viewer's key) and raised as the error that refused it."""
    try:
        if not reason.strip():
            raise InputError("reason: releasing a hold needs a reason", field="reason")
        prepared = prepare_release(sessions, actor, line_id, answers=answers, ship_date=ship_date, decide=decide)
        with sessions() as s:
            done = release_hold(s, actor, line_id, reason=reason, license_number=license_number, prepared=prepared)
            out = present(s, done)
    except (Conflict, PermissionDenied) as exc:  # refused (bad input and unknown lines are not attempts)
        with sessions() as s:
            audit.append(
                s,
                actor=actor.name,
                action="hold.release.refused",
                entity=f"shipment_lines:{line_id}",
                input={"line_id": line_id, "reason": reason, "license": license_number},
                output={"refused": exc.message},
            )
        raise
    if done.refused:
        raise Conflict(done.refused)
    return out


def ship_lines(
    sessions: Sessions,
    actor: Actor,
    lines: Sequence[OrderLine],
    present: Callable[[Session, ShipmentResult], R],
    *,
    reference: str | None = None,
    license_number: str | None = None,
    decide: Decide | None = None,
) -> R:
    """Every door's shipment: decide outside any lock (``decide_lines``), then one short transaction that locks
    the licenses, re-checks their balance and commits (``ship``); ``present`` serialises the result inside it."""
    require(actor.name, actor.role, "ship")
    if not lines:
        raise InputError("ship: no order lines given", field="lines")
    if any(is_historical(line.ship_date) for line in lines):
        require(actor.name, actor.role, "shipment.historical")  # refused before any decision is spent
    decided = decide_lines(sessions, lines, decide)
    with sessions() as s:
        result = ship(s, lines, actor, reference=reference, license_number=license_number, decided=decided)
        return present(s, result)


def cancel_line(session: Session, actor: Actor, line_id: int, *, reason: str) -> ShipmentLine:
    """Cancel a held line (nothing was shipped, nothing is decremented)."""
    require(actor.name, actor.role, "shipment.cancel")
    if not reason.strip():
        raise InputError("reason: cancelling needs a reason", field="reason")
    sl = get_line(session, actor, line_id, for_update=True)
    if sl.status != "held":
        raise Conflict(f"shipment line {line_id} is {sl.status}; only a held line can be cancelled")
    sl.status = "cancelled"
    sl.release_reason = reason
    sl.released_by = actor.name
    sl.updated_at = audit.now_utc()
    audit.append(
        session,
        actor=actor.name,
        action="shipment.cancel",
        entity=audit.entity_key(sl),
        input={"line_id": line_id, "reason": reason},
        output={"status": "cancelled"},
        state=[sl],
    )
    return sl


__all__ = [
    "Decide",
    "PreparedRelease",
    "ReleaseAnswers",
    "ReviewAnswer",
    "Sessions",
    "ShipmentResult",
    "ShippedLine",
    "apply_for_license",
    "cancel_line",
    "change_license_status",
    "check_line",
    "close_application",
    "decide_lines",
    "get_application",
    "get_license",
    "grant_license",
    "ledger_aware",
    "license_json",
    "license_usage",
    "list_applications",
    "list_holds",
    "list_licenses",
    "prepare_release",
    "release_hold",
    "release_line",
    "ship",
    "ship_blocker",
    "ship_lines",
    "submit_application",
    "terms_of",
    "upsert_party",
]
