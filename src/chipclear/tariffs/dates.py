"""Entry dates as the duty functions take them: a calendar date (or YYYY-MM-DD), never a datetime."""

from __future__ import annotations

import datetime as dt
from typing import Any

from chipclear.errors import InputError


def entry_day(value: Any, *, field: str = "entry_date") -> dt.date:
    """The entry date, or an InputError naming ``field``.

    A datetime is refused, not cut to its date: measures start at 12:01 a.m. Eastern (Beijing time for China's),
    so the calendar date of a UTC or naive timestamp can be the wrong day. ``datetime`` subclasses ``date``, hence
    the explicit check."""
    if isinstance(value, dt.datetime):
        raise InputError(
            f"{field}: {value!r} is a datetime; give the entry date (a datetime.date or YYYY-MM-DD) as recorded"
            " where the goods are entered",
            field=field,
        )
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            raise InputError(f"{field}: {value!r} is not a date in YYYY-MM-DD form", field=field) from None
    if not isinstance(value, dt.date):
        raise InputError(f"{field}: {value!r} is not a date", field=field)
    return value
