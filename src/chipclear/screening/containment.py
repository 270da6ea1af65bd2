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


# --- a distinctive listed word among place names and industry words ---------------------------------------------
#
# "Shenzhen HiSilicon Semiconductor Co., Ltd.", "Jinan Inspur", "Langchao Group", "Fujian Jinhua": the query holds
# the rare word that carries a listed name (HiSilicon, Inspur, Langchao, Jinhua), and every other word is a place
# or a word any company of the trade uses. Those extra words cost the score quadratically (0.43 for the HiSilicon
# name), yet they are the words a party's own spelling adds to its listed name: a city prefix, its industry. Such a
# query is held for review (a possible match), never decided a match on this ground.
DISTINCTIVE_MIN_LEN = 5  # letters of the rare word ("Biren", "Sugon", "Zhipu")
GENERIC_MAX_WEIGHT = 6.5  # a word used by ~40+ list entries is a common trade word ("semiconductor" 5.7, "group" 3.7)
PLACE_MIN_ADDRESSES = 5  # a place: a word of at least this many listed entries' addresses ...
PLACE_NAME_SHARE = 0.5  # ... and of at most twice as many entries' names (not a company written in addresses)
FAMILY_MIN_ENTRIES = 2  # entries of the party's country sharing the word, for the country to corroborate it
CORROBORATING_PLACE_MIN_LEN = 4  # a place word that ties a query to an entry: "Jinan", not "no" or "rd"


@dataclass(frozen=True, slots=True)
class DistinctiveWord:
    """A listed name (``row``) whose rarest word the query variant ``variant`` holds, its other words all places
    or common trade words (``other``)."""

    row: int
    variant: int
    word: str
    other: tuple[str, ...]

    def to_json(self, listed_name: str) -> dict[str, object]:
        return {
            "listed_name": listed_name,
            "distinctive_word": self.word,
            "other_query_tokens": list(self.other),
            "rule": (
                "the query holds the rare word of this listed name, its other words only places or common trade "
                "words: held for review"
            ),
        }


def place_token_ids(
    entries: Sequence[ListEntry], vocab: dict[str, int], name_df: dict[int, int], address_words: Any
) -> list[int]:
    """Listed words that are places: words of the addresses of at least ``PLACE_MIN_ADDRESSES`` entries, used in
    the names of at most twice as many entries (Shenzhen, Jinan, Anhui, Hong Kong; not Huawei or Langchao, which
    addresses name as buildings and parks). ``address_words``: the words of one address."""
    in_addresses: dict[int, int] = {}
    for entry in entries:
        words: set[str] = set()
        for address in entry.addresses:
            words |= address_words(address)
        for word in words:
            tid = vocab.get(word)
            if tid is not None:
                in_addresses[tid] = in_addresses.get(tid, 0) + 1
    return sorted(
        tid
        for tid, n in in_addresses.items()
        if n >= PLACE_MIN_ADDRESSES and n >= PLACE_NAME_SHARE * name_df.get(tid, 0)
    )


def find_distinctive(
    index: NameIndex,
    variants: Sequence[Sequence[QueryToken]],
    trade_words: frozenset[str],
    country: str | None,
) -> dict[int, DistinctiveWord]:
    """Entry -> the listed name whose rarest word a query variant holds as written (``ONE_TOKEN_MIN_WEIGHT``,
    ``DISTINCTIVE_MIN_LEN`` letters), every other query word a place (``index.place_tokens``) or a common trade word
    (weight at most ``GENERIC_MAX_WEIGHT``, or a company word of the normalization tables: ``trade_words``).

    Three guards keep ordinary words out (an audit's first version flagged 21 of 303 well-known unlisted names:
    Micron Technology, Apple, Roche Holding, Accenture ... on listed names that hold the same dictionary word):
    the listed name too is that word plus places and trade words only ("HiSilicon Technologies", "Inspur Software";
    not "Nedayeh Micron Electronics"); the entry is corroborated by the party's country (one of the entry's) or by a
    place word of the query found in the entry's names or addresses ("Jinan Inspur"); and individuals, vessels and
    aircraft are left out, as for contained names."""
    found: dict[int, tuple[float, DistinctiveWord]] = {}
    for v_no, variant in enumerate(variants):
        run = [qt for qt in variant if qt.weight > GLUE_WEIGHT]
        rare = [
            qt
            for qt in run
            if qt.how == "exact"
            and qt.text in index.vocab
            and len(qt.text) >= DISTINCTIVE_MIN_LEN
            and qt.text.isalpha()
            and index.vocab[qt.text] not in index.place_tokens  # "Jinan" is as rare as "Inspur" in the names
            and float(index.token_weight[index.vocab[qt.text]]) >= ONE_TOKEN_MIN_WEIGHT
        ]
        if len(rare) != 1:
            continue
        word = rare[0]
        others = [qt for qt in run if qt is not word]
        if not all(_common(index, qt, trade_words) for qt in others):
            continue
        tid = index.vocab[word.text]
        # places that can corroborate: names of places, not the trade words addresses also hold ("Fudan University")
        places = {
            index.vocab[qt.text]
            for qt in others
            if index.vocab[qt.text] in index.place_tokens
            and qt.text.isalpha()
            and len(qt.text) >= CORROBORATING_PLACE_MIN_LEN
            and qt.text not in trade_words
        }
        # the party's country corroborates only a word that several listed entries of that country share: a
        # corporate group's name (HiSilicon, Inspur, Biren), not a word one listed name happens to hold (Align,
        # Liberty, Advantage: 55 of 8,584 exchange-listed names screened in CN were held on such words)
        family = country is not None and (
            sum(country in index.entries[int(e)].countries for e in index.entry_postings[tid]) >= FAMILY_MIN_ENTRIES
        )
        for row in index.postings[tid].tolist():
            listed = index.alias_tids[row]
            if any(t != tid and not _common_tid(index, t, trade_words) for t in listed):
                continue  # the listed name has another word of its own: "Nedayeh Micron Electronics"
            e_no = int(index.alias_entry[row])
            entry = index.entries[e_no]
            if (entry.entity_type or "").lower() in NAMED_LIKE_WORDS:
                continue
            if not places & index.entry_place_words(e_no) and not (family and country in entry.countries):
                continue  # nothing but the word says it is this entry
            score = index.row_score(variant, row)
            if e_no in found and found[e_no][0] >= score:
                continue
            found[e_no] = (score, DistinctiveWord(row, v_no, word.text, tuple(qt.text for qt in others)))
    return {e_no: item for e_no, (_, item) in found.items()}


def _common(index: NameIndex, qt: QueryToken, trade_words: frozenset[str]) -> bool:
    """A query word that says where or in what trade, not who: a place, or a word many listed names use."""
    tid = index.vocab.get(qt.text)
    return tid is not None and _common_tid(index, tid, trade_words)


def _common_tid(index: NameIndex, tid: int, trade_words: frozenset[str]) -> bool:
    return (
        tid in index.place_tokens
        or float(index.token_weight[tid]) <= GENERIC_MAX_WEIGHT
        or index.tokens[tid] in trade_words
    )
