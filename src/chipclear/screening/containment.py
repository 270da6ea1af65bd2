"""Listed names found whole inside a longer query: "Huawei Technologies Co Ltd Shenzhen Branch" holds every word of
the listed "Huawei Technologies Co., Ltd.", yet the extra words cost the score so much (extra query words are
the mark of a different party) that it stayed under the review threshold and the line shipped. A branch, office,
department or "c/o" of a listed party is that party for the lists, so such a query is held for review.

The rule: the query's tokens (after normalization: legal forms out, in written order) contain, as one contiguous
run, all the tokens of a listed name, each matched exactly or nearly so (a plural, one edit in a long word).
A listed name qualifies only when finding it inside other words is evidence, not noise:

* two or more tokens weighing together at least ``MIN_WEIGHT`` (about a moderately rare word plus a common one:
  "Huawei Technologies" 9.7, "Inspur Group" 11.7; "China Technology" (8.0) is not enough; list statistics cannot
  tell every generic pair from a real name, see the known limits in docs/screening.md);
* or one token that is an acronym its own entry spells out ("SMIC" for Semiconductor Manufacturing International
  Corporation, "CETC", "NUDT"), of at least ``ACRONYM_MIN_LEN`` letters;
* or one long, rare token of a party that is not an individual, vessel or aircraft ("Kazankompressormash";
  "Gazprom" is too short), at least ``ONE_TOKEN_MIN_LEN`` letters used by at most a handful of entries.

A one-word name counts only as written (exact, not a piece of a split word) and when another query word is a word
of another name of its entry ("SMIC International Trading"). Individuals' names never count.

One common word ("Sun", "Alpha", "Lotus", "Star", "Maria") is never enough: thousands of one-word listed
names and aliases exist, most of them ordinary words and given names. Measured in docs/benchmarks.md.

Retrieval uses the index: each qualifying name is posted once, under its rarest token (its *anchor*), so a query
reads only the anchor lists of its own tokens, and a candidate is verified against the query's token runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from chipclear.screening.model import ListEntry
from chipclear.screening.normalize import normalize_name, tokens_before_legal_forms

# The index (``chipclear.screening.index.NameIndex``) and its query tokens (``QueryToken``) are typed ``Any`` here:
# the index imports this module to build its anchors, and a type import back would be an import cycle.
NameIndex = Any
QueryToken = Any

MIN_WEIGHT = 8.5  # total token weight of a listed name of two or more tokens
ACRONYM_MIN_LEN = 4
ONE_TOKEN_MIN_LEN = 8
ONE_TOKEN_MIN_WEIGHT = 8.0  # ln((E+1)/(df+0.5)) >= 8: the token is used by at most ~8 of 26k entries
MIN_SIMILARITY = 0.9  # exact, plural (0.95) or one edit in a long word; not a phonetic or two-edit reading
GLUE_WEIGHT = 0.3  # query tokens weighing no more (legal-form words out of place: "Co" of "c/o") are skipped
# one-word names of these kinds are given names and ship names, mostly ordinary words (MARIA, MAGNOLIA, BELLAGIO)
NAMED_LIKE_WORDS = frozenset({"individual", "vessel", "aircraft"})
_SKIP = frozenset({"of", "and", "the", "for", "de", "la", "des", "du", "del", "di", "da", "der", "und", "in"})


@dataclass(frozen=True, slots=True)
class Containment:
    """A listed name (``row``) found whole in query variant ``variant``; ``extra``: the query's other words."""

    row: int
    variant: int
    listed: tuple[str, ...]
    extra: tuple[str, ...]

    def to_json(self, listed_name: str) -> dict[str, object]:
        return {
            "listed_name": listed_name,
            "listed_tokens": list(self.listed),
            "extra_query_tokens": list(self.extra),
            "rule": "the query contains every word of this listed name in one run: held for review",
        }


def containable_rows(
    entries: Sequence[ListEntry],
    alias_entry: np.ndarray,
    alias_tids: Sequence[tuple[int, ...]],
    tokens: Sequence[str],
    token_weight: np.ndarray,
) -> list[int]:
    """Rows (listed names) that may be found inside a longer query (the rules above)."""
    out: list[int] = []
    initials: dict[int, set[str]] = {}
    for row, tids in enumerate(alias_tids):
        kind = (entries[int(alias_entry[row])].entity_type or "").lower()
        if kind == "individual":  # a person's name inside a company's name is mostly a coincidence of common names
            continue
        if len(tids) >= 2:
            if float(token_weight[list(tids)].sum()) >= MIN_WEIGHT:
                out.append(row)
            continue
        if len(tids) != 1:
            continue
        token = tokens[tids[0]]
        if not token.isalpha():
            continue
        e_no = int(alias_entry[row])
        entry = entries[e_no]
        if len(token) >= ACRONYM_MIN_LEN:
            if e_no not in initials:
                initials[e_no] = {run for name in entry.names for run in _initials(name)}
            if token in initials[e_no]:
                out.append(row)
                continue
        if (
            len(token) >= ONE_TOKEN_MIN_LEN
            and float(token_weight[tids[0]]) >= ONE_TOKEN_MIN_WEIGHT
            and kind not in NAMED_LIKE_WORDS
        ):
            out.append(row)
    return out


def _initials(name: str) -> set[str]:
    """The initials of a name of several words, with its legal form and without ("Semiconductor Manufacturing
    International Corporation" -> smic, smi)."""
    words = [w for w in tokens_before_legal_forms(name) if w not in _SKIP]
    content = [w for w in normalize_name(name).tokens if w not in _SKIP]
    return {"".join(w[0] for w in run) for run in (words, content) if len(run) >= 2}


def anchor_postings(
    rows: Sequence[int], alias_tids: Sequence[tuple[int, ...]], token_weight: np.ndarray, n_tokens: int
) -> tuple[np.ndarray, np.ndarray]:
    """token -> qualifying rows whose rarest token it is, as a flat array and its bounds (``index.Postings``)."""
    anchors = np.array([max(alias_tids[r], key=lambda t: (float(token_weight[t]), -t)) for r in rows], dtype=np.int64)
    flat_rows = np.array(rows, dtype=np.int32)
    order = np.argsort(anchors, kind="stable")
    return flat_rows[order], np.searchsorted(anchors[order], np.arange(n_tokens + 1))


def find_contained(index: NameIndex, variants: Sequence[Sequence[QueryToken]]) -> dict[int, Containment]:
    """Entry -> the heaviest of its listed names found whole inside a query variant, with more words around it."""
    found: dict[int, tuple[float, Containment]] = {}
    for v_no, variant in enumerate(variants):
        run = [qt for qt in variant if qt.weight > GLUE_WEIGHT]
        if len(run) < 2:
            continue
        # words as written only: pieces of a split word ("Master|card", "Jet|blue") are not the listed words
        near = [{t for t, sim in qt.matches.items() if sim >= MIN_SIMILARITY} if _written(qt) else set() for qt in run]
        exact = [{t for t, sim in qt.matches.items() if sim >= 1.0} if _written(qt) else set() for qt in run]
        present = set().union(*near)
        rows: set[int] = set()
        for tid in present:
            rows.update(index.containment_anchors[tid].tolist())
        for row in rows:
            listed = index.alias_tids[row]
            if len(listed) >= len(run) or not present.issuperset(listed):
                continue
            start = _window(listed, exact if len(listed) == 1 else near)  # one word: as written
            if start is None:
                continue
            e_no = int(index.alias_entry[row])
            if len(listed) == 1 and not _corroborated(index, e_no, row, near, start):
                continue
            weight = index.alias_weight_list[row]
            if e_no in found and found[e_no][0] >= weight:
                continue
            extra = tuple(qt.text for i, qt in enumerate(run) if not start <= i < start + len(listed))
            names = tuple(index.tokens[t] for t in listed)
            found[e_no] = (weight, Containment(row, v_no, names, extra))
    return {e_no: item for e_no, (_, item) in found.items()}


def _written(qt: QueryToken) -> bool:
    return qt.how in {"exact", "typo", "digits_as_letters"}


def _corroborated(index: NameIndex, e_no: int, row: int, near: list[set[int]], start: int) -> bool:
    """A one-word listed name counts inside a longer query only when another query word is a word of another name
    of the same entry ("SMIC International Trading": international is in "Semiconductor Manufacturing
    International Corporation")."""
    others = {t for r in index.entry_rows(e_no) if r != row for t in index.alias_tids[r]}
    return any(options & others for i, options in enumerate(near) if i != start)


def _window(listed: tuple[int, ...], near: list[set[int]]) -> int | None:
    """Start of the first run of ``len(listed)`` query tokens that match the listed tokens one to one (any order)."""
    size = len(listed)
    for start in range(len(near) - size + 1):
        if _assign(listed, near[start : start + size]):
            return start
    return None


def _assign(listed: tuple[int, ...], window: list[set[int]]) -> bool:
    """A one-to-one matching of the listed tokens to the window's query tokens (augmenting paths; a few tokens)."""
    owner: dict[int, int] = {}  # window position -> listed token

    def place(tid: int, seen: set[int]) -> bool:
        for pos, options in enumerate(window):
            if tid in options and pos not in seen:
                seen.add(pos)
                if pos not in owner or place(owner[pos], seen):
                    owner[pos] = tid
                    return True
        return False

    return all(place(tid, set()) for tid in listed)
