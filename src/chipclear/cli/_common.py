"""Helpers shared by the command modules: date parsing, JSON output, error conversion."""

from __future__ import annotations

import datetime as dt
import errno
import json
import os
import re
import sys
from collections.abc import Callable, Mapping
from functools import wraps
from typing import Any, TypeVar, overload

from pydantic import ValidationError
from rich.console import Console

from chipclear.bounds import iso_date
from chipclear.errors import ChipclearError, InputError, validation_text

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


# The field a message starts with: ``export_from: ...``, ``parties.0.parents.0.share: ...``, ``end-user-parent: ...``
_LEADING_FIELD = re.compile(r"^([A-Za-z_][\w-]*(?:\.[\w-]+|\[\d+\])*): ")


def _command_params(ctx: Any) -> dict[str, str]:
    """Every name a service may give an input of the running command, and what the user typed for it: an option's
    parameter name (``export_from``) and its spelling without dashes (``export-from``) both say ``--export-from``;
    a positional argument is named by its metavar (``ITEM``)."""
    names: dict[str, str] = {}
    for param in getattr(getattr(ctx, "command", None), "params", []):
        if getattr(param, "param_type_name", "") == "option":
            typed = str(max(param.opts, key=len))
            for name in [param.name, *(o.lstrip("-") for o in param.opts)]:
                names.setdefault(str(name), typed)
        elif getattr(param, "param_type_name", "") == "argument" and param.name:
            names.setdefault(str(param.name), str(param.name).upper())
    return names


def _typed_value(ctx: Any, labels: Mapping[str, str], message: str) -> str | None:
    """The option whose value ``message`` starts with (``/tmp/spec.yaml: expected a mapping``): a file given to an
    option is named by both; a positional argument (``chipclear batch ORDERS``) is the file itself. ``labels``:
    ``_command_params``."""
    found: tuple[int, str] | None = None
    for param in getattr(getattr(ctx, "command", None), "params", []):
        if getattr(param, "param_type_name", "") != "option":
            continue
        value = (getattr(ctx, "params", None) or {}).get(param.name)
        for one in value if isinstance(value, list | tuple) else [value]:
            text = "" if one is None or isinstance(one, bool) else str(one)
            if len(text) > 1 and message.startswith(f"{text}: ") and (found is None or len(text) > found[0]):
                found = (len(text), labels.get(str(param.name), str(param.name)))
    return None if found is None else found[1]


def _echoed_value(ctx: Any, labels: Mapping[str, str], message: str) -> str | None:
    """The one option (or argument) whose value ``message`` quotes (``'NOPE'``), when it does not name one."""
    if message.startswith("-"):
        return None
    quoted = set(re.findall(r"'([^']+)'", message))
    found = set()
    for param in getattr(getattr(ctx, "command", None), "params", []):
        value = (getattr(ctx, "params", None) or {}).get(param.name)
        for one in value if isinstance(value, list | tuple) else [value]:
            if isinstance(one, str) and len(one) > 1 and one in quoted:
                found.add(labels.get(str(param.name), str(param.name)))
    return found.pop() if len(found) == 1 else None


def _command_words(ctx: Any) -> set[str]:
    """The running command's own words (``screen``, ``lists update``), as a service's message may start with them."""
    words: list[str] = []
    while ctx is not None and ctx.parent is not None:
        words.insert(0, str(ctx.info_name))
        ctx = ctx.parent
    return {" ".join(words[i:]) for i in range(len(words))}


def _option_for(field: str, fields: Mapping[str, str], params: Mapping[str, str]) -> str | None:
    """The option (or argument) that fed ``field`` (``parties.0.parents.0.share``): the command's own table first,
    for the service fields named otherwise than the option (``certifications`` is ``--certify``), then the
    command's parameters; a dotted field is tried whole, without its list positions, then ever shorter."""
    if field.startswith("-"):
        return None
    parts = re.sub(r"\[(\d+)\]", r".\1", field).split(".")  # items[0] is items.0
    plain = [p for p in parts if not p.isdigit()]
    tries = [field, *(".".join(plain[:n]) for n in range(len(plain), 0, -1))]
    for table in (fields, params):
        for name in tries:
            if name in table:
                # "--fact {rest}": the rest of the field is what the user typed after the option (FIELD.PATH)
                rest = ".".join(parts[len(name.split(".")) :]) if name != field else ""
                return table[name].replace("{rest}", rest).strip()
    return None


def option_message(message: str, field: str | None, fields: Mapping[str, str] = {}) -> str:
    """``message`` of a shared service (or a request model) as the CLI says it: the API field it starts with
    (``export_from: unknown country 'QQ'``) becomes the option the user typed (``--export-from: ...``); a message
    that starts with the command's name or the field in words (``screen: sources ...``, ``value limit: ...``) or
    with the bare field (``valid_to 2024-01-01 is ...``) names the option of its ``field``; and a field named in the
    text (``before valid_from 2025-01-01``, outside quotes: not an echoed value) is named as its option too, when the
    command's ``fields`` table names it."""
    from typer._click.globals import get_current_context

    ctx = get_current_context(silent=True)
    params = _command_params(ctx)
    typed = _typed_value(ctx, params, message)
    if typed is not None:  # about a file (or a value) the user typed: "orders.csv: row 3: ..." names its option
        return f"{typed}: {message}"
    rest: str | None = None
    found = _LEADING_FIELD.match(message)
    head_option = _option_for(found.group(1), fields, params) if found else None
    if found is not None and head_option is not None:
        rest = message[found.end() :]
    elif field and (head_option := _option_for(field, fields, params)) is not None:
        head, sep, tail = message.partition(": ")
        if sep and (head in _command_words(ctx) or _WORDS.match(head)):
            rest = tail
        elif message.startswith(f"{field} "):
            rest = message[len(field) + 1 :]
    if rest is not None:
        return f"{head_option}: {_inner_fields(rest, fields)}"
    echoed = _echoed_value(ctx, params, message)
    if echoed is not None:  # "no active license numbered 'NOPE'": the one option whose value it quotes
        return f"{echoed}: {_inner_fields(message, fields)}"
    return _inner_fields(message, fields)


_WORDS = re.compile(r"^[a-z]+(?: [a-z]+)*$")  # "value limit", "review": a field in words, not a path or a value
_SNAKE = re.compile(r"\b[a-z]+(?:_[a-z]+)+\b")


def _inner_fields(text: str, fields: Mapping[str, str]) -> str:
    """The service fields of the command's table named in ``text`` (``valid_from``) as their options, outside
    quoted values (the table only: a word such as ``bad_rows`` in a list of choices is not the option)."""
    pieces = re.split(r"('[^']*')", text)
    for i in range(0, len(pieces), 2):  # the even pieces are outside quotes
        pieces[i] = _SNAKE.sub(lambda m: fields.get(m.group(0), m.group(0)), pieces[i])
    return "".join(pieces)


@overload
def handle_errors(func: F) -> F: ...


@overload
def handle_errors(*, fields: Mapping[str, str]) -> Callable[[F], F]: ...


def handle_errors(func: F | None = None, *, fields: Mapping[str, str] | None = None) -> Any:
    """Turn a ChipclearError into one line on stderr and exit code 2, and a storage failure into one line and exit
    code 3 (typer commands run in-process). The line names the option the user typed, not the service's field
    (``option_message``): ``fields`` maps the service fields that are named otherwise than an option of the
    command (``{"certifications": "--certify"}``)."""
    if func is None:
        return lambda f: _handled(f, fields or {})
    return _handled(func, fields or {})


def _handled(func: F, fields: Mapping[str, str]) -> F:
    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except ChipclearError as exc:
            sys.stderr.write(f"chipclear: error: {option_message(exc.message, exc.field, fields)}\n")
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
            message = option_message(f"{field}: {validation_text(first)}", field, fields)
            sys.stderr.write(f"chipclear: error: {message}\n")
            raise SystemExit(2) from None
        except Exception as exc:  # a full disk, a read-only folder: exit 3, not 1 (a held line, a failed check)
            problem = storage_problem(exc)
            if problem is None:
                raise
            raise storage_exit(problem) from None

    return wrapper  # type: ignore[return-value]
