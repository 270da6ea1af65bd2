"""Reading and validating order books (CSV or Parquet) with Polars; writing files atomically.

Every input row is either a valid line or a bad row with its row number and the reason: nothing is dropped
silently and a bad row never stops the run. Row numbers count data rows from 1 (the header is not a row), so
in a CSV file row N is on line N + 1.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
from collections.abc import Callable, Collection
from pathlib import Path
from typing import Any

import polars as pl
from pydantic import ValidationError

from chipclear import tempfiles
from chipclear.bounds import (
    BIDI_CONTROLS,
    COUNTRY_LENGTH,
    HIDDEN_CATEGORIES,
    ID_LENGTH,
    INVISIBLE_CATEGORIES,
    ITEM_LENGTH,
    MAX_QUANTITY,
    MAX_VALUE_USD,
    NAME_LENGTH,
    NOTE_LENGTH,
    SPACING_CONTROLS,
    hidden_problem,
)
from chipclear.catalog import Catalog
from chipclear.errors import ChipclearError, InputError, validation_text
from chipclear.geography import Geography
from chipclear.models import load_models
from chipclear.tabular import format_of, read_jsonl, read_xlsx, sniff
from chipclear.userfiles import input_file

# Canonical input columns (the same names as the decision JSON's input) and the headers accepted for each.
ALIASES: dict[str, list[str]] = {
    "order_id": ["order_id", "order", "order_no", "order_number", "so", "sales_order"],
    "line_id": ["line_id", "line", "line_no", "line_number"],
    "item": ["item", "item_id", "product", "part", "sku", "model"],
    "quantity": ["quantity", "qty", "units"],
    "destination": ["destination", "destination_country", "ship_to_country", "to", "country"],
    "ship_date": ["ship_date", "shipping_date", "date", "ship_on"],
    "end_user_name": ["end_user_name", "end_user", "customer", "customer_name"],
    "end_user_country": ["end_user_country", "customer_country"],
    "end_user_headquarters_country": [
        "end_user_headquarters_country",
        "end_user_hq_country",
        "end_user_hq",
        "headquarters_country",
        "hq_country",
    ],
    # The end user's direct owners for the affiliates rule's ownership in aggregate: NAME,SHARE,HQ separated by ";"
    # (e.g. "Acme Holding,30,CN; Beta Capital,25,HK"), as the CLI's --end-user-owner.
    "end_user_owners": ["end_user_owners", "owners", "end_user_owner"],
    "end_use": ["end_use", "end_use_text", "use"],
    "supercomputer": ["supercomputer"],
    "advanced_node_ic_production": ["advanced_node_ic_production", "advanced_node"],
    "military": ["military", "military_end_use", "military_end_user"],
    "value_usd": ["value_usd", "value", "amount_usd"],
}
# The identifying columns every output row starts with (decisions and re-checks alike).
LINE_COLUMNS = [
    "row",
    "order_id",
    "line_id",
    "item",
    "item_id",
    "quantity",
    "destination",
    "ship_date",
    "as_of",
    "end_user_name",
    "end_user_country",
    "end_user_headquarters_country",
    "end_user_owners",
]
REQUIRED = ["item", "destination"]
# The text bounds of the request models (chipclear.bounds), per column.
TEXT_LIMITS = {
    "order_id": ID_LENGTH,
    "line_id": ID_LENGTH,
    "item": ITEM_LENGTH,
    "destination": COUNTRY_LENGTH,
    "end_user_name": NAME_LENGTH,
    "end_user_country": COUNTRY_LENGTH,
    "end_user_headquarters_country": COUNTRY_LENGTH,
    "end_user_owners": NOTE_LENGTH,
    "end_use": NOTE_LENGTH,
}
# Columns that name someone or something (chipclear.bounds.Name, Identifier): a value made only of spaces, format or
# control characters or combining marks is a bad row naming the column. ``_VISIBLE``: any other character, as
# ``bounds.visible`` reads it (Rust's regex has Python's unicodedata categories as \p{..}).
VISIBLE_COLUMNS = ("order_id", "line_id", "end_user_name")
_VISIBLE = "[^" + "".join(f"\\p{{{c}}}" for c in sorted(INVISIBLE_CATEGORIES)) + "]"
# Columns that are identifiers (chipclear.bounds.Identifier): any control, format or separator character in them is
# a bad row naming the column (``bounds.no_hidden``), as the models refuse it at the other doors.
IDENTIFIER_COLUMNS = ("order_id", "line_id")
_HIDDEN = "[" + "".join(f"\\p{{{c}}}" for c in sorted(HIDDEN_CATEGORIES)) + "]"
# Columns that are party names (chipclear.bounds.Name): a bidirectional formatting character or a control that shows
# nothing is a bad row naming the column (``bounds.shown_as_written``): "\u202eiewauH" is shown as "Huawei".
NAME_COLUMNS = ("end_user_name",)
_UNSHOWN = (
    "[[\\p{Cc}--["
    + "".join(f"\\x{{{ord(c):02X}}}" for c in sorted(SPACING_CONTROLS))
    + "]]"
    + "".join(f"\\x{{{ord(c):04X}}}" for c in sorted(BIDI_CONTROLS))
    + "]"
)
FLAGS = ["supercomputer", "advanced_node_ic_production", "military"]
TRUE_WORDS = {"true", "t", "yes", "y", "1", "x"}
FALSE_WORDS = {"false", "f", "no", "n", "0", ""}


def _key(header: str) -> str:
    return re.sub(r"[^0-9a-z]+", "_", header.strip().casefold()).strip("_")


QUOTED_FIELD = r'"(?:[^"]|"")*"'
WELL_FORMED = rf'^(?:[^",]*|{QUOTED_FIELD})(?:,(?:[^",]*|{QUOTED_FIELD}))*$'  # RFC 4180 fields on one line
MAX_RECORD_LINES = 50  # a quoted field may span lines; an unclosed quote never swallows more than this
# An order book has at most a spreadsheet's width of columns (XLSX: 16,384). A header of 100,000 empty columns (a
# hostile-input audit) took 25-40 s to read and check before it was decided.
MAX_COLUMNS = 16_384


def _bounded_width(path: Path, columns: int) -> None:
    if columns > MAX_COLUMNS:
        raise InputError(
            f"{path}: {columns:,} columns in the header; an order book has at most {MAX_COLUMNS:,} (a spreadsheet's"
            " width)",
            field="orders",
        )


def _parse_record(text: str) -> list[str] | str:
    """One CSV record's fields, or why it is malformed."""
    if '"' not in text:
        return text.rstrip("\r").split(",")
    try:
        rows = list(csv.reader([text.rstrip("\r")], strict=True))
    except csv.Error as exc:
        return f"malformed CSV quoting ({exc})"
    return rows[0] if len(rows) == 1 else "malformed CSV quoting (unclosed quote)"


def _record_error(fields: list[str] | str, header: list[str], start: int) -> str:
    """Why a parsed record is malformed ("" when it is well formed)."""
    width = len(header)
    if isinstance(fields, str):
        error = fields
    elif len(fields) < width:
        error = f"{len(fields)} fields where the header has {width} (missing {', '.join(header[len(fields) :])})"
    elif len(fields) > width:
        extra = ", ".join(repr(f[:40]) for f in fields[width:])
        error = f"{len(fields)} fields where the header has {width} (extra value(s) {extra})"
    else:
        return ""
    return f"row {start} (line {start + 1}): {error}"


def _frame(header: list[str], rows: list[list[str]], numbers: list[int], errors: list[str]) -> pl.DataFrame:
    columns = {name: [r[k] for r in rows] for k, name in enumerate(header)}
    frame = pl.DataFrame(columns, schema={name: pl.String for name in header})
    marks = [pl.Series("__row", numbers, dtype=pl.UInt32), pl.Series("__parse_error", errors, dtype=pl.String)]
    # records without a single field ("{}" lines) have no column to take their height from
    return frame.with_columns(marks) if header else pl.DataFrame(marks)


def _records_one_by_one(lines: list[bytes], header: list[str]) -> pl.DataFrame:
    """The careful path: a quoted field may span lines, text may not be UTF-8; each record on its own."""
    width = len(header)
    rows: list[list[str]] = []
    numbers: list[int] = []
    errors: list[str] = []
    i = 1
    while i < len(lines):
        start = i
        try:
            text = lines[i].decode("utf-8")
        except UnicodeDecodeError:
            rows.append([""] * width)
            numbers.append(start)
            errors.append(f"row {start} (line {start + 1}): not UTF-8 text")
            i += 1
            continue
        i += 1
        while text.count('"') % 2 and i < len(lines) and i - start < MAX_RECORD_LINES:
            text += "\n" + lines[i].decode("utf-8", errors="replace")
            i += 1
        if not text.strip():
            continue
        fields = _parse_record(text)
        if isinstance(fields, str) and i - start > 1:
            fields = _parse_record(lines[start].decode("utf-8", errors="replace"))
            i = start + 1  # the lines after a bad opening line are records of their own
        errors.append(_record_error(fields, header, start))
        rows.append(([] if isinstance(fields, str) else fields + [""] * width)[:width] or [""] * width)
        numbers.append(start)
    return _frame(header, rows, numbers, errors)


_REPEAT = "\x00#"  # marks the k-th repeat of a header name ("notes\x00#2"): never a name a file can give


def _distinct_names(header: list[str]) -> list[str]:
    """The header with each repeat of a name marked (``_REPEAT``), so that no reader keeps one copy silently (a
    dict of columns kept the last: "destination,destination" with CN and DE was decided for DE). ``read_orders``
    refuses a repeated name unless it is ignored."""
    seen: dict[str, int] = {}
    out = []
    for name in header:
        key = name.strip()
        seen[key] = seen.get(key, 0) + 1
        out.append(name if seen[key] == 1 else f"{key}{_REPEAT}{seen[key]}")
    return out


def _read_csv(path: Path) -> pl.DataFrame:
    """Read a CSV order book so that a malformed record (quoting, too few or too many fields, text that is not
    UTF-8) becomes a row with a ``__parse_error`` and never stops the others. ``__row`` is the record's first
    line minus one (the header is line 1), so rows number data lines from 1.

    Lines without quotes and with the header's number of fields are split by Polars (the fast path); the others
    are parsed one by one with the csv module."""
    data = path.read_bytes()
    if b"\r" in data and b"\n" not in data:  # classic Mac OS line endings (CR only): one "line" of many fields
        data = data.replace(b"\r", b"\n")
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    if not lines:
        raise InputError(f"{path}: the order book is empty (no header)", field="orders")
    lines[0] = lines[0].removeprefix(b"\xef\xbb\xbf")
    header = _parse_record(lines[0].decode("utf-8", errors="replace"))
    if isinstance(header, str):
        raise InputError(f"{path}: line 1 (the header): {header}", field="orders")
    _bounded_width(path, len(header))
    header = _distinct_names(header)
    try:
        text = data.removeprefix(b"\xef\xbb\xbf").decode("utf-8").split("\n")[1 : len(lines)]
    except UnicodeDecodeError:
        return _records_one_by_one(lines, header)
    body = pl.DataFrame({"text": text}, schema={"text": pl.String}).with_row_index("__row", offset=1)
    body = body.with_columns(pl.col("text").str.strip_chars_end("\r")).filter(pl.col("text").str.strip_chars() != "")
    quotes = pl.col("text").str.count_matches('"', literal=True)
    if body.select((quotes % 2 == 1).any()).item():
        return _records_one_by_one(lines, header)  # a quoted field may span lines
    width = len(header)
    unquoted = pl.col("text").str.replace_all(QUOTED_FIELD, "")
    simple = pl.col("text").str.contains(WELL_FORMED) & (unquoted.str.count_matches(",", literal=True) == width - 1)
    good = body.filter(simple)
    try:
        fast = pl.read_csv(
            io.BytesIO("\n".join(good["text"].to_list()).encode()),
            has_header=False,
            new_columns=header,
            infer_schema=False,
            schema={h: pl.String for h in header},
        )
    except pl.exceptions.PolarsError:
        return _records_one_by_one(lines, header)
    if fast.height != good.height:
        return _records_one_by_one(lines, header)
    fast = fast.with_columns(pl.all().fill_null(""), good["__row"].cast(pl.UInt32), pl.lit("").alias("__parse_error"))
    rows: list[list[str]] = []
    numbers: list[int] = []
    errors: list[str] = []
    for number, line in body.filter(~simple).iter_rows():
        fields = _parse_record(line)
        errors.append(_record_error(fields, header, number))
        rows.append(([] if isinstance(fields, str) else fields + [""] * width)[:width] or [""] * width)
        numbers.append(number)
    slow = _frame(header, rows, numbers, errors).select(fast.columns)
    return pl.concat([fast, slow]).sort("__row")


def read_orders(path: Path, fmt: str | None = None, ignore: Collection[str] = ()) -> pl.DataFrame:
    """The raw order book with canonical column names, every value as text, a 1-based ``row`` and the
    ``parse_error`` of a malformed record ("" when the record is well formed). CSV, Parquet, XLSX or JSON lines
    (``chipclear.tabular``: by ``fmt``, the suffix, or the first bytes).

    A column that is not read (not one of ``ALIASES``, or a second column for the same fact) is refused unless
    named in ``ignore``: a book that says "military_end_user" or "ultimate_consignee" in a column batch does not
    read must not be decided as if it did not say it."""
    input_file(path, "orders")  # a FIFO or a device: never opened (it would wait, or read without end)
    if not path.exists():
        raise InputError(f"{path}: no such file", field="orders")
    kind = format_of(path, fmt)
    _same_format(path, kind)
    plain: set[str] = set()  # columns read typed as numbers, dates or booleans (Parquet)
    try:
        if kind == "parquet":
            schema = pl.read_parquet_schema(path)
            _bounded_width(path, len(schema))
            nested = [c for c, t in schema.items() if t.is_nested() or t == pl.Object]
            if nested:  # a struct or list cast to text reads as '{"Huawei",...}': refused, as a JSON line's are
                raise InputError(
                    f"{path}: column(s) {_some([repr(c) for c in nested])} hold nested values"
                    f" ({schema[nested[0]]}); an order book's columns hold plain values",
                    field=nested[0],
                )
            raw = pl.read_parquet(path)
            # Numbers, dates and booleans as text have no surrounding blanks: only the other columns are stripped.
            plain = {c for c, t in raw.schema.items() if t.is_numeric() or t.is_temporal() or t == pl.Boolean}
            raw = _whole_floats(_temporal_in_range(raw)).with_columns(pl.all().cast(pl.String))
            raw = raw.with_columns(
                pl.int_range(1, raw.height + 1, dtype=pl.UInt32).alias("__row"), pl.lit("").alias("__parse_error")
            )
        elif kind == "csv":
            raw = _read_csv(path)
        else:
            found = read_xlsx(path) if kind == "xlsx" else read_jsonl(path.read_bytes(), str(path))
            _bounded_width(path, len(found.header))
            raw = _frame(_distinct_names(found.header), found.rows, found.numbers, found.errors)
    except (pl.exceptions.PolarsError, OSError) as exc:
        raise InputError(f"{path}: cannot read the order book: {str(exc).splitlines()[0]}", field="orders") from None
    lookup = {alias: canon for canon, aliases in ALIASES.items() for alias in aliases}
    rename: dict[str, str] = {}
    # A column named as the fact itself is read before a synonym of it: with "customer,end_user_name" the blank
    # customer column was read as the end user, and the advice to ignore "a second end_user_name column" dropped the
    # party (a door audit, 2026-12-07).
    for exact in (True, False):
        for column in raw.columns:
            if column.startswith("__") or _REPEAT in column or column in rename:
                continue
            canon = lookup.get(_key(column))
            if canon is not None and canon not in rename.values() and (_key(column) == _key(canon)) is exact:
                rename[column] = canon
    missing = [c for c in REQUIRED if c not in rename.values()]
    given = [c for c in raw.columns if not c.startswith("__")]  # not the reader's own row and parse-error columns
    if missing:
        raise InputError(f"{path}: missing column(s) {', '.join(missing)}; found {_some(given)}", field=missing[0])
    skipped = {_key(c) for c in ignore}

    def base(column: str) -> str:
        return column.split(_REPEAT, 1)[0]

    # a column with no name and no value in any row (trailing commas of a spreadsheet export) holds nothing
    # (one select for all of them: a query per column took 30 s for a book with 100,000 trailing empty columns)
    nameless = [c for c in given if not base(c).strip()]
    empty = raw.select(pl.col(c).fill_null("").str.strip_chars().eq("").all() for c in nameless) if nameless else None
    blank = {c for c, e in zip(nameless, empty.row(0) if empty is not None else (), strict=True) if e}
    twice = sorted(
        {base(c) for c in given if _REPEAT in c and _key(base(c)) not in skipped and not {c, base(c)} <= blank}
    )
    if twice:
        raise InputError(
            f"{path}: column(s) {_some([repr(t) for t in twice])} given more than once in the header (name each with"
            " --ignore-column if it holds nothing a decision depends on)",
            field=twice[0],
        )
    unread = [c for c in given if c not in rename and _key(base(c)) not in skipped and c not in blank]
    if unread:
        what = [f"{c!r} (a second {lookup[_key(c)]} column)" if _key(c) in lookup else repr(base(c)) for c in unread]
        raise InputError(
            f"{path}: column(s) {_some(what)} not read by chipclear (it reads {', '.join(ALIASES)} and their "
            "aliases, docs/batch.md): remove them, or name each with --ignore-column if it holds nothing a "
            "decision depends on",
            field=unread[0],
        )
    frame = raw.select([pl.col(src).alias(dst) for src, dst in rename.items()])
    for canon in ALIASES:
        if canon not in frame.columns:
            frame = frame.with_columns(pl.lit(None, dtype=pl.String).alias(canon))
    typed = {dst for src, dst in rename.items() if src in plain}
    frame = frame.select(list(ALIASES)).with_columns(
        pl.col(c).fill_null("") if c in typed else pl.col(c).str.strip_chars().fill_null("") for c in ALIASES
    )
    return frame.with_columns(raw["__row"].alias("row"), raw["__parse_error"].alias("parse_error")).select(
        "row", *ALIASES, "parse_error"
    )


def _whole_floats(frame: pl.DataFrame) -> pl.DataFrame:
    """A float column's whole values as the text a user would type (8, not 8.0), as ``tabular.cell_text`` gives
    them for XLSX and JSON: pandas writes a whole-number column with a gap as floats, and every row of such a
    Parquet book was a bad row ("'8.0' is not a whole number"; an audit, 2026-12-07)."""
    floats = [c for c, t in frame.schema.items() if t.is_float()]
    if not floats:
        return frame
    return frame.with_columns(
        pl.when(pl.col(c).is_finite() & (pl.col(c) == pl.col(c).round(0)) & (pl.col(c).abs() < 1e15))
        .then(pl.col(c).cast(pl.Int64, strict=False).cast(pl.String))
        .otherwise(pl.col(c).cast(pl.String))
        .alias(c)
        for c in floats
    )


_FORMAT_NAMES = {"csv": "CSV", "parquet": "Parquet", "xlsx": "an XLSX workbook", "jsonl": "JSON lines"}


def _same_format(path: Path, kind: str) -> None:
    """A Parquet file or a workbook given as text (a ``.csv`` name, ``format=csv``) is refused in one line naming
    what it looks like, never read as text (a door audit, 2026-12-07: the header was its raw bytes, "looks like
    UTF-16")."""
    try:
        with path.open("rb") as handle:
            head = handle.read(64)
    except OSError:
        return  # the reader says why
    found = sniff(head)
    if found in ("parquet", "xlsx") and kind != found:
        what = "Parquet" if found == "parquet" else "an XLSX workbook"
        raise InputError(
            f"{path}: read as {_FORMAT_NAMES[kind]}, but it looks like {what} (its first bytes): give the format "
            f"{found} (--format {found}, or name the file .{found})",
            field="format",
        )


def _some(names: list[str], shown: int = 10) -> str:
    """At most ``shown`` names and how many more: an error about a 10,000-column header stays one short line. A
    character that is not printable is shown escaped (a UTF-16 book's header put raw NUL bytes on the terminal: an
    audit, 2026-12-07), with a word on why."""
    more = f" and {len(names) - shown} more" if len(names) > shown else ""
    text = ", ".join(names[:shown])
    plain = "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in text)
    hint = " (the file looks like UTF-16: save it as UTF-8)" if "\x00" in text else ""
    return plain + more + hint


_LONGEST_LOOKUP = max(ITEM_LENGTH, NAME_LENGTH, COUNTRY_LENGTH, NOTE_LENGTH)


OUT_OF_RANGE = "(a date or time out of range)"


def _temporal_in_range(frame: pl.DataFrame) -> pl.DataFrame:
    """Dates and times that Python cannot hold (before year 1, after 9999: a Parquet ``date32`` or timestamp can)
    replaced by a text the validation names; cast to text as they are, Polars panics."""
    low, high = dt.datetime(1, 1, 1), dt.datetime(9999, 12, 31, 23, 59, 59)
    out = []
    for name, dtype in frame.schema.items():
        if dtype == pl.Date:
            inside = pl.col(name).is_between(low.date(), high.date())
        elif isinstance(dtype, pl.Datetime):
            inside = (
                pl.col(name).dt.replace_time_zone(None).is_between(low, high)
                if dtype.time_zone
                else (pl.col(name).is_between(low, high))
            )
        else:
            continue
        kept = pl.when(inside).then(pl.col(name)).cast(pl.String)
        if isinstance(dtype, pl.Datetime) and not dtype.time_zone:
            # a timestamp at midnight without a time zone is a date (what pandas writes for one), as an XLSX cell's
            # midnight datetime is: read as its day, not refused as "2025-06-01 00:00:00.000000"
            midnight = pl.col(name).dt.truncate("1d") == pl.col(name)
            kept = pl.when(inside & midnight).then(pl.col(name).dt.date().cast(pl.String)).otherwise(kept)
        out.append(pl.when(pl.col(name).is_not_null() & ~inside).then(pl.lit(OUT_OF_RANGE)).otherwise(kept).alias(name))
    return frame.with_columns(out) if out else frame


def _lookup_errors(values: pl.Series, check: Callable[[str], str]) -> tuple[dict[str, str], dict[str, str]]:
    """Apply ``check`` to each distinct value: (value -> canonical form, value -> error message). A value longer
    than any text a line may hold is not looked up (the length check names it): a lookup that fails suggests near
    names, and the fuzzy match costs time in proportion to the length (a 2 MB item cell held the server for 90 s)."""
    good: dict[str, str] = {}
    bad: dict[str, str] = {}
    for value in values.drop_nulls().unique().to_list():
        if value == "" or len(value) > _LONGEST_LOOKUP:
            continue
        try:
            good[value] = check(value)
        except ChipclearError as exc:
            bad[value] = str(exc)
    return good, bad


def _owners_text(value: str) -> str:
    """An ``end_user_owners`` cell in its canonical form (an error names the column)."""
    from chipclear.bounds import MAX_LIST
    from chipclear.determination.parties import links_text, parse_links

    try:
        links = parse_links(value, "end_user_owners")
    except ValidationError as exc:  # a name outside the bounds of the model (chipclear.bounds)
        first = exc.errors()[0]
        raise InputError(f"end_user_owners: {validation_text(first)}", field="end_user_owners") from None
    if len(links) > MAX_LIST:
        raise InputError(f"end_user_owners: more than {MAX_LIST} owners", field="end_user_owners")
    return links_text(links)


def _spelt(values: pl.Series) -> tuple[list[str], list[str]]:
    """The distinct values of a flag column that lower-case to a true word, and those that lower-case to a false
    word."""
    distinct = values.drop_nulls().unique()
    lower = distinct.str.to_lowercase().to_list()
    spelt = list(zip(distinct.to_list(), lower, strict=True))
    return [v for v, low in spelt if low in TRUE_WORDS], [v for v, low in spelt if low in FALSE_WORDS]


class _Check:
    """One validation check: ``when(predicate).then(message)`` pairs, as ``pl.when`` chains them (the first true
    predicate gives the message). Kept as pairs so that the rows to report are found from the predicates alone."""

    def __init__(self) -> None:
        self.pairs: list[tuple[pl.Expr, pl.Expr]] = []
        self._predicate: pl.Expr | None = None

    def when(self, predicate: pl.Expr) -> _Check:
        self._predicate = predicate
        return self

    def then(self, message: pl.Expr) -> _Check:
        assert self._predicate is not None
        self.pairs.append((self._predicate, message))
        self._predicate = None
        return self

    def expr(self) -> pl.Expr:
        (first, message), *rest = self.pairs
        chain: Any = pl.when(first).then(message)  # Then, then ChainedThen
        for predicate, text in rest:
            chain = chain.when(predicate).then(text)
        return chain


def validate(raw: pl.DataFrame, catalog: Catalog, geography: Geography) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Split ``raw`` into typed valid lines and bad rows (``row``, ``reason`` and the raw values).

    Checks run once per distinct value (items, countries), so validation grows with distinct values, not lines.
    """
    checks: list[_Check] = []
    models = load_models()  # an AI model's weights (ECCN 4E091) are an item too
    item_ok, item_bad = _lookup_errors(raw["item"], lambda v: m.id if (m := models.find(v)) else catalog.get(v).id)
    checks.append(
        _Check()
        .when(pl.col("item").is_null() | (pl.col("item") == ""))
        .then(pl.lit("item: empty (a catalog id or name is required)"))
        .when(pl.col("item").is_in(list(item_bad)))
        .then(pl.col("item").replace_strict(item_bad, default=None))
    )
    countries = pl.concat(
        [raw[c] for c in ("destination", "end_user_country", "end_user_headquarters_country")]
    ).rename("code")
    country_ok, country_bad = _lookup_errors(countries, lambda v: geography.normalize(v, field="country"))
    country_bad = {value: message.removeprefix("country: ") for value, message in country_bad.items()}
    checks.append(
        _Check()
        .when(pl.col("destination").is_null() | (pl.col("destination") == ""))
        .then(pl.lit("destination: a country is required (an ISO 3166-1 code such as CN, or a name)"))
        .when(pl.col("destination").is_in(list(country_bad)))
        .then(pl.format("destination: {}", pl.col("destination").replace_strict(country_bad, default=None)))
    )
    # a party's country is a country, not a region (``Geography.party_country``: the same refusal at every door)
    regions = {
        value: message.removeprefix("country: ")
        for value, message in _lookup_errors(
            raw["end_user_country"], lambda v: geography.party_country(v, field="country")
        )[1].items()
        if value not in country_bad
    }
    checks.append(
        _Check()
        .when(pl.col("end_user_country").is_in(list(regions)))
        .then(pl.format("end_user_country: {}", pl.col("end_user_country").replace_strict(regions, default=None)))
    )
    for column in ("end_user_country", "end_user_headquarters_country"):
        checks.append(
            _Check()
            .when(pl.col(column).is_in(list(country_bad)))
            .then(pl.format(f"{column}: {{}}", pl.col(column).replace_strict(country_bad, default=None)))
            .when((pl.col(column) != "") & (pl.col("end_user_name") == ""))
            .then(pl.lit(f"{column}: given without end_user_name (name the end user, or leave it out)"))
        )
    owners_ok, owners_bad = _lookup_errors(raw["end_user_owners"], _owners_text)
    checks.append(
        _Check()
        .when(pl.col("end_user_owners").is_in(list(owners_bad)))
        .then(pl.col("end_user_owners").replace_strict(owners_bad, default=None))
        .when((pl.col("end_user_owners") != "") & (pl.col("end_user_name") == ""))
        .then(pl.lit("end_user_owners: given without end_user_name (name the end user, or leave it out)"))
    )
    quantity = pl.col("quantity").cast(pl.Int64, strict=False)
    checks.append(
        _Check()
        .when((pl.col("quantity") != "") & quantity.is_null())
        .then(pl.format("quantity: '{}' is not a whole number", pl.col("quantity")))
        .when(quantity < 1)
        .then(pl.format("quantity: {} must be at least 1", pl.col("quantity")))
        .when(quantity > MAX_QUANTITY)
        .then(pl.format(f"quantity: {{}} must be at most {MAX_QUANTITY}", pl.col("quantity")))
    )
    ship = pl.col("ship_date").str.to_date("%Y-%m-%d", strict=False)
    checks.append(
        _Check()
        .when((pl.col("ship_date") != "") & ship.is_null())
        .then(pl.format("ship_date: '{}' is not a date in YYYY-MM-DD form", pl.col("ship_date")))
        .when(~ship.dt.year().is_between(1, 9999))  # Polars reads "-2025-01-01"; Python dates stop at 1 and 9999
        .then(pl.format("ship_date: '{}' is out of range (years 1 to 9999)", pl.col("ship_date")))
    )
    # A flag column takes few distinct values: each is lower-cased once (by Polars, as before), not once per line.
    flag_words = {flag: _spelt(raw[flag]) for flag in FLAGS}
    for flag in FLAGS:
        checks.append(
            _Check()
            .when(~pl.col(flag).is_in(flag_words[flag][0] + flag_words[flag][1]))
            .then(pl.format(f"{flag}: '{{}}' is not true/false", pl.col(flag)))
        )
    value = pl.col("value_usd").cast(pl.Float64, strict=False)
    checks.append(
        _Check()
        .when((pl.col("value_usd") != "") & value.is_null())
        .then(pl.format("value_usd: '{}' is not a number", pl.col("value_usd")))
        .when(~value.is_finite() | (value < 0) | (value > MAX_VALUE_USD))
        .then(pl.format(f"value_usd: {{}} must be a finite number from 0 to {MAX_VALUE_USD:.0f}", pl.col("value_usd")))
    )
    for column, limit in TEXT_LIMITS.items():
        checks.append(
            _Check()
            .when(pl.col(column).str.len_chars() > limit)
            .then(pl.lit(f"{column}: longer than {limit} characters"))
            .when(pl.col(column).str.contains("\x00", literal=True))
            .then(pl.lit(f"{column}: must not contain a NUL character"))
        )
    for column in VISIBLE_COLUMNS:  # as chipclear.bounds.visible: the models would refuse the line mid-run
        checks.append(
            _Check()
            .when((pl.col(column) != "") & ~pl.col(column).str.contains(_VISIBLE))
            .then(
                pl.lit(
                    f"{column}: must contain a visible character (a letter, digit or symbol), not only spaces"
                    " or invisible characters"
                )
            )
            .when(pl.lit(column in IDENTIFIER_COLUMNS) & pl.col(column).str.contains(_HIDDEN))
            .then(
                pl.format(
                    f"{column}: {{}}",
                    pl.col(column).str.extract(f"({_HIDDEN})").map_elements(hidden_problem, return_dtype=pl.String),
                )
            )
            .when(  # a NUL is told once, above
                pl.lit(column in NAME_COLUMNS)
                & pl.col(column).str.contains(_UNSHOWN)
                & ~pl.col(column).str.contains("\x00", literal=True)
            )
            .then(
                pl.format(
                    f"{column}: {{}}",
                    pl.col(column).str.extract(f"({_UNSHOWN})").map_elements(hidden_problem, return_dtype=pl.String),
                )
            )
        )
    if "parse_error" not in raw.columns:
        raw = raw.with_columns(pl.lit("").alias("parse_error"))
    # The messages are built only for the rows a check flags (formatting every message for every row of a large
    # book was most of the validation time); a flagged row whose messages all come out empty stays good, as before.
    # Each predicate is its own column of one select, so that Polars evaluates them side by side (one expression
    # holding them all is evaluated one predicate after another: 0.34 s against 0.19 s for a million lines).
    predicates = [p for check in checks for p, _ in check.pairs]
    found = raw.select(p.alias(f"__p{i}") for i, p in enumerate(predicates))
    flagged = found.select(pl.any_horizontal(pl.all()).fill_null(False)).to_series() | (raw["parse_error"] != "")
    marked = raw.with_columns(flagged.alias("__flagged"))
    suspect = (
        marked.filter(pl.col("__flagged"))
        .with_columns(
            pl.when(pl.col("parse_error") != "")
            .then(pl.col("parse_error"))
            .otherwise(pl.concat_str([check.expr() for check in checks], separator="; ", ignore_nulls=True))
            .alias("reason")
        )
        .with_columns(pl.when(pl.col("reason") == "").then(None).otherwise(pl.col("reason")).alias("reason"))
    )
    bad = suspect.filter(pl.col("reason").is_not_null()).select("row", "reason", *ALIASES)
    good = marked.filter(~pl.col("__flagged")).drop("__flagged")
    cleared = suspect.filter(pl.col("reason").is_null()).select(good.columns)
    if cleared.height:
        good = pl.concat([good, cleared]).sort("row")

    def text_or_null(name: str) -> pl.Expr:
        return pl.when(pl.col(name) == "").then(None).otherwise(pl.col(name)).alias(name)

    def country(name: str) -> pl.Expr:
        return pl.col(name).replace_strict(country_ok, default=None, return_dtype=pl.String).alias(name)

    lines = good.select(
        pl.col("row").cast(pl.UInt32),
        text_or_null("order_id"),
        text_or_null("line_id"),
        pl.col("item"),
        pl.col("item").replace_strict(item_ok, default=None, return_dtype=pl.String).alias("item_id"),
        quantity.fill_null(1).alias("quantity"),
        country("destination"),
        ship.alias("ship_date"),
        text_or_null("end_user_name"),
        country("end_user_country"),
        country("end_user_headquarters_country"),
        pl.when(pl.col("end_user_owners") == "")
        .then(None)
        .otherwise(pl.col("end_user_owners").replace_strict(owners_ok, default=None, return_dtype=pl.String))
        .alias("end_user_owners"),
        pl.col("end_use").fill_null(""),
        *[pl.col(f).is_in(flag_words[f][0]).fill_null(False).alias(f) for f in FLAGS],
        value.alias("value_usd"),
    )
    return lines, bad


def atomic_write_ipc(df: pl.DataFrame, target: Path) -> None:
    """Write ``df`` as an Arrow IPC file (LZ4) to a temporary file in the same directory, fsync, then rename: a
    reader sees all or nothing. (For the run's own pieces: half the CPU of a small Parquet file, and read back
    faster.)"""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = tempfiles.temp_path(target)
    df.write_ipc(tmp, compression="lz4")
    with open(tmp, "rb") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, target)


def atomic_write_text(text: str, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = tempfiles.temp_path(target)
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, target)


__all__ = ["ALIASES", "FLAGS", "atomic_write_ipc", "atomic_write_text", "read_orders", "validate"]
