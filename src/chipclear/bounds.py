"""Bounds on every input, declared once: the request models (``chipclear.decision``, the API routers), the
console forms and the batch schema all take their limits from here.

Why these numbers (they are storage limits, not regulation):

- ``MAX_QUANTITY``: quantities are ``INTEGER`` columns, 32-bit on PostgreSQL (at most 2**31 - 1); a license's
  ``quantity_used`` adds lines up to the limit plus a tolerance of at most 100 percent, so one line and one limit
  stay at or under 10**9 and the sum still fits.
- ``MAX_VALUE_USD``: values are stored as whole cents in 64-bit ``BIGINT`` columns; 10**13 dollars is 10**15 cents,
  far from the 2**63 - 1 limit even summed over many lines, and exact in a float.
- Text lengths follow the ledger's columns (party names ``VARCHAR(300)``, items ``VARCHAR(200)``, license numbers
  ``VARCHAR(60)``); free text (notes, reasons, end-use text) stops at 4,000 characters.
- No text may contain a NUL character (PostgreSQL cannot store one in a text column) or a lone surrogate (not
  UTF-8).
- Numbers must be finite: NaN and infinities (JSON ``NaN``, ``Infinity``, ``1e999``) are refused.
- ``MIN_SCREEN_SCORE``: the lowest screening score an API caller may ask for (``min_score``; yente's ``cutoff`` and
  ``threshold``). The work of a search grows as its floor falls: near 0 every entry that shares any word with the
  query ("co", "ltd") is scored and explained (100 hits of 100 names, 400+ seconds in one request); at 0.5 a name
  must share about 70% of the query's weight (``score <= coverage ** 2``). The review threshold is 0.75 and the
  match threshold 0.88: a hit under 0.5 is no candidate a reviewer acts on. The CLI takes the same floor (since
  2026-12-07: a door audit found ``screen --min-score 0`` accepted there); the library takes any floor from 0 to 1.
- ``MAX_BATCH_WORKERS``, ``MAX_VERIFY_LINES``, ``MAX_BATCH_SIZE``: the numeric options of a batch run (a number
  past a machine integer ended in an OverflowError traceback). A worker process holds its own compiled table and
  screening index, so workers past a large machine's cores only cost memory; a sample of a million lines
  re-decides every line of a million-line book.
"""

from __future__ import annotations

import math
import re
from functools import cache
from typing import Annotated, Any, TypeVar

from pydantic import AfterValidator, Field, TypeAdapter, ValidationError

from chipclear.errors import InputError

T = TypeVar("T")

MAX_QUANTITY = 10**9
MAX_VALUE_USD = 1e13
MAX_DB_INT = 2**31 - 1  # the largest value a PostgreSQL INTEGER column holds

NAME_LENGTH = 300  # party names (parties.name is VARCHAR(300))
ITEM_LENGTH = 200  # catalog ids, aliases, HTS codes
COUNTRY_LENGTH = 100  # an ISO code or a country name to resolve
ID_LENGTH = 200  # order ids, line ids, references, list entry ids
LICENSE_NUMBER_LENGTH = 60
ROLE_LENGTH = 40
NOTE_LENGTH = 4000
MAX_PARTIES = 100
MAX_LIST = 100  # certifications, claims, ownership chains, items/destinations of an application
MAX_MATCH_QUERIES = 100  # example entities in one yente-style match request (yente's own batch limit)
MAX_PROPERTY_VALUES = 20  # values of one property of an example entity
MAX_MATCH_COMBINATIONS = 50  # names x countries x addresses screened for one example entity
MIN_SCREEN_SCORE = 0.5  # the lowest min_score / cutoff / threshold of a screening request (see above)
SCREEN_NAME_LENGTH = 500  # a name to screen (not stored: a little longer than a stored party name)
SCREEN_ADDRESS_LENGTH = 1000
MAX_SCREEN_HITS = 100  # the most hits one screening returns (limit)
MAX_BATCH_WORKERS = 64
MAX_VERIFY_LINES = 1_000_000
MAX_BATCH_SIZE = 1_000_000


_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")  # NUL, and lone surrogates (not encodable as UTF-8)


def no_nul(value: str) -> str:
    found = _UNSTORABLE.search(value)
    if found is not None:
        if found.group() == "\x00":
            raise ValueError("must not contain a NUL character")
        raise ValueError("must be valid Unicode text (a lone surrogate cannot be stored)")
    return value


def finite(value: float) -> float:
    if not math.isfinite(value):
        raise ValueError("must be a finite number")
    return value


Name = Annotated[str, Field(max_length=NAME_LENGTH), AfterValidator(no_nul)]
ItemId = Annotated[str, Field(max_length=ITEM_LENGTH), AfterValidator(no_nul)]
Country = Annotated[str, Field(max_length=COUNTRY_LENGTH), AfterValidator(no_nul)]
Identifier = Annotated[str, Field(max_length=ID_LENGTH), AfterValidator(no_nul)]
LicenseNumber = Annotated[str, Field(min_length=1, max_length=LICENSE_NUMBER_LENGTH), AfterValidator(no_nul)]
Role = Annotated[str, Field(max_length=ROLE_LENGTH), AfterValidator(no_nul)]
Note = Annotated[str, Field(max_length=NOTE_LENGTH), AfterValidator(no_nul)]
Reason = Annotated[str, Field(min_length=1, max_length=NOTE_LENGTH), AfterValidator(no_nul)]
Quantity = Annotated[int, Field(ge=1, le=MAX_QUANTITY)]
ValueUSD = Annotated[float, Field(ge=0, le=MAX_VALUE_USD, allow_inf_nan=False), AfterValidator(finite)]
Percent = Annotated[float, Field(ge=0, le=100, allow_inf_nan=False), AfterValidator(finite)]
# one party screened: the API's request model and the CLI's ``screen`` take the same bounds
ScreenName = Annotated[str, Field(min_length=1, max_length=SCREEN_NAME_LENGTH), AfterValidator(no_nul)]
ScreenAddress = Annotated[str, Field(max_length=SCREEN_ADDRESS_LENGTH), AfterValidator(no_nul)]
ScreenScore = Annotated[float, Field(ge=MIN_SCREEN_SCORE, le=1, allow_inf_nan=False)]
HitLimit = Annotated[int, Field(ge=1, le=MAX_SCREEN_HITS)]


@cache
def _adapter(kind: Any) -> TypeAdapter[Any]:
    return TypeAdapter(kind)


def checked(kind: Any, value: T, field: str) -> T:
    """``value`` checked against one of the types above, for inputs that reach a service without a request
    model (console forms, CLI options); an ``InputError`` naming ``field`` otherwise."""
    if value is None:
        return value
    try:
        _adapter(kind).validate_python(value)
    except ValidationError as exc:
        raise InputError(f"{field}: {exc.errors()[0]['msg']}", field=field) from None
    return value


__all__ = [
    "COUNTRY_LENGTH",
    "ID_LENGTH",
    "ITEM_LENGTH",
    "LICENSE_NUMBER_LENGTH",
    "MAX_BATCH_SIZE",
    "MAX_BATCH_WORKERS",
    "MAX_DB_INT",
    "MAX_LIST",
    "MAX_MATCH_COMBINATIONS",
    "MAX_MATCH_QUERIES",
    "MAX_PARTIES",
    "MAX_PROPERTY_VALUES",
    "MAX_QUANTITY",
    "MAX_SCREEN_HITS",
    "MAX_VALUE_USD",
    "MAX_VERIFY_LINES",
    "MIN_SCREEN_SCORE",
    "NAME_LENGTH",
    "NOTE_LENGTH",
    "SCREEN_ADDRESS_LENGTH",
    "SCREEN_NAME_LENGTH",
    "Country",
    "HitLimit",
    "Identifier",
    "ItemId",
    "LicenseNumber",
    "Name",
    "Note",
    "Percent",
    "Quantity",
    "Reason",
    "Role",
    "ScreenAddress",
    "ScreenName",
    "ScreenScore",
    "ValueUSD",
    "checked",
    "finite",
    "no_nul",
]
