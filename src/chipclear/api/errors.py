"""Consistent JSON errors: ``{"error": {"code", "message", "field"}}``, never a stack trace to a client."""

from __future__ import annotations

import html
import json
import logging
import re
from typing import Any
from urllib.parse import unquote_to_bytes

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from chipclear.api.form_text import multipart_as_text
from chipclear.datafiles import RepeatedKey, unique_pairs, unreadable_json
from chipclear.errors import ChipclearError, InputError, validation_text

log = logging.getLogger("chipclear.api")

DEFAULT_MAX_BODY_BYTES = 1_000_000  # an order book belongs in `chipclear batch`, not one request
LARGE_BODY_PATHS = {
    "/api/lists/update": 200_000_000,  # a full screening list upload
    "/api/batch": 200_000_000,  # an order book (a million lines of CSV is about 150 MB)
    # 20,000 order lines (MAX_ORDER_LINES of POST /api/whatif) as generate_orders makes them are 6.9 MB of JSON
    # (345 bytes a line, measured 2026-12); room for longer lines and five draft texts
    "/api/whatif": 16_000_000,
}


class NotAvailable(ChipclearError):
    """A part of chipclear this installation does not have (yet)."""

    code = "not_available"
    http_status = 503


class Unauthorized(ChipclearError):
    code = "unauthorized"
    http_status = 401


def error_body(code: str, message: str, field: str | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "field": field}}


# pydantic's name of a validator or a union member in an error's location (``function-after[no_nul(),
# constrained-str]``, ``list[str]``, ``str``): not a field the caller wrote, so never shown as one
_VALIDATOR_STEP = re.compile(r"^(?:[a-z][a-z-]*\[.*\]|str|int|float|bool|none)$")


def _field(loc: tuple[Any, ...] | list[Any]) -> str | None:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header", "cookie")]
    return ".".join(p for p in parts if not _VALIDATOR_STEP.match(p)) or None


def _with_line(exc: ChipclearError) -> dict[str, Any]:
    """The error's JSON; an error about one order line of several (``InputError.line``) names the line's field as
    the request does (``lines.1.item``, not ``item``: an audit, 2026-12-07)."""
    body: dict[str, Any] = exc.to_json()
    line = getattr(exc, "line", None)
    field = exc.field
    if isinstance(exc, InputError) and line is not None and field and not field.startswith("lines."):
        where = f"lines.{line - 1}.{field}"
        message = exc.message
        body["error"] = {
            **body["error"],
            "field": where,
            "message": f"{where}:{message[len(field) + 1 :]}" if message.startswith(f"{field}:") else message,
        }
    return body


def validation_message(exc: RequestValidationError) -> tuple[str, str | None]:
    errors = exc.errors()
    if not errors:
        return "invalid request", None
    first = errors[0]
    if first.get("type") == "json_invalid":
        # FastAPI puts the character offset where a field would be (``("body", 1)``): it was shown as field "1"
        where = tuple(first.get("loc", ()))[1:2]
        at = f" at character {where[0]}" if where and isinstance(where[0], int) else ""
        why = (first.get("ctx") or {}).get("error") or "JSON decode error"
        return f"body: not valid JSON{at} ({why})", "body"
    # a body that is not an object (text/plain, JSON null or an array) has no field of its own: it is the body
    field = _field(first.get("loc", ())) or ("body" if tuple(first.get("loc", ()))[:1] == ("body",) else None)
    msg = validation_text(first)
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return (f"{field}: {msg}{more}" if field else f"{msg}{more}"), field


def _needs_key(request: Request) -> bool:
    route = request.scope.get("route")
    dependant = getattr(route, "dependant", None)
    if dependant is None:
        return False

    def walk(dep: Any) -> bool:
        # chipclear.api.deps.api_key (and the match router's yente_key), known by name: deps imports this module
        names = ("api_key", "yente_key")
        return any(getattr(d.call, "__qualname__", "") in names or walk(d) for d in dep.dependencies)

    return walk(dependant)


def _has_key(request: Request) -> bool:
    header = request.headers.get("x-api-key", "").strip()
    bearer = request.headers.get("authorization", "")
    scheme, _, value = bearer.strip().partition(" ")
    return bool(header) or (scheme.lower() in ("bearer", "apikey") and bool(value.strip()))


def _yente(request: Request, body: dict[str, Any]) -> dict[str, Any]:
    """yente's clients read an error's ``detail``: the match route's errors carry it beside ``error``."""
    if request.url.path.startswith("/api/match/"):
        body["detail"] = body["error"]["message"]
    return body


def _keyless(request: Request) -> JSONResponse:
    """Authentication comes first (docs/api.md): FastAPI parses the body before it runs the key dependency, so a
    keyless request with a bad body would otherwise learn about the body first."""
    message = "no API key given: send it in the X-API-Key header"
    return JSONResponse(_yente(request, error_body("unauthorized", message, "X-API-Key")), status_code=401)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ChipclearError)
    async def _chipclear(request: Request, exc: ChipclearError) -> Response:
        renderer = getattr(request.app.state, "html_error", None)
        if renderer is not None and not request.url.path.startswith("/api"):
            response: Response = renderer(request, exc)
            return response
        return JSONResponse(_yente(request, _with_line(exc)), status_code=exc.http_status)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        if _needs_key(request) and not _has_key(request):
            return _keyless(request)
        message, field = validation_message(exc)
        renderer = getattr(request.app.state, "html_error", None)
        if renderer is not None and not request.url.path.startswith("/api"):
            # a console form with a field missing: a page saying which, as for any other refused input
            page: Response = renderer(request, InputError(message, field=field))
            return page
        return JSONResponse(_yente(request, error_body("invalid_input", message, field)), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 400:
            if _needs_key(request) and not _has_key(request):
                return _keyless(request)
            # only the framework raises a bare 400 (chipclear's own errors are ChipclearError): a body it could not
            # read, JSON or multipart; refused as any other unreadable body, naming it
            return await _chipclear(request, unreadable_body(exc))
        code = {
            401: "unauthorized",
            403: "permission_denied",
            404: "not_found",
            405: "method_not_allowed",
            413: "request_too_large",
        }
        return JSONResponse(
            _yente(request, error_body(code.get(exc.status_code, "http_error"), str(exc.detail))),
            status_code=exc.status_code,
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return JSONResponse(
            error_body("internal_error", "internal error: the server log has the details"), status_code=500
        )


class UnreadableBody(InputError):
    """A request body the framework could not parse (``unreadable_body``)."""

    http_status = 422


def unreadable_body(exc: StarletteHTTPException) -> UnreadableBody:
    """What was wrong with a body FastAPI or Starlette refused with a bare 400 ("There was an error parsing the
    body", "Invalid multipart data.", "Missing boundary in multipart."), naming ``body``. Python's JSON parser raises
    something other than a syntax error for two valid JSON texts: a number of more digits than ``int()`` converts
    (``sys.get_int_max_str_digits``, 4,300) and arrays or objects nested deeper than its recursion limit."""
    why = unreadable_json(exc.__cause__) if exc.__cause__ is not None else None
    if why is None:
        why = str(exc.detail).rstrip(".")
        why = why[:1].lower() + why[1:]
    return UnreadableBody(f"body: {why}", field="body")


class BodySizeLimit:
    """Refuse request bodies over the limit (413) before the application reads them."""

    def __init__(self, app: ASGIApp, max_bytes: int = DEFAULT_MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    def _limit(self, path: str) -> int:
        return LARGE_BODY_PATHS.get(path, self.max_bytes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self._limit(scope.get("path", ""))
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None:
            try:
                too_big = int(declared) > limit
            except ValueError:
                too_big = True
            if too_big:
                await self._refuse(send, limit)
                return
        seen = 0

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise _TooLarge(limit)
            return message

        try:
            await self.app(scope, limited_receive, send)
        except _TooLarge:
            await self._refuse(send, limit)

    @staticmethod
    async def _refuse(send: Send, limit: int) -> None:
        body = JSONResponse(
            error_body("request_too_large", f"request body is larger than {limit} bytes", "body"), status_code=413
        )
        await send({"type": "http.response.start", "status": 413, "headers": body.raw_headers})
        await send({"type": "http.response.body", "body": body.body})


async def _whole_body(receive: Receive) -> bytes | None:
    """A request's body read to its end (None when a message other than the body came first)."""
    chunks: list[bytes] = []
    more = True
    while more:
        message = await receive()
        if message["type"] != "http.request":
            return None
        chunks.append(message.get("body", b""))
        more = bool(message.get("more_body"))
    return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that gives ``body`` once, then whatever the client sends next (a disconnect)."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


def undecodable_field(encoded: bytes) -> str | None:
    """The first field of a URL-encoded form or query string whose name or value is not UTF-8 once percent-decoded
    (its name, shown with escapes if the name is the undecodable part), or None."""
    for pair in encoded.split(b"&"):
        raw_name, _, raw_value = pair.partition(b"=")
        name = unquote_to_bytes(raw_name.replace(b"+", b" "))
        try:
            field = name.decode("utf-8")
        except UnicodeDecodeError:
            return name.decode("utf-8", "backslashreplace")
        try:
            unquote_to_bytes(raw_value.replace(b"+", b" ")).decode("utf-8")
        except UnicodeDecodeError:
            return field
    return None


def repeated_form_field(encoded: bytes) -> str | None:
    """The first field named twice in a URL-encoded form, or None. Every console form takes one value per field,
    and Starlette's ``form[name]`` is the last one given: ``destination=CN&destination=DE`` was decided and audited
    for DE (an audit, 2026-12-07), as ``deps.query_as_declared`` refuses for a query string."""
    seen: set[bytes] = set()
    for pair in encoded.split(b"&"):
        if not pair:
            continue
        name = unquote_to_bytes(pair.partition(b"=")[0].replace(b"+", b" "))
        if name in seen:
            return name.decode("utf-8", "backslashreplace")
        seen.add(name)
    return None


class PlainText:
    """Refuse a NUL character (422), or a field that is not UTF-8 text (400), in a request's path, query or console
    form, naming where; and a console form field given twice (``repeated_form_field``, 422).

    The JSON request models refuse NUL field by field, naming it (``chipclear.bounds``); this guard keeps it out
    of the places no model sees (form fields read by hand, query strings), because PostgreSQL cannot store it in a
    text column. Starlette reads a form field or query parameter whose bytes are not UTF-8 with U+FFFD in their
    place, so the console decided and audited a check for a party named three U+FFFD characters that the JSON API
    refuses (an audit, 2026-12); such a request is refused before any page reads it. A multipart body's fields are
    checked as it streams by (``form_text``): a file is bytes, read by its own parser, but every other field (and a
    file name) is UTF-8 text."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        query = scope.get("query_string", b"")
        if "\x00" in scope.get("path", "") or b"%00" in query:
            await _refuse_nul(scope, send, "query")
            return
        if (field := undecodable_field(query)) is not None:
            await _refuse_undecodable(scope, send, field)
            return
        headers = dict(scope.get("headers") or [])
        kind = headers.get(b"content-type", b"")
        if kind.startswith(b"multipart/form-data"):
            await self.app(scope, multipart_as_text(kind, receive), send)
            return
        if not kind.startswith(b"application/x-www-form-urlencoded"):
            await self.app(scope, receive, send)  # JSON: the models name the field; files are bytes
            return
        body = await _whole_body(receive)
        if body is None:  # the client went away: let the app see the disconnect
            await self.app(scope, receive, send)
            return
        if b"\x00" in body or b"%00" in body:
            await _refuse_nul(scope, send, "body")
            return
        if (field := undecodable_field(body)) is not None:
            await _refuse_undecodable(scope, send, field)
            return
        if (field := repeated_form_field(body)) is not None:
            shown = field if len(field) <= 60 else field[:60] + "..."  # a caller's text, echoed: bounded
            await _refuse(scope, send, 422, f"{shown}: given more than once in the form; give it once", shown)
            return
        await self.app(scope, _replay(body, receive), send)


def repeated_json_key(body: bytes) -> str | None:
    """The first key given twice in one object of a JSON text, or None (none, or not JSON: the parser says why)."""
    try:
        json.loads(body, object_pairs_hook=unique_pairs)
    except RepeatedKey as exc:
        return str(exc.args[0])
    except (ValueError, RecursionError):
        return None
    return None


class NoRepeatedKeys:
    """Refuse a JSON body with a key given twice in one object (422): JSON parsers keep the last value, so
    ``{"destination": "CN", "destination": "DE"}`` was recorded for DE, and the caller's intent is not known (as for
    a query parameter given twice, ``deps.query_as_declared``; and as batch refuses a repeated key in JSON lines).
    Only ``application/json`` bodies are read (at most the body limit, which ``BodySizeLimit`` enforces first)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") not in ("POST", "PUT", "PATCH"):
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        if not headers.get(b"content-type", b"").startswith(b"application/json"):
            await self.app(scope, receive, send)
            return
        body = await _whole_body(receive)
        if body is None:  # the client went away: let the app see the disconnect
            await self.app(scope, receive, send)
            return
        if b'"' in body and (key := repeated_json_key(body)) is not None:
            shown = key if len(key) <= 60 else key[:60] + "..."
            response = JSONResponse(
                error_body("invalid_input", f"body: key {shown!r} is given twice in one object", "body"),
                status_code=422,
            )
            await response(scope, receive, send)
            return
        await self.app(scope, _replay(body, receive), send)


async def _refuse_nul(scope: Scope, send: Send, where: str) -> None:
    await _refuse(scope, send, 422, f"{where}: a NUL character is not allowed in any field", where)


async def _refuse_undecodable(scope: Scope, send: Send, field: str) -> None:
    message = f"{field}: not valid UTF-8 text (send every field as UTF-8)"
    await _refuse(scope, send, 400, message, field)


async def _refuse(scope: Scope, send: Send, status: int, message: str, field: str) -> None:
    if str(scope.get("path", "")).startswith("/api"):
        response: Response = JSONResponse(error_body("invalid_input", message, field), status_code=status)
    else:
        response = HTMLResponse(
            f"<!doctype html><title>Cannot do that</title><h1>Cannot do that</h1><p>{html.escape(message)}</p>"
            '<p><a href="javascript:history.back()">Back</a></p>',
            status_code=status,
        )
    await send({"type": "http.response.start", "status": status, "headers": response.raw_headers})
    await send({"type": "http.response.body", "body": response.body})


SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (
        b"content-security-policy",
        b"default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
        b"script-src 'self' 'unsafe-inline'; frame-ancestors 'none'; form-action 'self'",
    ),
]


class SecurityHeaders:
    """Headers that keep the console's pages from being framed or loading anything from elsewhere."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path", "").startswith(("/docs", "/redoc")):
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *SECURITY_HEADERS]
            await send(message)

        await self.app(scope, receive, with_headers)


class _TooLarge(HTTPException):
    """Raised from ``receive``; an HTTPException so FastAPI's body parsing passes it through unchanged."""

    def __init__(self, limit: int) -> None:
        super().__init__(status_code=413, detail=f"request body is larger than {limit} bytes")


__all__ = [
    "BodySizeLimit",
    "NoRepeatedKeys",
    "NotAvailable",
    "PlainText",
    "SecurityHeaders",
    "Unauthorized",
    "UnreadableBody",
    "error_body",
    "install_error_handlers",
    "repeated_json_key",
    "undecodable_field",
    "unreadable_body",
    "validation_message",
]
