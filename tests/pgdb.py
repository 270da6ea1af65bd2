"""Throw-away PostgreSQL databases, for the ledger tests and the benchmarks that run on PostgreSQL."""

from __future__ import annotations

import contextlib
import time
import uuid
import warnings
from collections.abc import Iterator
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError


@contextlib.contextmanager
def throwaway_database(server: str, prefix: str = "cc_test") -> Iterator[str]:
    """The URL of a new, empty database on the PostgreSQL ``server`` (an admin URL such as
    $CHIPCLEAR_TEST_POSTGRES_URL from .ci/postgres.sh), dropped when the block ends."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    engine = create_engine(server, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        _drop_database(engine, name)
        engine.dispose()


def _drop_database(engine: Any, name: str) -> None:
    """Drop a throw-away database. ``WITH (FORCE)`` ends the caller's own leftover sessions, but not an autovacuum
    worker that happens to be on the new database (a non-superuser may not end it: "must be a member of the role
    whose process is being terminated"); the worker finishes within moments, so try again for a while, then leave
    the database behind with a warning rather than fail a run that passed."""
    last: Exception | None = None
    for _ in range(40):
        try:
            with engine.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            return
        except DBAPIError as exc:
            last = exc
            time.sleep(0.25)
    warnings.warn(f"throw-away database {name} was not dropped: {last}", stacklevel=2)
