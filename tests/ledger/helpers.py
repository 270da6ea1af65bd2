"""Hand-built decisions and lines for ledger tests (no determination engine needed)."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

from chipclear.decision import Decision, OrderLine, Party, Reason, ReviewPolicy, Verdict

END_USER = "Example Cloud Co"
CONSIGNEE = "Example Distribution Ltd"


def h20_line(quantity: int = 10, ship_date: dt.date = dt.date(2025, 8, 20), value: float | None = None) -> OrderLine:
    return OrderLine(
        item="nvidia-h20",
        quantity=quantity,
        destination="CN",
        ship_date=ship_date,
        value_usd=value,
        parties=[
            Party(name=END_USER, role="end_user", country="CN"),
            Party(name=CONSIGNEE, role="ultimate_consignee", country="CN"),
        ],
    )


def stub_decision(line: OrderLine, verdict: Verdict = Verdict.LICENSE_REQUIRED) -> Decision:
    return Decision(
        verdict=verdict,
        review_policy=ReviewPolicy.CASE_BY_CASE if verdict == Verdict.LICENSE_REQUIRED else None,
        classification={"item": {"id": "nvidia-h20"}, "eccn": "3A090.a"},
        reasons=[Reason(rule="test.stub", citation="test fixture", detail=f"stub {verdict.value}")],
        rules_version="test-rules",
        list_version="test-lists",
        as_of=line.ship_date or dt.date(2025, 8, 20),
        input=line.model_dump(mode="json"),
    )


def license_required(line: OrderLine, as_of: dt.date | None = None, reviews: object = None) -> Decision:
    return stub_decision(line, Verdict.LICENSE_REQUIRED)


def hold(line: OrderLine, as_of: dt.date | None = None, reviews: object = None) -> Decision:
    d = stub_decision(line, Verdict.HOLD)
    return d.model_copy(update={"missing": ["screening review of Example Cloud Co"]})


def prohibited(line: OrderLine, as_of: dt.date | None = None, reviews: object = None) -> Decision:
    return stub_decision(line, Verdict.PROHIBITED)


def nlr(line: OrderLine, as_of: dt.date | None = None, reviews: object = None) -> Decision:
    return stub_decision(line, Verdict.NLR)


H20_PARTIES = [
    {"name": END_USER, "role": "end_user", "country": "CN"},
    {"name": CONSIGNEE, "role": "ultimate_consignee", "country": "CN"},
]


def failing_commit(real: Callable[[], AbstractContextManager[Any]], error: Exception) -> Callable[[], Any]:
    """A ``Ledger.session`` whose transaction raises ``error`` at its end: the commit fails, everything rolls back."""

    @contextmanager
    def session() -> Iterator[Any]:
        with real() as s:
            yield s
            raise error

    return session


def start_ship_workers(
    url: str, count: int, shipments: int, prefix: str, wait_after_first: Path | None = None
) -> list[subprocess.Popen[str]]:
    """``count`` processes each shipping ``shipments`` one-unit H20 lines (``ship_worker.py``) as ``{prefix}{i}``;
    with ``wait_after_first``, each waits after its first line until that file exists."""
    worker = Path(__file__).with_name("ship_worker.py")
    extra = ["--wait-after-first", str(wait_after_first)] if wait_after_first is not None else []
    return [
        subprocess.Popen(
            [sys.executable, str(worker), url, str(shipments), f"{prefix}{i}", *extra],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(count)
    ]
