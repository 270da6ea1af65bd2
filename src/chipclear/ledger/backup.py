"""``db backup`` and ``db restore``: a backup is a SQLite ledger file with the same schema, so it can be opened,
verified and inspected like any ledger, and moved between SQLite and PostgreSQL.

A backup is verified (audit chain and tables) after it is written; a restore verifies the file first and refuses
one that fails, then replaces the target's rows in one transaction.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import Connection, func, insert, select, text

from chipclear.errors import Conflict, InputError
from chipclear.ledger import audit
from chipclear.ledger.db import Ledger, current_revision, head_revision, make_engine, open_ledger, upgrade
from chipclear.ledger.models import AuditRecord, Base
from chipclear.userfiles import input_file

_CHUNK = 500


def _copy(src: Connection, dst: Connection) -> int:
    rows_copied = 0
    for table in Base.metadata.sorted_tables:
        rows = [dict(r) for r in src.execute(select(table)).mappings()]
        for i in range(0, len(rows), _CHUNK):
            dst.execute(insert(table), rows[i : i + _CHUNK])
        rows_copied += len(rows)
    return rows_copied


def _reset_sequences(conn: Connection) -> None:
    if conn.dialect.name != "postgresql":
        return
    for table in Base.metadata.sorted_tables:
        pk = list(table.primary_key.columns)
        if len(pk) != 1 or pk[0].autoincrement is False:
            continue
        col = pk[0].name
        conn.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', '{col}'), "
                f"COALESCE((SELECT MAX({col}) FROM {table.name}), 0) + 1, false)"
            )
        )


def backup(ledger: Ledger, path: Path) -> audit.VerifyResult:
    """Write the whole ledger to a new SQLite file at ``path`` and verify the copy."""
    path = Path(path)
    if path.exists():
        raise Conflict(f"{path}: already exists; choose a new backup file")
    target = make_engine(f"sqlite:///{path}")
    try:
        upgrade(target)
        with target.begin() as dst:
            for table in reversed(Base.metadata.sorted_tables):
                dst.execute(table.delete())  # the migration's seed rows (audit head) come from the source
            with ledger.engine.connect() as src:
                if src.dialect.name == "postgresql":
                    src.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")  # one snapshot
                _copy(src, dst)
                src.rollback()
        copy = open_ledger(f"sqlite:///{path}", create=False)
        try:
            with copy.session() as s:
                result = audit.verify(s)
        finally:
            copy.close()
    except BaseException:
        target.dispose()
        path.unlink(missing_ok=True)
        raise
    target.dispose()
    if not result.ok:
        path.unlink(missing_ok=True)
        raise Conflict(f"the ledger fails its audit check, no backup written: {result.problem}")
    return result


def _records(conn: Connection) -> dict[int, tuple[str, str]]:
    return {
        seq: (action, digest)
        for seq, action, digest in conn.execute(select(AuditRecord.seq, AuditRecord.action, AuditRecord.hash))
    }


def _lost(target: dict[int, tuple[str, str]], backup: dict[int, tuple[str, str]]) -> str | None:
    """What a restore would throw away: the target's audit records the backup does not hold (later ones, or another
    history), summarised by action; None when the backup holds every one."""
    gone = Counter(action for seq, (action, digest) in target.items() if backup.get(seq, ("", ""))[1] != digest)
    if not gone:
        return None
    top = ", ".join(f"{n} {a}" for a, n in sorted(gone.items(), key=lambda kv: (-kv[1], kv[0]))[:6])
    return f"{gone.total()} audit record(s) the backup does not hold ({top})"


def restore(
    ledger: Ledger,
    path: Path,
    *,
    replace: bool = False,
    anchors: Sequence[audit.Anchor] = (),
    discard_later: bool = False,
) -> audit.VerifyResult:
    """Load the backup at ``path`` into ``ledger``. Refuses a file that fails the audit check or any of
    ``anchors`` (record hashes noted outside the database, e.g. from signed checkpoints), a file from another
    schema revision, (unless ``replace``) a target that already holds audit records, and (unless
    ``discard_later``) a target holding records the backup does not: a restore over later shipments would undo
    their license draws, and the same license could be drawn again (a door audit, 2026-12-07)."""
    path = input_file(Path(path), "PATH")
    if not path.is_file():
        raise InputError(f"{path}: no such backup file", field="path")
    source = make_engine(f"sqlite:///{path}")
    try:
        revision = current_revision(source)
        if revision != head_revision():
            raise Conflict(f"{path}: backup is at schema revision {revision!r}, this ledger is at {head_revision()!r}")
        with source.connect() as conn, conn.begin():
            from sqlalchemy.orm import Session

            with Session(bind=conn) as s:
                result = audit.verify(s, anchors)
        if not result.ok:
            raise Conflict(f"{path}: backup fails the audit check, not restored: {result.problem}")
        with ledger.engine.begin() as dst:
            existing = dst.execute(select(func.count()).select_from(AuditRecord)).scalar_one()
            if existing and not replace:
                raise Conflict(
                    f"the target ledger already holds {existing} audit records; restore with --replace to overwrite"
                )
            if existing and not discard_later:
                with source.connect() as src:
                    lost = _lost(_records(dst), _records(src))
                if lost is not None:
                    raise Conflict(
                        f"{path}: the ledger holds {lost}; restoring would undo them (shipments and their license"
                        " draws included). Back up the ledger first, then pass --discard-later if that is intended"
                    )
            for table in reversed(Base.metadata.sorted_tables):
                dst.execute(table.delete())
            with source.connect() as src:
                _copy(src, dst)
            _reset_sequences(dst)
    except Exception as exc:
        if "file is not a database" in str(exc) or "malformed" in str(exc):
            raise Conflict(f"{path}: not a readable ledger backup ({exc.__class__.__name__})") from None
        raise
    finally:
        source.dispose()
    return result


__all__ = ["backup", "restore"]
