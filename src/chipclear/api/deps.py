"""Per-application state (the open ledger) and authentication by API key.

A key is read from ``X-API-Key`` or ``Authorization: Bearer <key>`` (the API). The console signs in with the key
once and then carries a random session id in its cookie (``chipclear.ledger.sessions``), accepted by console
pages only, never by the JSON API, so a cross-site form cannot act with a browser's cookie.
Authentication and the operation run in one ledger transaction (``Tx``): a revoked key stops working at once.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from types import UnionType
from typing import Annotated, Any, TypeVar, Union, get_args, get_origin

from fastapi import Request, Security, params
from fastapi.exceptions import RequestValidationError
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from chipclear import filelocks
from chipclear.api.errors import Unauthorized
from chipclear.ledger import Ledger, open_ledger
from chipclear.ledger.db import sqlite_file
from chipclear.ledger.reads import CoreReader, NotQuick, Reader
from chipclear.ledger.roles import require
from chipclear.ledger.users import SystemActor, actor_of, authenticate, hash_key

T = TypeVar("T")

COOKIE_NAME = "chipclear_session"  # a console session id (chipclear.ledger.sessions), never the key

api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="Your chipclear API key")
bearer = HTTPBearer(auto_error=False, description="Your chipclear API key as a bearer token")


class WriteLock:
    """The server's write lock on a SQLite ledger: a reentrant thread lock and, once ``path`` is set, the file lock
    on ``path`` (``chipclear.filelocks``), so the server processes of ``chipclear serve --workers N`` queue their
    transactions on one lock too. SQLite takes its own write lock at ``BEGIN IMMEDIATE`` and makes waiters poll with
    growing sleeps (a waiter can sleep long after the lock is free); queueing on these locks instead keeps the
    latency of waiting requests short and even. The file lock is taken only inside the thread lock (one thread per
    process takes it), once however deeply the thread lock is nested."""

    def __init__(self) -> None:
        self._thread_lock = threading.RLock()
        self._depth = 0  # nesting of the current holder
        self._fd: int | None = None  # the descriptor holding the file lock while held
        self.path: str | None = None

    def __enter__(self) -> WriteLock:
        self._thread_lock.acquire()
        if self._depth == 0 and self.path is not None:
            try:
                self._fd = filelocks.take(self.path)
            except BaseException:
                self._thread_lock.release()
                raise
        self._depth += 1
        return self

    def __exit__(self, *exc: object) -> None:
        self._depth -= 1
        try:
            if self._depth == 0:
                fd, self._fd = self._fd, None
                filelocks.release(fd)
        finally:
            self._thread_lock.release()


class LedgerHolder:
    """Opens the ledger on first use, so building the app (and its OpenAPI schema) needs no database."""

    def __init__(self, url: str | None) -> None:
        self.url = url
        self._ledger: Ledger | None = None
        self._lock = threading.Lock()
        self.write_lock = WriteLock()  # on SQLite, shared with the other server processes through a lock file
        # Reads queue among themselves in a process (50 threads contending for the GIL serve fewer requests than
        # the same threads taking turns), but not behind writes nor behind the other processes' reads.
        self.read_lock = threading.Lock()

    @property
    def opened(self) -> Ledger | None:
        """The ledger if it is open already (opening may migrate a new database: never on the event loop)."""
        return self._ledger

    def get(self) -> Ledger:
        if self._ledger is None:
            with self._lock:
                if self._ledger is None:
                    ledger = open_ledger(self.url)
                    database = sqlite_file(ledger.engine.url)
                    if database is not None:
                        self.write_lock.path = database + ".write-lock"
                    self._ledger = ledger
        return self._ledger

    @contextmanager
    def transaction(self, read_only: bool = False) -> Iterator[Session]:
        """One ledger transaction, queued behind the server's other transactions on SQLite. ``read_only``: a
        transaction that cannot write (``Ledger.read_session``); on SQLite it reads a snapshot without the write
        lock, so reads run beside the writer and in every server process at once."""
        ledger = self.get()
        session_of = ledger.read_session if read_only else ledger.session
        if ledger.engine.dialect.name == "sqlite":
            # SQLite in memory has one connection for everything: its reads queue behind the writes as before
            lock = self.read_lock if read_only and ledger.reads_apart else self.write_lock
            with lock, session_of() as session:
                yield session
        else:
            with session_of() as session:
                yield session

    def close(self) -> None:
        if self._ledger is not None:
            self._ledger.close()
            self._ledger = None


def _no_key() -> Unauthorized:
    return Unauthorized("no API key given: send it in the X-API-Key header", field="X-API-Key")


@dataclass
class Tx:
    """One transaction and the authenticated actor (a detached copy of the user's name and role)."""

    session: Session
    actor: SystemActor

    def require(self, action: str) -> None:
        """For routes that call the engine directly (no ledger service to check the role for them)."""
        require(self.actor.name, self.actor.role, action)


class RecentKeys:
    """API keys authenticated in the last ``ttl`` seconds, by their hash, with the actor they stood for.

    Only for work done before a transaction (deciding a shipment's lines): the transaction that records anything
    authenticates the key again, so a key revoked or a role lowered within ``ttl`` cannot record; at worst a
    decision is spent for it."""

    def __init__(self, ttl: float = 10.0, size: int = 1024) -> None:
        self.ttl, self.size = ttl, size
        self._seen: dict[str, tuple[float, SystemActor]] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> SystemActor | None:
        found = self._seen.get(hash_key(key))
        if found is None or time.monotonic() - found[0] > self.ttl:
            return None
        return found[1]

    def put(self, key: str, actor: SystemActor) -> None:
        with self._lock:
            if len(self._seen) >= self.size:
                self._seen.clear()
            self._seen[hash_key(key)] = (time.monotonic(), actor)


def ledger_of(request: Request) -> Ledger:
    holder: LedgerHolder = request.app.state.ledger
    return holder.get()


@contextmanager
def transaction(request: Request, key: str | None, *, read_only: bool = False) -> Iterator[Tx]:
    """Authenticate ``key`` and yield a transaction; commits on success, rolls back on any error. ``read_only``:
    a transaction that cannot write (``LedgerHolder.transaction``), for the routes that only read."""
    if not key:
        raise _no_key()
    holder: LedgerHolder = request.app.state.ledger
    with holder.transaction(read_only) as session:
        user = authenticate(session, key)
        yield Tx(session, SystemActor(user.name, user.role))


def read_transaction(request: Request, key: str | None) -> AbstractContextManager[Tx]:
    """``transaction(request, key, read_only=True)``: the key is authenticated as there (a revoked key is refused at
    once)."""
    return transaction(request, key, read_only=True)


async def read(request: Request, key: str | None, work: Callable[[Reader, SystemActor], T]) -> T:
    """Authenticate ``key`` and return ``work(reader, actor)``, in one read-only transaction without an ORM session:
    the JSON API's reads (``chipclear.ledger.reads``). On a SQLite file they run on the event loop itself, as quick
    reads (SQLite's driver, bounded in rows and never waiting on the file): a read of a few rows takes less time than
    handing the request to a worker thread, and FastAPI's 40 worker threads would only queue on the one read lock. A
    read that cannot be quick (``NotQuick``) runs again in a worker thread on a SQLAlchemy connection, as every read
    does on PostgreSQL and before the ledger is open (opening may migrate it). The key is authenticated in the read's
    own transaction: a revoked key is refused at once."""
    if not key:
        raise _no_key()
    holder: LedgerHolder = request.app.state.ledger
    ledger = holder.opened
    quick = ledger.quick_reads if ledger is not None else None
    if quick is not None:
        try:
            with quick.transaction() as reader:
                return work(reader, actor_of(reader, key))
        except NotQuick:
            pass

    def in_thread() -> T:
        with holder.transaction(read_only=True) as session:
            reader = CoreReader(session.connection())
            return work(reader, actor_of(reader, key))

    return await run_in_threadpool(in_thread)


async def api_key(  # async: no I/O, so FastAPI need not hand it to a worker thread
    header_key: str | None = Security(api_key_header),
    bearer_key: HTTPAuthorizationCredentials | None = Security(bearer),
) -> str | None:
    """The API key of a JSON API request (header only). A request without one is refused here, before its body
    is even validated; the key itself is checked in the route's transaction (``transaction``)."""
    if header_key and header_key.strip():
        return header_key.strip()
    if bearer_key is not None and bearer_key.credentials.strip():
        return bearer_key.credentials.strip()
    raise _no_key()


def cookie_key(request: Request) -> str | None:
    return request.cookies.get(COOKIE_NAME)


__all__ = [
    "COOKIE_NAME",
    "LedgerHolder",
    "RecentKeys",
    "Tx",
    "api_key",
    "cookie_key",
    "declared_query",
    "form_as_declared",
    "ledger_of",
    "query_as_declared",
    "query_problem",
    "read",
    "read_transaction",
    "transaction",
]


# -- the query string as the route declares it -------------------------------------------------------------------
@dataclass(frozen=True)
class DeclaredQuery:
    """A route's query parameters: every name it declares, and those it takes a list of."""

    names: frozenset[str]
    lists: frozenset[str]


def _is_sequence(annotation: Any) -> bool:
    origin = get_origin(annotation)
    if origin is Annotated:
        return _is_sequence(get_args(annotation)[0])
    if origin in (Union, UnionType):
        return any(_is_sequence(a) for a in get_args(annotation))
    return origin in (list, tuple, set, frozenset)


def _query_model(annotation: Any) -> type[BaseModel] | None:
    """The model of a query declared as one (``Annotated[Model, Query()]``): its fields are the parameters."""
    if get_origin(annotation) is Annotated:
        return _query_model(get_args(annotation)[0])
    return annotation if isinstance(annotation, type) and issubclass(annotation, BaseModel) else None


def _declared(dependant: Any, names: set[str], lists: set[str]) -> None:
    for field in dependant.query_params:
        annotation = field.field_info.annotation
        model = _query_model(annotation)
        if model is not None:
            for name, info in model.model_fields.items():
                names.add(info.alias or name)
                if _is_sequence(info.annotation):
                    lists.add(info.alias or name)
            continue
        names.add(field.alias)
        if _is_sequence(annotation):
            lists.add(field.alias)
    for sub in dependant.dependencies:
        _declared(sub, names, lists)


# By what a route is (path, methods, endpoint function), not by the object: FastAPI builds an included router's
# routes lazily (they are not hashable), and an id can be reused once a route is gone.
_DECLARED: dict[tuple[Any, ...], DeclaredQuery] = {}


def declared_query(route: Any) -> DeclaredQuery:
    """The query parameters ``route`` declares (its own and its dependencies'), read once per route."""
    key = (
        getattr(route, "path", None),
        frozenset(getattr(route, "methods", None) or ()),
        getattr(route, "endpoint", None),
    )
    found = _DECLARED.get(key)
    if found is None:
        names: set[str] = set()
        lists: set[str] = set()
        dependant = getattr(route, "dependant", None)
        if dependant is not None:
            _declared(dependant, names, lists)
        found = _DECLARED[key] = DeclaredQuery(frozenset(names), frozenset(lists))
    return found


def _refuse_query(name: str, message: str) -> RequestValidationError:
    """A refused query parameter, as the framework's own validation errors are: a 422 naming it, after the
    missing-key 401 (``errors.install_error_handlers``), so a request without a key learns nothing of the route."""
    return RequestValidationError([{"type": "invalid_query", "loc": ("query", name), "msg": message, "input": None}])


def query_problem(items: list[tuple[str, str]], declared: DeclaredQuery) -> tuple[str, str] | None:
    """The first parameter of a query string the route does not take as given, with why; None when all fit.

    A parameter the route does not declare would be ignored, and the answer given for another question
    (``?end_user=`` on a timeline without it answered NLR for a listed party); a parameter given more than once
    where the route takes one value would be decided on the last (``?origin=CN&origin=TW`` for TW)."""
    for name, _ in items:
        if name not in declared.names:
            known = ", ".join(sorted(declared.names)) or "none"
            shown = name if len(name) <= 60 else name[:60] + "..."  # a caller's text, echoed: bounded
            return shown, f"unknown query parameter {shown!r}; this route takes: {known}"
    counts = Counter(name for name, _ in items)
    for name, count in counts.items():
        if count > 1 and name not in declared.lists:
            return name, f"given {count} times in the query string; give it once"
    return None


async def query_as_declared(request: Request) -> None:  # async: no I/O, no worker thread
    """Refuse a query string the route does not declare as given (``query_problem``): one dependency on the
    ``/api`` router, reading each route's declared parameters, so no route can ignore one."""
    items = request.query_params.multi_items()
    if not items:
        return
    problem = query_problem(items, declared_query(request.scope.get("route")))
    if problem is not None:
        raise _refuse_query(*problem)


@dataclass(frozen=True)
class DeclaredForm:
    """A route's form fields: every name it declares, those it takes a list of, and those that are files."""

    names: frozenset[str]
    lists: frozenset[str]
    files: frozenset[str]


def _declared_form(dependant: Any, found: tuple[set[str], set[str], set[str]]) -> None:
    for field in dependant.body_params:
        found[0].add(field.alias)
        if _is_sequence(field.field_info.annotation):
            found[1].add(field.alias)
        if isinstance(field.field_info, params.File):
            found[2].add(field.alias)
    for sub in dependant.dependencies:
        _declared_form(sub, found)


_DECLARED_FORM: dict[tuple[Any, ...], DeclaredForm] = {}


def declared_form(route: Any) -> DeclaredForm:
    """The form fields ``route`` declares (its own and its dependencies'), read once per route."""
    key = (getattr(route, "path", None), frozenset(getattr(route, "methods", None) or ()))
    found = _DECLARED_FORM.get(key)
    if found is None:
        sets: tuple[set[str], set[str], set[str]] = (set(), set(), set())
        if (dependant := getattr(route, "dependant", None)) is not None:
            _declared_form(dependant, sets)
        found = _DECLARED_FORM[key] = DeclaredForm(*(frozenset(s) for s in sets))
    return found


def _refuse_form(name: str, message: str) -> RequestValidationError:
    return RequestValidationError([{"type": "invalid_form", "loc": ("body", name), "msg": message, "input": None}])


async def form_as_declared(request: Request) -> None:  # async: the form is parsed once, by the framework too
    """Refuse a form (multipart or URL-encoded) with a field the route does not declare, or one given twice where
    the route takes one value, naming it (a 422), as ``query_as_declared`` does for a query string: ``POST
    /api/batch`` took ``-F dates=2020-01-01`` as no date at all and ``-F date=2020-01-01 -F date=2025-01-01`` as
    the last one (an audit, 2026-12-07); and a file field sent as text (an upload with an empty file name) by name,
    not as "Expected UploadFile, received: <class 'str'>". JSON bodies are the request models' to refuse."""
    kind = request.headers.get("content-type", "")
    if not kind.startswith(("multipart/form-data", "application/x-www-form-urlencoded")):
        return
    declared = declared_form(request.scope.get("route"))
    try:
        items = (await request.form()).multi_items()
    except Exception:  # a form that does not parse: the framework's own parse says why
        return
    problem = query_problem([(name, "") for name, _ in items], DeclaredQuery(declared.names, declared.lists))
    if problem is not None:
        name, message = problem
        raise _refuse_form(
            name, message.replace("query parameter", "form field").replace("the query string", "the form")
        )
    for name, value in items:
        if name in declared.files and isinstance(value, str):
            raise _refuse_form(name, "give a file with a file name (an upload, not a text field)")
