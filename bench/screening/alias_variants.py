"""Real-world spellings of the lists' own names: every alias of every entry with aliases (the list's own alternate
names, not generated ones), as listed and rewritten the ways a party's name is really typed on an order: the legal
form dropped or changed ("Co., Ltd." / "Limited" / "LLC"), punctuation taken out or turned into spaces, "&" and
"and" swapped, numbers written as words or words as digits, a parenthesised part dropped, case changed.

    PYTHONPATH=src .venv/bin/python bench/screening/alias_variants.py [--sample N] [--seed 5] [--held-out]
        [--misses FILE] [--negatives FILE]

A query is found when its entry (or an entry listing a name with the same tokens: a duplicate across lists) is
among the hits at the review threshold; "top" when it is the first hit; "match" when it scores at or above the
match threshold. ``--held-out`` searches an index where every entry keeps only its main name, so an alias must be
found through a differently written name of its own entry (many aliases are other names altogether: a floor, not
a target). ``--misses`` writes every miss (category, query, entry id, the alias it came from, best score of its
entry, the first hit). ``--negatives`` screens each line of a file of real company names that are not listed
(comment lines start with #) and reports how many are flagged, as the false-alarm side of the same run.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from quality import equivalent_entries

from chipclear.screening import Screener, load_embedded

# Legal forms as they are written at the end of a name; the first group of each pair is what a party types instead.
_TRAILING_FORM = re.compile(
    r"[\s,]+(co\.?,?\s*ltd\.?|company\s+limited|co\.?\s*,?\s*limited|limited|ltd\.?|l\.?l\.?c\.?|inc\.?|"
    r"incorporated|corp\.?|corporation|company|co\.|gmbh|s\.?a\.?|jsc|ojsc|cjsc|pjsc|pte\.?\s*ltd\.?|"
    r"private\s+limited|pvt\.?\s*ltd\.?|fze|fzco|fz[\s-]?llc|plc|b\.?v\.?|ag|s\.?r\.?l\.?|llp|sdn\.?\s*bhd\.?)\s*$",
    re.IGNORECASE,
)
_LEADING_FORM = re.compile(
    r"^(limited\s+liability\s+company|joint[\s-]+stock\s+company|open\s+joint[\s-]+stock\s+company|"
    r"closed\s+joint[\s-]+stock\s+company|public\s+joint[\s-]+stock\s+company|ooo|oao|zao|pao|ao|jsc|ojsc|"
    r"cjsc|pjsc|llc|tov|chp|ip)\s+",
    re.IGNORECASE,
)
_CHANGED_FORM = {  # the written form -> another spelling of the same form, as parties write it
    "co., ltd.": "Limited",
    "co. ltd.": "Limited",
    "co., ltd": "Limited",
    "co ltd": "Limited",
    "company limited": "Co., Ltd.",
    "limited": "Ltd",
    "ltd.": "Limited",
    "ltd": "Limited",
    "llc": "Limited Liability Company",
    "l.l.c.": "LLC",
    "inc.": "Incorporated",
    "inc": "Incorporated",
    "incorporated": "Inc.",
    "corporation": "Corp.",
    "corp.": "Corporation",
    "corp": "Corporation",
    "company": "Co.",
    "co.": "Company",
    "gmbh": "mbH",
    "jsc": "Joint Stock Company",
    "ojsc": "Open Joint Stock Company",
    "pjsc": "Public Joint Stock Company",
    "pte. ltd.": "Pte Limited",
    "pte ltd": "Private Limited",
}
_LEADING_CHANGED = {
    "limited liability company": "LLC",
    "joint stock company": "JSC",
    "open joint stock company": "OJSC",
    "closed joint stock company": "CJSC",
    "public joint stock company": "PJSC",
    "ooo": "LLC",
    "oao": "OJSC",
    "zao": "CJSC",
    "pao": "PJSC",
    "jsc": "Joint Stock Company",
    "ojsc": "Open Joint-Stock Company",
    "llc": "Limited Liability Company",
}
_UNITS = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
]
_UNITS += ["seventeen", "eighteen", "nineteen", "twenty"]
_ORDINALS = [
    "zeroth",
    "first",
    "second",
    "third",
    "fourth",
    "fifth",
    "sixth",
    "seventh",
    "eighth",
    "ninth",
    "tenth",
    "eleventh",
    "twelfth",
    "thirteenth",
]
_ORDINALS += ["fourteenth", "fifteenth", "sixteenth", "seventeenth", "eighteenth", "nineteenth", "twentieth"]
_NUMBER = re.compile(r"\b(\d{1,2})(st|nd|rd|th)?\b", re.IGNORECASE)
_NUMBER_WORD = re.compile(r"\b(" + "|".join(_UNITS[1:] + _ORDINALS[1:]) + r")\b", re.IGNORECASE)


def _digits_as_words(name: str) -> str:
    def word(m: re.Match[str]) -> str:
        n = int(m.group(1))
        if n > 20:
            return m.group(0)
        return (_ORDINALS if m.group(2) else _UNITS)[n].capitalize()

    return _NUMBER.sub(word, name)


def _words_as_digits(name: str) -> str:
    def digit(m: re.Match[str]) -> str:
        w = m.group(1).lower()
        return f"{_ORDINALS.index(w)}th" if w in _ORDINALS else str(_UNITS.index(w))

    return _NUMBER_WORD.sub(digit, name)


def variants(name: str) -> Iterator[tuple[str, str]]:
    """(category, spelling) for the real-world rewrites that change this name."""
    yield "as_listed", name
    yield "lower_case", name.lower()
    m = _TRAILING_FORM.search(name)
    if m:
        stem = name[: m.start()].rstrip(" ,")
        written = m.group(1).lower()
        if stem:
            yield "legal_form_dropped", stem
        other = _CHANGED_FORM.get(re.sub(r"\s+", " ", written))
        if other and stem:
            yield "legal_form_changed", f"{stem} {other}"
            yield "legal_form_changed_comma", f"{stem}, {other}"
    m = _LEADING_FORM.match(name)
    if m:
        stem = name[m.end() :]
        if stem:
            yield "legal_form_dropped", stem
        other = _LEADING_CHANGED.get(re.sub(r"[\s-]+", " ", m.group(1).lower()))
        if other and stem:
            yield "legal_form_changed", f"{other} {stem}"
            yield "legal_form_moved", f"{stem} {other}"
    yield "punctuation_removed", re.sub(r"[^\w\s&]", "", name)
    yield "punctuation_as_space", re.sub(r"\s+", " ", re.sub(r"[^\w\s&]", " ", name)).strip()
    if "&" in name:
        yield "ampersand_and", name.replace("&", " and ").replace("  ", " ")
    if re.search(r"\band\b", name, re.IGNORECASE):
        yield "ampersand_and", re.sub(r"\s*\band\b\s*", " & ", name, flags=re.IGNORECASE)
    if _NUMBER.search(name):
        yield "number_as_words", _digits_as_words(name)
    if _NUMBER_WORD.search(name):
        yield "number_words_as_digits", _words_as_digits(name)
    if "(" in name:
        dropped = re.sub(r"\s*\([^)]*\)\s*", " ", name).strip()
        if dropped and dropped != name:
            yield "parenthesis_dropped", dropped


def queries(lists_entries: tuple, min_len: int = 2) -> list[tuple[str, str, str, int]]:
    """(category, query, alias, entry number): each alias of each entry with aliases, each distinct rewrite once."""
    out: list[tuple[str, str, str, int]] = []
    for e_no, entry in enumerate(lists_entries):
        seen: set[str] = set()
        for alias in entry.aliases:
            for category, query in variants(alias):
                query = query.strip()
                if len(query) < min_len or (category != "as_listed" and query in seen):
                    continue
                seen.add(query)
                out.append((category, query, alias, e_no))
    return out


def main(sample: int, seed: int, held_out: bool, misses_path: str | None, negatives: str | None) -> None:
    t0 = time.perf_counter()
    lists = load_embedded()
    full = Screener(lists)
    screener = (
        Screener(replace(lists, entries=tuple(replace(e, aliases=()) for e in lists.entries))) if held_out else full
    )
    equivalent = equivalent_entries(full)
    ids = [e.entry_id for e in lists.entries]
    todo = queries(lists.entries)
    aliases = {(a, e) for _, _, a, e in todo}
    if sample and sample < len(aliases):
        chosen = set(random.Random(seed).sample(sorted(aliases), sample))
        todo = [q for q in todo if (q[2], q[3]) in chosen]
    print(
        f"list {lists.version}: {len(lists.entries)} entries, {sum(1 for e in lists.entries if e.aliases)} with "
        f"aliases; {len({(a, e) for _, _, a, e in todo})} aliases, {len(todo)} queries; "
        f"{'held out (main names only)' if held_out else 'whole index'}; built in {time.perf_counter() - t0:.1f} s"
    )
    tally: dict[str, Counter[str]] = defaultdict(Counter)
    missed: list[str] = []
    t = time.process_time()
    for category, query, alias, e_no in todo:
        correct = equivalent.get(ids[e_no], set()) | {ids[e_no]}
        hits = screener.search(query, limit=10).hits
        best = max((h.score for h in hits if h.entry_id in correct), default=0.0)
        row = tally[category]
        row["n"] += 1
        row["found"] += best > 0
        row["top"] += bool(hits) and hits[0].entry_id in correct
        row["match"] += best >= screener.match_threshold
        if not best:
            first = f"{hits[0].entry_id} {hits[0].name!r} {hits[0].score:.3f}" if hits else "no hit"
            missed.append(f"{category}\t{query}\t{ids[e_no]}\t{alias}\t{first}")
    spent = time.process_time() - t
    print(f"{len(todo)} searches in {spent:.1f} s CPU ({1000 * spent / max(len(todo), 1):.3f} ms each)\n")
    print(f"{'category':26s} {'n':>7s} {'found':>7s} {'top':>7s} {'match':>7s}  missed")
    total: Counter[str] = Counter()
    for category in sorted(tally, key=lambda c: -tally[c]["n"]):
        row = tally[category]
        total.update(row)
        n = row["n"]
        print(
            f"{category:26s} {n:7d} {row['found'] / n:7.4f} {row['top'] / n:7.4f} {row['match'] / n:7.4f}  "
            f"{n - row['found']}"
        )
    n = total["n"]
    print(
        f"{'all':26s} {n:7d} {total['found'] / n:7.4f} {total['top'] / n:7.4f} {total['match'] / n:7.4f}  {n - total['found']}"
    )
    if misses_path:
        Path(misses_path).write_text("".join(line + "\n" for line in missed), encoding="utf-8")
        print(f"\n{len(missed)} misses written to {misses_path}")
    if negatives:
        names = [
            line.strip()
            for line in Path(negatives).read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")
        ]
        flagged = [(q, full.search(q, limit=3).hits) for q in names]
        flagged = [(q, h) for q, h in flagged if h]
        matches = sum(1 for _, h in flagged if h[0].is_match)
        print(f"\nnegatives {negatives}: {len(flagged)} of {len(names)} flagged ({matches} of them matches)")
        for q, h in flagged:
            print(f"  {q!r}: {h[0].entry_id} {h[0].name!r} {h[0].score:.4f} {h[0].determination}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sample", type=int, default=0, help="aliases to sample (0: every alias)")
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--held-out", action="store_true")
    parser.add_argument("--misses", help="write the misses here (TSV)")
    parser.add_argument("--negatives", help="a file of unlisted company names, one a line")
    args = parser.parse_args()
    main(args.sample, args.seed, args.held_out, args.misses, args.negatives)
