"""The error body every ``/api`` route answers with, declared in ``/openapi.json`` for the statuses each router can
return (docs/api.md, "Errors"): ``{"error": {"code", "message", "field"}}``, never FastAPI's ``{"detail": [...]}``.
"""

from __future__ import annotations

from typing import Any

from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field


class ErrorDetail(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(description="A stable code: invalid_input, unknown_item, not_found, conflict, ...")
    message: str = Field(description="One line saying what is wrong and, where it can, what would be valid")
    field: str | None = Field(description="The field, parameter or header concerned (null: none in particular)")


class ErrorBody(BaseModel):
    """An error answer. The yente routes (``/api/match/...``) also carry the message as ``detail``, as yente's
    clients read it."""

    model_config = ConfigDict(extra="forbid")

    error: ErrorDetail
    detail: str | None = Field(None, description="The message again, on the yente routes only")


_WHEN = {
    400: "A query parameter or form field that is not UTF-8 once percent-decoded",
    401: "No API key",
    403: "Wrong key, or the role may not do this",
    404: "No such item, record or job",
    409: "The state does not allow it",
    413: "The request body is too large",
    422: "A field is malformed or unknown (``field`` names it)",
    500: "A bug: the details are in the server log",
    503: "A part of chipclear or the database is not available",
}

# Every route that takes a key; routes with a body add 413, routes that change state 409.
READ = (400, 401, 403, 404, 422, 500, 503)
WRITE = (*READ, 409, 413)


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a router: each status answered with ``ErrorBody``."""
    return {s: {"model": ErrorBody, "description": _WHEN[s]} for s in sorted(set(statuses))}


def as_recorded(answer: Any, status_code: int = 200) -> JSONResponse:
    """An answer that carries decisions as the ledger recorded them (a shipment line's ``decision`` and
    ``order_line``), sent as built by the ledger's ``*_json`` helpers. The route's ``response_model`` declares its
    shape (``DecisionView``: every nested part typed) and ``tests/api/test_openapi_decisions.py`` holds the
    answers to it; it is not validated again on every answer, so that a line recorded by an earlier version, whose decision
    lacks a field added since, is still shown as it was recorded rather than refused with a 500."""
    return JSONResponse(answer, status_code=status_code)


__all__ = ["READ", "WRITE", "ErrorBody", "ErrorDetail", "as_recorded", "errors"]
