"""The application factory."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial
from importlib import resources
from typing import Any

from fastapi import APIRouter, Depends, FastAPI
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel

import chipclear
from chipclear.api.deps import LedgerHolder, RecentKeys, form_as_declared, query_as_declared
from chipclear.api.errors import (
    DEFAULT_MAX_BODY_BYTES,
    BodySizeLimit,
    NoRepeatedKeys,
    PlainText,
    SecurityHeaders,
    install_error_handlers,
)
from chipclear.api.group_commit import GroupCommit, ShipmentGroup
from chipclear.api.jobs import BatchJobs
from chipclear.api.routers import (
    audit,
    batch,
    catalog,
    check,
    duty,
    licenses,
    lists,
    match,
    models,
    screening,
    shipments,
    users,
    whatif,
)
from chipclear.ledger.reviews import review_snapshot
from chipclear.screening.reviews import ReviewSnapshot

# The busiest routes first: a request is matched against the routes in this order.
API_ROUTERS = [check, licenses, shipments, screening, match, catalog, models, audit, lists, duty, users, whatif, batch]


class Health(BaseModel):
    status: str
    version: str


def _health() -> dict[str, Any]:
    return {"status": "ok", "version": getattr(chipclear, "__version__", "unknown")}


def create_server_app(database_url: str | None = None) -> FastAPI:
    """The app of a ``chipclear serve`` process (the factory of its worker processes too): ``create_app`` with the
    loaded heap frozen after warming (``Decider.warm``)."""
    return create_app(database_url, freeze_heap=True)


def ledger_reviews(holder: LedgerHolder) -> ReviewSnapshot:
    """The server's ledger's screening reviews (a batch job applies them as ``POST /api/check`` does)."""
    with holder.transaction(read_only=True) as session:
        return review_snapshot(session)


def create_app(
    database_url: str | None = None,
    *,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    console: bool = True,
    freeze_heap: bool = False,
) -> FastAPI:
    """The API (``/api``) and, with ``console``, the web console (``/``); the ledger opens on first use.
    ``freeze_heap``: see ``Decider.warm`` (for a server process, not for a process that builds many apps)."""
    holder = LedgerHolder(database_url)
    group = GroupCommit(holder)
    shipment_group = ShipmentGroup(holder, group.decider)
    jobs = BatchJobs(reviews=partial(ledger_reviews, holder))

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # Load the decision table and the screening index in the background: checks are served meanwhile (decided
        # in worker threads until they are loaded).
        threading.Thread(
            target=group.decider.warm, kwargs={"freeze_heap": freeze_heap}, name="chipclear-warm", daemon=True
        ).start()
        yield
        group.close()
        shipment_group.close()
        jobs.close()
        holder.close()

    app = FastAPI(
        title="chipclear",
        version=getattr(chipclear, "__version__", "0"),
        description=(
            "Export-control, screening and import-duty decisions for AI chips, with cited reasons. "
            "Send your API key in the `X-API-Key` header. JSON field names are those of the CLI's `--json`."
        ),
        lifespan=lifespan,
        # FastAPI's /docs and /redoc pages load their scripts from a CDN; the console serves its own reference
        # page at /docs from the same schema instead, so nothing is fetched from the internet.
        docs_url=None,
        redoc_url=None,
    )
    app.state.ledger = holder
    app.state.group_commit = group
    app.state.shipment_group = shipment_group
    app.state.recent_keys = RecentKeys()
    app.state.batch_jobs = jobs
    install_error_handlers(app)
    api = APIRouter(prefix="/api", dependencies=[Depends(query_as_declared), Depends(form_as_declared)])
    api.add_api_route(
        "/health", _health, methods=["GET"], tags=["health"], response_model=Health, summary="Liveness (no key needed)"
    )
    for module in API_ROUTERS:
        api.include_router(module.router)
    app.include_router(api)
    if console:
        from chipclear.web import routes as web_routes

        app.include_router(web_routes.router)
        app.state.html_error = web_routes.html_error
        static = resources.files("chipclear.web") / "static"
        app.mount("/static", StaticFiles(directory=str(static)), name="static")
    app.add_middleware(NoRepeatedKeys)  # innermost: reads a body BodySizeLimit has already bounded
    app.add_middleware(PlainText)
    app.add_middleware(BodySizeLimit, max_bytes=max_body_bytes)
    app.add_middleware(SecurityHeaders)
    return app


__all__ = ["API_ROUTERS", "create_app", "create_server_app"]
