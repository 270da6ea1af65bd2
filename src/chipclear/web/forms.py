"""Numbers typed into the console's forms, read as the JSON API reads them: ASCII digits only.

Python's ``int()`` and ``float()`` also take ``1_000``, Arabic-Indic and other Unicode digits (``٣`` is 3), signs,
exponents, ``nan`` and ``inf``; the console decided and audited such a quantity as a number nobody typed (an audit,
2026-12). A form field holds a whole number (``quantity``, ``quantity_limit``) or an amount of money (``value_usd``:
digits with at most one decimal point); anything else is an ``InputError`` naming the field, which the form shows."""

from __future__ import annotations

import re

from chipclear.errors import InputError

_WHOLE = re.compile(r"[0-9]+")
_MAX_DIGITS = 30
_AMOUNT = re.compile(r"[0-9]+(?:\.[0-9]*)?|\.[0-9]+")


def whole_number(text: str, field: str) -> int | None:
    """A whole number typed in ``field`` (None when blank): ASCII digits, nothing else."""
    text = text.strip(" \t\r\n")
    if not text:
        return None
    if not _WHOLE.fullmatch(text):
        raise InputError(f"{field}: {text!r} is not a whole number (digits 0-9 only)", field=field)
    if len(text.lstrip("0")) > _MAX_DIGITS:  # far past any bound, and int() refuses over 4,300 digits
        raise InputError(f"{field}: {text[:20]}... is too large", field=field)
    return int(text)


def amount(text: str, field: str) -> float | None:
    """An amount of money typed in ``field`` (None when blank): ASCII digits with at most one decimal point."""
    text = text.strip(" \t\r\n")
    if not text:
        return None
    if not _AMOUNT.fullmatch(text):
        raise InputError(
            f"{field}: {text!r} is not an amount (digits 0-9 and at most one decimal point, e.g. 25000.50)",
            field=field,
        )
    return float(text)


__all__ = ["amount", "whole_number"]
