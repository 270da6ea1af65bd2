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
- Nothing is converted: a date is a ``YYYY-MM-DD`` string (or a ``datetime.date`` from Python), never a number of
  seconds (``1798761600`` was read as 2027-01-01), a compact ``20250513`` or an ISO week ``2025-W20-2``; a whole
  number or an amount is a number, never ``true`` (read as 1) or a string. ``iso_date`` is the one parser of a
  typed date, for the CLI's options and the console's forms too.
- A name, an id, a reference or a license number holds at least one visible character: one made only of spaces,
  format or control characters or lone combining marks (``"\u200b"``, ``"\u202e"``, a soft hyphen) would be
  screened as nothing and recorded as nobody.
- An identifier (an order or line id, a reference, a license or application number, a user name, a list entry id,
  a claim or certification key) holds no control, format or line-separator character anywhere (``no_hidden``):
  ``"L 1\u200b"`` shows as ``L 1`` in every list and audit record, a second license nobody can tell from the first
  (an audit, 2026-12-07). A party name may hold a format character (a zero-width non-joiner is part of Persian
  spelling; screening and the party keys read a name without them), but never only those, and never a
  bidirectional formatting character or a control that shows nothing (``shown_as_written``; a tab or a line break
  may stay): ``"\u202eiewauH"`` is shown as "Huawei" in the console, an audit record and a spreadsheet while it is
  screened as written, "iewauH", with no hit.
- A party name or a name to screen is read without its leading and trailing spaces (``"  Huawei "`` is recorded,
  screened and echoed as ``Huawei``), as the screening and party keys compare it.
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
- ``MAX_SHIP_DAYS_AHEAD``: a shipment may be booked at most 366 days after today (the ledger's latest ship day,
  ``ledger.shipments.latest_booking_day``). A line dated after today is held anyway and decided again when it ships
  (it would be decided on today's rules and lists); past a year ahead the date is refused, not recorded: nobody
  knows the rules, lists and licenses of 9999-12-31, and a booking that far out is a plan, not a shipment. A year
  covers any real order book's lead time. Checks (``chipclear check``, what-if) still take any later date and say
  in a ``rules-data`` reason that the rules are as known on the newest rule data.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from functools import cache
from typing import Annotated, Any, TypeVar

from pydantic import AfterValidator, BeforeValidator, Field, TypeAdapter, ValidationError

from chipclear.errors import InputError, validation_text

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
MAX_SHIP_DAYS_AHEAD = 366  # the latest ship date a shipment may be booked for, in days after today (see above)
# The most lines ``demo orders`` makes: a 1,000,000-line book took 0.74 GB at peak and 10 s (measured 2026-12-07),
# so ten million fit a machine that can run a batch of them; 10^14 ended in a numpy MemoryError traceback.
MAX_DEMO_ROWS = 10_000_000
# A figure of a part in a catalog file (TFLOPS/TOPS, mm2, GB, TB/s, GB/s, W, a count of dies or components): at
# most 10^9 of its unit, orders of magnitude past any chip in the catalog, and an area at least 0.01 mm2, so every
# metric computed from them (TPP = 2 x TOPS x bit length, density = TPP / area) is a finite number: a spec with
# 1e308 TOPS gave "tpp": Infinity, which is not JSON (an audit, 2026-12-07).
MAX_SPEC_FIGURE = 10**9
MIN_SPEC_AREA_MM2 = 0.01


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


# Unicode categories that show nothing on their own: format (zero-width space, bidi overrides, soft hyphen, word
# joiner), control, space and line/paragraph separators, and non-spacing combining marks.
INVISIBLE_CATEGORIES = frozenset({"Cf", "Cc", "Zs", "Zl", "Zp", "Mn"})  # unicodedata categories


def blank(value: str) -> bool:
    """Whether ``value`` shows nothing: empty, spaces, or only invisible characters. A reason that is blank is no
    reason: ``str.strip()`` keeps a zero-width space or a bidi override, and a "not a match" review, a cancellation or
    a license's revocation was recorded with a reason of U+200B alone (a console audit, 2026-12-08)."""
    return not any(unicodedata.category(ch) not in INVISIBLE_CATEGORIES for ch in value)


def visible(value: str) -> str:
    """``value`` if it has a visible character (a letter, digit, punctuation or symbol)."""
    if blank(value):
        if not value:
            raise ValueError("must not be empty")
        raise ValueError(
            "must contain a visible character (a letter, digit or symbol), not only spaces or invisible characters"
        )
    return value


# Unicode categories that an identifier never holds: controls, format characters (zero-width space, bidi overrides,
# soft hyphen, byte-order mark) and line and paragraph separators.
HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp"})


def hidden_character(value: str) -> str | None:
    """The first control, format or separator character of ``value`` (``HIDDEN_CATEGORIES``), or None."""
    if value.isprintable():  # the common case; isprintable() is False for every hidden character
        return None
    return next((c for c in value if unicodedata.category(c) in HIDDEN_CATEGORIES), None)


def no_hidden(value: str) -> str:
    """``value`` if it holds no control, format or separator character (an identifier: ``Identifier``)."""
    found = hidden_character(value)
    if found is not None:
        raise ValueError(hidden_problem(found))
    return value


def hidden_problem(char: str) -> str:
    """What is wrong with an identifier holding ``char``, naming it (``U+200B, zero width space``)."""
    named = unicodedata.name(char, "a control character").lower()
    return f"must not contain an invisible control, format or separator character (U+{ord(char):04X}, {named})"


# Unicode's Bidi_Control characters: each changes the order in which the text around it is shown.
BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# The controls that are white space (tab, line breaks): shown as a space or a break and read as one by screening, so
# a name may hold them (a quoted CSV cell may span lines). Every other control shows nothing.
SPACING_CONTROLS = frozenset("\t\n\x0b\x0c\r\x85")


def shown_as_written(value: str) -> str:
    """``value`` if it is shown as it is read (a party name): no bidirectional formatting character and no control
    that shows nothing (``BIDI_CONTROLS``; every control but ``SPACING_CONTROLS``). Other format characters (a
    zero-width space or non-joiner) are read past by screening and the party keys, so they stay."""
    if value.isprintable():  # the common case; isprintable() is False for every character refused here
        return value
    found = next((c for c in value if c in BIDI_CONTROLS or _silent_control(c)), None)
    if found is not None:
        raise ValueError(hidden_problem(found))
    return value


def _silent_control(char: str) -> bool:
    return unicodedata.category(char) == "Cc" and char not in SPACING_CONTROLS


def stripped(value: str) -> str:
    """``value`` without its leading and trailing spaces (a party name is screened and compared without them)."""
    return value.strip()


_ISO_DAY = re.compile("[0-9]{4}-[0-9]{2}-[0-9]{2}")


def iso_date(text: str) -> dt.date:
    """A date written exactly ``YYYY-MM-DD``; ValueError otherwise. (Python 3.11's ``date.fromisoformat`` also
    reads ``20250513`` and ``2025-W20-2``, which every message here calls invalid and batch refuses.)"""
    if not _ISO_DAY.fullmatch(text):
        raise ValueError(f"{text!r} is not a date in YYYY-MM-DD form")
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:  # 2025-02-30
        raise ValueError(f"{text!r} is not a date in YYYY-MM-DD form ({exc})") from None


def _day(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        raise ValueError("must be a date in YYYY-MM-DD form, not a date and time")
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        if len(value) > 10:  # not echoed: the message would carry the whole text
            raise ValueError("must be a date in YYYY-MM-DD form")
        return iso_date(value)
    raise ValueError("must be a date in YYYY-MM-DD form (a string)")


def _number(what: str) -> Any:
    def check(value: Any) -> Any:
        if isinstance(value, bool):
            raise ValueError(f"must be {what}, not true or false")
        if isinstance(value, str | bytes):
            raise ValueError(f"must be {what}, not a string")
        return value

    return BeforeValidator(check)


def plain_number_text(value: Any) -> Any:
    """A number written as text (a CLI option, a query parameter) without Python's digit separators: ``1_000`` is
    read as 1000 by ``int()``/``float()`` and by pydantic's lax mode, while the JSON API, batch and the console refuse
    it (an audit, 2026-12-07), so every door refuses it."""
    if isinstance(value, str) and "_" in value:
        raise ValueError(f"{value[:40]!r} is not a plain number (write 1000, not 1_000)")
    return value


def _flag(value: Any) -> Any:
    if not isinstance(value, bool):
        raise ValueError("must be true or false")
    return value


# A date in a request or a file read by a model: a ``YYYY-MM-DD`` string (JSON) or a ``datetime.date`` (Python).
Day = Annotated[dt.date, BeforeValidator(_day)]

# The bounds come before the validator, so pydantic keeps them in the number's schema: the OpenAPI says
# ``minimum``/``maximum`` (a constraint placed after a validator is written as pydantic's own ``ge``/``le``).
_WHOLE = _number("a whole number")
_REAL = _number("a number")
WholeNumber = Annotated[int, _WHOLE]  # an int; never from true/false or "3"
Number = Annotated[float, Field(allow_inf_nan=False), _REAL, AfterValidator(finite)]
Flag = Annotated[bool, BeforeValidator(_flag)]  # true or false; never "yes", 1 or "0"

Name = Annotated[
    str,
    Field(max_length=NAME_LENGTH),
    AfterValidator(no_nul),
    AfterValidator(visible),
    AfterValidator(shown_as_written),
    AfterValidator(stripped),  # after ``visible``: a name of spaces is told so, not "empty"
]
ItemId = Annotated[str, Field(max_length=ITEM_LENGTH), AfterValidator(no_nul)]
Country = Annotated[str, Field(max_length=COUNTRY_LENGTH), AfterValidator(no_nul)]
Identifier = Annotated[
    str, Field(max_length=ID_LENGTH), AfterValidator(no_nul), AfterValidator(visible), AfterValidator(no_hidden)
]
LicenseNumber = Annotated[
    str,
    Field(min_length=1, max_length=LICENSE_NUMBER_LENGTH),
    AfterValidator(no_nul),
    AfterValidator(visible),
    AfterValidator(no_hidden),
]
Role = Annotated[str, Field(max_length=ROLE_LENGTH), AfterValidator(no_nul)]
Note = Annotated[str, Field(max_length=NOTE_LENGTH), AfterValidator(no_nul)]
Reason = Annotated[str, Field(min_length=1, max_length=NOTE_LENGTH), AfterValidator(no_nul)]
Quantity = Annotated[int, Field(ge=1, le=MAX_QUANTITY), _WHOLE]
ValueUSD = Annotated[float, Field(ge=0, le=MAX_VALUE_USD, allow_inf_nan=False), _REAL, AfterValidator(finite)]
# a count read from a data or spec file (training operations, parameters, tokens): positive and finite
PositiveNumber = Annotated[float, Field(gt=0, allow_inf_nan=False), _REAL, AfterValidator(finite)]
Percent = Annotated[float, Field(ge=0, le=100, allow_inf_nan=False), _REAL, AfterValidator(finite)]
TolerancePercent = Annotated[int, Field(ge=0, le=100), _WHOLE]  # a shipping tolerance (15 CFR 750.11), percent
# one party screened: the API's request model and the CLI's ``screen`` take the same bounds
ScreenName = Annotated[
    str,
    Field(min_length=1, max_length=SCREEN_NAME_LENGTH),
    AfterValidator(no_nul),
    AfterValidator(visible),
    AfterValidator(shown_as_written),
    AfterValidator(stripped),
]
ScreenAddress = Annotated[str, Field(max_length=SCREEN_ADDRESS_LENGTH), AfterValidator(no_nul)]
ScreenScore = Annotated[float, Field(ge=MIN_SCREEN_SCORE, le=1, allow_inf_nan=False), _REAL, AfterValidator(finite)]
HitLimit = Annotated[int, Field(ge=1, le=MAX_SCREEN_HITS), _WHOLE]
SpecFigure = Annotated[float, Field(gt=0, le=MAX_SPEC_FIGURE, allow_inf_nan=False), _REAL, AfterValidator(finite)]
SpecArea = Annotated[
    float, Field(ge=MIN_SPEC_AREA_MM2, le=MAX_SPEC_FIGURE, allow_inf_nan=False), _REAL, AfterValidator(finite)
]
SpecCount = Annotated[int, Field(ge=1, le=MAX_SPEC_FIGURE), _WHOLE]


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
        message = validation_text(exc.errors()[0])
        raise InputError(f"{field}: {message}", field=field) from None
    return value


def given_reason(reason: str, missing: str, field: str = "reason") -> str:
    """``reason`` if it is one: not ``blank`` (else ``missing``, e.g. "cancelling needs a reason") and within the
    bounds of a ``Reason`` (at most 4,000 characters, no NUL). The API's request models bound a reason; the ledger
    did not, so a console form or a CLI option recorded a reason of 5,000 characters that the API refuses (a
    console audit, 2026-12-08)."""
    if blank(reason):
        raise InputError(f"{field}: {missing}", field=field)
    return checked(Reason, reason, field)


__all__ = [
    "BIDI_CONTROLS",
    "COUNTRY_LENGTH",
    "HIDDEN_CATEGORIES",
    "ID_LENGTH",
    "INVISIBLE_CATEGORIES",
    "ITEM_LENGTH",
    "LICENSE_NUMBER_LENGTH",
    "MAX_BATCH_SIZE",
    "MAX_BATCH_WORKERS",
    "MAX_DB_INT",
    "MAX_DEMO_ROWS",
    "MAX_LIST",
    "MAX_MATCH_COMBINATIONS",
    "MAX_MATCH_QUERIES",
    "MAX_PARTIES",
    "MAX_PROPERTY_VALUES",
    "MAX_QUANTITY",
    "MAX_SCREEN_HITS",
    "MAX_SHIP_DAYS_AHEAD",
    "MAX_SPEC_FIGURE",
    "MAX_VALUE_USD",
    "MAX_VERIFY_LINES",
    "MIN_SCREEN_SCORE",
    "MIN_SPEC_AREA_MM2",
    "NAME_LENGTH",
    "NOTE_LENGTH",
    "SCREEN_ADDRESS_LENGTH",
    "SCREEN_NAME_LENGTH",
    "SPACING_CONTROLS",
    "Country",
    "Day",
    "Flag",
    "HitLimit",
    "Identifier",
    "ItemId",
    "LicenseNumber",
    "Name",
    "Note",
    "Number",
    "Percent",
    "PositiveNumber",
    "Quantity",
    "Reason",
    "Role",
    "ScreenAddress",
    "ScreenName",
    "ScreenScore",
    "SpecArea",
    "SpecCount",
    "SpecFigure",
    "TolerancePercent",
    "ValueUSD",
    "WholeNumber",
    "blank",
    "checked",
    "finite",
    "given_reason",
    "hidden_character",
    "hidden_problem",
    "iso_date",
    "no_hidden",
    "no_nul",
    "plain_number_text",
    "shown_as_written",
    "stripped",
    "visible",
]
