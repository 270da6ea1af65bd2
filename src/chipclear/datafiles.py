"""What every loader of bundled and user data files shares (the chip catalog, the AI model catalog): reading a file
or a folder of YAML files, one-line errors naming the file and field, and lookup by id, name or alias."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable, Iterable
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import ValidationError

from chipclear.bounds import ITEM_LENGTH
from chipclear.errors import DataFileError, InputError, validation_text
from chipclear.userfiles import input_file

T = TypeVar("T")


def lookup_key(name: str) -> str:
    """Case-, whitespace- and punctuation-insensitive lookup key: 'NVIDIA H-20 ' -> 'nvidiah20'."""
    return re.sub(r"[\W_]+", "", name.casefold())


_VALIDATOR_TAG = re.compile(r"^[a-z][a-z-]*\[.*\]$")


def first_error(exc: ValidationError) -> str:
    """The first validation error as "field a.b: message (and N more)"."""
    first = exc.errors()[0]
    # a union's member is named by its validator ("function-before[_day(), date]", "literal['unknown']"): not a
    # field of the file, so it is left out (the 4E091 audit, 2026-12-07)
    field = ".".join(str(p) for p in first["loc"] if not _VALIDATOR_TAG.match(str(p))) or "(entry)"
    more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
    return f"field {field}: {validation_text(first)}{more}"


class RepeatedKey(ValueError):
    """A JSON object gives one key twice (``unique_pairs``); ``args[0]`` is the key."""


def unique_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """An object whose keys are each given once (``json.loads`` would keep the last of a repeated key)."""
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise RepeatedKey(key)
        out[key] = value
    return out


def repeated_key_message(key: object) -> str:
    """The one wording of a key given twice, for JSON and YAML alike (the caller's text, echoed: bounded)."""
    shown = repr(key)
    return f"key {shown if len(shown) <= 62 else shown[:60] + '...'} is given twice in one object"


def json_loads(text: str | bytes) -> Any:
    """``json.loads`` refusing an object that gives one key twice: a ``ValueError`` naming the key (``json.loads``
    keeps the last value, so ``{"name": "Moore Threads", "name": "Example GmbH"}`` screened only the second
    name; an audit, 2026-12-07). Every reader of a JSON text a user hands in goes through here or
    ``unique_pairs``, as the API's ``NoRepeatedKeys`` does."""
    try:
        return json.loads(text, object_pairs_hook=unique_pairs)
    except RepeatedKey as exc:
        raise ValueError(repeated_key_message(exc.args[0])) from None
    except json.JSONDecodeError:
        raise
    except ValueError as exc:
        raise ValueError(unreadable_json(exc) or str(exc)) from None


def unreadable_json(exc: BaseException) -> str | None:
    """Why Python's parser refused a JSON text that is valid JSON, or None: a number of more digits than ``int()``
    converts (``sys.get_int_max_str_digits``, 4,300; Python's own message tells the reader to change the limit)
    or arrays and objects nested deeper than its recursion limit. The API (``api.errors.unreadable_body``), the
    console and the CLI say it in these words."""
    if isinstance(exc, RecursionError):
        return "nested too deeply to read (arrays or objects inside one another)"
    if isinstance(exc, ValueError) and not isinstance(exc, json.JSONDecodeError) and "digits" in str(exc):
        return f"a number has more than {sys.get_int_max_str_digits()} digits"
    return None


# libyaml's parser when PyYAML was built with it (the usual wheels are): the same safe constructor, 5-10x faster,
# which is most of a CLI call's start-up (every rule, catalog, geography and tariff file is YAML).
_BaseLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class SafeLoader(_BaseLoader):  # type: ignore[valid-type,misc]
    """The safe loader, with a scalar that parses as a date, number or boolean but is not one (``2027-02-30``,
    ``!!int x``) reported as a YAML error at its line: PyYAML's own constructors raise ValueError (or KeyError,
    AttributeError) there, which every reader of a user's file took for a bug; and a mapping that gives one key
    twice refused at that key's line (PyYAML keeps the last value, so a part file giving ``dense_throughput``
    twice was read with the second, and an order line giving ``destination`` CN then DE was recorded to DE)."""

    def construct_mapping(self, node: yaml.Node, deep: bool = False) -> Any:
        if isinstance(node, yaml.MappingNode):
            seen: set[Any] = set()
            for key_node, _ in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":  # "<<: *base": keys given after it override it
                    continue
                key = self.construct_object(key_node, deep=True)
                try:
                    repeated = key in seen
                    seen.add(key)
                except TypeError:  # an unhashable key: the base constructor refuses it
                    continue
                if repeated:
                    raise yaml.constructor.ConstructorError(
                        None, None, repeated_key_message(key).replace("object", "mapping"), key_node.start_mark
                    )
        return super().construct_mapping(node, deep=deep)


def _checked_scalar(tag: str) -> None:
    construct = SafeLoader.yaml_constructors[tag]

    def constructor(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
        try:
            return construct(loader, node)
        except (ValueError, KeyError, AttributeError, OverflowError, TypeError) as exc:
            kind = tag.rsplit(":", 1)[-1].replace("timestamp", "date")
            why = f" ({exc})" if isinstance(exc, (ValueError, OverflowError)) else ""
            raise yaml.constructor.ConstructorError(
                None, None, f"{node.value!r} is not a valid {kind}{why}", node.start_mark
            ) from None

    SafeLoader.add_constructor(tag, constructor)


for _tag in ("timestamp", "int", "float", "bool"):
    _checked_scalar(f"tag:yaml.org,2002:{_tag}")


_FLOAT = "tag:yaml.org,2002:float"
# YAML 1.2's exponent without a sign or a point (1e27, 2.5e25), which YAML 1.1 reads as text; a lower-case "e" only,
# so that an ECCN such as 4E091 or 5E002 stays text
_EXPONENT = re.compile(r"^[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)e[-+]?[0-9]+$")


def _plain_numbers() -> None:
    """Numbers as they are written. A plain scalar with an underscore (``1_000``, ``1_0e26``) is text, as in YAML
    1.2, not the number YAML 1.1 reads with the underscores dropped; ``1e27`` is a number (YAML 1.1 reads it as the
    text "1e27", which a number field converted, quoted or not). A field that wants a number then refuses text by
    name (``chipclear.bounds``) instead of reading a figure the file does not plainly state (the 4E091 audit,
    2026-12-07)."""
    numbers = {"tag:yaml.org,2002:int", _FLOAT}
    table = {
        first: [
            (tag, re.compile("(?=[^_]*$)" + rx.pattern, rx.flags) if tag in numbers else rx) for tag, rx in resolvers
        ]
        for first, resolvers in _BaseLoader.yaml_implicit_resolvers.items()
    }
    for first in "-+0123456789.":
        table.setdefault(first, []).append((_FLOAT, _EXPONENT))
    SafeLoader.yaml_implicit_resolvers = table


_plain_numbers()

# What reading a YAML text can raise besides a YAMLError: a nesting too deep for the constructor, and (should a
# constructor still raise one) the errors of Python's own conversions.
YAML_ERRORS: tuple[type[BaseException], ...] = (
    yaml.YAMLError,
    ValueError,
    KeyError,
    AttributeError,
    OverflowError,
    TypeError,
    RecursionError,
)


def safe_load(text: Any) -> Any:
    """``yaml.safe_load`` with libyaml's parser when available (a string or a text stream)."""
    return yaml.load(text, Loader=SafeLoader)


def yaml_problem(exc: BaseException) -> str:
    """One line saying why a YAML text could not be read (PyYAML's messages run over several lines)."""
    if isinstance(exc, RecursionError):
        return "nested too deeply"
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        what = ", ".join(part for part in (exc.context, exc.problem) if part) or "not valid"
        return " ".join(f"{where}{what}".split())
    return " ".join(str(exc).split()) or type(exc).__name__


def read_yaml(text: str, path: str) -> Any:
    """A YAML data file's content; a text that is not YAML (or holds a date that does not exist, such as
    ``2027-02-30``) is a ``DataFileError`` naming ``path``."""
    try:
        return safe_load(text)
    except YAML_ERRORS as exc:
        raise DataFileError(f"{path}: not valid YAML: {yaml_problem(exc)}") from None


def read_user_file(path: Path, what: str, field: str) -> str:
    """A file the user named; an unreadable one is bad input (exit 2), not a broken installation."""
    input_file(path, what)  # a FIFO or a device: never opened
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"{path}: cannot read {what}: {exc.strerror}", field=field) from None
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: cannot read {what}: not UTF-8 text (byte {exc.start})", field=field) from None


def expand(paths: Iterable[Path]) -> list[Path]:
    """Files as given; a folder stands for its YAML files (*.yaml, then *.yml, each sorted by name)."""
    out: list[Path] = []
    for p in paths:
        out.extend(sorted(p.glob("*.yaml")) + sorted(p.glob("*.yml")) if p.is_dir() else [p])
    return out


def bundled_texts(folder: Traversable, label: str) -> list[tuple[str, str]]:
    """(``label/<file>``, text) of every YAML file shipped in ``folder``, in name order."""
    return [
        (f"{label}/{entry.name}", entry.read_text(encoding="utf-8"))
        for entry in sorted(folder.iterdir(), key=lambda e: e.name)
        if entry.name.endswith((".yaml", ".yml"))
    ]


def bundled(folder: Traversable, label: str, parse: Callable[[str, str], T]) -> list[T]:
    """Every YAML file shipped in ``folder``, parsed in name order; errors name it ``label/<file>``."""
    return [parse(text, name) for name, text in bundled_texts(folder, label)]


SUGGEST_LONGEST = ITEM_LENGTH  # no name or alias may be longer


class NameIndex:
    """Ids by lookup key, for finding an entry by id, name or alias and suggesting near misses."""

    def __init__(self) -> None:
        self._ids: dict[str, set[str]] = {}

    def add(self, ident: str, names: Iterable[str]) -> None:
        for name in names:
            self._ids.setdefault(lookup_key(name), set()).add(ident)

    def ids(self, name: str) -> set[str]:
        return self._ids.get(lookup_key(name), set())

    def suggest(self, name: str, limit: int = 3) -> list[str]:
        """Near names for one not found; none for a text longer than any name (the fuzzy match's cost grows with
        the length: a 2 MB item held a server for a minute and a half)."""
        return [found for found, _ in self.suggest_scored(name, limit)]

    def suggest_scored(self, name: str, limit: int = 3) -> list[tuple[str, float]]:
        """``suggest`` with each name's score (0-100), best first: to merge the suggestions of two indexes."""
        if len(name) > SUGGEST_LONGEST:
            return []
        from rapidfuzz import fuzz, process  # only for a name not found: a CLI call that finds it does not load it

        choices = {k: next(iter(v)) for k, v in self._ids.items()}
        found = process.extract(lookup_key(name), list(choices), scorer=fuzz.WRatio, limit=limit * 3)
        out: dict[str, float] = {}
        for key, score, _ in found:
            if score >= 60 and choices[key] not in out:
                out[choices[key]] = score
        return list(out.items())[:limit]


__all__ = [
    "YAML_ERRORS",
    "NameIndex",
    "RepeatedKey",
    "SafeLoader",
    "bundled",
    "bundled_texts",
    "expand",
    "first_error",
    "json_loads",
    "lookup_key",
    "read_user_file",
    "read_yaml",
    "repeated_key_message",
    "safe_load",
    "unique_pairs",
    "unreadable_json",
    "yaml_problem",
]
