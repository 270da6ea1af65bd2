"""Helpers shared by the command modules: date parsing, JSON output, error conversion."""

from __future__ import annotations

import datetime as dt
import errno
import json
import os
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

# Exit codes: 0 done, 1 `ship` held a line or `audit verify` failed, 2 bad input, 3 storage failure (the disk is
# full, the folder read-only, the database cannot be opened), 10-14 `--fail-on` outcomes (chipclear.cli.fail_on).
STORAGE_EXIT = 3
_STORAGE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EIO})


def storage_problem(exc: BaseException) -> str | None:
    """What a storage failure says (None when ``exc`` is not one): SQLite's or the database driver's
    OperationalError (the disk is full, the file cannot be opened, a read-only database), or an OSError of a
    full disk, a read-only file system or an I/O error."""
    if any(cls.__name__ == "OperationalError" for cls in type(exc).__mro__):
        orig = getattr(exc, "orig", None) or exc
        return str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__
    if isinstance(exc, OSError) and exc.errno in _STORAGE_ERRNOS:
        where = f" ({exc.filename})" if exc.filename else ""
        return f"{os.strerror(exc.errno)}{where}"  # pyarrow's strerror is its own sentence
    return None


def storage_exit(problem: str) -> SystemExit:
    """One line saying what failed and what it means, and the storage exit code: not a held line, not a failed
    audit check. A ledger command runs in one transaction, rolled back on the failure, so nothing of it is
    recorded; a batch keeps its checkpoint and writes no output."""
    sys.stderr.write(
        f"chipclear: storage error: {problem}; nothing was recorded or written (a ledger change is rolled back; a"
        " batch keeps its checkpoint, re-run to resume once the storage is fixed)\n"
    )
    return SystemExit(STORAGE_EXIT)


def parse_date(value: str | None, *, field: str = "--date") -> dt.date:
    """Parse exactly YYYY-MM-DD (``chipclear.bounds.iso_date``, as the API and batch read a date); ``None`` means
    today. ``field`` is the option the user typed (``--valid-from``), which the error names."""
    if value is None:
        return dt.date.today()
    try:
        return iso_date(value)
    except ValueError:
        raise InputError(f"{field}: {value!r} is not a date in YYYY-MM-DD form", field=field) from None


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")


def handle_errors(func: F) -> F:
    """Turn a ChipclearError into one line on stderr and exit code 2, and a storage failure into one line and exit
    code 3 (typer commands run in-process)."""

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
        except Exception as exc:  # a full disk, a read-only folder: exit 3, not 1 (a held line, a failed check)
            problem = storage_problem(exc)
            if problem is None:
                raise
            raise storage_exit(problem) from None

    return wrapper  # type: ignore[return-value]
