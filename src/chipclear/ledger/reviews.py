"""A database-backed ``chipclear.screening.ReviewStore``: not-a-match decisions kept in the ledger, audited and
shared by every process (the JSON store is safe for one process only)."""

from __future__ import annotations

from sqlalchemy import select

from chipclear.errors import InputError, PermissionDenied
from chipclear.ledger import audit
from chipclear.ledger.db import Ledger
from chipclear.ledger.models import ScreeningReview
from chipclear.ledger.roles import require
from chipclear.ledger.users import Actor
from chipclear.screening.reviews import ReviewDecision, party_key


def _decision(row: ScreeningReview) -> ReviewDecision:
    return ReviewDecision(
        party_name=row.party_name,
        entry_id=row.entry_id,
        entry_hash=row.entry_hash,
        reviewer=row.reviewer,
        reason=row.reason,
        decided_at=row.decided_at,
        decision=row.decision,
    )


class LedgerReviewStore:
    """Reviews recorded as ``actor`` (who must be an approver to record one; anyone may read)."""

    def __init__(self, ledger: Ledger, actor: Actor) -> None:
        self.ledger = ledger
        self.actor = actor

    def record(self, party_name: str, entry_id: str, entry_hash: str, reviewer: str, reason: str) -> ReviewDecision:
        require(self.actor.name, self.actor.role, "screening.review")
        for field_name, value in (("party", party_name), ("entry", entry_id), ("reason", reason)):
            if not value or not value.strip():
                raise InputError(f"review: {field_name} must not be empty", field=field_name)
        if reviewer and reviewer.strip() != self.actor.name:
            raise PermissionDenied(f"{self.actor.name} may not record a review in the name of {reviewer!r}")
        with self.ledger.session() as s:
            row = ScreeningReview(
                party_name=party_name.strip(),
                party_key=party_key(party_name),
                entry_id=entry_id,
                entry_hash=entry_hash,
                decision="not_a_match",
                reason=reason.strip(),
                reviewer=self.actor.name,
                decided_at=audit.now_utc(),
            )
            s.add(row)
            s.flush()
            audit.append(
                s,
                actor=self.actor.name,
                action="screening.review",
                entity=audit.entity_key(row),
                input={"party": party_name, "entry_id": entry_id, "entry_hash": entry_hash, "reason": reason},
                output={"decision": "not_a_match"},
                state=[row],
            )
            return _decision(row)

    def is_suppressed(self, party_name: str, entry_id: str, entry_hash: str) -> ReviewDecision | None:
        with self.ledger.session() as s:
            row = s.execute(
                select(ScreeningReview)
                .where(
                    ScreeningReview.party_key == party_key(party_name),
                    ScreeningReview.entry_id == entry_id,
                    ScreeningReview.entry_hash == entry_hash,
                    ScreeningReview.decision == "not_a_match",
                )
                .order_by(ScreeningReview.id.desc())
                .limit(1)
            ).scalar_one_or_none()
            return _decision(row) if row else None

    def decisions(self) -> list[ReviewDecision]:
        with self.ledger.session() as s:
            rows = s.execute(select(ScreeningReview).order_by(ScreeningReview.id)).scalars()
            return [_decision(r) for r in rows]


__all__ = ["LedgerReviewStore"]
