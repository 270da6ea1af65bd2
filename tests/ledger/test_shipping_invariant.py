"""Nothing ships that the rules forbid (issue 12): random order lines, parties (listed, near-listed, clean),
licenses, reviews and releases through the ledger services with the real engine; on every path a line is shipped
or released only if its final decision is NLR, a license exception, or LICENSED under a license whose balance
was decremented by exactly its quantity."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from typer.testing import CliRunner

from chipclear.api import create_app
from chipclear.cli import app as cli_app
from chipclear.decision import OrderLine, Party
from chipclear.errors import Conflict
from chipclear.ledger import Ledger, open_ledger
from chipclear.ledger import checks as ledger_checks
from chipclear.ledger import licenses as ledger_licenses
from chipclear.ledger import parties as ledger_parties
from chipclear.ledger import reviews as ledger_reviews
from chipclear.ledger import shipments as ledger_shipments
from chipclear.ledger.models import AuditRecord, License, LicenseUsage, ShipmentLine

from .conftest import Staff

PARTIES = [
    ("Huawei Technologies Co., Ltd.", "CN"),  # listed (Entity List, CMIC)
    ("Huawei Technologies Services Co", "CN"),  # near-listed
    ("Example Trading GmbH", "DE"),  # clean
]
ITEMS = ["H100", "nvidia-h20", "L20"]
DESTINATIONS = ["CN", "DE", "SG"]
DATES = [dt.date(2024, 6, 1), dt.date(2025, 5, 1), dt.date(2025, 9, 1)]

lines = st.builds(
    lambda item, dest, day, party, qty: OrderLine(
        item=item,
        quantity=qty,
        destination=dest,
        ship_date=day,
        parties=[Party(name=party[0], role="end_user", country=party[1])],
    ),
    st.sampled_from(ITEMS),
    st.sampled_from(DESTINATIONS),
    st.sampled_from(DATES),
    st.sampled_from(PARTIES),
    st.integers(min_value=1, max_value=40),
)


def _grant(ledger: Ledger, staff: Staff, line: OrderLine, quantity: int, n: int) -> None:
    with ledger.session() as s:
        party = line.parties[0]
        app = ledger_licenses.apply_for_license(
            s,
            staff.analyst,
            items=[line.item],
            destinations=[line.destination],
            parties=[{"name": party.name, "role": "end_user", "country": party.country}],
            quantity=quantity,
            application_number=f"ZINV{n}",
            submitted_on=dt.date(2024, 1, 1),
        )
        ledger_licenses.grant_license(
            s, staff.approver, app.id, number=f"DINV{n}", valid_from=dt.date(2024, 1, 1), valid_to=dt.date(2027, 1, 1)
        )


def check_invariant(ledger: Ledger) -> None:
    with ledger.session() as s:
        usage = {u.shipment_line_id: u for u in s.execute(select(LicenseUsage)).scalars()}
        for sl in s.execute(select(ShipmentLine)).scalars():
            verdict = sl.decision["verdict"]
            if sl.status in ("shipped", "released"):
                assert verdict in ("NLR", "LICENSE_EXCEPTION", "LICENSED"), (sl.id, sl.status, verdict)
                if verdict == "LICENSED":
                    assert not sl.decision.get("missing"), (sl.id, sl.decision["missing"])
                    u = usage[sl.id]
                    assert (u.license_id, u.quantity) == (sl.license_id, sl.quantity)
                else:
                    assert sl.id not in usage
            else:
                assert sl.id not in usage, (sl.id, sl.status)
        for lic in s.execute(select(License)).scalars():
            used = sum(u.quantity for u in usage.values() if u.license_id == lic.id)
            assert lic.quantity_used == used
            assert lic.quantity_limit is None or used <= lic.quantity_limit


@dataclass
class World:
    ledger: Ledger
    staff: Staff
    url: str
    client: TestClient


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    url = f"sqlite:///{Path(tmp_path_factory.mktemp('inv')) / 'ledger.db'}"
    led = open_ledger(url)
    with TestClient(create_app(url)) as client:
        yield World(led, Staff(led), url, client)
    led.close()


_counter = [0]


def _ship(w: World, door: str, order: list[OrderLine]) -> list[tuple[int, str, dict[str, Any]]]:
    """Ship through one door; (line id, status, decision JSON) of each line."""
    if door == "services":
        return ledger_shipments.ship_lines(
            w.ledger.session,
            w.staff.analyst,
            order,
            lambda _s, r: [(x.line.id, x.line.status, x.decision.to_json()) for x in r.lines],
        )
    if door == "api":
        body = {"lines": [ln.model_dump(mode="json") for ln in order]}
        r = w.client.post("/api/shipments", json=body, headers={"X-API-Key": w.staff.keys["analyst"]})
        assert r.status_code == 201, r.text
        return [(x["line_id"], x["status"], x["decision"]) for x in r.json()["lines"]]
    out = []
    for ln in order:  # the CLI ships one line per command here
        party = ln.parties[0]
        args = ["ship", "--item", ln.item, "--quantity", str(ln.quantity), "--destination", ln.destination]
        args += ["--ship-date", str(ln.ship_date), "--end-user", f"{party.name}@{party.country}", "--json"]
        res = CliRunner().invoke(cli_app, [*args, "--api-key", w.staff.keys["analyst"]], env=_env(w))
        assert res.exit_code in (0, 1), res.output
        x = json.loads(res.output)[0]
        out.append((x["line_id"], x["status"], x["decision"]))
    return out


def _env(w: World) -> dict[str, str]:
    return {"CHIPCLEAR_DATABASE_URL": w.url, "CHIPCLEAR_API_KEY": ""}


def _release(w: World, door: str, line_id: int, reviews: list[ledger_shipments.ReviewAnswer]) -> None:
    reason = "invariant test"
    if door == "services":
        with contextlib.suppress(Conflict):
            ledger_shipments.release_line(
                w.ledger.session,
                w.staff.approver,
                line_id,
                lambda _s, _d: None,
                reason=reason,
                answers=ledger_shipments.ReleaseAnswers(reviews, {}),
            )
    elif door == "api":
        body = {
            "reason": reason,
            "reviews": [{"entry_id": a.entry_id, "party": a.party, "decision": a.decision} for a in reviews],
        }
        r = w.client.post(f"/api/holds/{line_id}/release", json=body, headers={"X-API-Key": w.staff.keys["approver"]})
        assert r.status_code in (200, 409), r.text
    else:
        args = ["hold", "release", str(line_id), "--reason", reason, "--api-key", w.staff.keys["approver"]]
        for a in reviews:
            args += [f"--{a.decision.replace('_', '-')}", f"{a.party}::{a.entry_id}"]
        res = CliRunner().invoke(cli_app, args, env=_env(w))
        assert res.exit_code in (0, 2), res.output


@settings(max_examples=24, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    door=st.sampled_from(["services", "api", "cli"]),
    order=st.lists(lines, min_size=1, max_size=3),
    license_quantity=st.one_of(st.none(), st.integers(min_value=1, max_value=60)),
    answers=st.lists(st.sampled_from(["match", "not_a_match", None]), min_size=0, max_size=4),
)
def test_nothing_ships_without_authority(
    world: World, door: str, order: list[OrderLine], license_quantity: int | None, answers: list[str | None]
) -> None:
    _counter[0] += 1
    if license_quantity is not None:
        _grant(world.ledger, world.staff, order[0], license_quantity, _counter[0])
    for line_id, status, decision in _ship(world, door, order):
        check_invariant(world.ledger)
        if status != "held":
            continue
        hits = [h for h in decision["screening"] if h.get("entry_id") and not h.get("suppressed_by")]
        reviews = [
            ledger_shipments.ReviewAnswer(h["party"], h["entry_id"], "", a, "reviewed in the invariant test")
            for h, a in zip(hits, answers, strict=False)
            if a is not None
        ]
        _release(world, door, line_id, reviews)
        check_invariant(world.ledger)


def test_h100_to_huawei_release_is_refused(tmp_path: Path) -> None:
    ledger = open_ledger(f"sqlite:///{tmp_path / 'ledger.db'}")
    staff = Staff(ledger)
    line = OrderLine(
        item="H100",
        quantity=8,
        destination="CN",
        ship_date=dt.date(2025, 5, 1),
        parties=[Party(name="Huawei Technologies Co., Ltd.", role="end_user", country="CN")],
    )
    out = ledger_shipments.ship_lines(
        ledger.session, staff.analyst, [line], lambda _s, r: [(x.line.id, x.line.status, x.decision) for x in r.lines]
    )
    line_id, status, decision = out[0]
    assert status == "held" and decision.verdict.value == "LICENSE_REQUIRED"
    # even with every possible match cleared, the exact Entity List matches keep the license requirement
    hits = [h for h in decision.screening if h["determination"] != "match"]
    reviews = [
        ledger_shipments.ReviewAnswer(h["party"], h["entry_id"], "", "not_a_match", "other company") for h in hits
    ]
    with pytest.raises(Conflict, match="needs a covering license"):
        ledger_shipments.release_line(
            ledger.session,
            staff.approver,
            line_id,
            lambda _s, _d: None,
            reason="override",
            answers=ledger_shipments.ReleaseAnswers(reviews, {}),
        )
    with ledger.session() as s:
        sl = ledger_shipments.get_line(s, staff.viewer, line_id)
        assert sl.status == "held" and sl.verdict == "LICENSE_REQUIRED"
        # nothing of the refused release took effect: the line keeps the decision it was held with, no review is
        # on file; the re-decision (the reviewed possible matches no longer open) is in the refusal's record
        assert sl.decision["screening"] == decision.to_json()["screening"]
        assert any("review of possible match" in m for m in sl.decision["missing"])
        assert ledger_reviews.review_snapshot(s).decisions() == []
        refused = list(s.execute(select(AuditRecord).where(AuditRecord.action == "hold.release.refused")).scalars())
        assert len(refused) == 1
        would = json.loads(refused[0].payload)["output"]["decision"]
        assert not any("review of possible match" in m for m in would["missing"])
        assert any("suppressed by" in r["detail"] for r in would["reasons"])
    check_invariant(ledger)


def test_a_long_decision_holds_no_write_lock(tmp_path: Path) -> None:
    """Shipments decide before their transaction: while one waits on a slow engine, other writers commit. The slow
    engine waits until the other writer has committed, so no timing is involved: if the shipment held the write
    lock, the other writer would wait on it and the engine would time out instead of being released."""
    import threading

    ledger = open_ledger(f"sqlite:///{tmp_path / 'ledger.db'}")
    staff = Staff(ledger)
    started, wrote = threading.Event(), threading.Event()
    released: list[bool] = []

    def slow(line: OrderLine, as_of: dt.date | None) -> Any:
        started.set()
        released.append(wrote.wait(20))
        return ledger_checks.default_decide(line, as_of)

    line = OrderLine(item="L20", quantity=1, destination="DE", ship_date=dt.date(2025, 5, 1))
    worker = threading.Thread(
        target=ledger_shipments.ship_lines,
        args=(ledger.session, staff.analyst, [line], lambda _s, _r: None),
        kwargs={"decide": slow},
    )
    worker.start()
    assert started.wait(5)
    with ledger.session() as s:  # BEGIN IMMEDIATE: would wait for the shipment if it held the write lock
        ledger_parties.upsert_party(s, Party(name="Example Trading GmbH", role="end_user", country="DE"), staff.analyst)
    wrote.set()
    worker.join(30)
    assert released == [True]  # the engine was still deciding when the other writer committed
    check_invariant(ledger)
    ledger.close()
