"""Checks at memory speed: decided from the compiled decision table, recorded by group commit.

Each check must leave a durable audit record before it is answered, and on SQLite commits are serial, each with a
disk sync, so one transaction per check caps throughput at the disk's sync rate. Here each check is decided first,
with no lock and no I/O: from the compiled decision table (``chipclear.determination.compiled``, equal to the
interpreter by test), with the parties' screening answers from a short-lived cache (``chipclear.screening.cached``)
and the reviewers' calls as last read from the ledger. The decision is then queued for the server's one writer
thread, which takes every check queued at that moment and, in one transaction under the server's write lock, reads
the reviews' version, the licenses on file and the audit head once, authenticates each key once, and for each check
applies the licenses and adds its audit record to the chain. A check decided with reviews older than the ledger's is
decided again there with the new ones (a review is never missed). Answers are released only after the commit; a
check that fails (key, role, input) records nothing and fails alone; if the commit fails, every check of the group
fails and nothing of it is recorded.

An API check whose every party's screening answer is already cached is decided on the event loop (about 0.1 ms);
any other is decided in a worker thread, so a new or long party name never holds up other requests.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import gc
import logging
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from chipclear.api.deps import LedgerHolder
from chipclear.api.errors import NotAvailable
from chipclear.decision import Decision, OrderLine
from chipclear.determination.compiled import DecisionTable
from chipclear.ledger import audit
from chipclear.ledger import checks as ledger_checks
from chipclear.ledger import shipments as ledger_shipments
from chipclear.ledger.idempotency import Idempotency, remember
from chipclear.ledger.models import AuditHead, License
from chipclear.ledger.reviews import review_snapshot, reviews_version
from chipclear.ledger.sessions import signed_in_user
from chipclear.ledger.users import SystemActor, authenticate
from chipclear.ledger.views import shipment_result_json
from chipclear.rules.schema import Layer
from chipclear.screening import default_screener
from chipclear.screening.cached import NotCached, ScreeningCache
from chipclear.screening.reviews import ReviewSnapshot
from chipclear.screening.store import built_default_screener

log = logging.getLogger("chipclear.api")
SCREENER_LOOKUP_SECONDS = 1.0


@dataclass
class Reviews:
    """The ledger's reviews as last read, with the version they were read at (-1: not read yet)."""

    version: int = -1
    snapshot: ReviewSnapshot = field(default_factory=lambda: ReviewSnapshot([]))


class Decider:
    """Decisions for the server's checks: the compiled table, cached screening answers, the reviews last read."""

    def __init__(self) -> None:
        self.reviews = Reviews()
        self.screening = ScreeningCache()
        self.ready = False  # the table and the screener are loaded (``warm``): cached decisions may run inline
        self._screener: tuple[float, Any] | None = None  # (when looked up, the process's screener)

    def warm(self, *, freeze_heap: bool = False) -> None:
        """Load the decision table and the screening index (slow the first time in a process).

        ``freeze_heap`` (a server process, ``create_server_app``): then move everything loaded so far out of the
        cyclic garbage collector's sight (``gc.freeze``). A server's heap is then mostly the table, the index, the
        catalog and the modules, kept for the life of the process, and each full collection walked all of it: 50-200
        ms during which the process answered nothing, the p99 of every route (health's too). Reference counting
        still frees what is replaced (a new list's index); only garbage in reference cycles among the frozen objects
        would stay, which is why a test process that builds many apps does not freeze."""
        try:
            DecisionTable.for_current()
            default_screener()
            self.ready = True
        except Exception:  # the first check will report what is wrong
            log.exception("could not load the decision table or the screening index ahead of the first check")
        if freeze_heap:
            gc.collect()  # what is garbage already is freed, not frozen
            gc.freeze()

    def decide(
        self,
        line: OrderLine,
        as_of: dt.date | None,
        reviews: Reviews | None = None,
        *,
        cached_only: bool = False,
        layer: Layer = "enforced",
    ) -> Decision:
        """What ``determine(line, as_of, layer=layer, reviews=...)`` gives (the ledger's determination), from the
        table of ``layer`` (each layer's table is the interpreter's answer by test, ``test_compiled_equivalence``).
        ``cached_only``: raise ``NotCached`` rather than screen a party whose answer is not cached."""
        reviews = reviews or self.reviews
        on = as_of or line.ship_date
        try:
            table = DecisionTable.for_current(layer=layer)
            ledger_checks.check_coverage(on, table.rules)  # the table's rules: no environment lookup per check
            screener = self.screening.bound(
                self.screener(built_only=cached_only), reviews.snapshot, reviews.version, cached_only=cached_only
            )
            return table.decide(line, on, screener=screener, reviews=reviews.snapshot)
        except ModuleNotFoundError as exc:
            if (exc.name or "").startswith("chipclear.determination"):
                raise NotAvailable("the determination engine (chipclear.determine) is not installed") from None
            raise

    def screener(self, *, built_only: bool = False) -> Any:
        """The process's screener over the active lists, looked up at most once a second (a list update, which
        builds a new screener, is seen within a second; the cached answers are keyed by the screener).

        ``built_only`` (a check decided on the event loop): raise ``NotCached`` rather than build the screener of a
        new list or wait for a thread building it; the build is seconds of CPU, during which an event loop would
        answer nothing, health included (the caller decides in a worker thread instead)."""
        now = time.monotonic()
        memo = self._screener
        if memo is None or now - memo[0] > SCREENER_LOOKUP_SECONDS:
            found = built_default_screener() if built_only else default_screener()
            if found is None:
                raise NotCached("the screener over the active lists is not built yet")
            memo = self._screener = (now, found)
        return memo[1]

    def refresh(self, session: Session) -> Reviews:
        """The reviews as the ledger holds them now (read again only when their version moved)."""
        version = reviews_version(session)
        if version != self.reviews.version:
            self.reviews = Reviews(version, review_snapshot(session))
        return self.reviews


@dataclass
class _Check:
    key: str
    line: OrderLine
    as_of: dt.date | None
    decision: Decision
    reviews_version: int
    console: bool = False  # ``key`` is a console session id, not an API key
    layer: Layer = "enforced"  # the rules layer the check was asked for (decided again in it after a review)
    done: threading.Event = field(default_factory=threading.Event)
    future: asyncio.Future[None] | None = None  # set for a check awaited on an event loop
    result: Decision | None = None
    error: BaseException | None = None

    def finish(self) -> None:
        _finish(self.done, self.future)

    def answer(self) -> Decision:
        if self.error is not None:
            raise self.error
        assert self.result is not None
        return self.result


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


def _finish(done: threading.Event, future: asyncio.Future[None] | None) -> None:
    """An item is recorded (or failed): wake the thread waiting on ``done``, or the event loop awaiting ``future``."""
    done.set()
    if future is not None:
        future.get_loop().call_soon_threadsafe(_resolve, future)


class _Item(Protocol):
    result: Any
    error: BaseException | None

    def finish(self) -> None: ...


Actors = dict[tuple[str, bool], SystemActor | Exception]  # one group's keys, authenticated once each


def _authenticated(actors: Actors, session: Session, key: str, console: bool = False) -> SystemActor:
    """The actor holding ``key`` (a console session id with ``console``), authenticated once per group: a refusal
    is the same answer for the group's other items with that key."""
    who = (key, console)
    if who not in actors:
        try:
            user = (signed_in_user if console else authenticate)(session, key)
            actors[who] = SystemActor(user.name, user.role)
        except Exception as exc:
            actors[who] = exc
    found = actors[who]
    if isinstance(found, Exception):
        raise found
    return found


W = TypeVar("W", bound=_Item)


class _Writer(Generic[W]):
    """A queue of work items and the one writer thread that records them, every item queued at that moment in one
    transaction under the server's write lock (``_commit``), each item answered only after that commit."""

    thread_name = "chipclear-group-commit"

    def __init__(self, holder: LedgerHolder, decider: Decider | None = None) -> None:
        self.holder = holder
        self.decider = decider or Decider()
        self._pending: deque[W] = deque()
        self._wake = threading.Condition()
        self._thread: threading.Thread | None = None
        self._closed = False

    def _submit(self, item: W) -> None:
        with self._wake:
            if self._closed:
                raise NotAvailable("the server is shutting down")
            self._pending.append(item)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name=self.thread_name, daemon=True)
                self._thread.start()
            self._wake.notify()

    def close(self) -> None:
        """Record what is queued, then stop the writer thread."""
        with self._wake:
            self._closed = True
            self._wake.notify()
            thread = self._thread
        if thread is not None:
            thread.join(timeout=60)

    def _run(self) -> None:
        while True:
            with self._wake:
                while not self._pending and not self._closed:
                    self._wake.wait()
                if not self._pending:
                    return
                batch = list(self._pending)
                self._pending.clear()
            try:
                with self.holder.write_lock:
                    self._commit(batch)
            except BaseException:  # every item of the group holds the error; keep serving the next groups
                log.exception("group commit of %d %s failed", len(batch), self.thread_name)
            finally:
                for item in batch:
                    item.finish()

    def _commit(self, batch: list[W]) -> None:
        """Record ``batch`` in one transaction (``_record``); if that fails, nothing of it is recorded and every
        item holds the error."""
        try:
            self._record(batch)
        except BaseException as exc:
            for item in batch:
                item.result, item.error = None, exc
            raise

    def _record(self, batch: list[W]) -> None:
        raise NotImplementedError


class GroupCommit(_Writer[_Check]):
    """The server's checks, recorded by one writer thread in group transactions (see the module docstring)."""

    # -- the callers' side ------------------------------------------------------------------------------------
    def check(
        self, key: str, line: OrderLine, as_of: dt.date | None, *, console: bool = False, layer: Layer = "enforced"
    ) -> Decision:
        """Decide and record one check, waiting for its group's commit (for threads: the console, tests)."""
        reviews = self.decider.reviews
        decision = self.decider.decide(line, as_of, reviews, layer=layer)
        item = _Check(key, line, as_of, decision, reviews.version, console, layer)
        self._submit(item)
        item.done.wait()
        return item.answer()

    async def acheck(
        self, key: str, line: OrderLine, as_of: dt.date | None, *, console: bool = False, layer: Layer = "enforced"
    ) -> Decision:
        """``check`` for the event loop: decided inline when every screening answer is cached, else in a worker
        thread; the commit is awaited without holding a thread. Only the enforced layer's table is loaded ahead
        (``Decider.warm``): a check in another layer is decided in a worker thread, where its table may load."""
        reviews = self.decider.reviews
        decision = None
        if self.decider.ready and layer == "enforced":
            try:
                decision = self.decider.decide(line, as_of, reviews, cached_only=True)
            except NotCached:
                decision = None
        if decision is None:
            decision = await run_in_threadpool(self.decider.decide, line, as_of, reviews, layer=layer)
        loop = asyncio.get_running_loop()
        item = _Check(key, line, as_of, decision, reviews.version, console, layer, future=loop.create_future())
        self._submit(item)
        assert item.future is not None
        await asyncio.shield(item.future)  # a client that goes away does not cancel a check being recorded
        return item.answer()

    # -- the writer thread ------------------------------------------------------------------------------------
    def _record(self, batch: list[_Check]) -> None:
        with self.holder.get().session() as session:
            reviews = self.decider.refresh(session)
            ctx = ledger_checks.check_context(session)
            actors: Actors = {}
            for item in batch:
                try:
                    actor = _authenticated(actors, session, item.key, item.console)
                    decision = item.decision
                    if item.reviews_version != reviews.version:  # decided before a review: decide again
                        decision = self.decider.decide(item.line, item.as_of, reviews, layer=item.layer)
                    item.result = ledger_checks.record_check(item.line, decision, actor, ctx)
                except Exception as exc:  # this check only: it added nothing to the chain
                    item.error = exc
            ctx.chain.write(session)


@dataclass
class _Shipment:
    key: str
    lines: list[OrderLine]
    reference: str | None
    license_number: str | None
    decided: list[Decision]
    reviews_version: int
    done: threading.Event = field(default_factory=threading.Event)
    future: asyncio.Future[None] | None = None  # set for a shipment awaited on an event loop
    idempotency: Idempotency | None = None  # the request's Idempotency-Key: its answer is kept under it
    result: tuple[dict[str, Any], SystemActor] | None = None  # the answer's JSON and the actor who shipped
    error: BaseException | None = None

    def finish(self) -> None:
        _finish(self.done, self.future)

    def answer(self) -> tuple[dict[str, Any], SystemActor]:
        if self.error is not None:
            raise self.error
        assert self.result is not None
        return self.result


class _Apart(Exception):
    """A shipment group that cannot be recorded together (``ShipmentGroup._record_together``); the cause is
    chained."""


class ShipmentGroup(_Writer[_Shipment]):
    """The server's shipments, recorded by one writer thread, every shipment queued at that moment in one
    transaction, one after the other, so each sees the license balance the ones before it left; the answers are
    released after the one commit. The group's rows are flushed together and its audit records written once
    (``_record_together``); a shipment refused before it changes anything (key, role, input, a license number not
    on file) fails alone, and if one fails later, nothing of that attempt is kept and the group is recorded again
    with each shipment in a savepoint of its own, so that the one that fails is rolled back alone
    (``_record_apart``). The lines are decided before they are queued (``decide_lines``), with
    the reviews as last read; the writer authenticates each key once per group and decides a shipment's lines
    again when the ledger's reviews moved since."""

    thread_name = "chipclear-shipments"

    def ship(
        self,
        key: str,
        lines: list[OrderLine],
        decided: list[Decision],
        reviews_version: int,
        *,
        reference: str | None = None,
        license_number: str | None = None,
    ) -> tuple[dict[str, Any], SystemActor]:
        """Record one shipment (``ledger.shipments.ship``) in the next group; its JSON answer and actor."""
        item = _Shipment(key, lines, reference, license_number, decided, reviews_version)
        self._submit(item)
        item.done.wait()
        return item.answer()

    async def aship(
        self,
        key: str,
        lines: list[OrderLine],
        decided: list[Decision],
        reviews_version: int,
        *,
        reference: str | None = None,
        license_number: str | None = None,
        idempotency: Idempotency | None = None,
    ) -> tuple[dict[str, Any], SystemActor]:
        """``ship`` for the event loop: the commit is awaited without holding a thread. ``idempotency``: the answer
        is kept under the request's key in the shipment's transaction (``ledger.idempotency``)."""
        future = asyncio.get_running_loop().create_future()
        item = _Shipment(
            key, lines, reference, license_number, decided, reviews_version, future=future, idempotency=idempotency
        )
        self._submit(item)
        await asyncio.shield(future)  # a client that goes away does not cancel a shipment being recorded
        return item.answer()

    def _record(self, batch: list[_Shipment]) -> None:
        try:
            self._record_together(batch)
        except _Apart as apart:
            log.info("a shipment group of %d is recorded apart: %r", len(batch), apart.__cause__)
            self._record_apart(batch)

    def _record_together(self, batch: list[_Shipment]) -> None:
        """The usual case: every shipment of the group in the one transaction without savepoints, their rows
        flushed together when the group's audit chain is written (``audit.Chain(deferred=True)``). A shipment
        refused before it changes anything (its key, its role, its input, a license number not on file:
        ``refuse_shipment``) fails alone; any later failure raises ``_Apart``, with nothing of the group committed,
        and the group is recorded apart."""
        with self.holder.get().session() as session:
            reviews = self.decider.refresh(session)
            locked = ledger_shipments.lock_for_ship(session)  # held to the commit
            chain = audit.Chain(locked[1], deferred=True)
            actors: Actors = {}
            accepted = []
            for item in batch:  # before any row is added (so a query here flushes nothing)
                try:
                    actor = _authenticated(actors, session, item.key)
                    ledger_shipments.refuse_shipment(
                        item.lines,
                        actor,
                        reference=item.reference,
                        license_number=item.license_number,
                        decided=item.decided,
                        licenses=locked[0],
                    )
                except Exception as exc:  # refused before it changed anything: this shipment fails alone
                    item.result, item.error = None, exc
                else:
                    accepted.append((item, actor))
            try:
                shipped = [
                    (item, actor, self._ship(session, item, reviews, actor, locked, chain)) for item, actor in accepted
                ]
                chain.write(session)  # flushes the group's rows, then adds its records
                answers = [(item, actor, _answer(session, item, actor, result)) for item, actor, result in shipped]
            except Exception as exc:
                raise _Apart from exc
            for item, actor, answer in answers:
                item.result = (answer, actor)

    def _record_apart(self, batch: list[_Shipment]) -> None:
        """Each shipment in a savepoint of its own: one that fails (its key, role, license or input) is rolled back
        alone, and its audit records are taken off the group's chain."""
        with self.holder.get().session() as session:
            reviews = self.decider.refresh(session)
            locked = ledger_shipments.lock_for_ship(session)  # held to the commit, whatever savepoint fails
            chain = audit.Chain(locked[1])
            actors: Actors = {}
            for item in batch:
                item.result, item.error = None, None
                mark = chain.mark()
                try:
                    with session.begin_nested():
                        actor = _authenticated(actors, session, item.key)
                        result = self._ship(session, item, reviews, actor, locked, chain)
                        item.result = (_answer(session, item, actor, result), actor)
                except Exception as exc:  # this shipment only: its savepoint is rolled back, its records dropped
                    chain.rewind(mark)
                    item.result, item.error = None, exc
            chain.write(session)

    def _ship(
        self,
        session: Session,
        item: _Shipment,
        reviews: Reviews,
        actor: SystemActor,
        locked: tuple[list[License], AuditHead],
        chain: audit.Chain,
    ) -> ledger_shipments.ShipmentResult:
        decided = item.decided
        if item.reviews_version != reviews.version:  # decided before a review came in: decide again with it
            decided = ledger_shipments.decide_lines(
                self.holder.transaction, item.lines, lambda line, on: self.decider.decide(line, on, reviews)
            )
        return ledger_shipments.ship(
            session,
            item.lines,
            actor,
            reference=item.reference,
            license_number=item.license_number,
            decided=decided,
            locked=locked,
            chain=chain,
        )


def _answer(
    session: Session, item: _Shipment, actor: SystemActor, result: ledger_shipments.ShipmentResult
) -> dict[str, Any]:
    """The shipment's JSON answer, kept under the request's idempotency key in the same transaction (``KeyTaken``
    when another request took the key first: this shipment is then rolled back)."""
    answer = shipment_result_json(result)
    if item.idempotency is not None:
        remember(session, actor.name, item.idempotency, result.shipment.id, answer)
    return answer


def check_and_record(
    group: GroupCommit, key: str, line: OrderLine, as_of: dt.date | None, *, console: bool = False
) -> Decision:
    """The ledger's check (determination, licenses on file, audit record), shared by the API and the console.

    The determination runs first, outside any transaction; the ledger step runs in a group commit with the
    other checks waiting at that moment, answered only after the commit."""
    return group.check(key, line, as_of, console=console)


__all__ = ["Decider", "GroupCommit", "Reviews", "ShipmentGroup", "check_and_record"]
