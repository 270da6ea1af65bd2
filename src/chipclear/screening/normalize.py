"""Name normalization for screening: every way a party name can be written folded to one token sequence.

Steps, in order (each applied step is named in the result, so a hit can say how the name was read):

1. ``unicode_nfkc``: Unicode NFKC (full-width forms, ligatures, compatibility characters).
2. ``invisible_characters_removed``: zero-width spaces and joiners, soft hyphens, bidi marks and every other
   Unicode format (Cf) character.
3. ``cjk_transliterated``: Chinese/Japanese/Korean text: legal forms (有限公司, 股份有限公司, 株式会社 ...)
   folded, common company words translated (科技 -> technology), the rest romanised to pinyin, one token
   per run of characters (摩尔线程 -> ``moerxiancheng``; the index splits such runs into listed tokens).
4. ``homoglyphs_mapped``: Cyrillic or Greek letters that look like Latin ones, in a word that mixes scripts
   (or in a name whose other words are Latin), read as the Latin letter (``Ηuawei`` with a Greek Eta).
5. ``diacritics_removed`` and ``transliterated``: accents stripped; Cyrillic, Greek, Arabic and other scripts
   romanised (Unidecode).
6. ``case_folded``, ``punctuation_removed``: case folding; apostrophes and hyphens dropped inside words
   (``Mo'er`` -> ``moer``, ``Al-Shawi`` -> ``alshawi``; the index also tries such words split and joined),
   ``&`` read as ``and``, other punctuation as a space.
7. ``initials_joined``: a run of single letters is one token (``A.E.C.C.`` -> ``aecc``);
   ``romanized_words_translated``: pinyin company words read as the English word (``keji`` -> technology).
8. ``legal_forms_folded``: legal forms in many languages (Co., Ltd., LLC, GmbH, OOO, S.A. de C.V. ...) are
   recorded as their class and left out of the comparison.

Word order is not part of the result's meaning: scoring compares token sets.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from unidecode import unidecode

CJK_LEGAL_FORM_TOKEN = "zzcjklegalformzz"
MAX_DECORATED_LEN = 2000  # longer queries are not searched for decorations (bounded regex work)


@dataclass(frozen=True, slots=True)
class NormalizedName:
    original: str
    tokens: tuple[str, ...]  # content tokens in written order, legal forms removed
    legal_forms: tuple[str, ...] = ()  # legal-form classes found ("limited", "llc", "jsc" ...)
    steps: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        return " ".join(self.tokens)


@lru_cache(maxsize=1)
def _tables() -> dict[str, Any]:
    path = resources.files("chipclear.screening") / "data" / "normalization.json"
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


@lru_cache(maxsize=1)
def _legal_forms() -> tuple[dict[str, list[tuple[tuple[str, ...], str]]], frozenset[tuple[str, ...]]]:
    """first token -> [(token sequence, class)], longest first; plus the forms safe to fold mid-name."""
    by_first: dict[str, list[tuple[tuple[str, ...], str]]] = {}
    strong: set[tuple[str, ...]] = set()
    tables = [_tables()["legal_forms"], _vendored_legal_forms()]
    tail_only = _tail_only_forms()
    for klass, forms in (item for table in tables for item in table.items()):
        for form in forms:
            seq = tuple(form.split())
            if form == "__cjk_legal_form__":
                seq = (CJK_LEGAL_FORM_TOKEN,)
            by_first.setdefault(seq[0], []).append((seq, klass))
            if (len(seq) > 1 or len(seq[0]) >= 3) and seq not in tail_only:
                strong.add(seq)
    for options in by_first.values():
        options.sort(key=lambda item: -len(item[0]))
    return by_first, frozenset(strong)


@lru_cache(maxsize=1)
def _vendored_legal_forms() -> dict[str, list[str]]:
    path = resources.files("chipclear.screening") / "data" / "org_types.json"
    forms: dict[str, list[str]] = json.loads(path.read_text("utf-8"))["legal_forms"]
    return forms


@lru_cache(maxsize=1)
def _tail_only_forms() -> frozenset[tuple[str, ...]]:
    """Short one-word forms only the vendored table has ("sha", "pat", "sad"): they can be a word of a name, so
    they are folded only at the end of a name."""
    hand = {form for forms in _tables()["legal_forms"].values() for form in forms}
    return frozenset(
        (form,)
        for forms in _vendored_legal_forms().values()
        for form in forms
        if " " not in form and len(form) <= 4 and form not in hand
    )


@lru_cache(maxsize=1)
def _legal_tail_words() -> frozenset[str]:
    return frozenset(legal_form_words()) | {seq[0] for seq in _tail_only_forms()}


@lru_cache(maxsize=1)
def _hand_form_classes() -> dict[tuple[str, ...], str]:
    return {tuple(form.split()): klass for klass, forms in _tables()["legal_forms"].items() for form in forms}


@lru_cache(maxsize=4096)
def legal_form_classes(text: str) -> frozenset[str]:
    """The hand table's classes of the legal forms a name is written with, read with hyphens joined and apart. Forms
    only the vendored table knows (Aktiengesellschaft, Gesellschaft mit beschränkter Haftung) are left out: its
    classes (jsc, llc, other ...) do not divide the forms as the hand table does, so they say nothing here."""
    out: set[str] = set()
    hand = _hand_form_classes()
    for split in (False, True):
        spellings: list[tuple[str, ...]] = []
        _fold_legal_forms(_tokens(text, [], True, split), spellings)
        out.update(hand[seq] for seq in spellings if seq in hand)
    return frozenset(out)


def legal_forms_agree(a: Iterable[str], b: Iterable[str]) -> bool:
    """Whether two names' legal-form classes (``legal_form_classes``) can be one company's: either states none, they
    share a class, or all of them fall in one group of ``legal_form_equivalents`` ("limited" and "corporation": yes;
    "jsc" and "corporation", "gmbh" and "sa": no)."""
    left, right = set(a), set(b)
    if not left or not right or left & right:
        return True
    groups = [set(group) for group in _tables().get("legal_form_equivalents", ())]
    return any(left | right <= group for group in groups)


def legal_form_table() -> dict[str, list[str]]:
    """The hand table of legal forms: class -> its spellings (token sequences as text, "co ltd")."""
    table: dict[str, list[str]] = _tables()["legal_forms"]
    return table


def legal_form_words() -> set[str]:
    """Every word of the hand table's legal forms ("limited", "liability", "joint", "stock", "gmbh" ...): these weigh
    little wherever they stand. The vendored table (org_types.json) folds only whole forms."""
    return {word for forms in _tables()["legal_forms"].values() for form in forms for word in form.split()}


@lru_cache(maxsize=1)
def _homoglyphs() -> dict[int, str]:
    return {ord(k): v for k, v in _tables()["homoglyphs"].items()}


@lru_cache(maxsize=1)
def _cjk_words() -> tuple[dict[str, str], int]:
    words: dict[str, str] = {w: f" {CJK_LEGAL_FORM_TOKEN} " for w in _tables()["cjk_legal_forms"]}
    words.update({w: f" {t} " for w, t in _tables()["cjk_glossary"].items()})
    return words, max(len(w) for w in words)


_INVISIBLE = {0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF, 0x00AD, 0x180E, 0x034F, 0x115F, 0x1160, 0x3164}
_CJK_RE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]+")
_HAN_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_WORD_RE = re.compile(r"\w+", re.UNICODE)
_APOSTROPHES_RE = re.compile(r"(?<=\w)['’‘`´ʼ](?=\w)")
_NON_ALNUM_RE = re.compile(r"[^a-z0-9]+")
# a hyphen inside a word, a one-letter piece included ("T-Component", "3-K", "SHERKAT-E"): read joined here and apart
# in ``hyphen_readings``; until 2026-12-08 two characters on each side were needed, and "TComponent" missed the list
_HYPHEN_RE = re.compile(r"(?<=[a-z0-9])[-\u2010\u2011](?=[a-z0-9])")


def _is_cyrillic_or_greek(ch: str) -> bool:
    code = ord(ch)
    return 0x370 <= code <= 0x52F or 0x1F00 <= code <= 0x1FFF


def _is_latin_letter(ch: str) -> bool:
    return ("a" <= ch <= "z") or ("A" <= ch <= "Z") or (0xC0 <= ord(ch) <= 0x24F)


def _remove_invisible(text: str) -> str:
    return "".join(ch for ch in text if ord(ch) not in _INVISIBLE and unicodedata.category(ch) != "Cf")


def _cjk_run_to_latin(run: str) -> str:
    """Greedy longest match of known words; the other characters of the run become one pinyin token."""
    words, longest = _cjk_words()
    out: list[str] = []
    pending: list[str] = []
    i = 0
    while i < len(run):
        for size in range(min(longest, len(run) - i), 0, -1):
            piece = run[i : i + size]
            if piece in words:
                if pending:
                    out.append(_romanise("".join(pending)))
                    pending = []
                out.append(words[piece])
                i += size
                break
        else:
            pending.append(run[i])
            i += 1
    if pending:
        out.append(_romanise("".join(pending)))
    return " " + " ".join(out) + " "


def _romanise(chars: str) -> str:
    if _HAN_RE.search(chars):
        from pypinyin import lazy_pinyin  # imported on first Chinese name: it takes ~0.3 s

        return "".join(lazy_pinyin(chars))
    return unidecode(chars).replace(" ", "")


def _fold_scripts(text: str, steps: list[str]) -> str:
    """Homoglyphs in mixed-script words, then diacritics, then transliteration of what is left."""
    words = _WORD_RE.findall(text)
    latin_words = sum(1 for w in words if all(_is_latin_letter(c) or c.isdigit() for c in w))
    table = _homoglyphs()

    def fold_word(match: re.Match[str]) -> str:
        word = match.group(0)
        if word.isascii():
            return word
        has_foreign = any(_is_cyrillic_or_greek(c) for c in word)
        if has_foreign:
            mixed = any(_is_latin_letter(c) for c in word)
            all_confusable = all(ord(c) in table or c.isascii() for c in word)
            if mixed or (latin_words and all_confusable):
                steps.append("homoglyphs_mapped")
                word = word.translate(table)
        return word

    text = _WORD_RE.sub(fold_word, text)
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    if stripped != decomposed:
        steps.append("diacritics_removed")
    if not stripped.isascii():
        steps.append("transliterated")
        stripped = unidecode(stripped)
    return stripped


@lru_cache(maxsize=1)
def _romanized_glossary() -> dict[tuple[str, ...], list[str]]:
    return {tuple(k.split()): v.split() for k, v in _tables().get("romanized_glossary", {}).items()}


def _translate_romanized(tokens: list[str], steps: list[str]) -> list[str]:
    glossary = _romanized_glossary()
    out: list[str] = []
    i = 0
    while i < len(tokens):
        pair = tuple(tokens[i : i + 2])
        if len(pair) == 2 and pair in glossary:
            out.extend(glossary[pair])
            i += 2
        elif (tokens[i],) in glossary:
            out.extend(glossary[(tokens[i],)])
            i += 1
        else:
            out.append(tokens[i])
            i += 1
            continue
        steps.append("romanized_words_translated")
    return out


def _join_initials(tokens: list[str], steps: list[str]) -> list[str]:
    out: list[str] = []
    run: list[str] = []
    for token in [*tokens, ""]:
        if len(token) == 1 and token.isalpha():
            run.append(token)
            continue
        if len(run) > 1:
            out.append("".join(run))
            steps.append("initials_joined")
        else:
            out.extend(run)
        run = []
        if token:
            out.append(token)
    return out


def _fold_legal_forms(tokens: list[str], spellings: list[tuple[str, ...]] | None = None) -> tuple[list[str], list[str]]:
    """The tokens without their legal forms, and the forms' classes; ``spellings`` collects each form as written."""
    by_first, strong = _legal_forms()
    kept: list[str] = []
    found: list[str] = []
    i = 0
    n = len(tokens)
    while i < n:
        for seq, klass in by_first.get(tokens[i], ()):
            size = len(seq)
            if tuple(tokens[i : i + size]) != seq:
                continue
            if seq in _tail_only_forms():  # at the end, or followed only by legal-form words ("EOOD Ltd")
                at_edge = all(t in _legal_tail_words() for t in tokens[i + size :])
            else:
                at_edge = i == 0 or i + size == n
            if seq in strong or at_edge:
                found.append(klass)
                if spellings is not None:
                    spellings.append(seq)
                i += size
                break
        else:
            kept.append(tokens[i])
            i += 1
    if not kept:  # a name that is only a legal form ("AO") keeps its words
        return [t for t in tokens if t != CJK_LEGAL_FORM_TOKEN] or tokens, []
    return kept, found


def tokens_before_legal_forms(text: str) -> list[str]:
    """The name's tokens after every step except legal-form folding (used to write the legal-form tables)."""
    return _tokens(text, [])


@lru_cache(maxsize=1)
def _decorations() -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(p, re.IGNORECASE) for p in _tables().get("query_decorations", ()))


def strip_decorations(text: str) -> str:
    """A query without what is pasted around a party name: "(Shenzhen Branch)", "- Dubai Branch", "MV ", "c/o ",
    "(ex-...)". Listed names keep theirs."""
    out = text
    for pattern in _decorations():
        stripped = pattern.sub(" ", out)
        if stripped.strip():
            out = stripped
    return out


def normalize_name(
    text: str, *, query: bool = False, expand: bool = True, split_hyphens: bool = False
) -> NormalizedName:
    """Fold a party name to comparable tokens, recording each normalization step applied.

    ``query``: the name is a query, so decorations pasted around it (branches, vessel prefixes, former names,
    c/o) are removed first. ``expand=False``: abbreviations are left as written (a query reading in which a word
    split in two, "Techn ology", can still be joined). ``split_hyphens``: a hyphen between two words is read as a
    space ("Limited-Liability Company" -> limited liability company, "CETC-13" -> cetc 13) instead of joining them
    (the default, ``Hi-Tech`` -> hitech): screening reads a name both ways (``hyphen_readings``)."""
    steps: list[str] = []
    source = text
    if query and len(text) <= MAX_DECORATED_LEN:
        source = strip_decorations(text)
        if source != text:
            steps.append("decorations_removed")
    tokens = _tokens(source, steps, expand, split_hyphens)
    kept, forms = _fold_legal_forms(tokens)
    if forms:
        steps.append("legal_forms_folded")
    return NormalizedName(
        original=text, tokens=tuple(kept), legal_forms=tuple(forms), steps=tuple(dict.fromkeys(steps))
    )


# Spellings of one legal form (never two forms: "AG" is not "GmbH", "Co., Ltd." is not "Inc."), for
# ``party_identity_key``.
_FORM_SPELLINGS = {
    "co": "company",
    "corp": "corporation",
    "inc": "incorporated",
    "ltd": "limited",
    "pte": "private",
    "pvt": "private",
}
_WORD_RE = re.compile(r"\w+")


@lru_cache(maxsize=16384)
def party_identity_key(name: str) -> str:
    """The key under which two written names are the **same party** (a license's named party and an order line's,
    a reviewer's call and a later hit): the same words in the same order, up to case, width, spacing,
    punctuation and the spelling of one legal form ("Acme Co., Ltd." is "ACME Company Limited"). Narrower than the
    screening reading on purpose: no legal-form classes ("Acme AG" is not "Acme GmbH"), no transliteration (the
    Chinese characters themselves are compared: 明远 is not 鸣远; accents and hyphens do go), no sorting of words.
    Any doubt is a different party (fail closed: no license coverage, no review)."""
    text = _remove_invisible(unicodedata.normalize("NFKC", name)).casefold()
    # accents go (an ERP writes "Cong ty Co phan" for "Công ty Cổ phần", "SOCIETE GENERALE" for "Société Générale"):
    # the letters stay in their script, so Chinese, Cyrillic or Arabic names are compared as written
    text = unicodedata.normalize(
        "NFC", "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    )
    text = _HYPHEN_RE.sub("", _APOSTROPHES_RE.sub("", text))  # "Hi-Tech" is "HiTech", as screening reads it
    out: list[str] = []
    initials = ""  # single letters spelled apart ("S.A.", "s. r. o.") join as written together ("SA", "sro")
    for word in _WORD_RE.findall(text.replace("&", " and ")):
        if len(word) == 1 and word.isascii() and word.isalpha():
            initials += word
            continue
        if initials:
            out.append(initials)
            initials = ""
        out.append(word)
    if initials:
        out.append(initials)
    return " ".join(_FORM_SPELLINGS.get(w, w) for w in out) or " ".join(name.casefold().split())


@lru_cache(maxsize=16384)  # a pure function of the name (the tables above load once); checks and shipments ask it for
# the same few names again and again (each line's parties against each license's)
def party_name_key(name: str) -> str:
    """One comparison key for a party name wherever two written names must be the same party (a license's named
    parties against an order line's): the screening reading (Unicode, scripts, case, punctuation, abbreviations),
    content words in written order, then the legal-form classes, so "Acme Co., Ltd." and "ACME Co Ltd" agree and
    "Acme Ltd" and "Acme Inc" do not."""
    norm = normalize_name(name)
    if not norm.tokens:
        return " ".join(name.casefold().split())
    return " ".join(norm.tokens + tuple(sorted(norm.legal_forms)))


def has_hyphenated_words(text: str) -> bool:
    """Whether a hyphen joins two words of the name ("All-Russian", "CETC-13"): then it has two readings."""
    return any(
        h in text for h in "-\u2010\u2011\ufe63\uff0d"
    )  # a cheap test: ``hyphen_readings`` compares the readings


def hyphen_readings(text: str, **kwargs: Any) -> list[NormalizedName]:
    """The name with hyphenated words joined (``normalize_name``'s reading) and, when a hyphen joins two words, also
    split ("Al-Qard Al-Hassan" is al qard al hassan as well as alqard alhassan). The lists and the parties write the
    same name both ways ("Limited-Liability Company" / "Limited Liability Company", "All-Russian" / "All Russian"):
    a name is indexed and searched in both readings, so neither spelling hides it."""
    joined = normalize_name(text, **kwargs)
    if not has_hyphenated_words(text):
        return [joined]
    split = normalize_name(text, split_hyphens=True, **kwargs)
    if split.tokens == joined.tokens:
        return [joined]
    steps = tuple(dict.fromkeys((*split.steps, "hyphens_split")))
    return [joined, NormalizedName(split.original, split.tokens, split.legal_forms, steps)]


def _tokens(text: str, steps: list[str], expand: bool = True, split_hyphens: bool = False) -> list[str]:
    s = unicodedata.normalize("NFKC", text)
    if s != text:
        steps.append("unicode_nfkc")
    if not s.isascii():
        s = _APOSTROPHES_RE.sub("", s)
        cleaned = _remove_invisible(s)
        if cleaned != s:
            steps.append("invisible_characters_removed")
            s = cleaned
        if _CJK_RE.search(s):
            steps.append("cjk_transliterated")
            s = _CJK_RE.sub(lambda m: _cjk_run_to_latin(m.group(0)), s)
        if not s.isascii():
            s = _fold_scripts(s, steps)
    lowered = s.lower()
    if lowered != s:
        steps.append("case_folded")
    s = _HYPHEN_RE.sub(" " if split_hyphens else "", _APOSTROPHES_RE.sub("", lowered)).replace("&", " and ")
    spaced = _NON_ALNUM_RE.sub(" ", s)
    if spaced.split() != s.split():
        steps.append("punctuation_removed")
    tokens = _translate_romanized(_join_initials(spaced.split(), steps), steps)
    if expand:
        tokens = _expand_abbreviations(tokens, steps)
    return _read_numbers(tokens, steps)


@lru_cache(maxsize=1)
def trade_words() -> frozenset[str]:
    """The common company words of the normalization tables (the English words the Chinese and pinyin glossaries and
    the abbreviations table read into: technology, semiconductor, microelectronics, group, beijing ...): words that
    say what trade or where, not who."""
    tables = _tables()
    texts = [
        *tables.get("cjk_glossary", {}).values(),
        *tables.get("romanized_glossary", {}).values(),
        *tables.get("abbreviations", {}).values(),
    ]
    return frozenset(word for text in texts for word in str(text).split())


@lru_cache(maxsize=1)
def _abbreviations() -> dict[str, list[str]]:
    return {k: v.split() for k, v in _tables().get("abbreviations", {}).items()}


def abbreviation_table() -> dict[str, list[str]]:
    """Abbreviation -> the words it is read as (table: abbreviations)."""
    return _abbreviations()


def _expand_abbreviations(tokens: list[str], steps: list[str]) -> list[str]:
    """``Tech`` -> technology, ``Intl`` -> international, ``Engg`` -> engineering (table: abbreviations)."""
    table = _abbreviations()
    if not any(t in table for t in tokens):
        return tokens
    steps.append("abbreviations_expanded")
    return [word for t in tokens for word in table.get(t, [t])]


@lru_cache(maxsize=1)
def _number_words() -> tuple[dict[str, int], tuple[str, ...]]:
    words = {k: int(v) for k, v in _tables().get("numbers", {}).items()}
    tens = tuple(sorted((w for w, n in words.items() if n in range(20, 100, 10) and w.isalpha()), key=len))
    return words, tens


_ORDINAL_RE = re.compile(r"^([1-9]\d{0,5})(?:st|nd|rd|th)$")


def _number_value(token: str) -> int | None:
    """A number word, ordinal or Roman numeral as an integer; ``fortyfour`` (a hyphen removed) too; any ordinal
    written in digits (``48th``, ``102nd``) is its number."""
    words, tens = _number_words()
    if token in words:
        return words[token]
    ordinal = _ORDINAL_RE.match(token)
    if ordinal:
        return int(ordinal.group(1))
    roman = _tables().get("roman_numerals", {})
    if token in roman:
        return int(roman[token])
    for ten in tens:
        rest = token[len(ten) :]
        if token.startswith(ten) and rest in words and 0 < words[rest] < 10:
            return words[ten] + words[rest]
    return None


_NUMBER_SIGNS = frozenset({"no", "nr", "number", "num"})


def _is_number(token: str) -> bool:
    """A number in digits or in words ("9", "nine", "ninth", "xiv"): what a number sign can stand before."""
    return token.isdigit() or _number_value(token) is not None


def _read_numbers(tokens: list[str], steps: list[str]) -> list[str]:
    """Number words and ordinals as digits: ``forty four``/``forty-four``/``44th`` -> 44, ``first`` -> 1; a number
    sign before a number is dropped (``No. 13``, ``No.13``, ``Nr 13`` -> 13), so "CETC No. 13 Research Institute"
    reads as "13th Research Institute of CETC" does; also before a number in words (``No. Nine``, ``Number Two``
    -> 9, 2: until 2026-12-08 the sign stayed, and "Zavod No. Nine" missed the listed "Zavod No. 9")."""
    out: list[str] = []
    changed = False
    i = 0
    while i < len(tokens):
        if tokens[i] in _NUMBER_SIGNS and i + 1 < len(tokens) and _is_number(tokens[i + 1]):
            changed = True
            i += 1
            continue
        value = _number_value(tokens[i]) if not tokens[i].isdigit() else None
        if value is None:
            out.append(tokens[i])
            i += 1
            continue
        changed = True
        i += 1
        if value in range(20, 100, 10) and i < len(tokens):
            unit = _number_value(tokens[i])
            if unit is not None and 0 < unit < 10:
                value += unit
                i += 1
        out.append(str(value))
    if changed:
        steps.append("numbers_read")
    return out
