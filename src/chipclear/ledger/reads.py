"""Reads that need no ORM session: the JSON API's reads (``chipclear.api.deps.read``), on SQLAlchemy connections
or, quickly, on SQLite's own driver.

A read is a ``Query`` (a Core select, built once) run by a ``Reader``. ``CoreReader`` runs it on a SQLAlchemy
connection (any database, in a worker thread). ``QuickReads`` runs it on a connection of SQLite's driver that
refuses writes and never waits: the select is compiled once by the ledger engine's own dialect, and each row goes
through the result processors that SQLAlchemy itself would apply (dates, JSON), so both readers return rows with
the same values under the same attribute names. A read through SQLAlchemy costs about 40 µs per statement of Python;
through the driver about 8 µs, which is what lets the API serve a read on its event loop.

A quick read is bounded so that it can run on the event loop: a query of many rows (``Query(..., many=True)``)
reads at most ``QUICK_READ_ROWS``, and a busy file is waited on at most ``QUICK_READ_BUSY_TIMEOUT_S``. Past either,
it raises ``NotQuick`` and the caller reads again with a ``CoreReader`` in a worker thread, where waiting holds up
nobody.
"""

from __future__ import annotations

import sqlite3
import threading
from collections import namedtuple
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import Connection, Select
from sqlalchemy.engine import Dialect

QUICK_READ_BUSY_TIMEOUT_S = 0.05  # how long a quick read waits on a busy SQLite file before it is done elsewhere
QUICK_READ_ROWS = 1000  # the most rows a quick read of many rows returns before it is done elsewhere


# A row of a read: a SQLAlchemy ``Row`` (``CoreReader``) or a namedtuple (quick reads), the columns' values under their
# names; a function that takes an ORM object and reads only its columns takes a Record too.
Record = Any


class NotQuick(Exception):
    """A quick read could not be done quickly: the SQLite file was busy, or a query of many rows found more than
    ``QUICK_READ_ROWS``. Read it again with a ``CoreReader`` in a worker thread."""


class Query:
    """A Core select built once, with what the driver needs to run it (made on first use, per dialect).
    ``many``: the query can return any number of rows (a license's usage history), so a quick read bounds it."""

    def __init__(self, statement: Select[Any], *, many: bool = False) -> None:
        self.statement = statement
        self.many = many
        self._driver: _Compiled | None = None

    def compiled(self, dialect: Dialect) -> _Compiled:
        if self._driver is None or self._driver.dialect is not dialect:
            statement = self.statement.limit(QUICK_READ_ROWS + 1) if self.many else self.statement
            self._driver = _Compiled.of(statement, dialect)
        return self._driver


@dataclass(frozen=True)
class _Compiled:
    """A select compiled for the driver: its SQL, its parameters in order (each with its default and the bind
    processor SQLAlchemy would apply), and its columns with their result processors."""

    dialect: Dialect
    sql: str
    params: tuple[tuple[str, Any, Callable[[Any], Any] | None], ...]
    columns: tuple[Callable[[Any], Any] | None, ...]
    row: Callable[..., Any]  # a namedtuple of the columns' names

    @classmethod
    def of(cls, statement: Select[Any], dialect: Dialect) -> _Compiled:
        compiled = statement.compile(dialect=dialect)
        assert compiled.positiontup is not None, "SQLite's driver takes positional parameters"
        params = tuple(
            (
                name,
                compiled.params.get(name),
                compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect),
            )
            for name in compiled.positiontup
        )
        selected = list(statement.selected_columns)
        columns = tuple(c.type.dialect_impl(dialect).result_processor(dialect, None) for c in selected)
        row = namedtuple("Row", [c.key for c in selected])  # type: ignore[misc]
        return cls(dialect, str(compiled), params, columns, row)

    def args(self, given: dict[str, Any]) -> list[Any]:
        out = []
        for name, default, process in self.params:
            value = given.get(name, default)
            out.append(process(value) if process is not None else value)
        return out

    def rows(self, raw: list[tuple[Any, ...]]) -> list[Any]:
        processors = self.columns
        if not any(processors):
            return [self.row(*r) for r in raw]
        return [self.row(*(v if p is None else p(v) for p, v in zip(processors, r, strict=True))) for r in raw]


class Reader(Protocol):
    """Runs ``Query``s in one read-only transaction; rows have the columns' names as attributes."""

    def rows(self, query: Query, **params: Any) -> Sequence[Record]: ...


class CoreReader:
    """A ``Reader`` on a SQLAlchemy connection (any database; the caller holds the transaction)."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def rows(self, query: Query, **params: Any) -> Sequence[Any]:
        return list(self.connection.execute(query.statement, params))


class _DriverReader:
    def __init__(self, connection: sqlite3.Connection, dialect: Dialect) -> None:
        self.connection, self.dialect = connection, dialect

    def rows(self, query: Query, **params: Any) -> Sequence[Any]:
        compiled = query.compiled(self.dialect)
        raw = self.connection.execute(compiled.sql, compiled.args(params)).fetchall()
        if query.many and len(raw) > QUICK_READ_ROWS:
            raise NotQuick(f"more than {QUICK_READ_ROWS} rows")
        return compiled.rows(raw)


class QuickReads:
    """Quick reads of a SQLite file (``QUICK_READ_BUSY_TIMEOUT_S``, ``QUICK_READ_ROWS``): one connection of the
    driver that refuses writes, used by one caller at a time (the API's event loop); a second caller at the same
    moment is told ``NotQuick`` rather than made to wait."""

    def __init__(self, path: str, dialect: Dialect) -> None:
        self.path, self.dialect = path, dialect
        self._connection: sqlite3.Connection | None = None
        self._lock = threading.Lock()

    def _connect(self) -> sqlite3.Connection:
        if self._connection is None:
            connection = sqlite3.connect(
                self.path, timeout=QUICK_READ_BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False
            )
            connection.execute("PRAGMA query_only=ON")
            self._connection = connection
        return self._connection

    @contextmanager
    def transaction(self) -> Iterator[Reader]:
        """One read-only transaction (a snapshot of the file; it neither waits for nor blocks a writer)."""
        if not self._lock.acquire(blocking=False):
            raise NotQuick("the quick connection is in use")
        try:
            connection = self._connect()
            connection.execute("BEGIN")
            try:
                yield _DriverReader(connection, self.dialect)
            finally:
                if connection.in_transaction:
                    connection.execute("ROLLBACK")  # it read only
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise NotQuick("the database is busy") from exc
            raise
        finally:
            self._lock.release()

    def close(self) -> None:
        with self._lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None


__all__ = [
    "QUICK_READ_BUSY_TIMEOUT_S",
    "QUICK_READ_ROWS",
    "CoreReader",
    "NotQuick",
    "Query",
    "QuickReads",
    "Reader",
    "Record",
]
