"""Errors that interfaces turn into one clear line (CLI exit 2, API 4xx).

Every error names what is wrong: the file, row or field, and what would be valid.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

MAX_MESSAGE = 2000  # characters of an error message; a longer one (a 100,000-character value echoed) is cut

# What pydantic puts before the message of a ValueError or an assert raised in a validator: its words, not ours
_PYDANTIC_PREFIXES = ("Value error, ", "Assertion failed, ")


def shortened(message: str) -> str:
    """``message`` cut in the middle when it is longer than ``MAX_MESSAGE``: its start (what and which field) and
    its end (why) stay, and the cut says how much went."""
    if len(message) <= MAX_MESSAGE:
        return message
    cut = len(message) - 1500
    return f"{message[:1200]} ... [{cut:,} characters cut] ... {message[-300:]}"


def validation_text(error: Mapping[str, Any]) -> str:
    """The message of one pydantic error (an item of ``ValidationError.errors()``) without pydantic's "Value error, "
    before what our validator said: every door shows ``ship_date: '20250601' is not a date ...``."""
    return without_pydantic_prefix(str(error.get("msg", "invalid value")))


def without_pydantic_prefix(message: str) -> str:
    """``message`` without pydantic's "Value error, " (or "Assertion failed, ") before what a validator said."""
    for prefix in _PYDANTIC_PREFIXES:
        message = message.removeprefix(prefix)
    return message


class ChipclearError(Exception):
    """Base class. ``code`` is stable and machine-readable; ``str()`` is the one-line message."""

    code = "error"
    http_status = 400

    def __init__(self, message: str, *, field: str | None = None) -> None:
        message = shortened(message)
        super().__init__(message)
        self.message = message
        self.field = field

    def to_json(self) -> dict[str, object]:
        return {"error": {"code": self.code, "message": self.message, "field": self.field}}


class InputError(ChipclearError):
    """Bad user input: malformed date, unknown country, invalid spec file."""

    code = "invalid_input"
    http_status = 422
    line: int | None = None  # the (1-based) order line it is about, when one of several: a file's row


class UnknownItemError(InputError):
    """An item name that matches no catalog part or system; carries suggestions."""

    code = "unknown_item"
    http_status = 404

    def __init__(self, name: str, suggestions: list[str]) -> None:
        hint = f"; did you mean {', '.join(repr(s) for s in suggestions)}?" if suggestions else ""
        super().__init__(f"item: unknown item {name!r}{hint}", field="item")
        self.name = name
        self.suggestions = suggestions


class DataFileError(ChipclearError):
    """A data file (catalog, rule, list, tariff) that fails validation: names file, entry and field."""

    code = "invalid_data_file"
    http_status = 422


class PermissionDenied(ChipclearError):
    """The actor's role does not allow the action (enforced in the service layer)."""

    code = "permission_denied"
    http_status = 403


class NotFound(ChipclearError):
    code = "not_found"
    http_status = 404


class Conflict(ChipclearError):
    """A state change that the current state does not allow (e.g. over-shipping a license)."""

    code = "conflict"
    http_status = 409
