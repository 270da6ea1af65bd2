"""HTS numbers: normalize what the user typed and find the line chipclear has rates for."""

from __future__ import annotations

import re

from chipclear.errors import InputError
from chipclear.tariffs.models import Column1, HtsLine

_DIGITS = re.compile(r"^[0-9]+$")


def digits(code: str) -> str:
    return code.replace(".", "").replace(" ", "")


def dotted(code_digits: str) -> str:
    """'8473301180' -> '8473.30.1180'; '84733011' -> '8473.30.11'."""
    parts = [code_digits[:4], code_digits[4:6], code_digits[6:]]
    return ".".join(p for p in parts if p)


def covers(prefix: str, code: str) -> bool:
    """Whether a scope prefix (dotted, or '*') covers an HTS number (dotted)."""
    return prefix == "*" or digits(code).startswith(digits(prefix))


def overlaps(prefix: str, code: str) -> bool:
    """Whether a prefix and a (possibly shorter) HTS number can denote the same goods."""
    a, b = digits(prefix), digits(code)
    return prefix == "*" or a.startswith(b) or b.startswith(a)


def resolve(code: str, column1: Column1) -> tuple[str, HtsLine]:
    """The normalized HTS number (dotted) and its 8-digit line, or an InputError naming the known lines."""
    raw = digits(code.strip())
    known = ", ".join(line.hts for line in column1.lines)
    if not _DIGITS.match(raw) or len(raw) not in (6, 8, 10):
        raise InputError(
            f"hts: {code!r} is not an HTS number (6, 8 or 10 digits, e.g. 8473.30.1180); known lines: {known}",
            field="hts",
        )
    matches = [line for line in column1.lines if raw.startswith(digits(line.hts)) or digits(line.hts).startswith(raw)]
    if len(raw) == 6 and len(matches) > 1:
        options = ", ".join(m.hts for m in matches)
        raise InputError(f"hts: {code!r} is ambiguous: give the 8- or 10-digit line ({options})", field="hts")
    if len(matches) != 1:
        raise InputError(
            f"hts: {code!r} is not an HTS line chipclear has duty data for; known lines: {known}", field="hts"
        )
    line = matches[0]
    if line.require_stat_suffix and len(raw) != 10:
        options = ", ".join(line.stat_suffixes.values())
        raise InputError(
            f"hts: {code!r}: the Chapter 99 lists split {line.hts} by statistical suffix: give the 10-digit number"
            f" ({options})",
            field="hts",
        )
    if line.require_stat_suffix and raw[6:] not in line.stat_suffixes:
        # The lists split this line by statistical suffix and the data names the suffixes they name: another
        # suffix could fall on either side of a list, so it is refused rather than given both lists (or neither).
        options = ", ".join(line.stat_suffixes.values())
        raise InputError(
            f"hts: {code!r}: {dotted(raw)} is not a statistical reporting number of {line.hts} in chipclear's data;"
            f" the Chapter 99 lists split {line.hts} by suffix: give one of {options}",
            field="hts",
        )
    return (dotted(raw) if len(raw) > 6 else line.hts), line
