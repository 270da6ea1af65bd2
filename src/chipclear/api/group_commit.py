"""Group commit for checks: concurrent checks share one ledger transaction and one disk sync.

Each check must leave a durable audit record before it is answered, and on SQLite commits are serial, each with a
disk sync (about 10 ms here), so one transaction per check caps throughput at the disk's sync rate. Here each
request thread makes its decision first (pure, no I/O), queues it, and takes the server's write lock: whoever gets
the lock takes every check queued at that moment and, in one transaction, gives each its own savepoint in which
the key is authenticated and ``services.check_line`` applies the licenses on file and appends the audit record.
Answers are released only after the commit; a check that fails (key, role, input) rolls back its savepoint alone;
if the commit fails, every check of the group fails and nothing of it is recorded.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from chipclear.api.deps import LedgerHolder
from chipclear.decision import Decision, OrderLine
from chipclear.ledger import services
from chipclear.ledger.sessions import signed_in_user
from chipclear.ledger.users import SystemActor, authenticate

log = logging.getLogger("chipclear.api")


def _already(decision: Decision) -> Callable[[OrderLine, dt.date | None], Decision]:
    def made(_line: OrderLine, _as_of: dt.date | None) -> Decision:
        return decision

    return made


@dataclass
class _Check:
    key: str
    line: OrderLine
    as_of: dt.date | None
    decision: Decision
    console: bool = False  # ``key`` is a console session id, not an API key
    done: threading.Event = field(default_factory=threading.Event)
    result: Decision | None = None
    error: BaseException | None = None


class GroupCommit:
    def __init__(self, holder: LedgerHolder) -> None:
        self.holder = holder
        self._pending: deque[_Check] = deque()
        self._mutex = threading.Lock()

    def check(
        self, key: str, line: OrderLine, as_of: dt.date | None, decision: Decision, *, console: bool = False
    ) -> Decision:
        item = _Check(key, line, as_of, decision, console)
        with self._mutex:
            self._pending.append(item)
        while not item.done.is_set():
            with self.holder.write_lock:
                if item.done.is_set():
                    break
                with self._mutex:
                    batch = list(self._pending)
                    self._pending.clear()
                if batch:
                    self._commit(batch)
        if item.error is not None:
            raise item.error
        assert item.result is not None
        return item.result

    def _commit(self, batch: list[_Check]) -> None:
        try:
            with self.holder.get().session() as session:
                for item in batch:
                    try:
                        with session.begin_nested():
                            user = (signed_in_user if item.console else authenticate)(session, item.key)
                            actor = SystemActor(user.name, user.role)
                            item.result = services.check_line(
                                session, item.line, actor, decide=_already(item.decision), as_of=item.as_of
                            )
                    except Exception as exc:  # this check only: its savepoint is rolled back
                        item.error = exc
        except BaseException as exc:  # the commit failed: nothing of this group is recorded
            log.exception("group commit of %d checks failed", len(batch))
            for item in batch:
                item.result, item.error = None, exc
                item.done.set()
            raise
        for item in batch:
            item.done.set()


__all__ = ["GroupCommit"]
