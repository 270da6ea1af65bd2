"""The append-only audit log: a hash chain over canonical JSON records.

Every decision and every state change appends one record holding the input, the output, the rules-data
version, the list version, the actor, the time and a snapshot of every row it wrote (``state``). Each record's
hash covers the previous record's hash, so a changed, deleted, inserted or reordered record breaks the chain
at that record; replaying the snapshots and comparing them with the tables finds rows edited outside
chipclear. A single ``audit_head`` row (last sequence number and hash) is locked by each append, so the chain
stays linear under concurrent writers and a deleted tail is noticed.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac
import json
import secrets
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from sqlalchemy import inspect as sa_inspect
from sqlalchemy import select
from sqlalchemy.exc import DatabaseError
from sqlalchemy.orm import Session

from chipclear.ledger.models import (
    AuditHead,
    AuditRecord,
    Base,
    License,
    LicenseApplication,
    LicenseUsage,
    PartyRecord,
    ScreeningReview,
    Shipment,
    ShipmentLine,
    User,
)

GENESIS_HASH = "0" * 64
# The hash format of records written now (the record's ``hash_format``). Format 1 (no ``hash_format``): the hash
# covers the payload as stored. Format 2: the hash covers the record with each secret value replaced by a salted
# digest of it (``hashed_form``), so an export with the secrets redacted (digests in their place) still verifies in
# full.
HASH_FORMAT = 2
# Tables whose every row must be explained by the audit log.
STATE_TABLES: tuple[type[Base], ...] = (
    User,
    PartyRecord,
    LicenseApplication,
    License,
    Shipment,
    ShipmentLine,
    LicenseUsage,
    ScreeningReview,
)


def now_utc() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")


def canonical(data: Any) -> str:
    """The one serialisation that is hashed: sorted keys, no spaces, UTF-8 text."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def record_hash(prev_hash: str, payload: str) -> str:
    return hashlib.sha256(f"{prev_hash}\n{payload}".encode()).hexdigest()


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return value


def entity_key(obj: Base) -> str:
    table = obj.__table__.name  # type: ignore[attr-defined]
    ident = sa_inspect(obj).identity
    if ident is None:
        raise RuntimeError(f"{table} row has no primary key yet (flush before auditing)")
    return f"{table}:{ident[0]}"


def snapshot(obj: Base) -> dict[str, Any]:
    """Every column of a row, as JSON values."""
    mapper = sa_inspect(obj).mapper
    return {col.key: _jsonable(getattr(obj, col.key)) for col in mapper.column_attrs}


def lock_head(session: Session) -> AuditHead:
    """Lock the audit head for the rest of the transaction (every append does; call it earlier to serialise
    work that must not race, such as the first insert of a party)."""
    return session.execute(select(AuditHead).where(AuditHead.id == 1).with_for_update()).scalar_one()


@dataclass
class _Later:
    """A record to add once the session has flushed: its fields, the row that names it, and each row of its state
    with its columns as the change left them and whether the row was new then."""

    fields: dict[str, Any]
    entity: Base
    state: list[tuple[Base, dict[str, Any], bool]]


@functools.cache
def _assigned_keys(model: type[Base]) -> tuple[str, ...]:
    """The columns of a new row of ``model`` that the database fills in at the flush: its primary key, and foreign
    keys set through a relationship to another new row."""
    attrs = sa_inspect(model).column_attrs
    return tuple(col.key for col in attrs if any(c.primary_key or c.foreign_keys for c in col.columns))


class Chain:
    """Records appended to the chain in memory, for a group written in one transaction (a group commit).

    ``head`` must be locked in that transaction (``lock_head``). ``add`` builds the next record and moves the
    chain's tip on (``seq``, ``hash``); a record that cannot be built (e.g. a value JSON cannot hold) raises before
    the tip moves, so the chain stays linear. ``write`` moves the head row to the tip and adds the records to the
    session; they commit or roll back with it. Until then the session holds nothing of the chain, so a writer that
    records several changes in savepoints of their own (``ShipmentGroup``) takes the records of one that is rolled
    back off the chain (``mark``, ``rewind``) and writes the rest once.

    ``record``: for writers that leave the flush to the chain. A chain made with ``deferred=True`` is for a group
    whose rows are all flushed at once: ``record`` snapshots the rows as the change left them, and ``write`` flushes
    the session and adds the records in the order they were recorded, with the keys the flush assigned (see
    ``later``). Otherwise ``record`` flushes and adds the record at once."""

    def __init__(self, head: AuditHead, *, deferred: bool = False) -> None:
        self.head = head
        self.seq, self.hash = head.seq, head.hash  # the tip: the last record added, or the head as locked
        self._base = (head.seq, head.hash)
        self.records: list[AuditRecord] = []
        self.deferred = deferred
        self._later: list[_Later] = []

    def add(
        self,
        *,
        actor: str,
        action: str,
        entity: str,
        input: Any = None,
        output: Any = None,
        rules_version: str | None = None,
        list_version: str | None = None,
        state: Iterable[Base] = (),
    ) -> AuditRecord:
        fields = {
            "actor": actor,
            "action": action,
            "input": input,
            "output": output,
            "rules_version": rules_version,
            "list_version": list_version,
        }
        return self._add(entity, {entity_key(obj): snapshot(obj) for obj in state}, fields)

    def _add(self, entity: str, snapshots: dict[str, dict[str, Any]], fields: dict[str, Any]) -> AuditRecord:
        seq = self.seq + 1
        recorded_at = now_utc()
        data: dict[str, Any] = {
            "hash_format": HASH_FORMAT,
            "seq": seq,
            "recorded_at": recorded_at,
            "actor": fields["actor"],
            "action": fields["action"],
            "entity": entity,
            "input": fields["input"],
            "output": fields["output"],
            "rules_version": fields["rules_version"],
            "list_version": fields["list_version"],
            "state": snapshots,
        }
        if _holds(data, _is_secret_value):
            data[SALT_KEY] = secrets.token_hex(16)
        payload = canonical(data)
        digest = content_hash(self.hash, payload, data)
        record = AuditRecord(
            seq=seq,
            recorded_at=recorded_at,
            actor=fields["actor"],
            action=fields["action"],
            entity=entity,
            payload=payload,
            prev_hash=self.hash,
            hash=digest,
        )
        self.seq, self.hash = seq, digest
        self.records.append(record)
        return record

    def record(self, session: Session, *, entity: Base, state: Iterable[Base] = (), **fields: Any) -> None:
        """The record of a change to ``state``, named by the row ``entity``, with the other fields of ``add``: added
        now (after a flush), or, on a deferred chain, by ``write`` (``later``)."""
        fields = {"input": None, "output": None, "rules_version": None, "list_version": None, **fields}
        if self.deferred:
            self.later(entity, state, fields)
        else:
            session.flush()  # the snapshots hold what the database holds, ids included
            self.add(entity=entity_key(entity), state=state, **fields)

    def later(self, entity: Base, state: Iterable[Base], fields: dict[str, Any]) -> None:
        """Snapshot ``state`` now, as the change left it, and add its record at ``write``. The columns the flush
        fills in (a new row's primary key, its foreign keys to other new rows) are taken from the flushed row:
        sound for a group whose new rows do not change those keys after this call. A column default is not filled
        in: the writer sets every other column of a new row itself (``verify`` fails on a snapshot that lacks one).
        A JSON value is held as it is, not copied: a change to a JSON column must assign a new value (an edit in
        place would not be flushed by the ORM either)."""
        self._later.append(_Later(fields, entity, [(obj, snapshot(obj), sa_inspect(obj).key is None) for obj in state]))

    def mark(self) -> tuple[int, int]:
        """A point to ``rewind`` to: the records added and deferred so far."""
        return len(self.records), len(self._later)

    def rewind(self, mark: tuple[int, int]) -> None:
        """Take the records added or deferred since ``mark`` off the chain (their change was rolled back)."""
        del self.records[mark[0] :]
        del self._later[mark[1] :]
        last = self.records[-1] if self.records else None
        self.seq, self.hash = (last.seq, last.hash) if last is not None else self._base

    def _settle(self) -> None:
        """Add the deferred records, in order, now that their rows have their keys."""
        for later in self._later:
            snapshots = {}
            for obj, snap, new in later.state:
                if new:
                    flushed = snapshot(obj)
                    for key in _assigned_keys(type(obj)):
                        if snap[key] is None:
                            snap[key] = flushed[key]
                snapshots[entity_key(obj)] = snap
            self._add(entity_key(later.entity), snapshots, later.fields)
        self._later.clear()

    def write(self, session: Session) -> None:
        if self._later:
            session.flush()
            self._settle()
        if self.records:
            self.head.seq, self.head.hash = self.seq, self.hash
            session.add_all(self.records)
        session.flush()


def append(
    session: Session,
    *,
    actor: str,
    action: str,
    entity: str,
    input: Any = None,
    output: Any = None,
    rules_version: str | None = None,
    list_version: str | None = None,
    state: Iterable[Base] = (),
    head: AuditHead | None = None,
) -> AuditRecord:
    """Append one record in the caller's transaction: it commits or rolls back with the change it records."""
    session.flush()
    chain = Chain(head or lock_head(session))  # pass the head already locked in this transaction to save a query
    record = chain.add(
        actor=actor,
        action=action,
        entity=entity,
        input=input,
        output=output,
        rules_version=rules_version,
        list_version=list_version,
        state=state,
    )
    chain.write(session)
    return record


@dataclass
class VerifyResult:
    ok: bool
    records: int  # records checked
    first_bad_seq: int | None = None  # the first bad record (None when the problem is not in one record)
    problem: str | None = None
    # the last record's hash: note it outside the database and pass it back as an anchor later
    last_hash: str | None = field(default=None, compare=False)
    # records of a redacted export whose secrets are digests (checked in full, the digests in the secrets' place)
    redacted: int = field(default=0, compare=False)
    anchors: int = field(default=0, compare=False)  # anchors and checkpoints checked

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "records": self.records,
            "first_bad_seq": self.first_bad_seq,
            "problem": self.problem,
            "last_hash": self.last_hash,
            "redacted": self.redacted,
            "anchors": self.anchors,
        }


@dataclass(frozen=True)
class ChainRecord:
    seq: int
    recorded_at: str
    actor: str
    action: str
    entity: str
    payload: str
    prev_hash: str
    hash: str
    redacted: bool = False  # from an export with secrets redacted: their salted digests in their place


Anchor = tuple[int, str]  # (sequence number, hash) noted outside the database


def parse_anchor(text: str) -> Anchor:
    seq, _, digest = text.partition(":")
    if not seq.isdigit() or len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
        raise ValueError(f"anchor {text!r} is not SEQ:HASH (a record number and its 64-hex-digit hash)")
    return int(seq), digest


def verify_chain(
    records: Iterable[ChainRecord], anchors: Iterable[Anchor] = ()
) -> tuple[VerifyResult, dict[str, tuple[int, Any]]]:
    """Check the chain in the given (stored) order, and that each anchor (a record's hash noted earlier outside
    the database) still matches: a chain rewritten from some record on, with every hash recomputed, fails its
    anchors. Returns the result and, when it holds, the latest state snapshot of every entity with the
    sequence number of the record that wrote it."""
    wanted = dict(anchors)
    seen: dict[int, str] = {}
    prev = GENESIS_HASH
    expected = 1
    count = 0
    redacted = 0
    newest_format: int | None = None
    state: dict[str, tuple[int, Any]] = {}
    for rec in records:
        count += 1

        def bad(
            problem: str, rec: ChainRecord = rec, count: int = count
        ) -> tuple[VerifyResult, dict[str, tuple[int, Any]]]:
            return VerifyResult(False, count, rec.seq, f"audit record {rec.seq}: {problem}"), {}

        if rec.seq != expected:
            what = "deleted" if rec.seq > expected else "inserted or reordered"
            return bad(f"expected record {expected} here; a record was {what}")
        if rec.prev_hash != prev:
            return bad("previous-hash link does not match the record before it (deleted, inserted or reordered)")
        try:
            data = json.loads(rec.payload)
        except ValueError:
            return bad("payload is not JSON (the record was changed)")
        if not isinstance(data, dict):
            return bad("payload is not a JSON object (the record was changed)")
        fmt = data.get("hash_format")
        if fmt is None and newest_format == HASH_FORMAT:
            return bad(f"written in hash format 1 after a record in format {HASH_FORMAT} (the record was changed)")
        problem = _redaction_problem(data, rec.redacted)
        if problem is not None:
            return bad(problem)
        if fmt not in (None, HASH_FORMAT):
            return bad(f"unknown hash format {fmt!r} (the record was changed)")
        newest_format = newest_format or fmt
        if content_hash(rec.prev_hash, rec.payload, data) != rec.hash:
            return bad("content does not match its hash (the record was changed)")
        redacted += rec.redacted
        for column in ("seq", "recorded_at", "actor", "action", "entity"):
            if data.get(column) != getattr(rec, column):
                return bad(f"column {column} does not match the hashed payload (the record was changed)")
        for key, snap in (data.get("state") or {}).items():
            state[key] = (rec.seq, snap)
        if rec.seq in wanted:
            seen[rec.seq] = rec.hash
        prev = rec.hash
        expected += 1
    for seq, digest in sorted(wanted.items()):
        if seq not in seen:
            return VerifyResult(False, count, seq, f"anchored record {seq} is missing (records were deleted)"), {}
        if seen[seq] != digest:
            problem = f"audit record {seq}: hash differs from the anchor noted earlier (the log was rewritten)"
            return VerifyResult(False, count, seq, problem), {}
    return VerifyResult(True, count, last_hash=prev if count else None, redacted=redacted, anchors=len(wanted)), state


def _stored_records(session: Session) -> Iterator[ChainRecord]:
    rows = session.execute(select(AuditRecord).order_by(AuditRecord.seq)).scalars()
    for r in rows:
        yield ChainRecord(r.seq, r.recorded_at, r.actor, r.action, r.entity, r.payload, r.prev_hash, r.hash)


def verify(session: Session, anchors: Iterable[Anchor] = ()) -> VerifyResult:
    """Verify the chain, its anchors, its head, and that every audited table matches the last audited state of
    each row."""
    try:
        return _verify(session, list(anchors))
    except DatabaseError as exc:  # a damaged file: SQLite reports "malformed" or "not a database"
        return VerifyResult(False, 0, None, f"database cannot be read: {exc.orig}")
    except ValueError as exc:  # a JSON column edited into invalid JSON
        return VerifyResult(False, 0, None, f"a stored row cannot be decoded (changed): {exc}")


def _verify(session: Session, anchors: list[Anchor]) -> VerifyResult:
    result, state = verify_chain(_stored_records(session), anchors)
    if not result.ok:
        return result
    head = session.get(AuditHead, 1)
    if head is None:
        return VerifyResult(False, result.records, None, "audit head row is missing")
    if head.seq != result.records:
        return VerifyResult(
            False,
            result.records,
            result.records + 1,
            f"audit head says {head.seq} records but {result.records} are stored: records were deleted",
        )
    last = session.execute(select(AuditRecord.hash).order_by(AuditRecord.seq.desc()).limit(1)).scalar()
    if head.hash != (last or GENESIS_HASH):
        return VerifyResult(False, result.records, head.seq, "audit head hash does not match the last record")
    seen: set[str] = set()
    for model in STATE_TABLES:
        for obj in session.execute(select(model)).scalars():
            key = entity_key(obj)
            seen.add(key)
            if key not in state:
                return VerifyResult(False, result.records, None, f"row {key} is not in the audit log (inserted)")
            seq, snap = state[key]
            current = snapshot(obj)
            # a column a later migration added is absent from the records written before it, and empty in the row
            fields = sorted(k for k in set(current) | set(snap) if current.get(k) != snap.get(k))
            if fields:
                return VerifyResult(
                    False,
                    result.records,
                    seq,
                    f"row {key} differs from audit record {seq} in {', '.join(fields)} (changed)",
                )
    missing = sorted(set(state) - seen)
    if missing:
        seq = state[missing[0]][0]
        return VerifyResult(
            False, result.records, seq, f"row {missing[0]} written by audit record {seq} is missing (deleted)"
        )
    return result


SECRET_KEYS = frozenset({"key_hash", "key_prefix"})  # what identifies an API key; only admins see them
REDACTED = "[redacted]"  # a secret redacted from a format-1 record (it cannot be checked)
DIGEST_KEY = "redacted_sha256"  # a secret redacted from a format-2 record: {"redacted_sha256": its salted digest}
SALT_KEY = "secret_salt"  # a format-2 record's salt for the digests of its secrets (itself secret)


def _is_digest(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and set(value) == {DIGEST_KEY}
        and isinstance(value[DIGEST_KEY], str)
        and len(value[DIGEST_KEY]) == 64
    )


def _is_secret_value(key: Any, value: Any) -> bool:
    return key in SECRET_KEYS and value is not None and value != REDACTED and not _is_digest(value)


def _is_redaction(key: Any, value: Any) -> bool:
    return key in SECRET_KEYS and (_is_digest(value) or value == REDACTED)


def _holds(data: Any, test: Any) -> bool:
    """Whether ``test(key, value)`` holds for some key of ``data``, at any depth (the salt left out)."""
    if isinstance(data, dict):
        return any(k != SALT_KEY and (test(k, v) or _holds(v, test)) for k, v in data.items())
    if isinstance(data, list):
        return any(_holds(v, test) for v in data)
    return False


def _needs_form(data: dict[str, Any]) -> bool:
    return SALT_KEY in data or _holds(data, _is_redaction)


def secret_digest(salt: str, value: Any) -> str:
    return hashlib.sha256(f"{salt}\n{canonical(value)}".encode()).hexdigest()


def _digests(data: Any, salt: str) -> Any:
    if isinstance(data, dict):
        return {
            k: ({DIGEST_KEY: secret_digest(salt, v)} if _is_secret_value(k, v) else _digests(v, salt))
            for k, v in data.items()
            if k != SALT_KEY
        }
    if isinstance(data, list):
        return [_digests(v, salt) for v in data]
    return data


def hashed_form(data: dict[str, Any]) -> dict[str, Any]:
    """What a format-2 record's hash covers: the record without its salt, each secret value (a key hash or prefix,
    at any depth) replaced by ``{"redacted_sha256": sha256(salt, value)}``. A redacted export line holds exactly
    this, so it verifies in full without the secrets; the salt keeps a short secret (a key prefix) from being
    found by trying values against its digest."""
    return _digests(data, str(data.get(SALT_KEY, "")))


def content_hash(prev_hash: str, payload: str, data: dict[str, Any] | None = None) -> str:
    """A record's hash: over ``payload`` as stored (format 1, and format 2 without secrets), or over its
    ``hashed_form`` (format 2 with secrets or their digests). ``data``: the payload parsed, when at hand."""
    if data is None:
        data = json.loads(payload)
    if data.get("hash_format") == HASH_FORMAT and _needs_form(data):
        return record_hash(prev_hash, canonical(hashed_form(data)))
    return record_hash(prev_hash, payload)


def _redaction_problem(data: dict[str, Any], marked: bool) -> str | None:
    """Why a record's secrets and salt do not fit its ``redacted`` mark: a redacted line holds digests exactly
    where its secrets were (no secret, no salt); an unredacted one holds its secrets and their salt, no digest."""
    secret = _holds(data, _is_secret_value)
    redaction = _holds(data, _is_redaction)
    if marked and not redaction:
        return "marked redacted but has no redacted secret (the record was changed)"
    if marked and (secret or SALT_KEY in data):
        return "marked redacted but still holds a secret or its salt (not redacted)"
    if not marked and redaction:
        return "holds a redacted secret but is not marked redacted (the record was changed)"
    if data.get("hash_format") == HASH_FORMAT and not marked and secret != (SALT_KEY in data):
        return "secrets and their salt do not go together (the record was changed)"
    if marked and data.get("hash_format") is None:
        return (
            "redacted, and written in hash format 1 (before chipclear hashed digests of secrets): its content"
            " cannot be checked without the secrets; verify an admin export or the database"
        )
    return None


def redact(data: dict[str, Any]) -> dict[str, Any]:
    """A record with its secrets redacted: format 2, the ``hashed_form`` (digests in their place, verifiable);
    format 1, each secret value replaced by ``[redacted]`` (not verifiable)."""
    if data.get("hash_format") is not None:
        return hashed_form(data)
    return _redact_v1(data)


def _redact_v1(data: Any) -> Any:
    if isinstance(data, dict):
        return {k: (REDACTED if k in SECRET_KEYS and v is not None else _redact_v1(v)) for k, v in data.items()}
    if isinstance(data, list):
        return [_redact_v1(v) for v in data]
    return data


def export(session: Session, out: IO[str], *, redact_secrets: bool = False) -> int:
    """Write the log as JSON lines (payload parsed); returns the number of records. With ``redact_secrets``
    key hashes and prefixes are replaced by salted digests and the salt left out, and such a line says
    ``"redacted": true``; it still verifies in full (``hashed_form``). A format-1 record's secrets are replaced by
    ``[redacted]`` and its line cannot be verified."""
    n = 0
    for rec in _stored_records(session):
        record = json.loads(rec.payload)
        line = {
            "seq": rec.seq,
            "prev_hash": rec.prev_hash,
            "hash": rec.hash,
            "record": record,
        }
        if redact_secrets and _holds(record, _is_secret_value):
            line["record"] = redact(record)
            line["redacted"] = True
        out.write(json.dumps(line, ensure_ascii=False, sort_keys=True) + "\n")
        n += 1
    return n


def read_export(lines: Iterable[str]) -> Iterator[ChainRecord]:
    """Records from an ``export`` file, for offline verification with ``verify_chain``."""
    for line in lines:
        if not line.strip():
            continue
        obj = json.loads(line)
        rec = obj["record"]
        yield ChainRecord(
            seq=obj["seq"],
            recorded_at=rec.get("recorded_at", ""),
            actor=rec.get("actor", ""),
            action=rec.get("action", ""),
            entity=rec.get("entity", ""),
            payload=canonical(rec),
            prev_hash=obj["prev_hash"],
            hash=obj["hash"],
            redacted=bool(obj.get("redacted")),
        )


# ---------------------------------------------------------------- signed checkpoints

CHECKPOINT_VERSION = "chipclear-checkpoint-v1"


def read_checkpoint_key(path: str) -> bytes:
    """The operator's checkpoint key: a file kept outside the database (at least 32 bytes of secret)."""
    try:
        key = open(path, "rb").read().strip()  # noqa: SIM115 - read at once
    except OSError as exc:
        raise ValueError(f"checkpoint key {path}: cannot be read ({exc.strerror})") from None
    if len(key) < 32:
        raise ValueError(f"checkpoint key {path}: shorter than 32 bytes (make one with `openssl rand -hex 32`)")
    return key


def _checkpoint_mac(key: bytes, seq: int, digest: str, at: str) -> str:
    message = f"{CHECKPOINT_VERSION}\n{seq}\n{digest}\n{at}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def checkpoint(session: Session, key: bytes) -> dict[str, Any]:
    """A signed statement of the chain head (sequence number and hash, HMAC-SHA256 with the operator's key), to
    keep outside the database or hand to an external witness; ``verify_checkpoints`` checks it later."""
    head = session.get(AuditHead, 1)
    seq, digest = (head.seq, head.hash) if head is not None else (0, GENESIS_HASH)
    at = now_utc()
    return {
        "version": CHECKPOINT_VERSION,
        "seq": seq,
        "hash": digest,
        "at": at,
        "mac": _checkpoint_mac(key, seq, digest, at),
    }


def parse_checkpoints(text: str, key: bytes | None) -> list[Anchor]:
    """Anchors from a checkpoint file (JSON lines written by ``checkpoint``). With the key each line's signature
    is checked first, so a checkpoint forged or edited without the key is refused."""
    anchors: list[Anchor] = []
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
            seq, digest, at, mac = int(obj["seq"]), str(obj["hash"]), str(obj["at"]), str(obj["mac"])
        except (ValueError, KeyError, TypeError):
            raise ValueError(f"line {n}: not a chipclear checkpoint") from None
        if key is not None and not hmac.compare_digest(mac, _checkpoint_mac(key, seq, digest, at)):
            raise ValueError(f"line {n}: checkpoint signature does not match the key (forged or edited)")
        if seq:
            anchors.append((seq, digest))
    return anchors


__all__ = [
    "GENESIS_HASH",
    "HASH_FORMAT",
    "Chain",
    "ChainRecord",
    "VerifyResult",
    "append",
    "canonical",
    "checkpoint",
    "content_hash",
    "export",
    "hashed_form",
    "parse_anchor",
    "parse_checkpoints",
    "read_checkpoint_key",
    "read_export",
    "redact",
    "verify",
    "verify_chain",
]
