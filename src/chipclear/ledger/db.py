"""Engines, sessions and schema migrations for the ledger.

SQLite (the default, a file in the user data directory) runs every transaction as ``BEGIN IMMEDIATE``: the
write lock is taken at the start, so concurrent processes queue instead of failing half-way, and a read-then-
decrement cannot interleave; a read-only session (``Ledger.read_session``) reads a snapshot on a connection that
refuses writes instead. PostgreSQL uses row locks (``SELECT ... FOR UPDATE``) taken by the services. The
schema is managed by the Alembic migrations shipped in this package and run programmatically.
"""

from __future__ import annotations

import functools
import os
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session, sessionmaker

from chipclear.errors import ChipclearError, InputError
from chipclear.ledger import users
from chipclear.ledger.reads import QuickReads
from chipclear.ledger.revision import SCHEMA_REVISION
from chipclear.settings import get_settings

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"
SQLITE_BUSY_TIMEOUT_S = 120.0  # how long a writer waits for the lock before giving up


class SchemaError(ChipclearError):
    """The database schema is not the one this chipclear expects."""

    code = "schema_mismatch"
    http_status = 503


def sqlite_file(url: str | URL) -> str | None:
    """The database file of a SQLite URL (None: another database, or SQLite in memory)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return parsed.database


def make_engine(url: str) -> Engine:
    """An engine for ``url``; creates the directory of a SQLite file."""
    try:
        parsed = make_url(url)
    except Exception:
        raise InputError(f"database URL {url!r} is not a SQLAlchemy URL", field="database_url") from None
    if parsed.get_backend_name() == "sqlite":
        database = sqlite_file(parsed)
        if database is not None:
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S})
        _sqlite_transactions(engine, "BEGIN IMMEDIATE", _writer_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


def make_read_engine(url: str | URL) -> Engine | None:
    """For a SQLite file: an engine whose connections refuse every write (``PRAGMA query_only``) and begin deferred
    transactions, which read a snapshot of the WAL without waiting for a writer (the writers' engine has switched the
    file to WAL). None for other databases and for SQLite in memory (one connection's database)."""
    if sqlite_file(url) is None:
        return None
    engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S})
    _sqlite_transactions(engine, "BEGIN", _reader_pragmas)
    return engine


def _sqlite_transactions(engine: Engine, begin: str, pragmas: Callable[[Any], None]) -> None:
    """Each new connection of ``engine`` gets ``pragmas``, and each transaction starts with ``begin`` (SQLite's
    driver would otherwise start them itself, deferred, at the first write)."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        pragmas(cursor)
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql(begin)


def _writer_pragmas(cursor: Any) -> None:
    _switch_to_wal(cursor)
    cursor.execute("PRAGMA synchronous=FULL")  # a committed record survives a power cut
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA secure_delete=ON")  # freed space is zeroed: no stale copies of records linger


def _reader_pragmas(cursor: Any) -> None:
    cursor.execute("PRAGMA query_only=ON")
    cursor.execute("PRAGMA foreign_keys=ON")


def _switch_to_wal(cursor: Any) -> None:
    """``PRAGMA journal_mode=WAL``, retried while another connection holds the lock it needs. SQLite answers
    "database is locked" at once, without waiting out the busy timeout, when several processes open a new ledger
    together and one is switching the file to WAL (seen in CI: tests/ledger/test_migrations.py, four processes)."""
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_S
    delay = 0.005
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc):
                raise
            if time.monotonic() + delay > deadline:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 0.25)


def alembic_config() -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


@functools.cache
def head_revision() -> str:
    """The newest revision according to the migrations directory (reads it with Alembic)."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    """The revision recorded in the database (Alembic's ``alembic_version`` table), None for a new database."""
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision`` (default: the newest) in one transaction."""
    from alembic import command

    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def is_empty(engine: Engine) -> bool:
    return not inspect(engine).get_table_names()


@dataclass
class Ledger:
    """An open ledger: one engine and its session factory (and, made on first use, a read-only pair)."""

    engine: Engine
    sessions: sessionmaker[Session]
    _read: tuple[Engine | None, sessionmaker[Session]] | None = None
    _quick: QuickReads | None = None  # made on first use

    @property
    def url(self) -> str:
        return self.engine.url.render_as_string(hide_password=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One transaction: committed when the block ends, rolled back on any error."""
        with self.sessions() as session, session.begin():
            yield session

    @property
    def reads_apart(self) -> bool:
        """Whether read sessions have connections of their own (a SQLite file: they need no write lock)."""
        self._read_factory()
        return self._read is not None and self._read[0] is not None

    def _read_factory(self) -> sessionmaker[Session]:
        if self._read is None:
            read_engine = make_read_engine(self.engine.url)
            bind = read_engine or self.engine
            if self.engine.dialect.name == "postgresql":  # BEGIN READ ONLY: no extra round trip
                bind = self.engine.execution_options(postgresql_readonly=True)
            self._read = (read_engine, sessionmaker(bind, expire_on_commit=False))
        return self._read[1]

    @property
    def quick_reads(self) -> QuickReads | None:
        """Quick reads of the ledger (``chipclear.ledger.reads``): for a SQLite file given by a plain path, None
        otherwise (every read then goes through a session or a ``CoreReader``)."""
        if self._quick is None:
            url = self.engine.url
            path = sqlite_file(url)
            if path is None or url.query:
                return None
            self._quick = QuickReads(os.path.abspath(path), self.engine.dialect)  # as SQLAlchemy's driver opens it
        return self._quick

    @contextmanager
    def read_session(self) -> Iterator[Session]:
        """One read-only transaction, for work that writes nothing: on a SQLite file a deferred transaction on a
        connection that refuses writes (a consistent snapshot; it neither waits for nor blocks a writer); on
        PostgreSQL a transaction begun ``READ ONLY`` (the driver's read-only mode: no extra round trip). Any write in
        it fails."""
        with self._read_factory()() as session, session.begin():
            yield session

    def close(self) -> None:
        if self._read is not None and self._read[0] is not None:
            self._read[0].dispose()
        self._read = None
        if self._quick is not None:
            self._quick.close()
            self._quick = None
        self.engine.dispose()

    def create_user(self, name: str, role: str, actor: Any = None) -> tuple[Any, str]:
        """``users.create_user`` in its own transaction: (user, plaintext API key shown once)."""
        with self.session() as s:
            return users.create_user(s, name, role, actor)

    def authenticate(self, key: str) -> Any:
        """``users.authenticate`` in its own transaction: the active user holding ``key`` (a detached row)."""
        with self.session() as s:
            return users.authenticate(s, key)


def open_ledger(url: str | None = None, *, create: bool = True) -> Ledger:
    """Open the ledger at ``url`` (default: settings). An empty database is migrated on first use; a database
    at an older schema is refused until ``chipclear db upgrade`` is run (take a backup first)."""
    url = url or get_settings().database_url
    engine = make_engine(url)
    try:
        current = current_revision(engine)
        head = SCHEMA_REVISION
        if current is None and create:
            if is_empty(engine):
                try:
                    upgrade(engine)
                except Exception:
                    # another process may have created the schema at the same moment: accept its work
                    if current_revision(engine) != head:
                        raise
            current = current_revision(engine)  # re-read: another process may have just committed it
        if current != head:
            raise SchemaError(
                f"ledger database schema is at revision {current!r}, this chipclear needs {head!r}: "
                "run `chipclear db upgrade`"
            )
    except Exception:
        engine.dispose()
        raise
    return Ledger(engine=engine, sessions=sessionmaker(engine, expire_on_commit=False))


__all__ = [
    "Ledger",
    "SchemaError",
    "current_revision",
    "head_revision",
    "make_engine",
    "make_read_engine",
    "open_ledger",
    "sqlite_file",
    "upgrade",
]
