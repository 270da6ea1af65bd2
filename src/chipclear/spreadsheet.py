"""Text cells that a spreadsheet shows as text: every CSV chipclear writes from what users or lists supplied (the
bad rows of a batch run, the hits of ``chipclear screen --file``) passes its text cells through here.

Excel, LibreOffice and Google Sheets run a cell that starts with ``=``, ``+``, ``-`` or ``@`` as a formula, and
drop leading spaces, tabs and line breaks first, so ``" =1+1"`` is a formula too; a formula can open links or run
commands (``=HYPERLINK(...)``, ``+cmd|' /C calc'!A0``). Following OWASP's guidance on CSV injection, such a cell is
written with a single quote in front (``'=HYPERLINK(...)``), which the spreadsheet shows as text and a reader of the
file sees as the value with one added character. A cell that is a plain decimal number (``-5``, ``+1.5``, ``2e3``)
is left alone: a spreadsheet reads it as that number, never as a formula, and bad rows keep the quantity as typed.
Numbers written as numbers (a row number, a score) are not text and are never changed.

Every text cell is also written as clean text (``printable``): a control character (a NUL, an escape, a tab or a
line break), an invisible format character (a zero-width space, a right-to-left override) or a line separator
copied from the input is written as a visible escape, ``\x00`` or ``\u200b``, so the file is plain UTF-8 text
with one line per row and a cell still shows what the input held (an audit of 2026-12-07 found a raw NUL byte
copied into the bad-rows file). The row number identifies the row either way.

The rule is stated once, as two regular expressions that Python's ``re`` and Polars (Rust's regex) read the same way
(tests/batch/test_spreadsheet_cells.py checks that the two agree)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from chipclear.bounds import HIDDEN_CATEGORIES, hidden_character

if TYPE_CHECKING:
    import polars as pl

# What a spreadsheet skips before it looks at a cell's first character: ASCII spaces and control characters, and
# the Unicode spaces (no-break, ideographic, zero-width, byte-order mark). Written as the characters themselves
# (not escapes) so both regex engines read the class alike.
_SKIPPED = "\x00-\x20\x7f\x85\xa0\u1680\u2000-\u200b\u2028\u2029\u202f\u205f\u3000\ufeff"
# Characters that start a formula, with their full-width forms (an East Asian input method types those).
_FORMULA_START = "=+\\-@\uff1d\uff0b\uff0d\uff20"

FORMULA_PATTERN = f"^(?:[\t\r]|[{_SKIPPED}]*[{_FORMULA_START}])"
PLAIN_NUMBER_PATTERN = r"^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$"

# Control, format and line/paragraph-separator characters, in Rust's regex syntax (Polars): only a filter for the
# cells ``printable`` rewrites, which decides by the same Unicode categories.
UNPRINTABLE_PATTERN = "[" + "".join(f"\\p{{{c}}}" for c in sorted(HIDDEN_CATEGORIES)) + "]"

_FORMULA = re.compile(FORMULA_PATTERN)
# Python's $ also matches before a final newline; Rust's only at the end: fullmatch without the anchors instead.
_PLAIN_NUMBER = re.compile(PLAIN_NUMBER_PATTERN[1:-1])


def needs_quote(text: str) -> bool:
    """Whether a spreadsheet would read ``text`` as a formula (or as a cell starting with a tab or a CR)."""
    return _FORMULA.match(text) is not None and _PLAIN_NUMBER.fullmatch(text) is None


def safe_cell(text: str) -> str:
    """``text`` as a spreadsheet shows it: with a single quote in front when it would otherwise be a formula."""
    return "'" + text if needs_quote(text) else text


def printable(text: str) -> str:
    """``text`` with each control, format or line-separator character written as a visible escape (``\x00``,
    ``\u200b``): clean text in a file, the character still named."""
    if hidden_character(text) is None:  # the common case: nothing to escape
        return text
    return "".join(_escape(c) if unicodedata.category(c) in HIDDEN_CATEGORIES else c for c in text)


def _escape(char: str) -> str:
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def printable_text_columns(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with every text cell made ``printable`` (only the cells that hold such a character are rewritten)."""
    import polars as pl

    columns = []
    for name, dtype in frame.schema.items():
        if dtype != pl.String:
            continue
        column = frame[name]
        where = column.str.contains(UNPRINTABLE_PATTERN).fill_null(False).arg_true()
        if where.len():
            fixed = pl.Series(name, [printable(v) for v in column.gather(where).to_list()], dtype=pl.String)
            columns.append(column.clone().scatter(where, fixed))
    return frame.with_columns(columns) if columns else frame


def safe_row(row: Mapping[str, Any]) -> dict[str, Any]:
    """A CSV row (``csv.DictWriter``) with each text value made safe and ``printable``; numbers, booleans and None
    as they are."""
    return {key: printable(safe_cell(value)) if isinstance(value, str) else value for key, value in row.items()}


def safe_text_columns(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with every text column's cells made safe (the same rule as ``safe_cell``, vectorised)."""
    import polars as pl  # only batch runs write frames: the CLI's other commands start without Polars

    text = [name for name, dtype in frame.schema.items() if dtype == pl.String]
    if not text:
        return frame
    quoted = []
    for name in text:
        cell = pl.col(name)
        risky = cell.str.contains(FORMULA_PATTERN) & ~cell.str.contains(PLAIN_NUMBER_PATTERN)
        quoted.append(pl.when(risky).then(pl.lit("'") + cell).otherwise(cell).alias(name))
    return frame.with_columns(quoted)


__all__ = [
    "FORMULA_PATTERN",
    "PLAIN_NUMBER_PATTERN",
    "UNPRINTABLE_PATTERN",
    "needs_quote",
    "printable",
    "printable_text_columns",
    "safe_cell",
    "safe_row",
    "safe_text_columns",
]
