"""One vocabulary for dated, cited values: used by the rules, tariffs, geography and catalog data files.

- ``Confidence``: ``H`` / ``M`` / ``L`` (low: shown as LOW CONFIDENCE) or ``UNCONFIRMED`` (loaded as unknown: a
  decision that depends on it is HOLD). ``Mark`` is the same without ``UNCONFIRMED``, for a value that is present.
- ``Cited``: what every fact carries, its ``citation`` and its ``confidence``.
- ``Period``: the dates a value is in force, written ``from`` / ``until`` in every data file: in force on
  ``from`` (inclusive) and before ``until`` (exclusive), ``[from, until)``; a missing bound is open.
- ``Op`` / ``Test``: a declarative comparison ``metric op value`` (the ECCN and license tests).
- ``IsoCountry`` / ``IsoDestination``: an ISO 3166-1 alpha-2 code (or an ISO 3166-2 region code) as written in
  a data file. User input goes through
  ``chipclear.geography.CountryCode``, which resolves a name to the same code.

Every number in a data file is finite (``allow_inf_nan=False`` on every model): YAML's ``.nan`` and ``.inf`` are
refused naming the field.

Old spellings (a tariff period's ``to``, a requirement's ``since``, the catalog's high/medium/low) are refused with
an error that says what to write instead, so an old user file fails loudly rather than loading differently.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from chipclear.bounds import Day

_OLD_MARKS = {"high": "H", "medium": "M", "low": "L"}


def _refuse_old_mark(value: Any) -> Any:
    if isinstance(value, str) and value.strip().lower() in _OLD_MARKS:
        new = _OLD_MARKS[value.strip().lower()]
        raise ValueError(f"confidence {value!r} is the old spelling: write {new} (marks are H, M, L, UNCONFIRMED)")
    return value


Confidence = Annotated[Literal["H", "M", "L", "UNCONFIRMED"], BeforeValidator(_refuse_old_mark)]
"""How sure the source is of a value; UNCONFIRMED values are loaded as unknown."""

Mark = Annotated[Literal["H", "M", "L"], BeforeValidator(_refuse_old_mark)]
# Surest first: a statement resting on several marks is only as sure as the weakest (``weakest``).
CONFIDENCE_ORDER = ("H", "M", "L", "UNCONFIRMED")


def weakest(marks: Iterable[str | None]) -> str | None:
    """The least sure of ``marks`` (None and unknown values ignored; None when there is none)."""
    known = [m for m in marks if m in CONFIDENCE_ORDER]
    return max(known, key=CONFIDENCE_ORDER.index) if known else None


"""The confidence of a value that is present (catalog specs): H, M or L."""

Op = Literal["ge", "gt", "le", "lt", "eq"]
OP_SYMBOL: dict[str, str] = {"ge": ">=", "gt": ">", "le": "<=", "lt": "<", "eq": "=="}

IsoCountry = Annotated[str, Field(pattern=r"^[A-Z]{2}$")]
"""An ISO 3166-1 alpha-2 country code in a data file (upper case, two letters)."""

IsoDestination = Annotated[str, Field(pattern=r"^[A-Z]{2}(-[0-9A-Z]{1,3})?$")]
"""A destination in a data file: an ISO 3166-1 alpha-2 code or an ISO 3166-2 region code (UA-43)."""

# Keys that earlier versions of the data files used for a period's bounds, and what replaced them.
RENAMED_KEYS: dict[str, str] = {"to": "until", "since": "from"}


def refuse_renamed_keys(data: Any) -> Any:
    """A ``mode="before"`` check: an old key name is an error naming the key and its replacement."""
    if isinstance(data, dict):
        for old, new in RENAMED_KEYS.items():
            if old in data and new not in data:
                raise ValueError(
                    f"{old!r} is the old spelling: write {new!r} (a period is from/until, until exclusive)"
                )
    return data


def _finite_number(value: Any) -> Any:
    """A threshold is a finite number: YAML's ``.nan`` compares false with everything (every item passed a ``lt``
    test under a NaN draft) and ``.inf`` is no threshold at all. Said here, before the union of ``float | bool``
    reports one error per member."""
    number = value
    if isinstance(value, str):  # "1e999" (no dot: a string to YAML 1.1) reads as infinity
        try:
            number = float(value)
        except ValueError:
            return value  # not a number: the type check says so
    if isinstance(number, float) and not math.isfinite(number):
        raise ValueError(f"{value} is not a threshold: must be a finite number")
    return value


class Test(BaseModel):
    """One comparison: ``metric op value`` (e.g. tpp ge N)."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, frozen=True)

    metric: str
    op: Op
    value: Annotated[float | bool, BeforeValidator(_finite_number)]


class Cited(BaseModel):
    """The provenance every fact carries: where it was read and how sure that source is."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, frozen=True)

    citation: str
    confidence: Confidence


class Period(BaseModel):
    """In force on ``from`` and after, before ``until`` (exclusive): ``[from, until)``; a missing bound is open."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, frozen=True, populate_by_name=True)

    start: Day | None = Field(default=None, alias="from")
    end: Day | None = Field(default=None, alias="until")

    @model_validator(mode="before")
    @classmethod
    def _renamed(cls, data: Any) -> Any:
        return refuse_renamed_keys(data)

    @model_validator(mode="after")
    def _in_order(self) -> Period:
        if self.start is not None and self.end is not None and self.end <= self.start:
            raise ValueError(f"period ends ({self.end}) on or before it starts ({self.start})")
        return self

    def covers(self, day: dt.date) -> bool:
        return (self.start is None or self.start <= day) and (self.end is None or day < self.end)


__all__ = [
    "CONFIDENCE_ORDER",
    "OP_SYMBOL",
    "RENAMED_KEYS",
    "Cited",
    "Confidence",
    "IsoCountry",
    "IsoDestination",
    "Mark",
    "Op",
    "Period",
    "Test",
    "refuse_renamed_keys",
    "weakest",
]
