"""A database-backed ``chipclear.screening.ReviewStore``: not-a-match decisions kept in the ledger, audited and
shared by every process (the JSON store is safe for one process only)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chipclear.bounds import blank
from chipclear.errors import InputError, PermissionDenied
from chipclear.ledger import audit
from chipclear.ledger.db import Ledger
from chipclear.ledger.models import ScreeningReview
from chipclear.ledger.roles import require
from chipclear.ledger.users import Actor
from chipclear.screening.reviews import ReviewDecision, ReviewSnapshot, party_key, review_country

DECISIONS = ("not_a_match", "match")


def _decision(row: ScreeningReview) -> ReviewDecision:
    return ReviewDecision(
        party_name=row.party_name,
        entry_id=row.entry_id,
        entry_hash=row.entry_hash,
        reviewer=row.reviewer,
        reason=row.reason,
        decided_at=row.decided_at,
        decision=row.decision,
        review_id=row.id,
        party_country=row.party_country,
    )


def review_snapshot(session: Session) -> ReviewSnapshot:
    """Every review in the ledger, read in ``session``: what a decision consults (no role needed to read)."""
    rows = session.execute(select(ScreeningReview).order_by(ScreeningReview.id)).scalars()
    return ReviewSnapshot([_decision(r) for r in rows])


def reviews_version(session: Session) -> int:
    """A number that changes whenever a review is recorded (reviews are append-only: the newest review id)."""
    return int(session.execute(select(func.max(ScreeningReview.id))).scalar() or 0)


def record_review(
    session: Session,
    actor: Actor,
    *,
    party_name: str,
    entry_id: str,
    entry_hash: str,
    reason: str,
    decision: str = "not_a_match",
    country: str | None = None,
    context: dict[str, object] | None = None,
) -> ReviewDecision:
    """Record an approver's call on a hit (not a match, or match) for the party ``party_name`` in ``country`` (None:
    the party states no country) in ``session``, audited with it."""
    require(actor.name, actor.role, "screening.review")
    if decision not in DECISIONS:
        raise InputError(f"review: decision {decision!r} is not one of {', '.join(DECISIONS)}", field="decision")
    where = review_country(country)
    if where is not None and (len(where) != 2 or not where.isascii() or not where.isalpha()):
        raise InputError(f"review: country {country!r} is not an ISO 3166-1 alpha-2 code", field="country")
    for field_name, value in (
        ("party", party_name),
        ("entry", entry_id),
        ("entry_hash", entry_hash),
        ("reason", reason),
    ):
        if blank(value):
            raise InputError(f"review: {field_name} must not be empty", field=field_name)
    row = ScreeningReview(
        party_name=party_name.strip(),
        party_key=party_key(party_name),
        entry_id=entry_id,
        entry_hash=entry_hash,
        decision=decision,
        reason=reason.strip(),
        reviewer=actor.name,
        decided_at=audit.now_utc(),
        party_country=where,
    )
    session.add(row)
    session.flush()
    audit.append(
        session,
        actor=actor.name,
        action="screening.review" if decision == "not_a_match" else "screening.match",
        entity=audit.entity_key(row),
        input={
            "party": party_name,
            "country": where,
            "entry_id": entry_id,
            "entry_hash": entry_hash,
            "reason": reason,
            **(context or {}),
        },
        output={"decision": decision, "review_id": row.id},
        state=[row],
    )
    return _decision(row)


class LedgerReviewStore:
    """Reviews recorded as ``actor`` (who must be an approver to record one; anyone may read)."""

    def __init__(self, ledger: Ledger, actor: Actor) -> None:
        self.ledger = ledger
        self.actor = actor

    def record(
        self,
        party_name: str,
        entry_id: str,
        entry_hash: str,
        reviewer: str,
        reason: str,
        decision: str = "not_a_match",
        *,
        country: str | None = None,
    ) -> ReviewDecision:
        require(self.actor.name, self.actor.role, "screening.review")
        if reviewer and reviewer.strip() != self.actor.name:
            raise PermissionDenied(f"{self.actor.name} may not record a review in the name of {reviewer!r}")
        with self.ledger.session() as s:
            return record_review(
                s,
                self.actor,
                party_name=party_name,
                entry_id=entry_id,
                entry_hash=entry_hash,
                reason=reason,
                decision=decision,
                country=country,
            )

    def is_suppressed(
        self, party_name: str, entry_id: str, entry_hash: str, country: str | None = None
    ) -> ReviewDecision | None:
        key = party_key(party_name)
        where = review_country(country)
        with self.ledger.session() as s:
            rows = s.execute(
                select(ScreeningReview)
                .where(ScreeningReview.entry_id == entry_id, ScreeningReview.entry_hash == entry_hash)
                .order_by(ScreeningReview.id.desc())
            ).scalars()
            # the party compared by its name as recorded (a stored key of an earlier, coarser form never matches
            # more than the name does); the latest call on this party and entry content wins
            row = next((r for r in rows if party_key(r.party_name) == key and r.party_country == where), None)
            return _decision(row) if row is not None and row.decision == "not_a_match" else None

    def confirmed_match(
        self, party_name: str, entry_id: str, entry_hash: str, country: str | None = None
    ) -> ReviewDecision | None:
        with self.ledger.session() as s:
            return review_snapshot(s).confirmed_match(party_name, entry_id, entry_hash, country)

    def decisions(self) -> list[ReviewDecision]:
        with self.ledger.session() as s:
            rows = s.execute(select(ScreeningReview).order_by(ScreeningReview.id)).scalars()
            return [_decision(r) for r in rows]


__all__ = ["LedgerReviewStore", "record_review", "review_snapshot"]
