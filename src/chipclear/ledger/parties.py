"""Ledger parties: the parties table kept current with each recorded party, its headquarters, parent chain and
screening status (as of the lists the last decision screened against).

Every function takes the caller's ``Session`` (one transaction, see ``Ledger.session``); writes are audited in the
same transaction.
"""

from __future__ import annotations

from sqlalchemy import inspect as sa_inspect
from sqlalchemy import select
from sqlalchemy.orm import Session

from chipclear.decision import Decision, OrderLine, Party
from chipclear.ledger import audit
from chipclear.ledger.models import PartyRecord
from chipclear.ledger.roles import require
from chipclear.ledger.users import Actor

_ROWS = "chipclear.parties.rows"  # Session.info key: the party rows this transaction has read or written


def _rows_held(session: Session) -> dict[tuple[str, str | None], PartyRecord]:
    """The party rows this transaction has read or written, by (name, country): kept in ``Session.info`` for the
    session's current (outermost) transaction only."""
    transaction = session.get_transaction()
    found = session.info.get(_ROWS)
    if found is None or found[0] is not transaction:
        found = session.info[_ROWS] = (transaction, {})
    rows: dict[tuple[str, str | None], PartyRecord] = found[1]
    return rows


def _party_row(session: Session, party: Party) -> PartyRecord | None:
    country = PartyRecord.country.is_(None) if party.country is None else PartyRecord.country == party.country
    return session.execute(select(PartyRecord).where(PartyRecord.name == party.name, country)).scalar_one_or_none()


def _apply_party(
    session: Session,
    party: Party,
    screening_status: str | None,
    list_version: str | None,
    known: dict[tuple[str, str | None], PartyRecord] | None = None,
    *,
    flush: bool = True,
) -> tuple[PartyRecord, bool]:
    """Create or update the party's row (looked up in ``known`` when given); returns it and whether anything
    changed. ``flush=False`` leaves the flush (and a new row's id) to the caller."""
    row = known.get((party.name, party.country)) if known is not None else _party_row(session, party)
    created = row is None
    if row is None:
        row = PartyRecord(name=party.name, country=party.country, created_at=audit.now_utc())
        row.screening_status = "not_screened"
        session.add(row)
    # A row created earlier in this transaction and not flushed yet (no id) is compared like any other.
    before = None if created else audit.snapshot(row)
    row.headquarters_country = party.headquarters_country or row.headquarters_country
    row.parents = [p.model_dump(mode="json") for p in party.parents] or row.parents or []
    if screening_status and (screening_status, list_version) != (row.screening_status, row.list_version):
        row.screening_status = screening_status
        row.list_version = list_version
        row.screened_at = audit.now_utc()
    if flush:
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


def record_parties(session: Session, line: OrderLine, decision: Decision) -> list[PartyRecord]:
    """Keep the parties table current with each shipped or held line's parties and their screening status.
    Call with the audit head locked (so two writers never insert the same party). The rows are not flushed here:
    the caller flushes before it audits them (``audit.Chain.record``)."""
    if not line.parties:
        return []
    # The rows this transaction already holds (an earlier line or shipment of it, flushed or not) are not read
    # again: under the audit head's lock no other writer changes them. A row created in a savepoint that was rolled
    # back is neither persistent nor pending any more and is looked up again.
    held = _rows_held(session)
    known = {}
    for key in {(p.name, p.country) for p in line.parties}:
        row = held.get(key)
        if row is not None and (sa_inspect(row).persistent or sa_inspect(row).pending):
            known[key] = row
    names = {p.name for p in line.parties if (p.name, p.country) not in known}
    if names:  # one query for the line's other parties
        for row in session.execute(select(PartyRecord).where(PartyRecord.name.in_(names))).scalars():
            known.setdefault((row.name, row.country), row)
    changed = []
    for party in line.parties:
        status = screening_status(decision, party.name)
        row, did_change = _apply_party(session, party, status, decision.list_version, known, flush=False)
        known[(party.name, party.country)] = held[(party.name, party.country)] = row
        if did_change and row not in changed:
            changed.append(row)
    return changed


__all__ = ["record_parties", "screening_status", "upsert_party"]
