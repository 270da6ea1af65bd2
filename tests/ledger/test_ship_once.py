"""``ship_lines_once``: a shipment recorded under a request's key (the console's Create shipment form) is recorded
once, however often and however close together the request comes, on SQLite and PostgreSQL; the license is drawn
once and the later requests get the first answer."""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy import func, select

from chipclear.ledger import Ledger
from chipclear.ledger import licenses as ledger_licenses
from chipclear.ledger import shipments as ledger_shipments
from chipclear.ledger.idempotency import idempotency
from chipclear.ledger.models import Shipment

from .conftest import Staff, grant_h20
from .helpers import h20_line, license_required


def _once(ledger: Ledger, staff: Staff, key: str, quantity: int = 10) -> tuple[dict[str, Any], bool]:
    line = h20_line(quantity)
    given = idempotency(key, {"order_line": line.model_dump(mode="json")}, field="submission")
    assert given is not None
    return ledger_shipments.ship_lines_once(
        ledger.session,
        staff.approver,
        [line],
        given,
        lambda _s, r: {"shipment": {"id": r.shipment.id}, "status": r.lines[0].line.status},
        decide=license_required,
    )


def _state(ledger: Ledger, staff: Staff) -> tuple[int, int]:
    with ledger.session() as s:
        shipments = s.execute(select(func.count()).select_from(Shipment)).scalar_one()
        return shipments, ledger_licenses.get_license(s, staff.viewer, "D123456").quantity_used


def test_the_same_key_sent_again_gets_the_first_answer(ledger: Ledger, staff: Staff) -> None:
    grant_h20(ledger, staff)
    first, replayed = _once(ledger, staff, "console-a")
    assert not replayed and first["status"] == "shipped"
    again, replayed = _once(ledger, staff, "console-a")
    assert replayed and again == first
    assert _state(ledger, staff) == (1, 10)
    other, replayed = _once(ledger, staff, "console-b")  # another check shown: another shipment
    assert not replayed and other["shipment"]["id"] != first["shipment"]["id"]
    assert _state(ledger, staff) == (2, 20)


def test_the_same_key_sent_at_once_records_one_shipment(ledger: Ledger, staff: Staff) -> None:
    grant_h20(ledger, staff)
    answers: list[tuple[dict[str, Any], bool]] = []
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def post() -> None:
        try:
            start.wait()
            answers.append(_once(ledger, staff, "console-twice"))
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=post) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []
    assert len({a["shipment"]["id"] for a, _ in answers}) == 1, answers
    assert sorted(r for _, r in answers) == [False, True, True, True]
    assert _state(ledger, staff) == (1, 10)
