"""Tables users hand in (order books, party files): CSV, Parquet, XLSX or JSON lines, from a file or standard input.

The format comes from ``--format`` when given, else the file's suffix (``.csv``/``.txt``, ``.parquet``, ``.xlsx``,
``.jsonl``/``.ndjson``), else the first bytes (standard input, or a file without a known suffix): ``PAR1`` Parquet,
``PK`` XLSX (a zip), ``{`` JSON lines, anything else CSV. Every reader gives text values (a number or a date in a
spreadsheet becomes the text a user would type) and keeps going past a bad record: a JSON line that does not parse,
or is not an object of plain values, is a record with an error naming its line, never the end of the file.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chipclear.datafiles import RepeatedKey, unique_pairs
from chipclear.errors import ChipclearError, InputError

FORMATS = ("csv", "parquet", "xlsx", "jsonl")
# The most an XLSX workbook may unpack to, all its parts together (a zip bomb: a 4 MB workbook whose sheet inflated
# to 4 GiB took 8.6 GB of memory; a door audit, 2026-12-07). The worksheet of a generated 1,000,000-line order book
# (``generate_orders``, 12 columns, written by openpyxl with inline strings) unpacks to 621,932,830 bytes: a million
# lines with a few more columns still pass (docs/batch.md, "Input").
MAX_XLSX_UNPACKED = 1_500_000_000
SUFFIXES = {".csv": "csv", ".txt": "csv", ".parquet": "parquet", ".xlsx": "xlsx", ".jsonl": "jsonl", ".ndjson": "jsonl"}
STDIN = "-"


def sniff(head: bytes) -> str:
    """The format of data that starts with ``head``."""
    if head.startswith(b"PAR1"):
        return "parquet"
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{"):
        return "jsonl"
    return "csv"


def format_of(path: Path, given: str | None = None) -> str:
    """``given`` (checked), else the suffix, else the first bytes of the file."""
    if given:
        fmt = given.strip().lower().removeprefix(".")
        fmt = {"ndjson": "jsonl", "json-lines": "jsonl", "excel": "xlsx"}.get(fmt, fmt)
        if fmt not in FORMATS:
            raise InputError(f"--format: {given!r} is not one of {', '.join(FORMATS)}", field="format")
        return fmt
    found = SUFFIXES.get(path.suffix.casefold())
    if found:
        return found
    try:
        with path.open("rb") as handle:
            return sniff(handle.read(64))
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}", field="file") from None


def spool_stdin(directory: Path | None = None, fmt: str | None = None) -> Path:
    """Standard input saved to a file named for its format (``fmt``, else sniffed), for readers that need a file and
    for a run that resumes or hashes its input."""
    data = sys.stdin.buffer.read()
    if not data.strip():
        raise InputError("standard input is empty (give a file, or pipe the table into -)", field="file")
    suffix = "." + (format_of(Path("-"), fmt) if fmt else sniff(data[:64]))
    # kept after the block: the caller reads it and removes it when done
    with tempfile.NamedTemporaryFile(prefix="chipclear-stdin-", suffix=suffix, dir=directory, delete=False) as handle:
        handle.write(data)
    return Path(handle.name)


def cell_text(value: Any) -> str:
    """A spreadsheet or JSON value as the text a user would type: 8, 2.5, 2025-06-01, true; None -> ""."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


@dataclass
class Records:
    """A table as text: the header, then each record's values (aligned to the header), its number (data records
    from 1), and why it is malformed ("" when it is not)."""

    header: list[str]
    rows: list[list[str]]
    numbers: list[int]
    errors: list[str]


_SURROGATE = re.compile("[\ud800-\udfff]")  # JSON can write one ("\\ud800"); UTF-8 cannot hold it


def read_jsonl(data: bytes, source: str) -> Records:
    """JSON lines: one object of plain values (text, number, true/false, null) per line; blank lines skipped. A
    line that repeats a key, or that cannot be parsed (not UTF-8, not JSON, nested too deep), is a record with its
    error, never read as one of its values."""
    parsed: list[tuple[int, dict[str, Any] | None, str]] = []
    header: dict[str, None] = {}
    for number, raw in enumerate(data.removeprefix(b"\xef\xbb\xbf").split(b"\n"), start=1):
        if not raw.strip():
            continue
        try:
            value = json.loads(raw.decode("utf-8"), object_pairs_hook=unique_pairs)
        except UnicodeDecodeError:
            parsed.append((number, None, f"line {number}: not UTF-8 text"))
            continue
        except json.JSONDecodeError as exc:
            parsed.append((number, None, f"line {number}: not valid JSON ({exc.msg} at column {exc.colno})"))
            continue
        except RepeatedKey as exc:
            parsed.append((number, None, f"line {number}: key {exc.args[0]!r} is given more than once"))
            continue
        except RecursionError:
            parsed.append((number, None, f"line {number}: not valid JSON (nested too deep)"))
            continue
        except ValueError as exc:  # e.g. an integer of more digits than Python converts (4,300)
            parsed.append((number, None, f"line {number}: not a usable JSON value ({str(exc).split(';')[0][:120]})"))
            continue
        if not isinstance(value, dict):
            parsed.append((number, None, f"line {number}: a JSON object is expected, not {type(value).__name__}"))
            continue
        nested = [k for k, v in value.items() if isinstance(v, dict | list)]
        if nested:
            parsed.append((number, None, f"line {number}: field {nested[0]!r} is not a plain value"))
            continue
        broken = [k for k, v in value.items() if _SURROGATE.search(k) or (isinstance(v, str) and _SURROGATE.search(v))]
        if broken:
            where = broken[0].encode("utf-8", "replace").decode()
            parsed.append((number, None, f"line {number}: field {where!r} is not valid Unicode (a lone surrogate)"))
            continue
        for key in value:
            header.setdefault(str(key), None)
        parsed.append((number, value, ""))
    if not parsed:
        raise InputError(f"{source}: no records (JSON lines: one object per line)", field="file")
    if not header:  # not one line is an object: not a book of JSON lines at all (a CSV named .jsonl, say)
        number, _, error = parsed[0]
        hint = " (it looks like CSV: give the format csv)" if sniff(data[:64]) == "csv" and b"," in data[:4096] else ""
        detail = error.split(": ", 1)[-1]
        raise InputError(
            f"{source}: not JSON lines: no line is a record of plain values (row 1, line {number}: {detail}){hint}",
            field="file",
        )
    names = list(header)
    rows, numbers, errors = [], [], []
    for number, value, error in parsed:
        rows.append([cell_text(value.get(n)) for n in names] if value is not None else [""] * len(names))
        numbers.append(number)
        errors.append(error)
    return Records(names, rows, numbers, errors)


def read_xlsx(path: Path) -> Records:
    """The first worksheet: its first row is the header; a record's number is its sheet row minus one."""
    try:
        from openpyxl import load_workbook
    except ModuleNotFoundError:
        raise InputError(f"{path}: reading .xlsx needs openpyxl (pip install openpyxl)", field="file") from None
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}", field="file") from None
    _check_unpacked_size(path, data)
    try:  # from a file object: openpyxl refuses a path without an Excel suffix (standard input, "book")
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # zipfile, XML and openpyxl errors: not a readable workbook
        raise InputError(f"{path}: not a readable .xlsx workbook ({type(exc).__name__}: {exc})", field="file") from None
    rows: list[list[str]] = []
    try:
        sheet = book.worksheets[0]
        _check_sheets(path, book, sheet)
        xml = _read_capped(path, sheet._get_source(), MAX_XLSX_UNPACKED)
        merged = _merged_cells(path, xml)
        formulas = _formula_cells(data, xml)
        values = sheet.iter_rows(values_only=True)
        first = next(values, None)
        if first is None or not any(c is not None for c in first):
            raise InputError(f"{path}: the first worksheet is empty (no header row)", field="file")
        width = max(i for i, c in enumerate(first) if c is not None) + 1
        header = [cell_text(c) for c in first[:width]]
        numbers, errors = [], []
        for number, row in enumerate(values, start=1):
            cells = [cell_text(c) for c in row]
            hidden = _hidden_cells(number + 1, row, width, merged, formulas) if merged or formulas else []
            if not any(cells) and not hidden:
                continue
            extra = [c for c in cells[width:] if c]
            rows.append((cells + [""] * width)[:width])
            numbers.append(number)
            problems = [*hidden, *([f"values beyond the header's {width} columns"] if extra else [])]
            errors.append(f"row {number} (sheet row {number + 1}): {'; '.join(problems)}" if problems else "")
        return Records(header, rows, numbers, errors)
    except ChipclearError:
        raise
    except Exception as exc:  # a cell the workbook's XML describes badly (a shared string out of range, a bad date)
        raise InputError(
            f"{path}: not a readable .xlsx workbook after {len(rows)} row(s) ({type(exc).__name__}: {str(exc)[:200]})",
            field="file",
        ) from None
    finally:
        book.close()


def _too_large(path: Path, what: str, limit: int | None = None) -> InputError:
    return InputError(
        f"{path}: {what} unpacks to more than {limit or MAX_XLSX_UNPACKED:,} bytes, the most chipclear reads from a workbook"
        " (a zip bomb, or a book too large for XLSX: save it as CSV or Parquet)",
        field="file",
    )


def _check_unpacked_size(path: Path, data: bytes) -> None:
    """Refuse a workbook whose parts declare more than ``MAX_XLSX_UNPACKED`` bytes unpacked, before any is read (a
    header that lies understates: Python's zipfile stops at the declared size, and ``_read_capped`` stops at the
    limit whatever a part declares)."""
    import zipfile

    try:
        entries = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        return  # openpyxl says why it is not a workbook
    total = 0
    for entry in entries:
        total += entry.file_size
        if entry.file_size > MAX_XLSX_UNPACKED:
            raise _too_large(path, f"its part {entry.filename!r}")
        if total > MAX_XLSX_UNPACKED:
            raise _too_large(path, "the workbook")


def _read_capped(path: Path, source: Any, limit: int) -> bytes:
    """A workbook part read whole, but never more than ``limit`` bytes of it."""
    try:
        data: bytes = source.read(limit + 1)
    finally:
        source.close()
    if len(data) > limit:
        raise _too_large(path, "the first worksheet", limit)
    return data


def _check_sheets(path: Path, book: Any, sheet: Any) -> None:
    """The first worksheet is the one read: refused when it is hidden, or when the workbook opens on another (the
    sheet a user sees would not be the one decided; a door audit, 2026-12-07)."""
    if sheet.sheet_state != "visible":
        raise InputError(
            f"{path}: the first worksheet {sheet.title!r} is hidden, and chipclear reads the first worksheet: put the"
            " orders on a visible first worksheet",
            field="file",
        )
    active = book.active
    if active is not None and active.title != sheet.title:
        raise InputError(
            f"{path}: the workbook opens on worksheet {active.title!r}, but chipclear reads the first worksheet,"
            f" {sheet.title!r}: put the orders on the first worksheet, or save the workbook with it open",
            field="file",
        )


_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*?\bref="([A-Z]{1,3}[0-9]{1,7}(?::[A-Z]{1,3}[0-9]{1,7})?)"')
_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")


def _hidden_cells(
    sheet_row: int,
    row: tuple[Any, ...],
    width: int,
    merged: dict[tuple[int, int], str],
    formulas: set[tuple[int, int]],
) -> list[str]:
    """Why cells of a row read as blank are not empty: a cell of a merged range (blank but for the range's first
    cell), or a formula whose value was never saved. Such a row is bad, never decided as if it said nothing."""
    return [
        f"{_cell_name(sheet_row, c)} is part of merged cells {merged[(sheet_row, c)]} (unmerge them and fill each row)"
        for c in range(width)
        if (sheet_row, c) in merged
    ] + [
        f"{_cell_name(sheet_row, c)} holds a formula without a saved value (open and save the workbook in a"
        " spreadsheet application)"
        for c in range(width)
        if (sheet_row, c) in formulas and (c >= len(row) or row[c] is None)
    ]


def _cell_name(row: int, column: int) -> str:
    """``row`` 1-based, ``column`` 0-based, as a spreadsheet names the cell (D3)."""
    from openpyxl.utils import get_column_letter

    return f"{get_column_letter(column + 1)}{row}"


def _merged_cells(path: Path, xml: bytes) -> dict[tuple[int, int], str]:
    """Every cell of a merged range but its first (row 1-based, column 0-based) -> the range, from the sheet's XML
    (a read-only worksheet does not list its merged cells). Bounded to a sheet's size."""
    from openpyxl.utils.cell import range_boundaries

    out: dict[tuple[int, int], str] = {}
    for m in _MERGE.finditer(xml):
        name = m.group(1).decode()
        c1, r1, c2, r2 = range_boundaries(name)
        if (r2 - r1 + 1) * (c2 - c1 + 1) > 1_000_000 or len(out) > 1_000_000:
            raise InputError(f"{path}: merged ranges of more than a million cells: unmerge them", field="file")
        for r in range(r1, r2 + 1):
            for c in range(c1, c2 + 1):
                if (r, c) != (r1, c1):
                    out[(r, c - 1)] = name
    return out


def _formula_cells(data: bytes, xml: bytes) -> set[tuple[int, int]]:
    """The cells (row 1-based, column 0-based) of the first worksheet that hold a formula: read only when its XML
    has one (a second pass over the workbook ``data`` without the saved values, which openpyxl reads as None when
    missing)."""
    if not _FORMULA.search(xml):
        return set()
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    try:
        return {
            (r, c)
            for r, row in enumerate(book.worksheets[0].iter_rows(), start=1)
            for c, cell in enumerate(row)
            if getattr(cell, "data_type", None) == "f"
        }
    finally:
        book.close()


__all__ = [
    "FORMATS",
    "MAX_XLSX_UNPACKED",
    "STDIN",
    "Records",
    "RepeatedKey",
    "cell_text",
    "format_of",
    "read_jsonl",
    "read_xlsx",
    "sniff",
    "spool_stdin",
    "unique_pairs",
]
