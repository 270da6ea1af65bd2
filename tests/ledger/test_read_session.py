"""``Ledger.read_session``: the API's GET routes read in a transaction that cannot write, and on SQLite reads a
snapshot beside a writer instead of queueing behind it (``chipclear serve --workers``: reads in every process)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from chipclear.api.deps import LedgerHolder
from chipclear.ledger import open_ledger, users
from chipclear.ledger.models import User


def test_a_read_session_refuses_every_write(db_url: str) -> None:
    ledger = open_ledger(db_url)
    try:
        with ledger.session() as s:
            users.create_user(s, "alice", "admin", None)
        with pytest.raises(DBAPIError, match=r"(?i)read.?only"), ledger.read_session() as s:
            s.execute(text("UPDATE users SET active = false"))
        with ledger.read_session() as s:
            assert s.execute(select(func.count()).select_from(User).where(User.active)).scalar_one() == 1
        with ledger.session() as s:  # the writers' sessions are untouched (another engine on SQLite)
            s.execute(text("UPDATE users SET role = 'viewer'"))
    finally:
        ledger.close()


def test_a_sqlite_read_does_not_wait_for_a_writer(tmp_path: Path) -> None:
    """A write transaction holds the server's write lock and SQLite's (BEGIN IMMEDIATE, a row changed, not
    committed); a read transaction meanwhile answers at once, from the last committed state."""
    holder = LedgerHolder(f"sqlite:///{tmp_path / 'ledger.db'}")
    try:
        with holder.transaction() as s:
            users.create_user(s, "alice", "admin", None)
        writing, done = threading.Event(), threading.Event()

        def writer() -> None:
            with holder.transaction() as s:
                s.execute(text("UPDATE users SET role = 'viewer'"))
                writing.set()
                done.wait(30)

        thread = threading.Thread(target=writer)
        thread.start()
        assert writing.wait(30)
        t0 = time.monotonic()
        with holder.transaction(read_only=True) as s:
            role = s.execute(select(User.role)).scalar_one()
        waited = time.monotonic() - t0
        done.set()
        thread.join(30)
        assert role == "admin" and waited < 5  # the committed state, not the writer's, and no queueing
        with holder.transaction(read_only=True) as s:
            assert s.execute(select(User.role)).scalar_one() == "viewer"
    finally:
        holder.close()


def test_only_a_sqlite_file_reads_apart_from_the_writer(tmp_path: Path) -> None:
    """SQLite in memory is one connection's database: its reads stay in the writers' queue (the write lock)."""
    apart = open_ledger(f"sqlite:///{tmp_path / 'ledger.db'}")
    memory = open_ledger("sqlite://")
    try:
        assert apart.reads_apart and not memory.reads_apart
        with memory.read_session() as s:
            assert s.execute(select(func.count()).select_from(User)).scalar_one() == 0
    finally:
        apart.close()
        memory.close()
