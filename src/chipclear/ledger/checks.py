"""Ledger checks: the engine's determination of an order line made ledger-aware (the licenses on file applied,
LICENSE_REQUIRED -> LICENSED when one covers the line), stamped with the actor and recorded in the audit log.

``Decide`` is what every ledger door decides with: ``default_decide`` is the engine with the reviewers' calls on
screening hits (``reviewed_decide``); tests and benchmarks pass their own.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from chipclear.decision import Decision, OrderLine
from chipclear.errors import InputError
from chipclear.ledger import audit
from chipclear.ledger.coverage import (
    Coverage,
    LicenseTerms,
    ListingAcknowledgement,
    apply_coverage,
    find_covering_license,
)
from chipclear.ledger.licenses import active_licenses, terms_of
from chipclear.ledger.models import License
from chipclear.ledger.reviews import review_snapshot
from chipclear.ledger.roles import require
from chipclear.ledger.users import Actor
from chipclear.rules import RuleSet, load_rules
from chipclear.screening.reviews import ReviewSnapshot

Decide = Callable[[OrderLine, dt.date | None], Decision]


def default_decide(line: OrderLine, as_of: dt.date | None, reviews: ReviewSnapshot | None = None) -> Decision:
    from chipclear.determination import determine  # the engine; imported late so the ledger loads without it

    check_coverage(as_of or line.ship_date)
    return determine(line, as_of=as_of, reviews=reviews)


def reviewed_decide(reviews: ReviewSnapshot) -> Decide:
    """The engine with reviewers' calls on screening hits (a not-a-match review suppresses its hit)."""
    return lambda line, as_of: default_decide(line, as_of, reviews)


def check_coverage(on: dt.date | None, rules: RuleSet | None = None) -> None:
    """Refuse a date before the coverage of the rule data (``rules``, default: the rules in force for this
    environment): chipclear cannot decide under rules it does not hold."""
    if on is None:
        return
    start = (rules or load_rules()).coverage_start
    if on < start:
        raise InputError(
            f"ship_date: {on.isoformat()} is before the rule data's coverage (from {start.isoformat()}); "
            "chipclear cannot decide a line under rules it does not hold",
            field="ship_date",
        )


def stamp(decision: Decision, actor: Actor) -> Decision:
    return decision.model_copy(
        update={"actor": actor.name, "decided_at": decision.decided_at or dt.datetime.now(dt.UTC)}
    )


def ledger_aware(
    decision: Decision,
    line: OrderLine,
    licenses: Sequence[License],
    terms: Sequence[LicenseTerms] | None = None,
    acknowledged: Sequence[ListingAcknowledgement] = (),
) -> tuple[Decision, Coverage]:
    """The decision with the licenses on file applied (``terms``: the licenses' terms when already computed;
    ``acknowledged``: an approver's confirmations on release that a license still holds after a listing)."""
    terms = terms if terms is not None else [terms_of(x) for x in licenses]
    coverage = find_covering_license(decision, line, terms, acknowledged)
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
    licenses = active_licenses(session, lock=False, inactive=True)
    return CheckContext(licenses, [terms_of(x) for x in licenses], audit.Chain(audit.lock_head(session)))


def record_check(line: OrderLine, decision: Decision, actor: Actor, ctx: CheckContext) -> Decision:
    """Apply the licenses on file to a check's decision, stamp it and add its audit record to ``ctx.chain``
    (written with ``ctx.chain.write(session)``). Raises, recording nothing, when the actor may not check."""
    require(actor.name, actor.role, "check")
    decision, _ = ledger_aware(decision, line, ctx.licenses, ctx.terms)
    decision = stamp(decision, actor)
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


__all__ = [
    "CheckContext",
    "Decide",
    "check_context",
    "check_coverage",
    "check_line",
    "default_decide",
    "ledger_aware",
    "record_check",
    "reviewed_decide",
    "stamp",
]
