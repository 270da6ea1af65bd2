"""``db backup`` and ``db restore``: a backup is a SQLite ledger file with the same schema, so it can be opened,
verified and inspected like any ledger, and moved between SQLite and PostgreSQL.

A backup is built under a temporary name, verified (audit chain and tables), marked complete and renamed into
place, so a killed backup leaves nothing at its path; a restore refuses a file without that mark (unless it holds
records), verifies the file and refuses one that fails, then replaces the target's rows in one transaction.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import Connection, func, insert, select, text

from chipclear import tempfiles
from chipclear.errors import Conflict, InputError
from chipclear.ledger import audit
from chipclear.ledger.db import Ledger, current_revision, head_revision, make_engine, open_ledger, upgrade
from chipclear.ledger.models import AuditRecord, Base
from chipclear.userfiles import input_file

_CHUNK = 500
BACKUP_MARK = 0x43434B42  # SQLite application_id "CCKB", set last by a backup that completed


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
    """Write the whole ledger to a new SQLite file at ``path`` and verify the copy.

    The copy is built under a temporary name beside ``path`` (``.NAME.PID.tmp``), verified, marked complete
    (``BACKUP_MARK``), its WAL folded into the main file (journal mode DELETE: one self-contained file), flushed to
    disk, and only then linked to ``path``: a run killed at any point leaves no file at ``path``, and its temporary
    files are removed by the next backup to the same path."""
    path = Path(path)
    tempfiles.remove_stale(path)
    if path.exists():
        raise Conflict(f"{path}: already exists; choose a new backup file")
    tmp = tempfiles.temp_path(path)
    tempfiles.unlink_with_side_files(tmp)
    target = make_engine(f"sqlite:///{tmp}")
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
        _test_pause()
        copy = open_ledger(f"sqlite:///{tmp}", create=False)
        try:
            with copy.session() as s:
                result = audit.verify(s)
        finally:
            copy.close()
        target.dispose()
        if not result.ok:
            raise Conflict(f"the ledger fails its audit check, no backup written: {result.problem}")
        _seal(tmp)
        _publish(tmp, path)
    except BaseException:
        target.dispose()
        tempfiles.unlink_with_side_files(tmp)
        raise
    return result


def _test_pause() -> None:
    """Tests kill a backup half-way: CHIPCLEAR_TEST_BACKUP_PAUSE seconds between the copy and its check."""
    pause = os.environ.get("CHIPCLEAR_TEST_BACKUP_PAUSE")
    if pause:
        time.sleep(float(pause))


def _seal(tmp: Path) -> None:
    """Mark the copy complete, fold its WAL into the file, and flush it to disk."""
    conn = sqlite3.connect(tmp, isolation_level=None)
    try:
        conn.execute(f"PRAGMA application_id = {BACKUP_MARK}")
        mode = conn.execute("PRAGMA journal_mode=DELETE").fetchone()[0]
        if mode != "delete":
            raise Conflict(f"{tmp}: the backup copy is still in use (journal mode {mode}); no backup written")
    finally:
        conn.close()
    tempfiles.fsync_path(tmp)


def _publish(tmp: Path, path: Path) -> None:
    """Give the finished copy its name, never over an existing file, and flush the folder."""
    try:
        os.link(tmp, path)  # fails when path exists (a backup written meanwhile)
    except FileExistsError:
        raise Conflict(f"{path}: already exists; choose a new backup file") from None
    except OSError:  # a file system without hard links
        if path.exists():
            raise Conflict(f"{path}: already exists; choose a new backup file") from None
        os.replace(tmp, path)
    tmp.unlink(missing_ok=True)
    tempfiles.fsync_path(path.parent)


def _complete(conn: Connection, path: Path) -> None:
    """Refuse a file that is not a complete backup: one without the mark ``backup`` writes last, unless it holds
    audit records (a backup written before the mark existed, 2026-12-07; its copy was one transaction)."""
    if conn.exec_driver_sql("PRAGMA application_id").scalar() == BACKUP_MARK:
        return
    if conn.execute(select(func.count()).select_from(AuditRecord)).scalar_one():
        return
    raise Conflict(
        f"{path}: not a complete chipclear backup (no completion mark and no audit records: an interrupted"
        " `db backup`?); not restored"
    )


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
            _complete(conn, path)
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
