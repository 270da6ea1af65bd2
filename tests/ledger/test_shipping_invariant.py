"""Nothing ships that the rules forbid (issue 12): random order lines, parties (listed, near-listed, clean),
licenses, reviews and releases through the ledger services with the real engine; on every path a line is shipped
or released only if its final decision is NLR, a license exception, or LICENSED under a license whose balance
was decremented by exactly its quantity."""

from __future__ import annotations

import contextlib
import datetime as dt
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from chipclear.decision import OrderLine, Party
from chipclear.errors import Conflict
from chipclear.ledger import Ledger, open_ledger, services
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
        app = services.apply_for_license(
            s,
            staff.analyst,
            items=[line.item],
            destinations=[line.destination],
            parties=[{"name": party.name, "role": "end_user", "country": party.country}],
            quantity=quantity,
            application_number=f"ZINV{n}",
            submitted_on=dt.date(2024, 1, 1),
        )
        services.grant_license(
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


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> tuple[Ledger, Staff]:
    led = open_ledger(f"sqlite:///{Path(tmp_path_factory.mktemp('inv')) / 'ledger.db'}")
    return led, Staff(led)


_counter = [0]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    order=st.lists(lines, min_size=1, max_size=3),
    license_quantity=st.one_of(st.none(), st.integers(min_value=1, max_value=60)),
    answers=st.lists(st.sampled_from(["match", "not_a_match", None]), min_size=0, max_size=4),
)
def test_nothing_ships_without_authority(
    world: tuple[Ledger, Staff], order: list[OrderLine], license_quantity: int | None, answers: list[str | None]
) -> None:
    ledger, staff = world
    _counter[0] += 1
    if license_quantity is not None:
        _grant(ledger, staff, order[0], license_quantity, _counter[0])
    result = services.ship_lines(
        ledger.session, staff.analyst, order, lambda _s, r: [(x.line.id, x.line.status) for x in r.lines]
    )
    check_invariant(ledger)
    for line_id, status in result:
        if status != "held":
            continue
        with ledger.session() as s:
            held = services.get_line(s, staff.viewer, line_id).decision
        hits = [h for h in held["screening"] if h.get("entry_id") and not h.get("suppressed_by")]
        reviews = [
            services.ReviewAnswer(h["party"], h["entry_id"], "", a, "reviewed in the invariant test")
            for h, a in zip(hits, answers, strict=False)
            if a is not None
        ]
        with contextlib.suppress(Conflict):
            services.release_line(
                ledger.session,
                staff.approver,
                line_id,
                lambda _s, _d: None,
                reason="invariant test",
                answers=services.ReleaseAnswers(reviews, {}),
            )
        check_invariant(ledger)


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
    out = services.ship_lines(
        ledger.session, staff.analyst, [line], lambda _s, r: [(x.line.id, x.line.status, x.decision) for x in r.lines]
    )
    line_id, status, decision = out[0]
    assert status == "held" and decision.verdict.value == "LICENSE_REQUIRED"
    # even with every possible match cleared, the exact Entity List matches keep the license requirement
    hits = [h for h in decision.screening if h["determination"] != "match"]
    reviews = [services.ReviewAnswer(h["party"], h["entry_id"], "", "not_a_match", "other company") for h in hits]
    with pytest.raises(Conflict, match="needs a covering license"):
        services.release_line(
            ledger.session,
            staff.approver,
            line_id,
            lambda _s, _d: None,
            reason="override",
            answers=services.ReleaseAnswers(reviews, {}),
        )
    with ledger.session() as s:
        sl = services.get_line(s, staff.viewer, line_id)
        assert sl.status == "held" and sl.verdict == "LICENSE_REQUIRED"
        # the reviewed possible matches are no longer open questions in the re-decision
        assert not any("review of possible match" in m for m in sl.decision["missing"])
        assert any("suppressed by" in r["detail"] for r in sl.decision["reasons"])
        refused = s.execute(select(AuditRecord).where(AuditRecord.action == "hold.release.refused")).scalars()
        assert len(list(refused)) == 1
    check_invariant(ledger)
