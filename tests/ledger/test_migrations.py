"""Migrations: from an empty database and from the previous schema (with data), and the models agree with the
migrated schema (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from chipclear.ledger import audit, open_ledger
from chipclear.ledger import licenses as ledger_licenses
from chipclear.ledger import shipments as ledger_shipments
from chipclear.ledger.db import SchemaError, current_revision, head_revision, make_engine, upgrade
from chipclear.ledger.models import Base
from chipclear.ledger.reviews import review_snapshot
from chipclear.ledger.users import SystemActor, create_user

from . import helpers
from .helpers import H20_PARTIES


def test_empty_database_is_created_at_head(db_url: str) -> None:
    ledger = open_ledger(db_url)
    try:
        assert current_revision(ledger.engine) == head_revision() == "0007"
        tables = set(inspect(ledger.engine).get_table_names())
        assert {t.name for t in Base.metadata.sorted_tables} <= tables
        with ledger.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        assert diff == []  # the models and the migrations describe the same schema
        with ledger.session() as s:
            assert audit.verify(s) == audit.VerifyResult(True, 0)
    finally:
        ledger.close()


def test_upgrade_from_previous_schema_keeps_data(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    engine = make_engine(db_url)
    upgrade(engine, "0001")
    assert current_revision(engine) == "0001"
    assert "screening_reviews" not in inspect(engine).get_table_names()
    # write through the 0001 schema (the services only touch 0001 tables here, but for the two columns 0007 adds
    # to licenses: added for the writes, left out of the records as a chipclear before 0007 wrote them, and
    # dropped again for 0007 to add)
    from sqlalchemy.orm import Session

    real_snapshot = audit.snapshot
    later = ("issued_on", "status_changes")
    monkeypatch.setattr(audit, "snapshot", lambda obj: {k: v for k, v in real_snapshot(obj).items() if k not in later})

    with engine.begin() as conn:
        conn.execute(text("ALTER TABLE licenses ADD COLUMN issued_on DATE"))
        conn.execute(text("ALTER TABLE licenses ADD COLUMN status_changes JSON"))
    with Session(engine) as s, s.begin():
        admin, _ = create_user(s, "ada", "admin")
        app = ledger_licenses.apply_for_license(
            s,
            admin,
            items=["nvidia-h20"],
            destinations=["CN"],
            parties=H20_PARTIES,
            quantity=50,
            application_number="Z1",
            submitted_on=dt.date(2025, 7, 15),
        )
        ledger_licenses.grant_license(
            s, admin, app.id, number="D1", valid_from=dt.date(2025, 8, 8), valid_to=dt.date(2026, 8, 8)
        )
        ledger_shipments.ship(s, [helpers.h20_line(5)], admin, decide=helpers.license_required)
    with engine.begin() as conn:
        conn.execute(text("ALTER TABLE licenses DROP COLUMN issued_on"))
        conn.execute(text("ALTER TABLE licenses DROP COLUMN status_changes"))
    engine.dispose()
    monkeypatch.setattr(audit, "snapshot", real_snapshot)
    with pytest.raises(SchemaError, match="run `chipclear db upgrade`"):
        open_ledger(db_url)
    engine = make_engine(db_url)
    upgrade(engine)
    engine.dispose()
    ledger = open_ledger(db_url)
    try:
        assert current_revision(ledger.engine) == "0007"
        with ledger.session() as s:
            assert audit.verify(s) == audit.VerifyResult(True, 4)
            lic = ledger_licenses.get_license(s, SystemActor("v", "viewer"), "D1")
            assert lic.quantity_used == 5
            # 0007: no issue day on file (coverage reads valid_from), no status changes
            assert lic.issued_on is None and lic.status_changes is None
            assert ledger_licenses.terms_of(lic).issued == lic.valid_from
            s.execute(text("SELECT count(*) FROM screening_reviews")).scalar_one()
            assert s.execute(text("SELECT destination FROM shipment_lines")).scalars().all() == ["CN"]
            # 0005: a region code fits the destination column (PostgreSQL enforces the length)
            crimea = helpers.h20_line(1).model_copy(update={"destination": "UA-43", "parties": []})
            assert ledger_shipments.ship(s, [crimea], SystemActor("a", "admin")).lines[0].line.destination == "UA-43"
    finally:
        ledger.close()


def test_unknown_revision_is_refused(sqlite_url: str) -> None:
    ledger = open_ledger(sqlite_url)
    with ledger.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    ledger.close()
    with pytest.raises(SchemaError, match="'9999'"):
        open_ledger(sqlite_url)


def test_processes_opening_a_new_ledger_at_once(tmp_path: object) -> None:
    import subprocess
    import sys

    url = f"sqlite:///{tmp_path}/race.db"
    code = f"from chipclear.ledger import open_ledger; open_ledger({url!r}).close(); print('ok')"
    procs = [subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True) for _ in range(4)]
    assert [p.communicate(timeout=120)[0].strip() for p in procs] == ["ok"] * 4
    engine = make_engine(url)
    assert current_revision(engine) == head_revision()
    engine.dispose()


def test_schema_revision_constant_is_the_newest_migration() -> None:
    from chipclear.ledger.db import SCHEMA_REVISION

    assert head_revision() == SCHEMA_REVISION


def test_switching_to_wal_is_retried_while_another_process_holds_the_lock() -> None:
    """SQLite can answer "database is locked" at once (no busy wait) while another process switches a new ledger
    to WAL; the switch is tried again rather than failing the open (a CI run of the test above failed so)."""
    import sqlite3

    from chipclear.ledger.db import _switch_to_wal

    class Cursor:
        def __init__(self, failures: list[str]) -> None:
            self.failures, self.calls = failures, 0

        def execute(self, sql: str) -> None:
            assert sql == "PRAGMA journal_mode=WAL"
            self.calls += 1
            if self.failures:
                raise sqlite3.OperationalError(self.failures.pop(0))

    locked = Cursor(["database is locked", "database is locked"])
    _switch_to_wal(locked)
    assert locked.calls == 3
    other = Cursor(["disk I/O error"])
    with pytest.raises(sqlite3.OperationalError, match="disk I/O"):
        _switch_to_wal(other)
    assert other.calls == 1


def test_a_review_recorded_before_0004_clears_only_a_party_without_a_country(db_url: str) -> None:
    """0004 ties a review to the party's country. A review recorded before it has none: it keeps clearing the hit for
    a party that states no country, and no longer for a party in some country (screened again: fail closed)."""
    engine = make_engine(db_url)
    upgrade(engine, "0003")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO screening_reviews (party_name, party_key, entry_id, entry_hash, decision, reason,"
                " reviewer, decided_at) VALUES ('Moore Thread Co', 'k', 'EL-1', 'h1', 'not_a_match', 'other firm',"
                " 'apo', '2026-12-01T00:00:00+00:00')"
            )
        )
    upgrade(engine)
    engine.dispose()
    ledger = open_ledger(db_url)
    try:
        with ledger.session() as s:
            snapshot = review_snapshot(s)
        [old] = snapshot.decisions()
        assert old.party_country is None
        assert snapshot.is_suppressed("Moore Thread Co", "EL-1", "h1") is not None
        assert snapshot.is_suppressed("Moore Thread Co", "EL-1", "h1", "CN") is None
        assert snapshot.is_suppressed("Moore Thread Co", "EL-1", "h1", "DE") is None
    finally:
        ledger.close()
