"""The audit log detects changed, deleted, inserted and reordered records, and rows edited outside chipclear,
naming the first bad record (SQLite and PostgreSQL); exports verify on their own."""

from __future__ import annotations

import io
import json
from collections.abc import Callable

import pytest
from sqlalchemy import Connection, text

from chipclear.ledger import Ledger, audit
from chipclear.ledger import shipments as ledger_shipments

from . import helpers
from .conftest import Staff, grant_h20
from .helpers import h20_line


@pytest.fixture
def busy_ledger(ledger: Ledger, staff: Staff) -> Ledger:
    """Users (records 1-4), an application and a license (5-6), two shipments (7-8)."""
    grant_h20(ledger, staff, quantity=100)
    with ledger.session() as s:
        ledger_shipments.ship(s, [h20_line(10)], staff.analyst, decide=helpers.license_required)
    with ledger.session() as s:
        ledger_shipments.ship(s, [h20_line(20)], staff.analyst, decide=helpers.license_required)
    with ledger.session() as s:
        assert audit.verify(s) == audit.VerifyResult(True, 8)
    return ledger


def tamper(ledger: Ledger, change: Callable[[Connection], None]) -> audit.VerifyResult:
    with ledger.engine.begin() as conn:
        change(conn)
    with ledger.session() as s:
        return audit.verify(s)


def _swap(conn: Connection, a: int, b: int) -> None:
    rows = {
        r.seq: r
        for r in conn.execute(
            text(
                "SELECT seq, recorded_at, actor, action, entity, payload, prev_hash, hash FROM audit_records "
                "WHERE seq IN (:a, :b)"
            ),
            {"a": a, "b": b},
        )
    }
    for seq, other in ((a, b), (b, a)):
        r = rows[other]
        conn.execute(
            text(
                "UPDATE audit_records SET recorded_at=:t, actor=:ac, action=:an, entity=:e, payload=:p, "
                "prev_hash=:ph, hash=:h WHERE seq=:s"
            ),
            {
                "t": r.recorded_at,
                "ac": r.actor,
                "an": r.action,
                "e": r.entity,
                "p": r.payload,
                "ph": r.prev_hash,
                "h": r.hash,
                "s": seq,
            },
        )


def test_changed_record_is_named(busy_ledger: Ledger) -> None:
    result = tamper(
        busy_ledger,
        lambda c: c.execute(
            text("UPDATE audit_records SET payload = REPLACE(payload, '\"ana\"', '\"eve\"') WHERE seq = 5")
        ),
    )
    assert (result.ok, result.first_bad_seq) == (False, 5)
    assert "content does not match its hash" in (result.problem or "")


def test_changed_column_outside_the_payload_is_named(busy_ledger: Ledger) -> None:
    result = tamper(busy_ledger, lambda c: c.execute(text("UPDATE audit_records SET actor = 'eve' WHERE seq = 6")))
    assert (result.ok, result.first_bad_seq) == (False, 6)
    assert "column actor" in (result.problem or "")


def test_deleted_record_is_named(busy_ledger: Ledger) -> None:
    result = tamper(busy_ledger, lambda c: c.execute(text("DELETE FROM audit_records WHERE seq = 3")))
    assert (result.ok, result.first_bad_seq) == (False, 4)
    assert "expected record 3 here; a record was deleted" in (result.problem or "")


def test_deleted_last_record_is_noticed(busy_ledger: Ledger) -> None:
    result = tamper(busy_ledger, lambda c: c.execute(text("DELETE FROM audit_records WHERE seq = 8")))
    assert (result.ok, result.first_bad_seq) == (False, 8)
    assert "records were deleted" in (result.problem or "")


def test_inserted_record_is_named(busy_ledger: Ledger) -> None:
    def insert_forged(conn: Connection) -> None:
        # make room after record 2, then insert a well-formed record chained to record 2
        for seq in range(8, 2, -1):
            conn.execute(text("UPDATE audit_records SET seq = :n WHERE seq = :o"), {"n": seq + 1, "o": seq})
        prev = conn.execute(text("SELECT hash FROM audit_records WHERE seq = 2")).scalar_one()
        payload = audit.canonical(
            {
                "hash_format": audit.HASH_FORMAT,
                "seq": 3,
                "recorded_at": "2025-08-01T00:00:00+00:00",
                "actor": "eve",
                "action": "license.grant",
                "entity": "licenses:9",
                "state": {},
            }
        )
        conn.execute(
            text(
                "INSERT INTO audit_records (seq, recorded_at, actor, action, entity, payload, prev_hash, hash) "
                "VALUES (3, '2025-08-01T00:00:00+00:00', 'eve', 'license.grant', 'licenses:9', :p, :ph, :h)"
            ),
            {"p": payload, "ph": prev, "h": audit.record_hash(prev, payload)},
        )

    result = tamper(busy_ledger, insert_forged)
    assert (result.ok, result.first_bad_seq) == (False, 4)  # the forged record chains; the next one does not
    assert "previous-hash link does not match" in (result.problem or "")


def test_reordered_records_are_named(busy_ledger: Ledger) -> None:
    result = tamper(busy_ledger, lambda c: _swap(c, 6, 7))
    assert (result.ok, result.first_bad_seq) == (False, 6)


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("UPDATE licenses SET quantity_used = 0", "row licenses:1 differs from audit record 8 in quantity_used"),
        ("UPDATE users SET role = 'admin' WHERE name = 'vic'", "row users:2 differs from audit record 2 in role"),
        ("DELETE FROM license_usage WHERE id = 2", "row license_usage:2 written by audit record 8 is missing"),
        (
            "INSERT INTO users (name, role, key_hash, key_prefix, active, created_at) "
            "VALUES ('eve', 'admin', 'x', 'cc_x', true, '2025-01-01')",
            "row users:5 is not in the audit log",
        ),
    ],
)
def test_rows_edited_outside_chipclear_are_found(busy_ledger: Ledger, sql: str, expected: str) -> None:
    result = tamper(busy_ledger, lambda c: c.execute(text(sql)))
    assert not result.ok
    assert expected in (result.problem or "")


def test_export_verifies_offline_and_catches_an_edit(busy_ledger: Ledger) -> None:
    out = io.StringIO()
    with busy_ledger.session() as s:
        assert audit.export(s, out) == 8
    lines = out.getvalue().splitlines()
    assert [json.loads(x)["seq"] for x in lines] == list(range(1, 9))
    first = json.loads(lines[0])["record"]
    assert {"actor", "action", "input", "output", "rules_version", "list_version", "recorded_at"} <= set(first)
    ok, _ = audit.verify_chain(audit.read_export(lines))
    assert ok == audit.VerifyResult(True, 8)
    edited = [*lines]
    rec = json.loads(edited[6])
    rec["record"]["input"]["quantity"] = 1
    edited[6] = json.dumps(rec)
    bad, _ = audit.verify_chain(audit.read_export(edited))
    assert (bad.ok, bad.first_bad_seq) == (False, 7)
    dropped, _ = audit.verify_chain(audit.read_export(lines[:3] + lines[4:]))
    assert (dropped.ok, dropped.first_bad_seq) == (False, 5)


def test_ship_records_hold_input_output_versions_actor_and_time(busy_ledger: Ledger) -> None:
    with busy_ledger.session() as s:
        out = io.StringIO()
        audit.export(s, out)
    rec = json.loads(out.getvalue().splitlines()[-1])["record"]
    assert rec["action"] == "ship" and rec["actor"] == "ana"
    assert rec["input"]["quantity"] == 20 and rec["output"]["verdict"] == "LICENSED"
    assert (rec["rules_version"], rec["list_version"]) == ("test-rules", "test-lists")
    assert set(rec["state"]) == {"shipments:2", "shipment_lines:2", "licenses:1", "license_usage:2"}


def test_anchor_catches_a_log_rewritten_with_recomputed_hashes(busy_ledger: Ledger) -> None:
    with busy_ledger.session() as s:
        before = audit.verify(s)
    assert before.last_hash is not None and len(before.last_hash) == 64
    anchor = (before.records, before.last_hash)

    def rewrite_from(conn: Connection, start: int) -> None:
        # a forger who changes record `start` and recomputes every later hash and the head
        rows = conn.execute(
            text("SELECT seq, payload, prev_hash FROM audit_records WHERE seq >= :s ORDER BY seq"), {"s": start}
        ).all()
        prev = rows[0].prev_hash
        for row in rows:
            payload = row.payload.replace('"quantity":100', '"quantity":900') if row.seq == start else row.payload
            digest = audit.record_hash(prev, payload)
            conn.execute(
                text("UPDATE audit_records SET payload=:p, prev_hash=:ph, hash=:h WHERE seq=:s"),
                {"p": payload, "ph": prev, "h": digest, "s": row.seq},
            )
            prev = digest
        conn.execute(text("UPDATE audit_head SET hash = :h"), {"h": prev})

    with busy_ledger.engine.begin() as conn:
        assert '"quantity":100' in conn.execute(text("SELECT payload FROM audit_records WHERE seq = 5")).scalar_one()
        rewrite_from(conn, 5)
    with busy_ledger.session() as s:
        assert audit.verify(s).ok  # the chain alone cannot tell
        result = audit.verify(s, [anchor])
    assert (result.ok, result.first_bad_seq) == (False, 8)
    assert "differs from the anchor" in (result.problem or "")
    with busy_ledger.session() as s:
        missing = audit.verify(s, [(99, before.last_hash)])
    assert (missing.ok, missing.first_bad_seq) == (False, 99)
    with pytest.raises(ValueError, match="SEQ:HASH"):
        audit.parse_anchor("8:nothex")
