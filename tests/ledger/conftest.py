"""Ledger fixtures: every test gets a fresh database, on SQLite and (when a server is given) on PostgreSQL.

PostgreSQL tests read the server URL from CHIPCLEAR_TEST_POSTGRES_URL (see .ci/postgres.sh). Without it they
are skipped, unless CHIPCLEAR_REQUIRE_POSTGRES=1 (set by CI), in which case they fail.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from tests.pgdb import throwaway_database

from chipclear.ledger import Ledger, open_ledger, users
from chipclear.ledger import licenses as ledger_licenses
from chipclear.ledger.models import Base, License, User

from .helpers import H20_PARTIES


def postgres_admin_url() -> str:
    url = os.environ.get("CHIPCLEAR_TEST_POSTGRES_URL")
    if not url:
        if os.environ.get("CHIPCLEAR_REQUIRE_POSTGRES") == "1":
            pytest.fail("CHIPCLEAR_REQUIRE_POSTGRES=1 but CHIPCLEAR_TEST_POSTGRES_URL is not set")
        pytest.skip("CHIPCLEAR_TEST_POSTGRES_URL is not set (source .ci/postgres.sh)")
    return url


def new_database_url(backend: str, tmp_path: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'ledger.db'}"
        return
    with throwaway_database(postgres_admin_url()) as url:
        yield url


BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A new, empty database (no schema)."""
    yield from new_database_url(request.param, tmp_path)


@pytest.fixture(scope="session")
def _pg_ledger_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One migrated PostgreSQL database for the session; ``ledger_url`` empties it before each test."""
    gen = new_database_url("postgres", tmp_path_factory.mktemp("pg"))
    url = next(gen)
    open_ledger(url).close()
    yield url
    next(gen, None)


def _empty_tables(url: str) -> None:
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            names = ", ".join(t.name for t in Base.metadata.sorted_tables if t.name != "audit_head")
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            conn.execute(text("UPDATE audit_head SET seq = 0, hash = :h WHERE id = 1"), {"h": "0" * 64})
    finally:
        engine.dispose()


@pytest.fixture(params=BACKENDS)
def ledger_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated, empty ledger database: a new SQLite file, or the session's PostgreSQL database emptied."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'ledger.db'}"
        open_ledger(url).close()
        return url
    url: str = request.getfixturevalue("_pg_ledger_url")
    _empty_tables(url)
    return url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'ledger.db'}"


@pytest.fixture
def ledger(ledger_url: str) -> Iterator[Ledger]:
    led = open_ledger(ledger_url)
    yield led
    led.close()


class Staff:
    def __init__(self, ledger: Ledger) -> None:
        self.keys: dict[str, str] = {}
        self.users: dict[str, User] = {}
        with ledger.session() as s:
            admin, key = users.create_user(s, "ada", "admin")
            self.users["admin"], self.keys["admin"] = admin, key
            for name, role in (("vic", "viewer"), ("ana", "analyst"), ("apo", "approver")):
                user, key = users.create_user(s, name, role, admin)
                self.users[role], self.keys[role] = user, key

    def __getattr__(self, role: str) -> User:
        try:
            return self.users[role]
        except KeyError:
            raise AttributeError(role) from None


@pytest.fixture
def staff(ledger: Ledger) -> Staff:
    return Staff(ledger)


def grant_h20(
    ledger: Ledger,
    staff: Staff,
    *,
    quantity: int = 1000,
    number: str = "D123456",
    tolerance: int = 0,
    value_limit: float | None = None,
    valid_from: dt.date = dt.date(2025, 8, 8),
    valid_to: dt.date = dt.date(2027, 8, 7),
    decided_on: dt.date | None = None,
) -> License:
    with ledger.session() as s:
        app = ledger_licenses.apply_for_license(
            s,
            staff.analyst,
            items=["nvidia-h20"],
            destinations=["CN"],
            parties=H20_PARTIES,
            quantity=quantity,
            application_number=f"Z{number}",
            submitted_on=dt.date(2025, 7, 15),
        )
        return ledger_licenses.grant_license(
            s,
            staff.approver,
            app.id,
            number=number,
            valid_from=valid_from,
            valid_to=valid_to,
            quantity_tolerance_percent=tolerance,
            value_limit_usd=value_limit,
            conditions="15% of China revenue to the US government (reported condition)",
            decided_on=decided_on,
        )


@pytest.fixture(autouse=True)
def _recorded_on_the_ship_date(monkeypatch: pytest.MonkeyPatch) -> None:
    """These flows record each shipment when it ships (their dates are in 2025): pin the ledger's clock before
    them so they are not historical entries. tests/ledger/test_historical.py uses the real clock."""
    import datetime as _dt

    from chipclear.ledger import shipments as _shipments

    monkeypatch.setattr(_shipments, "today", lambda: _dt.date(2020, 1, 1))
    # and not "after today" either (a line dated after the recording day is held: test_future_ship_dates)
    monkeypatch.setattr(_shipments, "latest_ship_day", lambda: _dt.date(2100, 1, 1))
