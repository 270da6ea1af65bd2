"""User names that cannot pass for one another: one script per name, and no two names alike after NFKC and case
folding.

An audit (2026-12-07) created ``Аdmin`` (a Cyrillic А) beside ``admin``: both show the same in the audit log, the
user list and the console. The full answer is Unicode's confusables skeleton (UTS #39), but no library for it is
installed and chipclear does not carry its own copy of the table; so, as UTS #39's "single script" restriction
level, a name may not mix scripts (Latin with Cyrillic or Greek ...; Han with kana, Hangul or Bopomofo and Latin,
as Japanese, Korean and Chinese names are written, is one writing system), and a new name may not equal an existing
one after NFKC normalisation and case folding (``ＡＤＭＩＮ``, ``Admin``, ``𝐚𝐝𝐦𝐢𝐧`` beside ``admin``). A name
wholly in another script that looks like an existing one (all-Cyrillic ``аԁмін``) is not caught: that needs the
confusables table.
"""

from __future__ import annotations

import unicodedata

from chipclear.errors import Conflict, InputError

# Scripts written together in one name (UTS #39, "highly restrictive"): Japanese, Chinese with Bopomofo, Korean.
_TOGETHER = (
    frozenset({"LATIN", "CJK", "HIRAGANA", "KATAKANA", "KATAKANA-HIRAGANA"}),
    frozenset({"LATIN", "CJK", "BOPOMOFO"}),
    frozenset({"LATIN", "CJK", "HANGUL"}),
)


def folded(name: str) -> str:
    """``name`` as it is compared with the others: NFKC-normalised and case-folded (then NFKC again, as
    casefolding can undo it)."""
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", name).casefold())


def _script(char: str) -> str | None:
    """The script of a letter or digit (the first word of its Unicode name: LATIN, CYRILLIC, CJK ...); None for
    ASCII and for anything that is not a letter or a digit (spaces, punctuation, symbols, marks)."""
    if char.isascii():
        return "LATIN" if char.isalpha() else None
    if unicodedata.category(char)[0] not in "LN":
        return None
    return unicodedata.name(char, "UNKNOWN").split()[0]


def refuse_mixed_scripts(name: str) -> None:
    """An ``InputError`` naming ``name`` when its letters come from scripts not written together."""
    first: dict[str, str] = {}
    for char in name:
        for script in filter(None, map(_script, folded(char))):
            first.setdefault(script, char)
    if len(first) <= 1 or any(set(first) <= together for together in _TOGETHER):
        return
    shown = ", ".join(f"{script.title()} (U+{ord(c):04X} {unicodedata.name(c, '?')})" for script, c in first.items())
    raise InputError(
        f"name: {name!r} mixes scripts ({shown}); a user name is written in one script, so that it cannot pass for"
        " another user's",
        field="name",
    )


def refuse_lookalike(name: str, existing: list[str]) -> None:
    """A ``Conflict`` naming ``name`` when it equals an existing user's name after NFKC and case folding."""
    key = folded(name)
    same = next((other for other in existing if folded(other) == key), None)
    if same is not None:
        raise Conflict(
            f"name: {name!r} reads as the existing user {same!r} (the same after NFKC normalisation and case"
            " folding); choose a name that cannot pass for it",
            field="name",
        )


__all__ = ["folded", "refuse_lookalike", "refuse_mixed_scripts"]
