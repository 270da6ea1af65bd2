"""User names that cannot pass for one another: one script per name, and no two names alike after NFKC and case
folding or after Unicode's confusables mapping.

An audit (2026-12-07) created ``Аdmin`` (a Cyrillic А) beside ``admin``: both show the same in the audit log, the
user list and the console. So, as UTS #39's "single script" restriction level, a name may not mix scripts (Latin
with Cyrillic or Greek ...; Han with kana, Hangul or Bopomofo and Latin, as Japanese, Korean and Chinese names are
written, is one writing system), and a new name may not equal an existing one after NFKC normalisation and case
folding (``ＡＤＭＩＮ``, ``Admin``, ``𝐚𝐝𝐦𝐢𝐧`` beside ``admin``). A name wholly in another script can still look like
an existing one (``расе`` in Cyrillic beside ``pace``): a new name may not have an existing name's confusable
skeleton (UTS #39 section 4), read from Unicode's confusables data as the ``confusable_homoglyphs`` package ships it
(chipclear carries no copy of the table).
"""

from __future__ import annotations

import unicodedata
from functools import cache

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


@cache
def _homoglyphs(char: str) -> tuple[str, ...]:
    """What Unicode's confusables data (UTS #39) says ``char`` can be confused with: a character's prototype, or a
    prototype's characters. The data (900 KB of JSON, 60 ms to load) is read when a user is added, not whenever
    the ledger is opened."""
    from confusable_homoglyphs import confusables

    found = confusables.is_confusable(char, greedy=True)
    return tuple(glyph["c"] for glyph in found[0]["homoglyphs"]) if found else ()


@cache
def _prototype(char: str) -> str:
    """The one text that stands for ``char``'s confusable class. The data pairs each character with its prototype
    both ways, so a class is a star: a prototype with two or more characters is its own; a character with one
    homoglyph stands for that one, unless the two are a class alone (then the smaller of the two stands for both)."""
    glyphs = _homoglyphs(char)
    if len(glyphs) != 1:
        return char
    other = glyphs[0]
    if len(other) > 1 or len(_homoglyphs(other)) > 1:  # a prototype written with several characters ("rn" for m)
        return other
    return min(char, other)


def skeletons(name: str) -> frozenset[str]:
    """``name``'s confusable skeletons (UTS #39 section 4: each character replaced by its class's prototype), as
    written after NFKC and after case folding too (Greek ``ΑΒΕ`` is ``ABE``; ``аbe`` in Cyrillic is ``abe``)."""
    forms = {unicodedata.normalize("NFKC", name), folded(name)}
    return frozenset("".join(map(_prototype, form)) for form in forms)


def refuse_lookalike(name: str, existing: list[str]) -> None:
    """A ``Conflict`` naming ``name`` when it equals an existing user's name after NFKC and case folding, or has
    one of its confusable skeletons."""
    key = folded(name)
    same = next((other for other in existing if folded(other) == key), None)
    if same is not None:
        raise Conflict(
            f"name: {name!r} reads as the existing user {same!r} (the same after NFKC normalisation and case"
            " folding); choose a name that cannot pass for it",
            field="name",
        )
    looks = skeletons(name)
    alike = next((other for other in existing if looks & skeletons(other)), None)
    if alike is not None:
        raise Conflict(
            f"name: {name!r} looks like the existing user {alike!r} (their letters are confusable in Unicode's"
            " confusables data, UTS #39); choose a name that cannot pass for it",
            field="name",
        )


__all__ = ["folded", "refuse_lookalike", "refuse_mixed_scripts", "skeletons"]
