"""Helpers shared by the command modules: date parsing, JSON output, error conversion."""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from pydantic import ValidationError
from rich.console import Console

from chipclear.bounds import iso_date
from chipclear.errors import ChipclearError, InputError

console = Console()
err_console = Console(stderr=True)

F = TypeVar("F", bound=Callable[..., Any])


def parse_date(value: str | None, *, field: str = "date") -> dt.date:
    """Parse exactly YYYY-MM-DD (``chipclear.bounds.iso_date``, as the API and batch read a date); ``None`` means
    today."""
    if value is None:
        return dt.date.today()
    try:
        return iso_date(value)
    except ValueError:
        raise InputError(f"{field}: {value!r} is not a date in YYYY-MM-DD form", field=field) from None


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")


def handle_errors(func: F) -> F:
    """Turn a ChipclearError into one line on stderr and exit code 2 (typer commands run in-process)."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except ChipclearError as exc:
            sys.stderr.write(f"chipclear: error: {exc}\n")
            raise SystemExit(2) from None
        except ModuleNotFoundError as exc:  # an optional part (chipclear.extras) that is not installed
            from chipclear.extras import missing_extra

            found = missing_extra(exc)
            if found is None:
                raise
            sys.stderr.write(f"chipclear: error: {found}\n")
            raise SystemExit(2) from None
        except ValidationError as exc:  # an input outside the bounds of the models (chipclear.bounds)
            first = exc.errors()[0]
            field = ".".join(str(p) for p in first["loc"])
            sys.stderr.write(f"chipclear: error: {field}: {first['msg']}\n")
            raise SystemExit(2) from None

    return wrapper  # type: ignore[return-value]
