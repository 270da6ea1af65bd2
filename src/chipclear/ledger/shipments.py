"""Ledger shipments: shipments and their lines (shipped or held), license decrements, holds and their release by
an approver, cancellations.

Every function takes the caller's ``Session`` (one transaction, see ``Ledger.session``) and an ``Actor``; it checks
the actor's role first, then reads and writes, and appends the audit record in the same transaction. The doors (CLI,
API, console) call ``ship_lines`` and ``release_line``: they decide first with no lock held, then lock only to
re-check the license balance and commit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from chipclear.bounds import MAX_DB_INT, MAX_SHIP_DAYS_AHEAD, Identifier, LicenseNumber, blank, checked, given_reason
from chipclear.decision import Decision, OrderLine, Reason, Verdict
from chipclear.errors import ChipclearError, Conflict, InputError, NotFound, PermissionDenied, validation_text
from chipclear.geography import load_geography
from chipclear.ledger import audit
from chipclear.ledger.checks import Decide, ledger_aware, reviewed_decide, stamp
from chipclear.ledger.coverage import (
    COVERAGE_RULE,
    LicenseTerms,
    ListingAcknowledgement,
    cents,
    find_covering_license,
    listing_gaps,
)
from chipclear.ledger.idempotency import Idempotency, KeyTaken, remember, replayed
from chipclear.ledger.licenses import active_licenses, get_by_id, license_key, terms_of
from chipclear.ledger.models import AuditHead, License, LicenseUsage, Shipment, ShipmentLine
from chipclear.ledger.parties import record_parties
from chipclear.ledger.reviews import record_review, review_snapshot
from chipclear.ledger.roles import require
from chipclear.ledger.users import Actor
from chipclear.screening.normalize import party_identity_key
from chipclear.screening.reviews import ReviewDecision, ReviewSnapshot, review_country

Sessions = Callable[[], AbstractContextManager[Session]]  # opens one transaction (Ledger.session, a server's)
STALE_LISTS_RULE = "screening#stale"  # the reason the engine adds when it screened on stale lists
HOLD_RULE = "ledger#held"  # the reason the ledger adds when it holds a line the verdict alone would ship
SHIPPABLE = (Verdict.NLR, Verdict.LICENSE_EXCEPTION, Verdict.LICENSED)

R = TypeVar("R")


def decide_lines(sessions: Sessions, lines: Sequence[OrderLine], decide: Decide | None = None) -> list[Decision]:
    """Decide ``lines`` before any write transaction: the reviews are read in a short transaction of their own,
    then the engine runs with no database lock held. Pass the result to ``ship(..., decided=...)``."""
    for i, line in enumerate(lines):
        _validate_line(line, i)
    if decide is None:
        with sessions() as s:
            decide = reviewed_decide(review_snapshot(s))
    decisions = []
    for i, line in enumerate(lines):
        try:
            decisions.append(decide(line, line.ship_date))
        except InputError as exc:  # an unknown item, a date before the rules' coverage: say which line
            exc.line = i + 1
            raise
    return decisions


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
    if decision.as_of > latest_ship_day():
        # decided on today's rules and lists for a later day: a listing, a revocation or a rule before that day is
        # not in it, and a license not yet valid would be drawn today
        return f"is dated {decision.as_of}, after today: it is decided again and released when it ships"
    stale = next((r for r in decision.reasons if r.rule == STALE_LISTS_RULE), None)
    if stale is not None and get_settings().stale_lists_on_ship != "ship":
        return f"was screened on stale lists: {stale.detail} (or set CHIPCLEAR_STALE_LISTS_ON_SHIP=ship)"
    return None


def _held(decision: Decision, why: str) -> Decision:
    """The decision with the ledger's reason for holding a line its verdict alone would ship."""
    reasons = [r for r in decision.reasons if r.rule != HOLD_RULE]
    reasons.append(Reason(rule=HOLD_RULE, citation="chipclear ledger", detail=f"held: {why}"))
    return decision.model_copy(update={"reasons": reasons})


def today() -> dt.date:
    """The ledger's clock: the day a line is recorded (tests of flows recorded on their ship dates pin it)."""
    return dt.date.today()


def latest_ship_day() -> dt.date:
    """The latest ship date a line may be released for (a later one is held, ``ship_blocker``): tomorrow on the
    server's clock, so that a shipper whose calendar is ahead of the server's (Asia-Pacific against UTC) can record
    today's shipment on their own date. Its own function so that tests which record 2025 lines on a clock pinned to
    2020 (so they are not historical entries) can pin it apart."""
    return today() + dt.timedelta(days=1)


def latest_booking_day() -> dt.date:
    """The latest ship date a shipment may be recorded for (``chipclear.bounds.MAX_SHIP_DAYS_AHEAD`` after the
    latest ship day): a later date is refused, never recorded on today's rules as if they held then."""
    return latest_ship_day() + dt.timedelta(days=MAX_SHIP_DAYS_AHEAD)


def refuse_far_future(ship_date: dt.date | None, where: str = "") -> None:
    """Refuse a ship date past ``latest_booking_day`` (``where``: ``"line 2: "`` in a shipment of several lines)."""
    latest = latest_booking_day()
    if ship_date is not None and ship_date > latest:
        raise InputError(
            f"{where}ship_date: {ship_date} is more than {MAX_SHIP_DAYS_AHEAD} days after today (the latest is"
            f" {latest}): the rules, lists and licenses of that day are unknown, so it cannot be decided",
            field="ship_date",
        )


def is_historical(ship_date: dt.date | None) -> bool:
    """A line recorded after its ship date: a historical entry (needs an approver, decided as of that date)."""
    return ship_date is not None and ship_date < today()


def _mark_historical(decision_json: dict[str, Any], actor: Actor) -> dict[str, Any]:
    return {
        **decision_json,
        "historical_entry": {"recorded_on": today().isoformat(), "approved_by": actor.name},
    }


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
        shipment_line=sl,
        quantity=line.quantity,
        value_cents=value,
        actor=actor.name,
        recorded_at=audit.now_utc(),
    )
    session.add(usage)  # flushed before its audit record snapshots it (``audit.Chain.record``)
    return usage


def _validate_line(line: OrderLine, index: int) -> None:
    if line.quantity <= 0:
        raise InputError(f"line {index + 1}: quantity must be a positive whole number", field="quantity")
    refuse_far_future(line.ship_date, f"line {index + 1}: ")
    geo = load_geography()
    if line.destination not in geo.countries and line.destination not in geo.regions:
        # a region the geography data names (UA-43 Crimea) is a destination too: `check` decides it under its own
        # rules, and a ledger that took only countries had it recorded as "UA" (a door audit, 2026-12-07)
        raise InputError(
            f"line {index + 1}: destination {line.destination!r} is not a country or region code of the geography"
            " data (ISO 3166-1 alpha-2, or a region such as UA-43)",
            field="destination",
        )
    if line.value_usd is not None and line.value_usd < 0:
        raise InputError(f"line {index + 1}: value must not be negative", field="value_usd")


def _numbered(licenses: Sequence[License], number: str) -> list[License]:
    """The license of ``licenses`` numbered ``number`` ("d1" is D1: ``licenses.license_key``)."""
    return [lic for lic in licenses if license_key(lic.number) == license_key(number)]


def _active(licenses: Sequence[License]) -> list[License]:
    """The active ones of ``licenses`` (``lock_for_ship`` also locks the suspended and revoked, for the reason)."""
    return [lic for lic in licenses if lic.status == "active"]


def refuse_shipment(
    lines: Sequence[OrderLine],
    actor: Actor,
    *,
    reference: str | None = None,
    license_number: str | None = None,
    decided: Sequence[Decision] | None = None,
    licenses: Sequence[License] | None = None,
) -> None:
    """Raise what ``ship`` refuses before it changes anything: the actor's role, the lines and the reference, and,
    given the active ``licenses`` (already locked), a license number not among them. A writer recording a group
    of shipments together checks each one first, so that a refusal fails that shipment alone."""
    require(actor.name, actor.role, "ship")
    if not lines:
        raise InputError("ship: no order lines given", field="lines")
    checked(Identifier, reference, "reference")
    for i, line in enumerate(lines):
        _validate_line(line, i)
        if is_historical(line.ship_date):
            # Recording a past shipment is legitimate, but it is an approver's act, marked on the line.
            require(actor.name, actor.role, "shipment.historical")
    if decided is not None and len(decided) != len(lines):
        raise InputError("ship: one decision per order line is needed", field="lines")
    if license_number is not None and licenses is not None and not _numbered(_active(licenses), license_number):
        raise NotFound(f"no active license numbered {license_number!r}")


def ship(
    session: Session,
    lines: Sequence[OrderLine],
    actor: Actor,
    *,
    reference: str | None = None,
    decide: Decide | None = None,
    license_number: str | None = None,
    decided: Sequence[Decision] | None = None,
    locked: tuple[Sequence[License], AuditHead] | None = None,
    chain: audit.Chain | None = None,
) -> ShipmentResult:
    """Record a shipment of ``lines`` in one transaction. Each line is determined and made ledger-aware; a
    line with authority (NLR, a license exception, or a covering license, which is decremented) is shipped,
    any other line is held for an approver (``ship_blocker``). ``license_number`` restricts coverage to that
    license. Interfaces decide first with ``decide_lines`` (no lock held) and pass ``decided``: this transaction
    then only locks the licenses, re-checks their balance and commits.

    ``locked``: the active licenses and the audit head, already locked in this transaction (``lock_for_ship``),
    for a writer that records several shipments in one transaction. ``chain``: that writer's audit chain, which
    takes this shipment's records (``audit.Chain.record``) for the writer to write once before its commit; a
    writer that records each shipment in a savepoint rewinds it when the savepoint is rolled back, and on a
    deferred chain nothing here flushes: the group's rows are flushed together when the chain is written (the
    ids in the result are known only then). Without ``chain`` the shipment's lines go on a deferred chain of its
    own, written (and so flushed) before this returns."""
    refuse_shipment(
        lines,
        actor,
        reference=reference,
        license_number=license_number,
        decided=decided,
        licenses=locked[0] if locked is not None else None,
    )
    if decided is not None:
        bases = list(decided)
    else:
        decide = decide or reviewed_decide(review_snapshot(session))
        bases = [decide(line, line.ship_date) for line in lines]
    shipment = Shipment(reference=reference or lines[0].order_id, created_by=actor.name, created_at=audit.now_utc())
    session.add(shipment)
    if locked is None:
        session.flush()  # before the license locks: keeps the locked part of the transaction short
        licenses = active_licenses(session, lock=True, number=license_number, inactive=license_number is None)
        if license_number is not None and not licenses:
            raise NotFound(f"no active license numbered {license_number!r}")
    else:
        licenses = list(locked[0]) if license_number is None else _numbered(_active(locked[0]), license_number)
    # Without a writer's chain, this shipment's own: its lines' rows are flushed together when it is written. The
    # audit head is locked (after the licenses, as ``lock_for_ship`` does) before any party is recorded, so that no
    # two writers insert the same party.
    own = chain is None
    records = chain or audit.Chain(locked[1] if locked is not None else audit.lock_head(session), deferred=True)
    by_number = {lic.number: lic for lic in licenses}
    result = ShipmentResult(shipment)
    for i, (line, base) in enumerate(zip(lines, bases, strict=True)):
        decision, coverage = ledger_aware(base, line, licenses)
        decision = stamp(decision, actor)
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
            shipment=shipment,
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
        state: list[Any] = [sl] if i else [shipment, sl]
        if lic is not None:
            state += [lic, _decrement(session, lic, sl, line, actor)]
        state += record_parties(session, line, decision)
        records.record(
            session,
            actor=actor.name,
            action="ship" if sl.status == "shipped" else "hold",
            entity=sl,
            input=sl.order_line,
            output=sl.decision,
            rules_version=decision.rules_version,
            list_version=decision.list_version,
            state=state,
        )
        result.lines.append(ShippedLine(sl, decision, lic.number if lic else None))
    if own:
        records.write(session)
    return result


def lock_for_ship(session: Session) -> tuple[list[License], AuditHead]:
    """Lock the active licenses and the audit head for the rest of the transaction (the order ``ship`` takes
    them in), for ``ship(..., locked=...)``. Take them before any savepoint: a lock taken inside a savepoint
    is released when the savepoint is rolled back."""
    return active_licenses(session, lock=True, inactive=True), audit.lock_head(session)


def list_holds(session: Session, actor: Actor) -> list[ShipmentLine]:
    require(actor.name, actor.role, "read")
    stmt = select(ShipmentLine).where(ShipmentLine.status == "held").order_by(ShipmentLine.id)
    return list(session.execute(stmt).scalars())


def get_line(session: Session, actor: Actor, line_id: int, *, for_update: bool = False) -> ShipmentLine:
    return get_by_id(session, actor, ShipmentLine, line_id, "shipment line", for_update)


@dataclass(frozen=True)
class ReviewAnswer:
    """An approver's call on one screening hit of the held decision: ``match`` or ``not_a_match``."""

    party: str
    entry_id: str
    entry_hash: str
    decision: str
    reason: str


@dataclass(frozen=True)
class ListingAnswer:
    """An approver's acknowledgement that license ``license`` still holds after the listings of the line's parties
    that postdate its issue (``coverage.listing_gaps``, each shown on the held decision), with the reason."""

    license: str
    reason: str


@dataclass
class ReleaseAnswers:
    """What an approver supplies to release a held line: a call on each hit, the missing facts (order-line
    fields, e.g. ``{"end_use": {"military": false}}``; nested objects are merged, lists replaced), and the
    acknowledgements that a license issued before a party's listing still holds (``listings``)."""

    reviews: list[ReviewAnswer] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)
    listings: list[ListingAnswer] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "reviews": [vars(r) for r in self.reviews],
            "facts": self.facts,
            "listing_acknowledgements": [vars(a) for a in self.listings],
        }


@dataclass
class PreparedRelease:
    """A held line decided again with the approver's answers, before any lock is taken."""

    line_id: int
    held_order_line: dict[str, Any]  # the line as read: the release refuses if it changed meanwhile
    line: OrderLine
    decision: Decision
    answers: ReleaseAnswers
    reviews: list[ReviewDecision]  # the answers' reviews, recorded when the release commits


# What a release's facts may do: answer what the held line left open, never change what it states. A line to
# another destination, of another item or quantity, on another date or for other parties is another line: it is
# shipped as one (and decided as one), not released in the place of the held one.
_FIXED = ("item", "quantity", "destination", "ship_date", "import_entry", "order_id", "line_id")
# Fields whose value is a country: a fact restating one as a name ("Singapore" for SG) restates it.
_COUNTRY_FIELDS = ("destination", "export_from", "country", "headquarters_country", "origin")
# A declared end use that brings a license requirement stands; only the military review the engine asks for
# (``engine._military``) is answered by clearing its flag.
_DECLARED_END_USES = ("supercomputer", "advanced_node_ic_production")
_MILITARY_REVIEW = "military end use/user review"


def _refuse(path: str, why: str) -> InputError:
    return InputError(
        f"facts.{path}: {why}; a release only answers what the held line left open "
        "(cancel the hold and ship the corrected line)",
        field=f"facts.{path}",
    )


def _no_longer_chain(path: str, held: list[Any], length: int) -> None:
    """A party's ownership chain (``parents``, nearest first) names its ultimate parent last: a chain the held line
    states may have its links' details filled, not be extended (a new last link is another ultimate parent, which
    the headquartered rule reads)."""
    if held and length > len(held) and path.rsplit(".", 1)[-1] == "parents":
        raise _refuse(
            path,
            f"the held line states an ownership chain of {len(held)} link(s), the last its ultimate parent: extending"
            " it names another ultimate parent; cancel the hold and ship the corrected line",
        )


def _fill(held: Any, given: Any, path: str) -> Any:
    """``given`` where ``held`` is empty (None, "" or absent), merged field by field into objects and element by
    element into lists (extra elements appended, except to a stated ownership chain); a value that differs from a
    stated one is refused."""
    if held is None or held == "":
        return given
    if isinstance(held, dict):
        if not isinstance(given, dict):
            raise _refuse(path, "must be an object")
        out = dict(held)
        for key, value in given.items():
            out[key] = _fill(held.get(key), value, f"{path}.{key}")
        return out
    if isinstance(held, list) and isinstance(given, dict) and given and all(str(k).isdigit() for k in given):
        out_list = list(held)  # by index, as the CLI writes them: --fact parties.0.headquarters_country=CN
        _no_longer_chain(path, held, max(int(k) for k in given) + 1)
        for index, value in sorted(given.items(), key=lambda kv: int(kv[0])):
            i = int(index)
            if i > len(out_list):
                raise _refuse(f"{path}[{i}]", f"the held line has {len(out_list)}")
            out_list[i : i + 1] = [_fill(out_list[i], value, f"{path}[{i}]") if i < len(out_list) else value]
        return out_list
    if isinstance(held, list):
        if not isinstance(given, list):
            raise _refuse(path, "must be a list")
        _no_longer_chain(path, held, len(given))
        merged = [_fill(h, g, f"{path}[{i}]") for i, (h, g) in enumerate(zip(held, given, strict=False))]
        return merged + held[len(given) :] + given[len(held) :]
    if not _same(path, held, given):
        raise _refuse(path, f"the held line states {held!r}")
    return held


def _same(path: str, held: Any, given: Any) -> bool:
    """``given`` restates ``held``: equal, or the same country (a name for its code), the same party name
    (``party_identity_key``: case, punctuation, accents, the spelling of a legal form) or the same number."""
    if given == held:
        return True
    leaf = path.rsplit(".", 1)[-1]
    if isinstance(held, str) and isinstance(given, str):
        if leaf in _COUNTRY_FIELDS:
            try:
                geo = load_geography()
                return bool(geo.normalize(given, field=leaf) == geo.normalize(held, field=leaf))
            except ChipclearError:
                return False
        if leaf == "name":
            return party_identity_key(given) == party_identity_key(held)
    numbers = (int, float)
    if isinstance(held, numbers) and isinstance(given, numbers) and not isinstance(held, bool):
        # compared as numbers (8 is 8.0) without float(): 10**400 given for a stated quantity is not an error
        return not isinstance(given, bool) and given == held
    return False


def _answer(order_line: dict[str, Any], facts: dict[str, Any], held: Decision) -> dict[str, Any]:
    """The held ``order_line`` with the approver's ``facts`` (``ReleaseAnswers.facts``): open fields filled,
    parties' missing details filled or parties added, certifications added, the military flag cleared when the
    held decision asks for that review; anything else that changes the line is refused."""
    if not isinstance(facts, dict):
        raise InputError("facts: must be an object of order-line fields", field="facts")
    out = dict(order_line)
    for key, value in facts.items():
        if key in _FIXED:
            if not _same(key, order_line.get(key), value):
                raise _refuse(key, f"it is not a missing fact (the held line states {order_line.get(key)!r})")
        elif key == "certifications":
            if not isinstance(value, list):
                raise _refuse(key, "must be a list")
            have = list(order_line.get(key) or [])
            out[key] = have + [c for c in value if c not in have]
        elif key == "end_use":
            out[key] = _end_use(dict(order_line.get(key) or {}), value, held)
        else:
            out[key] = _fill(order_line.get(key), value, key)
    return out


def _end_use(stated: dict[str, Any], given: Any, held: Decision) -> dict[str, Any]:
    if not isinstance(given, dict):
        raise _refuse("end_use", "must be an object")
    out = dict(stated)
    for flag, value in given.items():
        was = bool(stated.get(flag, False))
        if flag == "text":
            out[flag] = _fill(stated.get(flag), value, "end_use.text")
        elif value is True or value == was:
            out[flag] = value  # a flag set is only more to check
        elif flag == "military" and any(m.startswith(_MILITARY_REVIEW) for m in held.missing):
            out[flag] = value  # the review the held decision asks for
        elif flag in (*_DECLARED_END_USES, "military"):
            raise _refuse(f"end_use.{flag}", "a declared end use cannot be cleared")
        else:
            out[flag] = value  # not an end-use field: the order line's validation names it
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
                    f"reviews[{i}].party: entry {a.entry_id!r} is a hit for {what} in the held decision; name the"
                    " party",
                    field=f"reviews[{i}].party",
                )
            a = ReviewAnswer(parties[0], a.entry_id, a.entry_hash, a.decision, a.reason)
        out.append(a)
    return ReleaseAnswers(out, answers.facts, answers.listings)


def _check_answers(held: Decision, answers: ReleaseAnswers) -> None:
    hits = {(h.get("party"), h.get("entry_id")): h for h in held.screening}
    for i, a in enumerate(answers.reviews):
        where = f"reviews[{i}]"
        if a.decision not in ("match", "not_a_match"):
            raise InputError(f"{where}.decision: {a.decision!r} is not match or not_a_match", field=f"{where}.decision")
        if blank(a.reason):
            raise InputError(f"{where}.reason: a review needs a reason", field=f"{where}.reason")
        hit = hits.get((a.party, a.entry_id))
        if hit is None:
            raise InputError(
                f"{where}: entry {a.entry_id!r} is not a hit for {a.party!r} in the held decision", field=where
            )
        if a.entry_hash and hit.get("entry_hash") != a.entry_hash:
            raise Conflict(f"{where}: entry {a.entry_id!r} changed since it was shown; screen again")
    for i, ack in enumerate(answers.listings):
        where = f"listing_acknowledgements[{i}]"
        if blank(ack.license):
            raise InputError(
                f"{where}.license: name the license that still holds after the listing", field=f"{where}.license"
            )
        if blank(ack.reason):
            raise InputError(f"{where}.reason: an acknowledgement needs a reason", field=f"{where}.reason")


def _listing_acknowledgements(
    answers: Sequence[ListingAnswer],
    held: Decision,
    decision: Decision,
    line: OrderLine,
    licenses: Sequence[License],
    actor: Actor,
) -> list[ListingAcknowledgement]:
    """The approver's acknowledgements (``answers``) as coverage reads them: one per listing after the license's
    issue that the new decision finds. Each such listing must be a hit the held decision showed, with the same
    entry text (an acknowledgement is about what the approver saw); a license with no such listing is refused."""
    shown = {(h.get("party"), h.get("entry_id")): str(h.get("entry_hash") or "") for h in held.screening}
    out: list[ListingAcknowledgement] = []
    for i, answer in enumerate(answers):
        where = f"listing_acknowledgements[{i}].license"
        lic = next((x for x in licenses if license_key(x.number) == license_key(answer.license)), None)
        gaps = listing_gaps(terms_of(lic), decision, line) if lic is not None else []
        if lic is None or not gaps:
            raise InputError(
                f"{where}: license {answer.license!r} predates no listing of a party of this line; there is no"
                " listing to acknowledge",
                field=where,
            )
        for gap in gaps:
            assert gap.listing is not None
            party, entry_id, entry_hash = gap.listing
            if shown.get((party, entry_id)) != entry_hash:
                raise Conflict(
                    f"{where}: the listing of {party!r} ({entry_id}) is not as the held line showed it (the lists"
                    " changed since it was held); cancel the hold and ship the line again to see it"
                )
            out.append(ListingAcknowledgement(lic.number, party, entry_id, actor.name, answer.reason.strip()))
    return out


def listings_to_acknowledge(
    session: Session, actor: Actor, held_lines: Sequence[ShipmentLine]
) -> list[dict[str, list[str]]]:
    """For each held line: license number -> the listings after its issue that alone keep it from covering the line
    (what an approver may acknowledge on release), as the held decision shows them. The licenses are read once."""
    require(actor.name, actor.role, "read")
    terms: list[LicenseTerms] | None = None
    out: list[dict[str, list[str]]] = []
    for sl in held_lines:
        if sl.verdict != Verdict.HOLD.value:  # a license's listing holds a line HOLD (coverage.apply_coverage)
            out.append({})
            continue
        if terms is None:
            terms = [terms_of(x) for x in active_licenses(session, lock=False, inactive=True)]
        gaps = find_covering_license(
            Decision.model_validate(sl.decision), OrderLine.model_validate(sl.order_line), terms
        )
        out.append(
            {
                n: [g.problem for g in found if g.listing]
                for n, found in gaps.gaps.items()
                if any(g.listing for g in found)
            }
        )
    return out


def _prepare(
    line_id: int,
    order_line: dict[str, Any],
    held: Decision,
    reviews: ReviewSnapshot,
    actor: Actor,
    answers: ReleaseAnswers,
    ship_date: dt.date | None,
    decide: Decide | None,
    held_on: dt.date | None,
    recorded_late: bool = False,
) -> PreparedRelease:
    """``held_on``: the held line's recorded ship date (its order line may give none); ``recorded_late``: the
    held line is a historical entry (recorded after it shipped, so decided as of its own date)."""
    refuse_far_future(ship_date)
    if ship_date is not None and held_on is not None and ship_date < min(held_on, today()):
        # re-dating moves a held line forward (released in August, decided for August), or a line booked for a later
        # day to a day up to today; moved back into the past, a line held for an Entity List party would be decided
        # for a day before its listing
        raise InputError(
            f"ship_date: {ship_date} is before the held line's ship date {held_on}; a release cannot move a line back"
            " (cancel the hold and record the shipment as it happened)",
            field="ship_date",
        )
    answers = _resolve_parties(held, answers)
    _check_answers(held, answers)
    try:
        line = OrderLine.model_validate(_answer(order_line, answers.facts, held))
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(["facts", *(str(p) for p in first["loc"])])
        raise InputError(f"{where}: {validation_text(first)}", field=where) from None
    except (ValueError, RecursionError) as exc:
        raise InputError(f"facts: {exc}".splitlines()[0], field="facts") from None
    if ship_date is None and not recorded_late and (held_on or line.ship_date or today()) < today():
        # A line that waited on hold ships when it is released: it is decided for today, with today's rules, lists
        # and licenses, never on the day it was first booked (an Entity List addition, an expired license or the
        # end of a suspension since then would not count).
        ship_date = today()
    if ship_date is not None:
        line = line.model_copy(update={"ship_date": ship_date})
    hashes = {(h.get("party"), h.get("entry_id")): h.get("entry_hash") for h in held.screening}
    countries = _held_countries(order_line, held)
    pending = [
        ReviewDecision(
            party_name=a.party,
            entry_id=a.entry_id,
            entry_hash=str(hashes.get((a.party, a.entry_id)) or a.entry_hash),
            reviewer=actor.name,
            reason=a.reason.strip(),
            decided_at=audit.now_utc(),
            decision=a.decision,
            party_country=countries.get((a.party, a.entry_id)),
        )
        for a in answers.reviews
    ]
    decide = decide or reviewed_decide(reviews.with_decisions(pending))
    # The line is decided again, always: with the answers, the reviews on file and today's lists.
    decision = decide(line, line.ship_date)
    _check_hits_answered(held, decision, answers)
    return PreparedRelease(line_id, order_line, line, decision, answers, pending)


def _held_countries(order_line: dict[str, Any], held: Decision) -> dict[tuple[Any, Any], str | None]:
    """The country each hit of the held decision was screened with, which a release's review of it is tied to: the
    held party's stated country, never one a fact adds (a review for a party with no country would clear the same
    name wherever no country is stated). A held decision of an older version has no ``party_country`` on its hits,
    or none on a suppressed hit: the held line's parties of that name give it when they agree on one country."""
    stated: dict[str, set[str | None]] = {}
    for p in order_line.get("parties") or []:
        if isinstance(p, dict):
            stated.setdefault(str(p.get("name")), set()).add(review_country(p.get("country")))
    out: dict[tuple[Any, Any], str | None] = {}
    for h in held.screening:
        if h.get("via_owner"):
            continue  # an owner's hit is screened by name alone
        country = review_country(h.get("party_country"))
        named = stated.get(str(h.get("party")), set())
        out[(h.get("party"), h.get("entry_id"))] = country or (next(iter(named)) if len(named) == 1 else None)
    return out


def _check_hits_answered(held: Decision, decision: Decision, answers: ReleaseAnswers) -> None:
    """Every hit open on the held decision needs the approver's call, or a review on file, to be released: one the
    new decision no longer raises at all (a fact that changed how the party is screened, e.g. a country that lowers
    the score under the threshold) is refused unanswered (door audit 2026-12-07). An answered hit whose entry reads
    differently on today's lists than on the held decision was answered about another text: refused."""
    answered = {(a.party, a.entry_id) for a in answers.reviews}
    now = {(h.get("party"), h.get("entry_id")): h for h in decision.screening}
    for h in held.screening:
        key = (h.get("party"), h.get("entry_id"))
        if h.get("suppressed_by") or not h.get("entry_id"):
            continue
        if key in answered:
            current = now.get(key)
            if (
                current is not None
                and not current.get("suppressed_by")
                and current.get("entry_hash") != h.get("entry_hash")
            ):
                raise Conflict(
                    f"{h.get('source')} entry {h.get('entry_id')!r} for {h.get('party')!r} changed since the line was"
                    " held; review it as it now reads (Screening page, chipclear screen review), then release"
                )
        elif key not in now:
            raise Conflict(
                f"the held line's possible match of {h.get('party')!r} with {h.get('source')} entry"
                f" {h.get('entry')!r} ({h.get('entry_id')}) is not answered and the new decision no longer raises it (a"
                " fact that changes how the party is screened, or a list update, does not answer a possible match):"
                " review it (match or not a match) to release"
            )


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
        held_on, late = sl.ship_date, _recorded_late(sl)
    answers = answers or ReleaseAnswers()
    return _prepare(line_id, order_line, held, reviews, actor, answers, ship_date, decide, held_on, late)


def _recorded_late(sl: ShipmentLine) -> bool:
    """A historical entry: recorded after its ship date by an approver (decided as of that date on release too)."""
    return isinstance(sl.decision, dict) and sl.decision.get("historical_entry") is not None


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
    given_reason(reason, "releasing a hold needs a reason")
    answers = prepared.answers if prepared is not None else (answers or ReleaseAnswers())
    licenses = active_licenses(session, lock=True, number=license_number, inactive=license_number is None)
    if license_number is not None and not licenses:
        raise NotFound(f"no active license numbered {license_number!r}")
    sl = get_line(session, actor, line_id, for_update=True)
    if sl.status != "held":
        raise Conflict(f"shipment line {line_id} is {sl.status}, not held")
    held = Decision.model_validate(sl.decision)
    if prepared is None:
        prepared = _prepare(
            line_id,
            dict(sl.order_line),
            held,
            review_snapshot(session),
            actor,
            answers,
            ship_date,
            decide,
            sl.ship_date,
            _recorded_late(sl),
        )
    elif prepared.line_id != line_id or prepared.held_order_line != sl.order_line:
        raise Conflict(f"shipment line {line_id} changed while it was being decided again; release it again")
    historical = sl.decision.get("historical_entry") if isinstance(sl.decision, dict) else None
    state: list[Any] = [sl]
    line = prepared.line
    acknowledged = _listing_acknowledgements(answers.listings, held, prepared.decision, line, licenses, actor)
    decision, coverage = ledger_aware(stamp(prepared.decision, actor), line, licenses, acknowledged=acknowledged)
    blocker = ship_blocker(decision)
    if blocker is not None and decision.verdict in SHIPPABLE:
        decision = _held(decision, blocker)
    audit_input = {
        "line_id": line_id,
        "reason": reason,
        "license": license_number,
        "ship_date": ship_date.isoformat() if ship_date else None,
        "decided_for": line.ship_date.isoformat() if line.ship_date else None,  # today for a line that waited
        "answers": answers.to_json(),
    }
    if blocker is not None:
        # Nothing of a refused release takes effect but the record of the refusal: the line keeps the decision it
        # was held with (what every door shows the approver), no review is recorded and no fact applied (a refused
        # release that kept its answers had a later release record a review for the wrong country; door audit
        # 2026-12-07). The decision it would have taken is in the record.
        refused = f"shipment line {line_id} {blocker}; it stays held"
        audit.append(
            session,
            actor=actor.name,
            action="hold.release.refused",
            entity=audit.entity_key(sl),
            input=audit_input,
            output={"refused": refused, "decision": decision.to_json()},
            rules_version=decision.rules_version,
            list_version=decision.list_version,
            state=state,
        )
        return ShippedLine(sl, decision, None, refused=refused)
    for review in prepared.reviews:
        record_review(
            session,
            actor,
            party_name=review.party_name,
            country=review.party_country,
            entry_id=review.entry_id,
            entry_hash=review.entry_hash,
            reason=review.reason,
            decision=review.decision,
            context={"shipment_line": line_id},
        )
    sl.order_line = line.model_dump(mode="json")
    sl.ship_date = line.ship_date or decision.as_of
    sl.decision = decision.to_json()
    if historical is not None:  # a historical entry stays marked as one
        sl.decision = {**sl.decision, "historical_entry": historical}
    elif line.ship_date is not None and is_historical(line.ship_date):
        sl.decision = _mark_historical(sl.decision, actor)
    sl.verdict = decision.verdict.value
    sl.updated_at = audit.now_utc()
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
        given_reason(reason, "releasing a hold needs a reason")
        checked(LicenseNumber, license_number, "license_number")
        prepared = prepare_release(sessions, actor, line_id, answers=answers, ship_date=ship_date, decide=decide)
        with sessions() as s:
            done = release_hold(
                s,
                actor,
                line_id,
                reason=reason,
                license_number=license_number,
                ship_date=ship_date,  # a release dated before today is a historical entry, marked as one
                prepared=prepared,
            )
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


def ship_lines_once(
    sessions: Sessions,
    actor: Actor,
    lines: Sequence[OrderLine],
    given: Idempotency | None,
    answer: Callable[[Session, ShipmentResult], dict[str, Any]],
    *,
    reference: str | None = None,
    decide: Decide | None = None,
) -> tuple[dict[str, Any], bool]:
    """``ship_lines`` under a request's idempotency key (``ledger.idempotency``): the shipment's answer (``answer``
    serialises it, kept under the key in the shipment's transaction), and whether an earlier request with the key
    recorded it. A request sent again (a double click, a retry) gets the first answer, and nothing is recorded or
    drawn again; of two at once, the second's shipment is rolled back (``KeyTaken``) and it gets the first's.
    Without a key (``None``) it is ``ship_lines``."""
    if given is None:
        return ship_lines(sessions, actor, lines, answer, reference=reference, decide=decide), False
    with sessions() as s:
        first = replayed(s, actor.name, given)
    if first is None:

        def kept(s: Session, result: ShipmentResult) -> dict[str, Any]:
            out = answer(s, result)
            remember(s, actor.name, given, result.shipment.id, out)
            return out

        try:
            return ship_lines(sessions, actor, lines, kept, reference=reference, decide=decide), False
        except KeyTaken:
            with sessions() as s:
                first = replayed(s, actor.name, given)
            if first is None:
                raise
    return first[1], True


def cancel_line(session: Session, actor: Actor, line_id: int, *, reason: str) -> ShipmentLine:
    """Cancel a held line (nothing was shipped, nothing is decremented)."""
    require(actor.name, actor.role, "shipment.cancel")
    given_reason(reason, "cancelling needs a reason")
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
    "HOLD_RULE",
    "SHIPPABLE",
    "ListingAnswer",
    "PreparedRelease",
    "ReleaseAnswers",
    "ReviewAnswer",
    "Sessions",
    "ShipmentResult",
    "ShippedLine",
    "cancel_line",
    "decide_lines",
    "get_line",
    "is_historical",
    "list_holds",
    "listings_to_acknowledge",
    "lock_for_ship",
    "prepare_release",
    "refuse_shipment",
    "release_hold",
    "release_line",
    "ship",
    "ship_blocker",
    "ship_lines",
    "ship_lines_once",
    "today",
]
