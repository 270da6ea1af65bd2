"""Group commit of checks: concurrent checks share transactions, each is recorded once, a failing check (wrong
key, wrong role) fails alone, and the audit chain verifies."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import func, select
from tests.ledger.helpers import failing_commit

from chipclear.api.deps import LedgerHolder
from chipclear.api.group_commit import GroupCommit
from chipclear.decision import OrderLine, Verdict
from chipclear.errors import PermissionDenied
from chipclear.ledger import audit
from chipclear.ledger.models import AuditRecord

from .conftest import Keys

LINE = OrderLine(item="H20", quantity=8, destination="CN", ship_date=dt.date(2025, 5, 1))


def test_concurrent_checks_are_each_recorded_once(db_url: str, keys: Keys) -> None:
    holder = LedgerHolder(db_url)
    group = GroupCommit(holder)
    results: list[object] = []
    errors: list[BaseException] = []
    plan = [keys.analyst] * 30 + ["cc_wrong-key-00000000000000000000000000"] * 3 + [keys.viewer] * 3

    def worker(key: str) -> None:
        try:
            results.append(group.check(key, LINE, None))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(k,)) for k in plan]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert len(results) == 30 and len(errors) == 6
    assert all(isinstance(e, PermissionDenied) for e in errors)
    assert {r.verdict for r in results} == {Verdict.LICENSE_REQUIRED}  # type: ignore[attr-defined]
    assert {r.actor for r in results} == {"carol"}  # type: ignore[attr-defined]
    with holder.get().session() as s:
        checks = s.execute(select(func.count()).select_from(AuditRecord).where(AuditRecord.action == "check"))
        assert checks.scalar_one() == 30
        assert audit.verify(s).ok
    holder.close()


def test_a_failed_commit_fails_every_check_of_the_group(
    db_url: str, keys: Keys, monkeypatch: pytest.MonkeyPatch
) -> None:
    holder = LedgerHolder(db_url)
    group = GroupCommit(holder)
    ledger = holder.get()
    real = ledger.session

    class Boom(Exception):
        pass

    monkeypatch.setattr(ledger, "session", failing_commit(real, Boom("disk full")))
    with pytest.raises(Boom):
        group.check(keys.analyst, LINE, None)
    monkeypatch.setattr(ledger, "session", real)
    with ledger.session() as s:
        assert (
            s.execute(select(func.count()).select_from(AuditRecord).where(AuditRecord.action == "check")).scalar_one()
            == 0
        )
    holder.close()
