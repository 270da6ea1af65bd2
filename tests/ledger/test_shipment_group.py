"""The API's shipment writer (``chipclear.api.group_commit.ShipmentGroup``) records the shipments queued at one
moment in one transaction, their rows flushed together, or, when one fails once it has changed rows, each in a
savepoint of its own: a shipment that fails (its key, its role, or an error half-way, after its license was
decremented) fails alone, the shipments after it see the balance the committed ones left, nothing is over-drawn,
each audit record holds the rows as its shipment left them, and the audit chain verifies. On SQLite and
PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from chipclear.api.deps import LedgerHolder
from chipclear.api.group_commit import ShipmentGroup, _Shipment
from chipclear.decision import OrderLine, Party
from chipclear.errors import NotFound, PermissionDenied
from chipclear.ledger import Ledger, audit
from chipclear.ledger import shipments as ledger_shipments
from chipclear.ledger.models import AuditRecord, License, LicenseUsage, PartyRecord, Shipment
from chipclear.ledger.reviews import reviews_version

from .conftest import Staff, grant_h20
from .helpers import END_USER, failing_commit, h20_line, start_ship_workers, stub_decision


class Boom(Exception):
    pass


def _item(key: str, line: OrderLine, version: int, reference: str) -> _Shipment:
    return _Shipment(key, [line], reference, None, [stub_decision(line)], version)


def _version(ledger: Ledger) -> int:
    with ledger.session() as s:
        return reviews_version(s)


def _ledger_state(ledger: Ledger) -> dict[str, Any]:
    with ledger.session() as s:
        lic = s.execute(select(License)).scalar_one()
        return {
            "used": lic.quantity_used,
            "usage_sum": int(s.execute(select(func.coalesce(func.sum(LicenseUsage.quantity), 0))).scalar_one()),
            "shipments": sorted(r or "" for r in s.execute(select(Shipment.reference)).scalars()),
            "ship_records": s.execute(
                select(func.count()).select_from(AuditRecord).where(AuditRecord.action.in_(("ship", "hold")))
            ).scalar_one(),
            "verified": audit.verify(s).ok,
        }


def _clients(client: Callable[[int], None], count: int, group: ShipmentGroup, holder: LedgerHolder) -> None:
    """Run ``count`` client threads to the end, then stop the writer and close the ledger."""
    threads = [threading.Thread(target=client, args=(n,)) for n in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=600)
    group.close()
    holder.close()


def _record_group(ledger_url: str, batch: list[_Shipment]) -> None:
    """Record ``batch`` as one group of the API's shipment writer."""
    holder = LedgerHolder(ledger_url)
    try:
        ShipmentGroup(holder)._commit(batch)
    finally:
        holder.close()


def _boom_on(monkeypatch: pytest.MonkeyPatch, order_id: str) -> None:
    """Make a shipment of ``order_id`` fail after its line and license decrement were added (as a disk error
    would)."""
    real = ledger_shipments.record_parties

    def record_parties(session: Any, line: OrderLine, decision: Any) -> Any:
        if line.order_id == order_id:
            raise Boom("disk error half-way through a shipment")
        return real(session, line, decision)

    monkeypatch.setattr(ledger_shipments, "record_parties", record_parties)


def _recorded_apart(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Spy on ``ShipmentGroup._record_apart``: the sizes of the groups recorded apart."""
    calls: list[int] = []
    real = ShipmentGroup._record_apart

    def spy(self: ShipmentGroup, batch: list[_Shipment]) -> None:
        calls.append(len(batch))
        real(self, batch)

    monkeypatch.setattr(ShipmentGroup, "_record_apart", spy)
    return calls


def test_a_failing_shipment_is_rolled_back_alone(
    ledger: Ledger, staff: Staff, ledger_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    grant_h20(ledger, staff, quantity=25)
    real = ledger_shipments.record_parties

    def record_parties(session: Any, line: OrderLine, decision: Any) -> Any:
        if line.order_id == "boom":  # after the line and its license decrement are written
            raise Boom("disk error half-way through a shipment")
        return real(session, line, decision)

    monkeypatch.setattr(ledger_shipments, "record_parties", record_parties)
    version = _version(ledger)
    analyst, viewer = staff.keys["analyst"], staff.keys["viewer"]
    boom = h20_line(10).model_copy(update={"order_id": "boom"})
    batch = [
        _item(analyst, h20_line(10), version, "first"),
        _item(analyst, boom, version, "boom"),
        _item("cc_not-a-key-000000000000000000000000000", h20_line(1), version, "bad-key"),
        _item(viewer, h20_line(1), version, "viewer"),
        _item(analyst, h20_line(10), version, "second"),  # fits only if "boom" gave its 10 back
        _item(analyst, h20_line(10), version, "third"),  # 5 left: held
    ]
    _record_group(ledger_url, batch)
    first, boomed, bad_key, as_viewer, second, third = batch
    assert isinstance(boomed.error, Boom) and boomed.result is None
    assert isinstance(bad_key.error, PermissionDenied) and "not valid" in str(bad_key.error)
    assert isinstance(as_viewer.error, PermissionDenied) and "may not ship" in str(as_viewer.error)
    statuses = [
        [ln["status"] for ln in item.result[0]["lines"]] if item.result else None for item in (first, second, third)
    ]
    assert statuses == [["shipped"], ["shipped"], ["held"]]
    assert first.result is not None and first.result[1].name == "ana"
    state = _ledger_state(ledger)
    assert state == {
        "used": 20,
        "usage_sum": 20,
        "shipments": ["first", "second", "third"],
        "ship_records": 3,
        "verified": True,
    }


def test_a_party_created_by_a_rolled_back_shipment_is_created_again(
    ledger: Ledger, staff: Staff, ledger_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The writer keeps the party rows it has read or written for the rest of its transaction; a row created in a
    shipment's savepoint that is then rolled back is gone, and the next shipment with that party creates it again."""
    real = audit.Chain.record

    def record(chain: audit.Chain, session: Any, **kw: Any) -> Any:
        if (kw.get("input") or {}).get("order_id") == "boom":  # after the party row was written
            raise Boom("disk error after the party was recorded")
        return real(chain, session, **kw)

    monkeypatch.setattr(audit.Chain, "record", record)
    fresh = [Party(name="Fresh Party Ltd", role="end_user", country="CN")]
    version = _version(ledger)
    analyst = staff.keys["analyst"]
    boom = h20_line(1).model_copy(update={"order_id": "boom", "parties": fresh})
    later = h20_line(1).model_copy(update={"order_id": "later", "parties": fresh})
    batch = [_item(analyst, boom, version, "boom"), _item(analyst, later, version, "later")]
    _record_group(ledger_url, batch)
    assert isinstance(batch[0].error, Boom) and batch[1].error is None
    with ledger.session() as s:
        rows = s.execute(select(PartyRecord).where(PartyRecord.name == "Fresh Party Ltd")).scalars().all()
        assert len(rows) == 1
        assert audit.verify(s).ok  # the row is explained by the "later" shipment's record
        assert list(s.execute(select(Shipment.reference)).scalars()) == ["later"]


def test_concurrent_shipments_through_the_writer_never_overdraw(ledger: Ledger, staff: Staff, ledger_url: str) -> None:
    grant_h20(ledger, staff, quantity=150)
    version = _version(ledger)
    holder = LedgerHolder(ledger_url)
    group = ShipmentGroup(holder)
    answers: list[dict[str, Any]] = []
    errors: list[BaseException] = []

    def client(n: int) -> None:
        for i in range(5):
            line = h20_line(1)
            try:
                answers.append(
                    group.ship(staff.keys["analyst"], [line], [stub_decision(line)], version, reference=f"c{n}-{i}")[0]
                )
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)

    _clients(client, 40, group, holder)
    assert errors == []
    statuses = [a["lines"][0]["status"] for a in answers]
    assert (statuses.count("shipped"), statuses.count("held")) == (150, 50)
    state = _ledger_state(ledger)
    assert (state["used"], state["usage_sum"], len(state["shipments"]), state["ship_records"]) == (150, 150, 200, 200)
    assert state["verified"]


def test_concurrent_shipments_with_failures_among_them_never_overdraw(
    ledger: Ledger, staff: Staff, ledger_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Shipments refused up front (a license number not on file) and shipments that fail late (an error after
    their rows were added) among concurrent good ones: the groups with a late failure are recorded apart, each
    failing shipment fails alone with its error, every good one is answered as if alone, and the license's
    balance, usage rows and audit chain agree."""
    grant_h20(ledger, staff, quantity=150)
    _boom_on(monkeypatch, "boom")
    apart = _recorded_apart(monkeypatch)
    version = _version(ledger)
    holder = LedgerHolder(ledger_url)
    group = ShipmentGroup(holder)
    answers: list[dict[str, Any]] = []
    refused: list[BaseException] = []
    errors: list[BaseException] = []

    def client(n: int) -> None:
        for i in range(5):
            line = h20_line(1)
            number = "NO-SUCH" if (n + i) % 7 == 0 else None
            if (n + i) % 11 == 0:
                line = line.model_copy(update={"order_id": "boom"})
            try:
                answer, _ = group.ship(
                    staff.keys["analyst"],
                    [line],
                    [stub_decision(line)],
                    version,
                    reference=f"c{n}-{i}",
                    license_number=number,
                )
                answers.append(answer)
            except (NotFound, Boom) as exc:
                refused.append(exc)
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)

    _clients(client, 40, group, holder)
    assert errors == []
    early = [(n + i) % 7 == 0 for n in range(40) for i in range(5)]
    late = [(n + i) % 11 == 0 for n in range(40) for i in range(5)]
    bad = sum(1 for e, x in zip(early, late, strict=True) if e or x)
    assert len(refused) == bad
    assert sum(isinstance(e, Boom) for e in refused) == sum(x and not e for e, x in zip(early, late, strict=True))
    assert apart  # the groups with a late failure in them were recorded apart
    statuses = [a["lines"][0]["status"] for a in answers]
    assert (statuses.count("shipped"), statuses.count("held")) == (150, 200 - bad - 150)
    state = _ledger_state(ledger)
    assert (state["used"], state["usage_sum"], len(state["shipments"]), state["ship_records"]) == (
        150,
        150,
        200 - bad,
        200 - bad,
    )
    assert state["verified"]


def test_a_failed_commit_fails_every_shipment_of_the_group(
    ledger: Ledger, staff: Staff, ledger_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    grant_h20(ledger, staff, quantity=100)
    version = _version(ledger)
    holder = LedgerHolder(ledger_url)
    opened = holder.get()
    real = opened.session

    monkeypatch.setattr(opened, "session", failing_commit(real, Boom("disk full at commit")))
    batch = [_item(staff.keys["analyst"], h20_line(1), version, f"s{i}") for i in range(3)]
    with pytest.raises(Boom):
        ShipmentGroup(holder)._commit(batch)
    holder.close()
    assert all(isinstance(item.error, Boom) and item.result is None for item in batch)
    state = _ledger_state(ledger)
    assert (state["used"], state["shipments"], state["ship_records"], state["verified"]) == (0, [], 0, True)


def test_the_writer_and_other_processes_shipping_at_once_never_overdraw(
    ledger: Ledger, staff: Staff, ledger_url: str, tmp_path: Path
) -> None:
    """The API's writer (its groups lock every active license, then the audit head) and two processes shipping one
    line per transaction (``ship_worker.py``, the CLI's path) draw on one license together, the writer's clients
    shipping for as long as the processes run: every unit ships once, no more, and the chain verifies. On
    PostgreSQL the two paths take their row locks in the same order. Each process ships its first line, then waits
    until the writer has recorded one (``go``), so the overlap does not depend on how fast the machine is."""
    per_process, limit = 100, 300  # the processes alone cannot use the license up
    grant_h20(ledger, staff, quantity=limit)
    version = _version(ledger)
    go = tmp_path / "go"
    procs = start_ship_workers(ledger_url, 2, per_process, "cli", wait_after_first=go)
    holder = LedgerHolder(ledger_url)
    group = ShipmentGroup(holder)
    statuses: list[str] = []
    while_running: list[bool] = []
    errors: list[BaseException] = []

    def client(n: int) -> None:
        i = 0
        while any(p.poll() is None for p in procs) and i < 2000:
            line = h20_line(1)
            try:
                answer, _ = group.ship(
                    staff.keys["analyst"], [line], [stub_decision(line)], version, reference=f"api{n}-{i}"
                )
                statuses.append(answer["lines"][0]["status"])
                while_running.append(any(p.poll() is None for p in procs))
                go.touch()
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)
            i += 1

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:  # the writer starts once both processes are shipping
        with ledger.session() as s:
            if {"cli0", "cli1"} <= set(s.execute(select(Shipment.created_by)).scalars()):
                break
        time.sleep(0.02)
    _clients(client, 8, group, holder)
    outs = []
    for p in procs:
        out, err = p.communicate(timeout=600)
        assert p.returncode == 0, err[-2000:]
        outs.append(json.loads(out.strip().splitlines()[-1]))
    assert errors == []
    assert sum(while_running) > 0  # the writer recorded shipments while the processes were shipping
    attempts = 2 * per_process + len(statuses)
    shipped = statuses.count("shipped") + sum(o["shipped"] for o in outs)
    held = statuses.count("held") + sum(o["held"] for o in outs)
    assert (shipped, held) == (min(limit, attempts), attempts - min(limit, attempts))
    assert min(o["shipped"] for o in outs) > 0 and statuses.count("shipped") > 0  # both doors drew on the license
    state = _ledger_state(ledger)
    assert (state["used"], state["usage_sum"], state["ship_records"]) == (shipped, shipped, attempts)
    assert state["verified"]


def test_a_group_is_recorded_together_with_each_record_as_its_shipment_left_the_rows(
    ledger: Ledger, staff: Staff, ledger_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A group with nothing failing is recorded together: its rows flushed at once, its records added after the
    flush. Each record still holds the rows as its own shipment left them: the license's balance after that
    shipment, and a party created in the group with its new id and the status it had then, though later shipments
    of the group changed it. A refused key fails its shipment alone without sending the group apart."""
    grant_h20(ledger, staff, quantity=25)
    apart = _recorded_apart(monkeypatch)
    version = _version(ledger)
    analyst = staff.keys["analyst"]
    second = h20_line(10)
    hit = [
        {"party": END_USER, "entry_id": "E1", "entry_hash": "h", "determination": "match", "listed_on": "2020-01-02"}
    ]
    matched = stub_decision(second).model_copy(update={"screening": hit})
    batch = [
        _item(analyst, h20_line(10), version, "first"),  # creates the end user's row: clear
        _item("cc_not-a-key-000000000000000000000000000", h20_line(1), version, "bad-key"),
        _Shipment(analyst, [second], "second", None, [matched], version),  # the end user's row now a match
        _item(analyst, h20_line(10), version, "third"),  # 5 left: held; the end user clear again
    ]
    _record_group(ledger_url, batch)
    assert apart == []
    assert isinstance(batch[1].error, PermissionDenied)
    answers = [item.result[0] if item.result else None for item in batch]
    assert [a["lines"][0]["status"] if a else None for a in answers] == ["shipped", None, "shipped", "held"]
    shipment_ids = _records_as_each_line_left_the_rows(ledger)
    assert [a["shipment"]["id"] if a else None for a in answers] == [
        shipment_ids["first"],
        None,
        shipment_ids["second"],
        shipment_ids["third"],
    ]


def _records_as_each_line_left_the_rows(ledger: Ledger) -> dict[str | None, int]:
    """Check the three ship/hold records of a clear, match, clear sequence of 10-unit H20 lines on a 25-unit license
    (the end user's row created by the first): each holds the rows as its own line left them, and the chain
    verifies. Returns the shipments' ids by reference."""
    with ledger.session() as s:
        shipment_ids = {r.reference: r.id for r in s.execute(select(Shipment)).scalars()}
        party = s.execute(select(PartyRecord).where(PartyRecord.name == END_USER)).scalar_one()
        records = s.execute(
            select(AuditRecord).where(AuditRecord.action.in_(("ship", "hold"))).order_by(AuditRecord.seq)
        ).scalars()
        states = [json.loads(r.payload)["state"] for r in records]
        assert audit.verify(s).ok
    assert len(states) == 3
    assert party.screening_status == "clear"  # the third line's screening, as the first one's
    party_key = f"parties:{party.id}"
    assert states[0][party_key]["id"] == party.id and states[0][party_key]["screening_status"] == "clear"
    assert states[1][party_key]["screening_status"] == "match"
    assert states[2][party_key]["screening_status"] == "clear"
    # The consignee's row, created with the first line and left as it was by the others, is in the first record
    # only: a record lists the rows its line wrote, whether or not they had been flushed yet.
    consignee = [k for k in states[0] if k.startswith("parties:") and k != party_key]
    assert len(consignee) == 1 and all(consignee[0] not in st for st in states[1:])
    lic_key = next(k for k in states[0] if k.startswith("licenses:"))
    assert [st[lic_key]["quantity_used"] for st in states if lic_key in st] == [10, 20]
    line_keys = [[k for k in st if k.startswith("shipment_lines:")] for st in states]
    assert all(len(keys) == 1 for keys in line_keys)
    for st, keys in zip(states, line_keys, strict=True):
        line = st[keys[0]]
        assert line["id"] is not None and line["shipment_id"] in shipment_ids.values()
    return shipment_ids


def test_a_shipment_of_several_lines_records_each_as_it_left_the_rows(ledger: Ledger, staff: Staff) -> None:
    """``ship`` without a writer's chain (the CLI's and the console's path): the lines of one shipment are
    flushed together before it returns, and each line's record holds the rows as that line left them."""
    grant_h20(ledger, staff, quantity=25)
    hit = [
        {"party": END_USER, "entry_id": "E1", "entry_hash": "h", "determination": "match", "listed_on": "2020-01-02"}
    ]
    lines = [h20_line(10), h20_line(10), h20_line(10)]
    decided = [stub_decision(lines[0]), stub_decision(lines[1]).model_copy(update={"screening": hit})]
    decided.append(stub_decision(lines[2]))
    with ledger.session() as s:
        result = ledger_shipments.ship(s, lines, staff.analyst, reference="one", decided=decided)
        assert [ln.line.status for ln in result.lines] == ["shipped", "shipped", "held"]
        assert all(ln.line.id is not None for ln in result.lines) and result.shipment.id is not None
    assert set(_records_as_each_line_left_the_rows(ledger)) == {"one"}


def test_a_shipment_that_fails_late_sends_its_group_apart(
    ledger: Ledger, staff: Staff, ledger_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failure once a shipment has changed rows in the session (here after its line and license decrement were
    added) leaves nothing of the attempt together: the group is recorded again apart, where that shipment fails
    alone and the others commit, with a chain that verifies."""
    grant_h20(ledger, staff, quantity=25)
    _boom_on(monkeypatch, "boom")
    apart = _recorded_apart(monkeypatch)
    version = _version(ledger)
    analyst = staff.keys["analyst"]
    batch = [
        _item(analyst, h20_line(10), version, "first"),
        _item(analyst, h20_line(10).model_copy(update={"order_id": "boom"}), version, "boom"),
        _item(analyst, h20_line(10), version, "second"),
    ]
    _record_group(ledger_url, batch)
    assert apart == [3]
    assert isinstance(batch[1].error, Boom)
    assert [item.result[0]["lines"][0]["status"] for item in (batch[0], batch[2]) if item.result] == [
        "shipped",
        "shipped",
    ]
    state = _ledger_state(ledger)
    assert state == {"used": 20, "usage_sum": 20, "shipments": ["first", "second"], "ship_records": 2, "verified": True}


def test_shipments_refused_before_they_change_anything_fail_alone_in_a_group_recorded_together(
    ledger: Ledger, staff: Staff, ledger_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A refused key, a role that may not ship, a past ship date for an analyst, a license number not on file: each
    is refused before its shipment adds anything (``refuse_shipment``), so it fails alone and the group is still
    recorded together."""
    grant_h20(ledger, staff, quantity=25)
    apart = _recorded_apart(monkeypatch)
    version = _version(ledger)
    analyst, viewer = staff.keys["analyst"], staff.keys["viewer"]
    past = h20_line(1, ship_date=dt.date(2019, 12, 20))  # the tests' ledger clock reads 2020-01-01
    line = h20_line(1)
    batch = [
        _item(analyst, h20_line(10), version, "first"),
        _item("cc_not-a-key-000000000000000000000000000", h20_line(1), version, "bad-key"),
        _item(viewer, h20_line(1), version, "viewer"),
        _item(analyst, past, version, "past"),
        _Shipment(analyst, [line], "no-such-license", "NO-SUCH", [stub_decision(line)], version),
        _item(analyst, h20_line(10), version, "second"),
    ]
    _record_group(ledger_url, batch)
    assert apart == []
    first, bad_key, as_viewer, in_the_past, no_such, second = batch
    assert isinstance(bad_key.error, PermissionDenied) and "not valid" in str(bad_key.error)
    assert isinstance(as_viewer.error, PermissionDenied) and "may not ship" in str(as_viewer.error)
    assert isinstance(in_the_past.error, PermissionDenied)
    assert isinstance(no_such.error, NotFound) and "NO-SUCH" in str(no_such.error)
    assert [item.result[0]["lines"][0]["status"] for item in (first, second) if item.result] == ["shipped", "shipped"]
    state = _ledger_state(ledger)
    assert state == {"used": 20, "usage_sum": 20, "shipments": ["first", "second"], "ship_records": 2, "verified": True}
