"""Reads without a session (chipclear.ledger.reads): the same JSON as the ORM rows give, on SQLAlchemy connections
(SQLite and PostgreSQL) and on SQLite's driver (quick reads), and the bounds that send a quick read elsewhere."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from chipclear.errors import NotFound, PermissionDenied
from chipclear.ledger import Ledger, open_ledger, reads, views
from chipclear.ledger import licenses as ledger_licenses
from chipclear.ledger import shipments as ledger_shipments
from chipclear.ledger.db import sqlite_file
from chipclear.ledger.models import User
from chipclear.ledger.reads import CoreReader, NotQuick, QuickReads
from chipclear.ledger.users import actor_of

from . import helpers
from .conftest import Staff, grant_h20
from .helpers import h20_line


def use(ledger: Ledger, staff: Staff) -> Ledger:
    """Two licenses, one of them (with a value limit) used by three shipments."""
    grant_h20(ledger, staff, quantity=100, number="D2", value_limit=50_000.0)
    grant_h20(ledger, staff, quantity=100, number="D1")
    for quantity, value in ((10, 1_000.0), (20, 12_345.67), (5, 0.5)):
        with ledger.session() as s:
            ledger_shipments.ship(
                s,
                [h20_line(quantity, value=value)],
                staff.analyst,
                decide=helpers.license_required,
                license_number="D2",
            )
    return ledger


@pytest.fixture
def used_ledger(ledger: Ledger, staff: Staff) -> Ledger:
    return use(ledger, staff)


@pytest.fixture
def sqlite_ledger(sqlite_url: str) -> Iterator[Ledger]:
    led = open_ledger(sqlite_url)
    yield led
    led.close()


def orm_detail(ledger: Ledger, staff: Staff, number: str) -> dict[str, Any]:
    """What the API answered before: the ORM rows through license_json and usage_json."""
    with ledger.session() as s:
        lic = ledger_licenses.get_license(s, staff.viewer, number)
        data = ledger_licenses.license_json(lic)
        data["usage"] = [views.usage_json(u) for u in ledger_licenses.license_usage(s, staff.viewer, lic)]
        return data


def orm_list(ledger: Ledger, staff: Staff) -> list[dict[str, Any]]:
    with ledger.session() as s:
        return [ledger_licenses.license_json(lic) for lic in ledger_licenses.list_licenses(s, staff.viewer)]


def core_read(ledger: Ledger, key: str, work: Any) -> Any:
    with ledger.read_session() as s:
        reader = CoreReader(s.connection())
        return work(reader, actor_of(reader, key))


def test_core_reads_answer_as_the_orm_rows(used_ledger: Ledger, staff: Staff) -> None:
    key = staff.keys["viewer"]
    detail = core_read(used_ledger, key, lambda r, a: views.license_detail(r, a, "D2"))
    assert detail == orm_detail(used_ledger, staff, "D2")
    assert [u["quantity"] for u in detail["usage"]] == [10, 20, 5]
    assert [u["value_usd"] for u in detail["usage"]] == [1_000.0, 12_345.67, 0.5]
    assert detail["quantity_used"] == 35 and detail["valid_from"] == "2025-08-08"
    assert core_read(used_ledger, key, views.license_list) == orm_list(used_ledger, staff)
    assert [x["number"] for x in core_read(used_ledger, key, views.license_list)] == ["D1", "D2"]


def test_quick_reads_answer_as_the_orm_rows(used_ledger: Ledger, staff: Staff) -> None:
    quick = used_ledger.quick_reads
    if sqlite_file(used_ledger.engine.url) is None:
        assert quick is None  # PostgreSQL: every read goes through SQLAlchemy
        return
    assert quick is not None
    assert open_ledger("sqlite://").quick_reads is None  # SQLite in memory: one connection's database
    key = staff.keys["viewer"]
    with quick.transaction() as reader:
        actor = actor_of(reader, key)
        assert (actor.name, actor.role) == ("vic", "viewer")
        assert views.license_detail(reader, actor, "D2") == orm_detail(used_ledger, staff, "D2")
        assert views.license_detail(reader, actor, "D1") == orm_detail(used_ledger, staff, "D1")
        assert views.license_list(reader, actor) == orm_list(used_ledger, staff)
        with pytest.raises(NotFound):
            views.license_detail(reader, actor, "D3")


def test_a_key_is_checked_in_the_read_itself(ledger: Ledger, staff: Staff) -> None:
    key = staff.keys["viewer"]
    assert core_read(ledger, key, lambda r, a: a.name) == "vic"
    for bad in ("", "not-a-key", "cc_unknown"):
        with pytest.raises(PermissionDenied):
            core_read(ledger, bad, lambda r, a: a)
    with ledger.session() as s:
        s.execute(select(User).where(User.name == "vic")).scalar_one().active = False
    with pytest.raises(PermissionDenied):
        core_read(ledger, key, lambda r, a: a)
    quick = ledger.quick_reads
    if quick is not None:
        with pytest.raises(PermissionDenied), quick.transaction() as reader:
            actor_of(reader, key)


def test_a_quick_read_of_more_rows_than_its_bound_is_not_quick(
    sqlite_ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    staff = Staff(sqlite_ledger)
    quick = use(sqlite_ledger, staff).quick_reads
    assert quick is not None
    monkeypatch.setattr(reads, "QUICK_READ_ROWS", 2)
    monkeypatch.setattr(views, "_USAGE_OF", reads.Query(views._USAGE_OF.statement, many=True))  # compiled anew
    with quick.transaction() as reader:
        actor = actor_of(reader, staff.keys["viewer"])
        assert len(views.license_list(reader, actor)) == 2  # two licenses: within the bound
        with pytest.raises(NotQuick):
            views.license_detail(reader, actor, "D2")  # three usage rows
    monkeypatch.setattr(reads, "QUICK_READ_ROWS", 3)
    with quick.transaction() as reader:
        assert len(views.license_detail(reader, actor, "D2")["usage"]) == 3


def test_a_quick_read_of_a_busy_file_gives_up_at_once(sqlite_ledger: Ledger) -> None:
    ledger = sqlite_ledger
    path = sqlite_file(ledger.engine.url)
    assert path is not None
    key = Staff(ledger).keys["viewer"]
    ledger.close()  # an exclusive lock on a WAL file needs every other connection gone
    holder = sqlite3.connect(path, isolation_level=None, timeout=0)
    holder.execute("PRAGMA locking_mode=EXCLUSIVE")
    holder.execute("BEGIN EXCLUSIVE")
    quick = QuickReads(path, ledger.engine.dialect)
    try:
        started = time.monotonic()
        with pytest.raises(NotQuick), quick.transaction() as reader:
            actor_of(reader, key)
        assert time.monotonic() - started < 1.0  # the file's busy timeout (120 s) is not waited out
    finally:
        holder.execute("COMMIT")
        holder.close()
    with quick.transaction() as reader:  # the lock gone, the same connection reads again
        assert actor_of(reader, key).name == "vic"
    quick.close()


def test_one_caller_at_a_time(sqlite_ledger: Ledger) -> None:
    quick = sqlite_ledger.quick_reads
    assert quick is not None
    with quick.transaction(), pytest.raises(NotQuick), quick.transaction():
        pass
