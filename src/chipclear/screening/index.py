"""The name index: token postings with rarity weights, typo-tolerant token lookup, and vectorised scoring.

Scoring (the same formula for the index and for ``name_similarity``):

* Every token has a weight ``w = ln((E + 1) / (df + 0.5))`` where ``df`` is the number of list entries whose
  names contain it and ``E`` the number of entries, so rare tokens ("sophgo") carry a match and common ones
  ("china", "technology") hardly count. A query token the lists never use weighs as much as the rarest token.
* Each query token is matched to a listed name's token: exactly (similarity 1), or with one edit (two for
  tokens of 8+ characters), similarity ``1 - edits / length`` scaled by ``FUZZY_FACTOR``. Runs of letters that
  the lists write as two words, or two words the lists write as one, are tried both ways.
* ``M`` is the weighted sum of matched query tokens; ``Wq`` and ``Wn`` the total weights of the query and the
  listed name. Query coverage ``cq = M / Wq`` penalises extra query tokens (a different party); name coverage
  ``cn = M / Wn`` penalises listed tokens the query lacks, more gently (queries often omit words):

      score = cq ** QUERY_EXPONENT * (NAME_FLOOR + (1 - NAME_FLOOR) * cn)

  which is 1.0 for the same tokens in any order and lies in [0, 1].
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
from rapidfuzz.distance import OSA

from chipclear.screening.containment import anchor_postings, containable_rows, place_token_ids
from chipclear.screening.model import ListEntry
from chipclear.screening.normalize import (
    NormalizedName,
    abbreviation_table,
    hyphen_readings,
    legal_form_table,
    legal_form_words,
    normalize_name,
    tokens_before_legal_forms,
)

QUERY_EXPONENT = 2.0
NAME_FLOOR = 0.4
FUZZY_FACTOR = 0.97
FUZZY_EDIT_COST = 0.6  # share of a character's worth lost per edit
MIN_FUZZY_LEN = 4  # tokens shorter than this only match exactly
LONG_TOKEN_LEN = 8  # tokens this long may differ by two edits
MIN_SPLIT_PIECE = 3
JOINED_FORM_MIN_LEN = 3  # a legal form written joined to a name ("GazpromOAO") is read off only when this long
JOINED_HEAD_MIN_LEN = 5  # ... and the listed word left is at least this long
# two-letter forms that names do carry joined at their end ("KHAYBARCO", "SADAFCO", "KamazAG"), after a listed word
# of at least JOINED_SHORT_HEAD_MIN_LEN letters
JOINED_SHORT_TAIL_FORMS = ("co", "ag")
JOINED_SHORT_HEAD_MIN_LEN = 4
MAX_SPLIT_LEN = 60  # longer runs are not split into listed words (bounded work per token)
MIN_FUZZY_TAIL, MAX_FUZZY_TAIL = 5, 24  # the last piece of a split may carry a typo within these lengths
MAX_FUZZY_LEN = 56  # no listed token is longer than 48 characters: longer query tokens match only exactly
MAX_LISTED_FUZZY_LEN = MAX_FUZZY_LEN + 2  # longer listed tokens are not indexed for typos (``_build_deletes``)
MAX_QUERY_TOKENS = 64  # distinct query tokens considered (more cannot reach any threshold: extra tokens cost)
FUZZY_CACHE_SIZE = 200_000
MAX_ENTRY_CANDIDATES = 200
MAX_BLOCK_POSTINGS = 600
PYTHON_CANDIDATES = 24
MAX_JOINS = 3  # more blocked candidates than this: bound them with one vectorised pass first  # above this the vectorised path is faster than scoring candidates one by one
IN_VOCAB_FUZZY_LEN = 5  # listed tokens this long also match their listed near-spellings
LEGAL_FORM_WEIGHT = 0.3
FUNCTION_WORDS = ("the", "of", "and", "for")  # weigh as legal-form words do: they say nothing of who the party is
# words the lists write apart that a party writes as one ("Hongkong", "Jinsheng Boyue" for "Jin Sheng Bo Yue"): runs of
# two or three adjacent listed words of at most GLUED_PIECE_MAX_LEN letters each (romanised syllables are at most 6)
GLUED_PIECE_MAX_LEN = 6
GLUED_MIN_LEN = 5
MAX_GLUED_READINGS = 3  # query words read apart, one reading each (plus one with all of them apart)
MAX_ACRONYM_READINGS = 3  # query acronyms read as the words the lists give for them
# a score reached only across an entry's names may be a match when its best-covered name has a word this rare
# (ln((E + 1) / (df + 0.5)) >= 8: used by at most ~8 of 26k entries); otherwise at most a possible match
ACROSS_MIN_RARE_WEIGHT = 8.0
# digits written for the letters they look like ("M00re"); a listed word must be read exactly
DIGIT_LOOKALIKES = {"0": "o", "1": "il", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b"}
MAX_LOOKALIKE_DIGITS = 3
PHONETIC_SIMILARITY = 0.8
PLURAL_SIMILARITY = 0.95  # "Technologies" for "Technology"  # same consonant skeleton: a transliteration variant (Rostekh/Rostec, Mohamed/Muhammad)
_PHONETIC_RULES = (
    ("shch", "s"),
    ("sch", "s"),
    ("tch", "c"),
    ("dzh", "j"),
    ("kh", "h"),
    ("ph", "f"),
    ("ck", "k"),
    ("ch", "c"),
    ("sh", "s"),
    ("zh", "j"),
    ("ts", "c"),
    ("tz", "c"),
    ("q", "k"),
    ("w", "v"),
    ("c", "k"),
    ("ks", "x"),
    ("y", "i"),
    ("z", "s"),
)


def phonetic_key(token: str) -> str:
    """First letter plus the consonant skeleton, after folding common romanisation variants."""
    # a final "ce" sounds as "s" and transliterations write it so (Evrofinans for Evrofinance, Servis, Alyans)
    s = token[:-2] + "s" if token.endswith("ce") else token
    for a, b in _PHONETIC_RULES:
        s = s.replace(a, b)
    out = [s[0]] if s else []
    for ch in s[1:]:
        if ch in "aeiouh" or (out and out[-1] == ch):
            continue
        out.append(ch)
    return "".join(out)


class _LazySets:
    """``sets[i]`` made by ``make(i)`` on first use, then kept."""

    __slots__ = ("_made", "_make")

    def __init__(self, make: Callable[[int], frozenset[int]]) -> None:
        self._make = make
        self._made: dict[int, frozenset[int]] = {}

    def __getitem__(self, i: int) -> frozenset[int]:
        found = self._made.get(i)
        if found is None:
            found = self._made[i] = self._make(i)
        return found


class Postings:
    """Posting lists of every token as one flat array and its bounds: ``postings[tid]`` is a view."""

    __slots__ = ("bounds", "flat")

    def __init__(self, flat: np.ndarray, bounds: np.ndarray) -> None:
        self.flat = flat
        self.bounds = bounds.astype(np.int64)

    def __len__(self) -> int:
        return len(self.bounds) - 1

    def __getitem__(self, tid: int) -> np.ndarray:
        return self.flat[self.bounds[tid] : self.bounds[tid + 1]]


_HASH_BASE = np.uint64(0x9E3779B97F4A7C15)
_HASH_POWERS = np.cumprod(np.full(MAX_FUZZY_LEN + 2, _HASH_BASE, dtype=np.uint64))  # wraps modulo 2**64


def _string_keys(texts: Sequence[str]) -> np.ndarray:
    """Stable 64-bit keys of ASCII strings, vectorised per length (a polynomial hash modulo 2**64; a collision
    only adds a candidate that is then verified by its edit distance)."""
    out = np.empty(len(texts), dtype=np.uint64)
    by_len: dict[int, list[int]] = {}
    for i, text in enumerate(texts):
        by_len.setdefault(len(text), []).append(i)
    for length, idx in by_len.items():
        if length == 0:
            out[idx] = np.uint64(0)
            continue
        raw = "".join(texts[i] for i in idx).encode("ascii", "replace")
        codes = np.frombuffer(raw, dtype=np.uint8).reshape(len(idx), length).astype(np.uint64)
        powers = _HASH_POWERS[:length]
        if powers.size < length:
            with np.errstate(over="ignore"):
                powers = np.cumprod(np.full(length, _HASH_BASE, dtype=np.uint64))
        with np.errstate(over="ignore"):
            out[idx] = (codes * powers).sum(axis=1, dtype=np.uint64) + np.uint64(length)
    return out


class DeleteIndex:
    """The listed tokens' one-letter deletions as sorted 64-bit keys -> token ids (fast to store and load)."""

    __slots__ = ("keys", "tids")

    def __init__(self, keys: np.ndarray, tids: np.ndarray) -> None:
        self.keys = keys
        self.tids = tids

    @classmethod
    def build(cls, variants: list[str], owners: list[int]) -> DeleteIndex:
        keys = _string_keys(variants)
        tids = np.array(owners, dtype=np.int32)
        order = np.argsort(keys, kind="stable")
        return cls(keys[order], tids[order])

    def lookup(self, variants: Iterable[str]) -> list[int]:
        """Token ids whose deletions share a key with one of ``variants`` (candidates, to be verified)."""
        wanted = _string_keys(list(variants))
        lo = np.searchsorted(self.keys, wanted, side="left")
        hi = np.searchsorted(self.keys, wanted, side="right")
        out: list[int] = []
        for a, b in zip(lo.tolist(), hi.tolist(), strict=True):
            if b > a:
                out.extend(self.tids[a:b].tolist())
        return out


@dataclass(frozen=True, slots=True)
class TokenMatch:
    query_token: str
    listed_token: str
    similarity: float
    how: str  # exact | typo | split | joined | acronym | legal_form_removed | digits_as_letters


@dataclass(frozen=True, slots=True)
class QueryToken:
    """A query token (after splitting/joining) and the listed tokens it matches: token id -> similarity."""

    text: str
    weight: float
    matches: dict[int, float]
    how: str = "exact"
    source_tokens: tuple[str, ...] = ()


def plural_stem(token: str) -> str:
    """English plural folded to singular (technologies -> technology, systems -> system)."""
    if len(token) > 5 and token.endswith("ies"):
        return token[:-3] + "y"
    if len(token) > 4 and token.endswith("s") and not token.endswith(("ss", "us", "is")):
        return token[:-1]
    return token


def _deletes(token: str, depth: int) -> set[str]:
    out = {token}
    frontier = {token}
    for _ in range(depth):
        nxt = set()
        for word in frontier:
            for i in range(len(word)):
                nxt.add(word[:i] + word[i + 1 :])
        out |= nxt
        frontier = nxt
    return out


def _max_edits(length: int) -> int:
    if length < MIN_FUZZY_LEN:
        return 0
    return 2 if length >= LONG_TOKEN_LEN else 1


def combine(m: float, u: float, wq: float, wn: float) -> float:
    """The score from similarity-weighted matched weight ``m``, matched weight ``u`` (query tokens that found a
    partner), query weight ``wq`` and listed-name weight ``wn``."""
    if wq <= 0 or wn <= 0 or u <= 0:
        return 0.0
    u = min(u, wq)
    m = min(m, u, wn)
    return float((u / wq) ** QUERY_EXPONENT * (m / u) * (NAME_FLOOR + (1 - NAME_FLOOR) * (m / wn)))


class NameIndex:
    """Inverted index over every name and alias of a list load."""

    def __init__(self, entries: Sequence[ListEntry]) -> None:
        self.entries = entries
        vocab: dict[str, int] = {}
        alias_entry: list[int] = []
        alias_text: list[str] = []
        alias_norm: list[NormalizedName] = []
        alias_tids: list[tuple[int, ...]] = []
        entry_df: dict[int, int] = {}
        for e_no, entry in enumerate(entries):
            seen_sets: set[tuple[int, ...]] = set()
            entry_tokens: set[int] = set()
            for name, norm in _with_acronym_forms(entry.names):
                tids = tuple(dict.fromkeys(vocab.setdefault(t, len(vocab)) for t in norm.tokens))
                key = tuple(sorted(tids))
                if key in seen_sets:
                    continue
                seen_sets.add(key)
                alias_entry.append(e_no)
                alias_text.append(name)
                alias_norm.append(norm)
                alias_tids.append(tids)
                entry_tokens.update(tids)
            for tid in entry_tokens:
                entry_df[tid] = entry_df.get(tid, 0) + 1
        self.vocab = vocab
        self.tokens = [""] * len(vocab)
        for token, tid in vocab.items():
            self.tokens[tid] = token
        n_entries = max(len(entries), 1)
        df = np.array([entry_df.get(i, 0) for i in range(len(vocab))], dtype=np.float64)
        self.token_weight = np.log((n_entries + 1) / (df + 0.5)).astype(np.float32)
        # words of legal forms left in a name ("Joint Stock Company" split by a word-order change) carry little, and so
        # do English function words, which word order adds or drops ("The 13th Research Institute of CETC")
        for word in (*legal_form_words(), *FUNCTION_WORDS):
            if word in vocab:
                self.token_weight[vocab[word]] = min(float(self.token_weight[vocab[word]]), LEGAL_FORM_WEIGHT)
        self.unknown_weight = float(math.log((n_entries + 1) / 0.5))
        self.alias_entry = np.array(alias_entry, dtype=np.int32)
        self.alias_text = alias_text
        self._alias_norm: list[NormalizedName] | None = alias_norm
        self.alias_tids = alias_tids
        self.alias_weight = np.array([float(self.token_weight[list(t)].sum()) for t in alias_tids], dtype=np.float32)
        self.postings = self._build_postings(alias_tids, len(vocab))
        self.entry_postings = self._build_entry_postings(len(entries))
        self.alias_weight_list = self.alias_weight.tolist()
        starts = np.searchsorted(self.alias_entry, np.arange(len(entries) + 1))
        self.entry_row_bounds = starts.tolist()
        containable = containable_rows(entries, self.alias_entry, alias_tids, self.tokens, self.token_weight)
        self.containment_anchors = Postings(*anchor_postings(containable, alias_tids, self.token_weight, len(vocab)))
        self.place_tokens = frozenset(place_token_ids(entries, vocab, entry_df, _address_words))
        self._token_sets()
        self._fuzzy_cache: dict[tuple[str, int], dict[int, float]] = {}
        self.deletes = self._build_deletes()
        self.glued = _glued_runs(alias_tids, self.tokens)
        self.acronyms = _list_acronyms(alias_entry, alias_norm)

    # --- persistence (screening/persist.py stores this beside the list) ----------------------------------------

    def to_state(self) -> dict[str, object]:
        """Everything the index needs except the entries: plain containers and numpy arrays."""
        return {
            "vocab": self.vocab,
            "token_weight": self.token_weight,
            "unknown_weight": self.unknown_weight,
            "alias_entry": self.alias_entry,
            "alias_text": self.alias_text,
            "alias_tids": self.alias_tids,
            "alias_weight": self.alias_weight,
            "postings": (self.postings.flat, self.postings.bounds),
            "entry_postings": (self.entry_postings.flat, self.entry_postings.bounds),
            "entry_row_bounds": self.entry_row_bounds,
            "containment_anchors": (self.containment_anchors.flat, self.containment_anchors.bounds),
            "place_tokens": sorted(self.place_tokens),
            "deletes": (self.deletes.keys, self.deletes.tids),
            "phonetic": self.phonetic,
            "stems": self.stems,
            "glued": self.glued,
            "acronyms": self.acronyms,
        }

    @classmethod
    def from_state(cls, entries: Sequence[ListEntry], state: dict[str, Any]) -> NameIndex:
        index = cls.__new__(cls)
        index.entries = entries
        index.vocab = state["vocab"]
        index.tokens = list(index.vocab)  # ids were given in insertion order
        index.token_weight = state["token_weight"]
        index.unknown_weight = state["unknown_weight"]
        index.alias_entry = state["alias_entry"]
        index.alias_text = state["alias_text"]
        index.alias_tids = state["alias_tids"]
        index._alias_norm = None
        index.alias_weight = state["alias_weight"]
        index.postings = Postings(*state["postings"])
        index.entry_postings = Postings(*state["entry_postings"])
        index.alias_weight_list = index.alias_weight.tolist()
        index.entry_row_bounds = state["entry_row_bounds"]
        index.containment_anchors = Postings(*state["containment_anchors"])
        index.place_tokens = frozenset(state["place_tokens"])
        index._token_sets()
        index._fuzzy_cache = {}
        index.deletes = DeleteIndex(*state["deletes"])
        index.phonetic = state["phonetic"]
        index.stems = state["stems"]
        index.glued = state["glued"]
        index.acronyms = state["acronyms"]
        return index

    def entry_place_words(self, e_no: int) -> frozenset[int]:
        """The place words (``place_tokens``) of an entry's names and addresses (made on first use)."""
        found = self._entry_places.get(e_no)
        if found is None:
            words = set(self.entry_tid_sets[e_no])
            for address in self.entries[e_no].addresses:
                words.update(self.vocab[w] for w in _address_words(address) if w in self.vocab)
            found = self._entry_places[e_no] = frozenset(words & self.place_tokens)
        return found

    def _token_sets(self) -> None:
        """Token-id sets per name and per entry, made on first use (a one-shot CLI search needs a handful)."""
        bounds = self.entry_row_bounds
        self._entry_places: dict[int, frozenset[int]] = {}
        self.alias_tid_sets = _LazySets(lambda row: frozenset(self.alias_tids[row]))
        self.entry_tid_sets = _LazySets(
            lambda e: frozenset().union(*(self.alias_tid_sets[r] for r in range(bounds[e], bounds[e + 1])))
        )

    @property
    def alias_norm(self) -> list[NormalizedName]:
        """The normalized form of every listed name (recomputed on first use after a load from disk)."""
        if self._alias_norm is None:
            self._alias_norm = [self._reading(row) for row in range(len(self.alias_text))]
        return self._alias_norm

    def normalized(self, row: int) -> NormalizedName:
        """The normalized form of one listed name."""
        if self._alias_norm is not None:
            return self._alias_norm[row]
        return self._reading(row)

    def _reading(self, row: int) -> NormalizedName:
        """The reading of a listed name that its row holds: hyphenated words joined or apart
        (``normalize.hyphen_readings``), so a hit says ``hyphens_split`` when the split row matched."""
        readings = hyphen_readings(self.alias_text[row])
        words = {self.tokens[t] for t in self.alias_tids[row]}
        return next((n for n in readings if set(n.tokens) == words), readings[0])

    @staticmethod
    def _build_postings(alias_tids: list[tuple[int, ...]], n_tokens: int) -> Postings:
        flat_t = np.fromiter((t for tids in alias_tids for t in tids), dtype=np.int32)
        flat_a = np.repeat(np.arange(len(alias_tids), dtype=np.int32), [len(t) for t in alias_tids])
        order = np.argsort(flat_t, kind="stable")
        flat_t, flat_a = flat_t[order], flat_a[order]
        return Postings(flat_a, np.searchsorted(flat_t, np.arange(n_tokens + 1)))

    def _build_entry_postings(self, n_entries: int) -> Postings:
        """token -> entries using it (each once), from the name postings in one vectorised pass."""
        n_tokens = len(self.postings)
        flat_t = np.repeat(np.arange(n_tokens, dtype=np.int64), np.diff(self.postings.bounds))
        flat_e = self.alias_entry[self.postings.flat].astype(np.int64)
        keys = np.unique(flat_t * (n_entries + 1) + flat_e)
        tids, ents = keys // (n_entries + 1), (keys % (n_entries + 1)).astype(np.int32)
        return Postings(ents, np.searchsorted(tids, np.arange(n_tokens + 1)))

    def _build_deletes(self) -> DeleteIndex:
        variants: list[str] = []
        owners: list[int] = []
        self.phonetic: dict[str, list[int]] = {}
        self.stems: dict[str, list[int]] = {}
        for token, tid in self.vocab.items():
            # A token's deletions cost its length squared in characters: a 10,000,000-letter "name" took minutes and
            # gigabytes. Query tokens longer than MAX_FUZZY_LEN match only exactly, and one of at most that length
            # is within two edits only of listed tokens of at most MAX_FUZZY_LEN + 2 letters: longer listed tokens
            # need no deletions (nor phonetic or plural keys) and are still found exactly, through the vocabulary.
            if not MIN_FUZZY_LEN <= len(token) <= MAX_LISTED_FUZZY_LEN or not token.isalpha() or not token.isascii():
                continue
            for variant in {token, *(token[:i] + token[i + 1 :] for i in range(len(token)))}:
                variants.append(variant)
                owners.append(tid)
            key = phonetic_key(token)
            if len(key) >= 3:
                self.phonetic.setdefault(key, []).append(tid)
            if len(token) >= 5:
                self.stems.setdefault(plural_stem(token), []).append(tid)
        return DeleteIndex.build(variants, owners)

    # --- query side ------------------------------------------------------------------------------------------

    def fuzzy_matches(self, token: str, max_edits: int = 2) -> dict[int, float]:
        """Listed tokens within the allowed edit distance of ``token``, with their similarity (memoised)."""
        key = (token, max_edits)
        cached = self._fuzzy_cache.get(key)
        if cached is not None:
            return cached
        found = self._fuzzy_matches(token, max_edits)
        if len(self._fuzzy_cache) >= FUZZY_CACHE_SIZE:
            self._fuzzy_cache.clear()
        self._fuzzy_cache[key] = found
        return found

    def _fuzzy_matches(self, token: str, max_edits: int) -> dict[int, float]:
        edits = min(_max_edits(len(token)), max_edits)
        if not edits or not token.isalpha() or not token.isascii() or len(token) > MAX_FUZZY_LEN:
            return {}
        found = self._fuzzy_at_depth(token, min(edits, 1))
        if not found and edits > 1:
            found = self._fuzzy_at_depth(token, edits)
        if token.isalpha():
            key = phonetic_key(token)
            if len(key) >= 3:
                for tid in self.phonetic.get(key, ()):
                    if tid not in found and _phonetic_close(token, self.tokens[tid]):
                        found[tid] = PHONETIC_SIMILARITY
            if len(token) >= 5:
                for tid in self.stems.get(plural_stem(token), ()):
                    if self.tokens[tid] != token:
                        found[tid] = max(found.get(tid, 0.0), PLURAL_SIMILARITY)
        return found

    def _fuzzy_at_depth(self, token: str, edits: int) -> dict[int, float]:
        found: dict[int, float] = {}
        for tid in self.deletes.lookup(_deletes(token, edits)):
            if tid in found:
                continue
            listed = self.tokens[tid]
            distance = OSA.distance(token, listed, score_cutoff=edits)
            if distance <= edits and _max_edits(len(listed)) >= distance:
                found[tid] = _fuzzy_similarity(distance, token, listed)
        return found

    def _token(self, text: str, source: tuple[str, ...], how: str = "exact") -> QueryToken:
        tid = self.vocab.get(text)
        if tid is not None:
            matches = {tid: 1.0}
            if len(text) >= IN_VOCAB_FUZZY_LEN:
                for other, sim in self.fuzzy_matches(text, max_edits=1).items():
                    matches.setdefault(other, sim)
            return QueryToken(text, float(self.token_weight[tid]), matches, how, source)
        fuzzy = self.fuzzy_matches(text)
        if fuzzy:
            # Several listed words can be equally close: the rarest of them sets the weight. (Taking the first
            # found made the weight, and the score, depend on set iteration order, i.e. on the process's hash seed.)
            closest = max(fuzzy.values())
            weight = max(float(self.token_weight[t]) for t, sim in fuzzy.items() if sim == closest)
            if _near_legal_form(text):
                weight = min(weight, LEGAL_FORM_WEIGHT)
            return QueryToken(text, weight, fuzzy, "typo", source)
        if _near_legal_form(text):
            # a legal-form word out of place, misspelt or split ("Libaility", "Lipited"): not a name token
            return QueryToken(text, LEGAL_FORM_WEIGHT, {}, "legal_form", source)
        return QueryToken(text, self.unknown_weight, {}, how, source)

    def _split(self, token: str) -> list[str] | None:
        """Split an unlisted run of letters into two or three listed tokens (the last piece may carry a typo).

        A piece may also be an abbreviation of listed words, read as those words ("Birentech": biren + tech, read
        technology; before, only bir + entech, near "intech", was found). Iterative and bounded: runs longer than
        ``MAX_SPLIT_LEN`` are not split, so the work per token is at most quadratic in that constant, whatever the
        input."""
        if len(token) < 2 * MIN_SPLIT_PIECE or len(token) > MAX_SPLIT_LEN:
            return None
        pieces = self._split_pieces(token)
        if pieces is None:
            return None
        table = abbreviation_table()
        return [word for piece in pieces for word in table.get(piece, [piece])]

    def _split_pieces(self, token: str) -> list[str] | None:
        for cut in range(len(token) - MIN_SPLIT_PIECE, MIN_SPLIT_PIECE - 1, -1):
            head, tail = token[:cut], token[cut:]
            if head not in self.vocab:
                continue
            if self._tail_matches(tail):
                return [head, tail]
            if len(tail) < 2 * MIN_SPLIT_PIECE:
                continue
            for cut2 in range(len(tail) - MIN_SPLIT_PIECE, MIN_SPLIT_PIECE - 1, -1):
                mid, last = tail[:cut2], tail[cut2:]
                if mid in self.vocab and self._tail_matches(last):
                    return [head, mid, last]
        return None

    def _without_joined_legal_form(self, token: str) -> str | None:
        """``gazpromoao`` -> ``gazprom``, ``ooogazprom`` -> ``gazprom``, ``kamazag`` -> ``kamaz``: a legal form
        of ``JOINED_FORM_MIN_LEN`` letters or more written together with a listed word of ``JOINED_HEAD_MIN_LEN``
        letters or more, at its end or its start. Two-letter forms (as, ab, ad, ag, co, sa ...) begin and end too many
        ordinary names: "Asana" read as AS + ANA, "OmniAb" as OMNI + AB, "ADTIGER" as AD + TIGER, "Arvinas" as ARVIN
        + AS, and "Costco" (COS + TCO) each scored 1.0 against a listed one-word name."""
        if len(token) > MAX_SPLIT_LEN:
            return None
        forms = _joinable_legal_forms()
        for form in JOINED_SHORT_TAIL_FORMS:
            head = token[: -len(form)]
            if token.endswith(form) and len(head) >= JOINED_SHORT_HEAD_MIN_LEN and head in self.vocab:
                return head
        for size in range(JOINED_FORM_MIN_LEN, 7):
            head, tail = token[:-size], token[-size:]
            if len(head) >= JOINED_HEAD_MIN_LEN and tail in forms and head in self.vocab:
                return head
            lead, rest = token[:size], token[size:]
            if len(rest) >= JOINED_HEAD_MIN_LEN and lead in forms and rest in self.vocab:
                return rest
        return None

    def _digits_as_letters(self, token: str) -> str | None:
        """``m00re`` -> ``moore``, ``hua3ei``: digits written for the letters they look like, in an unlisted word of
        letters and at most ``MAX_LOOKALIKE_DIGITS`` digits, when the reading is a listed word as it stands."""
        digits = [i for i, ch in enumerate(token) if ch.isdigit()]
        if not digits or len(digits) > MAX_LOOKALIKE_DIGITS or len(token) < MIN_FUZZY_LEN or not token.isalnum():
            return None
        if len(token) - len(digits) < 2 or not token.isascii():
            return None
        options = [DIGIT_LOOKALIKES.get(token[i], "") for i in digits]
        if not all(options):
            return None
        readings = [""]
        for ch in token:
            readings = [r + c for r in readings for c in (DIGIT_LOOKALIKES[ch] if ch.isdigit() else ch)]
        found = sorted(r for r in readings if r in self.vocab)
        return found[0] if found else None

    def _tail_matches(self, tail: str) -> bool:
        if tail in self.vocab or self._listed_abbreviation(tail):
            return True
        return MIN_FUZZY_TAIL <= len(tail) <= MAX_FUZZY_TAIL and bool(self.fuzzy_matches(tail))

    def _listed_abbreviation(self, piece: str) -> bool:
        """``tech``, ``intl``: an abbreviation of the table whose words are all listed."""
        words = abbreviation_table().get(piece, [])
        return bool(words) and all(w in self.vocab for w in words)

    def query_variants(self, tokens: Sequence[str]) -> list[list[QueryToken]]:
        """The query as written, plus readings with unlisted runs split and split words joined."""
        distinct = list(dict.fromkeys(tokens))[:MAX_QUERY_TOKENS]
        base = [self._token(t, (t,)) for t in distinct]
        variants = [base]
        split_variant: list[QueryToken] = []
        changed = False
        for qt in base:
            if qt.how == "exact" and qt.matches:
                split_variant.append(qt)
                continue
            read = self._digits_as_letters(qt.text)
            head = self._without_joined_legal_form(qt.text) if read is None else None
            pieces = None if head is not None or read is not None else self._split(qt.text)
            if read is not None:
                changed = True
                split_variant.append(self._token(read, (qt.text,), "digits_as_letters"))
            elif head is not None:
                changed = True
                split_variant.append(self._token(head, (qt.text,), "legal_form_removed"))
            elif pieces:
                changed = True
                split_variant.extend(self._token(p, (qt.text,), "split") for p in pieces)
            else:
                split_variant.append(qt)
        if changed:
            variants.append(split_variant)
        variants += self._joined_readings(distinct, base, list(tokens[: 2 * MAX_QUERY_TOKENS]))
        variants += self._apart_readings(distinct, base)
        return variants

    def _joined_readings(
        self, distinct: list[str], base: list[QueryToken], written: list[str]
    ) -> list[list[QueryToken]]:
        """A word split in two ("Hik Vision", "Com pany"): one reading per joinable pair of ``distinct`` words, at
        most ``MAX_JOINS``; and one reading of the words as ``written`` (repeats kept: "Ch oe Ch un") with every
        joinable run joined at once, when there are several: a name whose apostrophes were typed as spaces ("Xi an
        Int l Logistics" for "Xi'an Int'l Logistics", "Sa d Sab awi" for "Sa'd Sab'awi") splits several words, and
        joining one at a time left the rest apart (no hit until 2026-12-08). A joined abbreviation of the table whose
        words are listed ("int l" -> intl -> international) is read as its words."""
        out: list[list[QueryToken]] = []
        for size in (2, 3):
            for i in range(len(distinct) - size + 1):
                read = self._joined_run(distinct[i : i + size])
                if read is not None and len(out) < MAX_JOINS:
                    out.append([*base[:i], *read, *base[i + size :]])
        by_text = {qt.text: qt for qt in base}
        reading: list[QueryToken] = []
        joined = 0
        i = 0
        while i < len(written):
            read = next((r for size in (3, 2) if (r := self._joined_run(written[i : i + size])) is not None), None)
            if read is not None and i + 1 < len(written):
                reading += read
                i += len(read[0].source_tokens)
                joined += 1
            else:
                reading.append(by_text.get(written[i]) or self._token(written[i], (written[i],)))
                i += 1
        if joined > 1:
            out.append(list({qt.text: qt for qt in reading}.values()))
        return out

    def _joined_run(self, run: Sequence[str]) -> list[QueryToken] | None:
        """The tokens read for query words written apart that the lists write as one word (a listed word, a legal
        form, or an abbreviation of the table whose words are listed), or None."""
        if len(run) < 2:
            return None
        glued = "".join(run)
        parts = tuple(run)
        if glued in self.vocab or glued in _legal_form_words()[0]:
            return [self._token(glued, parts, "joined")]
        if self._listed_abbreviation(glued):
            return [self._token(w, parts, "joined") for w in abbreviation_table()[glued]]
        return None

    def _apart_readings(self, distinct: list[str], base: list[QueryToken]) -> list[list[QueryToken]]:
        """Readings of the query with a word the lists write apart read apart ("hongkong" as hong kong, "boyue" as
        bo yue: ``glued``; a listed word glued to a number, "cetc13", as cetc 13), and with an acronym the lists
        give for a name read as that name's words ("CETC" as China Electronics Technology Group: ``acronyms``).
        Words of the query as written are kept in every other reading, so these only add candidates."""
        out: list[list[QueryToken]] = []
        glued = [(i, self.glued.get(t) or _letters_then_number(t, self.vocab)) for i, t in enumerate(distinct)]
        apart = [(i, pieces) for i, pieces in glued if pieces is not None]
        apart.sort(key=lambda item: distinct[item[0]] in self.vocab)  # unlisted words first
        for i, pieces in apart[:MAX_GLUED_READINGS]:
            out.append([*base[:i], *(self._token(p, (distinct[i],), "split") for p in pieces), *base[i + 1 :]])
        unlisted = [(i, pieces) for i, pieces in apart if distinct[i] not in self.vocab]
        if len(unlisted) > 1:  # "Jinsheng Boyue": every unlisted word read apart at once ("Beijing" stays whole)
            read = dict(unlisted)
            out.append(
                [
                    qt
                    for i, t in enumerate(distinct)
                    for qt in ([self._token(p, (t,), "split") for p in read[i]] if i in read else [base[i]])
                ]
            )
        if len(distinct) > 1:
            acronyms = [(i, words) for i, t in enumerate(distinct) for words in self.acronyms.get(t, ())]
            for i, words in acronyms[:MAX_ACRONYM_READINGS]:
                out.append([*base[:i], *(self._token(w, (distinct[i],), "acronym") for w in words), *base[i + 1 :]])
        return out

    def score_all(self, variant: Sequence[QueryToken]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Names sharing a token with the query: rows, scores and name coverage (vectorised, sort-grouped)."""
        wq = sum(qt.weight for qt in variant)
        parts: list[np.ndarray] = []
        sims: list[float] = []
        weights: list[float] = []
        sizes: list[int] = []
        owners: list[int] = []
        for q_no, qt in enumerate(variant):
            for tid, sim in qt.matches.items():
                postings = self.postings[tid]
                if postings.size:
                    parts.append(postings)
                    sims.append(qt.weight * sim)
                    weights.append(qt.weight)
                    sizes.append(postings.size)
                    owners.append(q_no)
        if not parts or wq <= 0:
            return np.empty(0, dtype=np.int64), np.empty(0), np.empty(0)
        rows, matched, covered = _grouped_sums(parts, sims, weights, sizes, owners)
        wn = np.maximum(self.alias_weight[rows].astype(np.float64), 1e-9)
        u = np.minimum(covered, wq)
        m = np.minimum(np.minimum(matched, u), wn)
        scores = (u / wq) ** QUERY_EXPONENT * (m / u) * (NAME_FLOOR + (1 - NAME_FLOOR) * (m / wn))
        return rows, scores, m / wn

    def score_entries(
        self, variant: Sequence[QueryToken], rows: np.ndarray, name_coverage: np.ndarray, floor: float = 0.0
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Score each entry against all its names together: query tokens may be found in different names of the
        entry (a Chinese name whose pinyin is one alias and whose translated words are another). Query
        coverage counts over the entry's names; name coverage is that of the entry's best-covered name.
        Only entries that can reach ``floor`` are scored. Returns entry numbers, scores and best-name rows."""
        wq = sum(qt.weight for qt in variant)
        empty = np.empty(0, dtype=np.int64)
        if len(variant) < 2 or wq <= 0 or rows.size == 0:
            return empty, np.empty(0), empty
        parts, sims, weights, sizes, owners = self._variant_postings(variant)
        if not parts:
            return empty, np.empty(0), empty
        entries, matched, covered = _grouped_sums(parts, sims, weights, sizes, owners)
        u = np.minimum(covered, wq)
        m = np.minimum(matched, u)
        upper = (u / wq) ** QUERY_EXPONENT * (m / u)  # the score if some name were fully covered
        keep = np.flatnonzero(upper >= floor)
        if keep.size == 0:
            return empty, np.empty(0), empty
        out_entries: list[int] = []
        out_scores: list[float] = []
        out_rows: list[int] = []
        for k in keep[:MAX_ENTRY_CANDIDATES]:
            e_no = int(entries[k])
            span = self.entry_rows(e_no)
            lo, hi = np.searchsorted(rows, [span.start, span.stop])
            if lo == hi:
                continue
            best = lo + int(np.argmax(name_coverage[lo:hi]))
            score = float(upper[k] * (NAME_FLOOR + (1 - NAME_FLOOR) * name_coverage[best]))
            if score >= floor:
                out_entries.append(e_no)
                out_scores.append(score)
                out_rows.append(int(rows[best]))
        return np.array(out_entries, dtype=np.int64), np.array(out_scores), np.array(out_rows, dtype=np.int64)

    def explain(
        self, variant: Sequence[QueryToken], alias_row: int, other_rows: Sequence[int] = ()
    ) -> tuple[list[TokenMatch], list[str], list[str]]:
        """Which query tokens matched which listed tokens, and the tokens left unmatched on each side.

        ``other_rows``: further names of the same entry whose tokens may also be matched (entry-level hits)."""
        listed = self.alias_tids[alias_row]
        extra = [t for r in other_rows for t in self.alias_tids[r] if t not in listed]
        listed = tuple(dict.fromkeys([*listed, *extra]))
        used: set[int] = set()
        pairs: list[TokenMatch] = []
        unmatched_query: list[str] = []
        for qt in variant:
            best: tuple[float, int] | None = None
            for tid in listed:
                sim = qt.matches.get(tid)
                if sim is not None and tid not in used and (best is None or sim > best[0]):
                    best = (sim, tid)
            if best is None:
                unmatched_query.append(qt.text)
                continue
            used.add(best[1])
            how = qt.how if best[0] == 1.0 or qt.how != "exact" else "typo"
            query_text = " ".join(qt.source_tokens) if qt.how == "joined" else qt.text
            pairs.append(TokenMatch(query_text, self.tokens[best[1]], round(best[0], 3), how))
        unmatched_listed = [self.tokens[t] for t in self.alias_tids[alias_row] if t not in used]
        return pairs, unmatched_query, unmatched_listed

    def _variant_postings(
        self, variant: Sequence[QueryToken]
    ) -> tuple[list[np.ndarray], list[float], list[float], list[int], list[int]]:
        """For each (query token, matched list token) with entries: the entry postings, the weighted similarity,
        the query token's weight, the posting count and the query token's number."""
        parts: list[np.ndarray] = []
        sims: list[float] = []
        weights: list[float] = []
        sizes: list[int] = []
        owners: list[int] = []
        for q_no, qt in enumerate(variant):
            for tid, sim in qt.matches.items():
                postings = self.entry_postings[tid]
                if postings.size:
                    parts.append(postings)
                    sims.append(qt.weight * sim)
                    weights.append(qt.weight)
                    sizes.append(postings.size)
                    owners.append(q_no)
        return parts, sims, weights, sizes, owners

    def entry_rows(self, e_no: int) -> range:
        """Rows of an entry's names (they are stored together, in entry order)."""
        return range(self.entry_row_bounds[e_no], self.entry_row_bounds[e_no + 1])

    def _entry_upper_bounds(self, variant: Sequence[QueryToken], wq: float, floor: float) -> dict[int, float]:
        """Entries whose names together could reach ``floor`` (vectorised), with that upper bound."""
        parts, sims, weights, sizes, owners = self._variant_postings(variant)
        if not parts:
            return {}
        entries, matched, covered = _grouped_sums(parts, sims, weights, sizes, owners)
        u = np.minimum(covered, wq)
        upper = (u / wq) ** QUERY_EXPONENT * (np.minimum(matched, u) / u)
        keep = np.flatnonzero(upper >= floor)
        return dict(zip(entries[keep].tolist(), upper[keep].tolist(), strict=True))

    def score_candidates(
        self, variant: Sequence[QueryToken], floor: float, across_cap: float = 1.0
    ) -> dict[int, tuple[float, int, bool]] | None:
        """Entries that can reach ``floor``: entry -> (score, best name row, matched across names). A score that only
        the entry's names together reach is at most ``across_cap`` unless its best-covered name has a rare word
        (``across_limit``).

        A name reaches ``floor`` only if the query tokens it holds weigh at least ``sqrt(floor)`` of the query,
        so every candidate holds one of the heaviest query tokens that make up the rest: only their posting lists
        are read (blocking), and the few candidates are scored exactly. Returns None when the blocking tokens
        are too common to make that cheap (the caller then uses the vectorised path)."""
        wq = sum(qt.weight for qt in variant)
        if wq <= 0:
            return {}
        need = (1 - math.sqrt(max(floor, 1e-6))) * wq
        blocking: list[QueryToken] = []
        acc = 0.0
        for qt in sorted(variant, key=lambda q: -q.weight):
            blocking.append(qt)
            acc += qt.weight
            if acc > need:
                break
        candidates: set[int] = set()
        for qt in blocking:
            for tid in qt.matches:
                postings = self.entry_postings[tid]
                if postings.size > MAX_BLOCK_POSTINGS:
                    return None
                candidates.update(postings.tolist())
        if len(candidates) > MAX_BLOCK_POSTINGS:
            return None
        items = [(qt.weight, tuple(qt.matches.items())) for qt in variant]
        uppers: dict[int, float] | None = None
        if len(candidates) > PYTHON_CANDIDATES:
            uppers = self._entry_upper_bounds(variant, wq, floor)
            candidates &= uppers.keys()
        out: dict[int, tuple[float, int, bool]] = {}
        for e_no in candidates:
            if uppers is not None:
                upper = uppers[e_no]
            else:
                u_e, m_e = _cover(items, self.entry_tid_sets[e_no])
                if u_e <= 0:
                    continue
                upper = (min(u_e, wq) / wq) ** QUERY_EXPONENT * (min(m_e, u_e) / u_e)
            if upper < floor:
                continue
            best_score, best_row, best_cn, cn_row = -1.0, -1, -1.0, -1
            for row in range(self.entry_row_bounds[e_no], self.entry_row_bounds[e_no + 1]):
                u, m = _cover(items, self.alias_tid_sets[row])
                if u <= 0:
                    continue
                score = combine(m, u, wq, self.alias_weight_list[row])
                cn = min(m, u, self.alias_weight_list[row]) / max(self.alias_weight_list[row], 1e-9)
                if score > best_score:
                    best_score, best_row = score, row
                if cn > best_cn:
                    best_cn, cn_row = cn, row
            union = upper * (NAME_FLOOR + (1 - NAME_FLOOR) * max(best_cn, 0.0))
            if cn_row >= 0:
                union = min(union, self.across_limit(cn_row, across_cap))
            if union > best_score + 1e-9 and len(variant) > 1:
                if union >= floor:
                    out[e_no] = (union, cn_row, True)
            elif best_score >= floor:
                out[e_no] = (best_score, best_row, False)
        return out

    def across_limit(self, row: int, cap: float) -> float:
        """The most an entry may score on words found across its names when ``row`` is its best-covered name: 1.0
        if that name has a rare word of its own (used by a handful of entries), else ``cap``. A name of common
        words ("Tianjin University") shares them with many parties, and an entry with many names holds most
        generic words somewhere ("of", "technology" in "Tianjin University, Wuqing Institute of Frontier
        Technology"), so "Tianjin University of Technology" scored 1.0 on Tianjin University."""
        rarest = max((float(self.token_weight[t]) for t in self.alias_tids[row]), default=0.0)
        return 1.0 if rarest >= ACROSS_MIN_RARE_WEIGHT else cap

    def row_score(self, variant: Sequence[QueryToken], row: int) -> float:
        """Score of a query variant against one listed name of the index."""
        items = [(qt.weight, tuple(qt.matches.items())) for qt in variant]
        u, m = _cover(items, self.alias_tid_sets[row])
        return combine(m, u, sum(qt.weight for qt in variant), self.alias_weight_list[row])

    def pair_score(self, query: Iterable[QueryToken], listed_tokens: Sequence[str]) -> float:
        """Score a query against one listed name given as tokens (used by ``name_similarity``)."""
        variant = list(query)
        listed = list(dict.fromkeys(listed_tokens))
        weights = {
            t: (float(self.token_weight[self.vocab[t]]) if t in self.vocab else self.unknown_weight) for t in listed
        }
        wn = sum(weights.values())
        wq = sum(qt.weight for qt in variant)
        m = u = 0.0
        used: set[str] = set()
        for qt in variant:
            best = 0.0
            best_token = None
            for token in listed:
                if token in used:
                    continue
                sim = _token_similarity(qt.text, token)
                if sim > best:
                    best, best_token = sim, token
            if best_token is not None:
                used.add(best_token)
                m += qt.weight * best
                u += qt.weight
        return combine(m, u, wq, wn)


_ACRONYM_SKIP = frozenset({"of", "and", "the", "for", "de", "la", "des", "du", "del", "di", "da", "der", "und", "in"})


_LETTERS_THEN_NUMBER_RE = re.compile(r"^([a-z]{2,})(\d{1,4})$")


def _letters_then_number(token: str, vocab: dict[str, int]) -> tuple[str, ...] | None:
    """``cetc13`` -> cetc 13: a listed word written together with a number ("CETC13" for "CETC 13")."""
    found = _LETTERS_THEN_NUMBER_RE.match(token)
    if found is None or found.group(1) not in vocab:
        return None
    return found.group(1), found.group(2)


def _glued_runs(alias_tids: Sequence[tuple[int, ...]], tokens: Sequence[str]) -> dict[str, tuple[str, ...]]:
    """Runs of two or three adjacent words of a listed name, each of letters and at most ``GLUED_PIECE_MAX_LEN``
    long, written as one word ("hongkong" -> hong kong, "jinsheng" -> jin sheng, "boyue" -> bo yue): a party that
    writes them together is read apart. Only runs some listed name really has, so no word is cut at random."""
    out: dict[str, tuple[str, ...]] = {}
    for tids in alias_tids:
        words = [tokens[t] for t in tids]
        for size in (2, 3):
            for i in range(len(words) - size + 1):
                run = words[i : i + size]
                if all(w.isalpha() and w.isascii() and len(w) <= GLUED_PIECE_MAX_LEN for w in run):
                    glued = "".join(run)
                    if len(glued) >= GLUED_MIN_LEN:
                        out.setdefault(glued, tuple(run))
    return out


def _initials_match(acronym: str, words: Sequence[str]) -> bool:
    """``acronym`` is the initials of ``words`` (small words such as "of" aside), at most one word unrepresented:
    CETC for China Electronics Technology Group Corporation."""
    initials = "".join(w[0] for w in words if w not in _ACRONYM_SKIP)
    if not 3 <= len(acronym) <= len(initials) <= len(acronym) + 1 or acronym[0] != initials[0]:
        return False
    rest = iter(initials)
    return all(ch in rest for ch in acronym)


def _list_acronyms(
    alias_entry: Sequence[int], alias_norm: Sequence[NormalizedName]
) -> dict[str, tuple[tuple[str, ...], ...]]:
    """Acronyms the lists themselves give: an entry with a one-word name of 3-8 letters (CETC) that is the initials of
    another of its names (China Electronics Technology Group Corporation, legal form included) -> that name's
    words. Nothing is invented: a query word is read so only when a listed entry pairs the two."""
    by_entry: dict[int, list[NormalizedName]] = {}
    for e_no, norm in zip(alias_entry, alias_norm, strict=True):
        by_entry.setdefault(e_no, []).append(norm)
    out: dict[str, list[tuple[str, ...]]] = {}
    for norms in by_entry.values():
        short = {
            n.tokens[0] for n in norms if len(n.tokens) == 1 and n.tokens[0].isalpha() and 3 <= len(n.tokens[0]) <= 8
        }
        if not short:
            continue
        for norm in norms:
            if len(norm.tokens) < 2:
                continue
            with_forms = tokens_before_legal_forms(norm.original) if norm.legal_forms else list(norm.tokens)
            for acronym in short:
                if (
                    acronym in norm.tokens
                ):  # "China Aerospace Science and Technology (CASC)": the words alone are a row too
                    continue
                if _initials_match(acronym, norm.tokens) or _initials_match(acronym, with_forms):
                    known = out.setdefault(acronym, [])
                    if norm.tokens not in known:
                        known.append(norm.tokens)
    return {a: tuple(words) for a, words in out.items()}


def _address_words(address: str) -> set[str]:
    return set(normalize_name(address).tokens)


def _with_acronym_forms(names: Sequence[str]) -> list[tuple[str, NormalizedName]]:
    """Each name normalized; a name that spells out an acronym next to its words ("National University of Defense
    Technology (NUDT)", "China Academy of Engineering Physics (CAEP)'s 902 Institute") also gives the acronym alone
    and the words alone as names of the entry, so either finds it. The initials are also read with the name's legal
    forms kept ("Semiconductor Manufacturing International Corporation (SMIC)"). A trailing all-capitals
    parenthetical that begins with the name's first letter and is neither a legal form nor a word of the name
    ("National Supercomputing Center Tianjin (NSCC-TJ)") is a name of its own."""
    out: list[tuple[str, NormalizedName]] = []
    have: set[tuple[str, ...]] = set()

    def add(name: str, norm: NormalizedName) -> None:
        if norm.tokens and norm.tokens not in have:
            have.add(norm.tokens)
            out.append((name, norm))

    for name in names:
        norm, *other_readings = hyphen_readings(name)
        if not norm.tokens:
            continue
        out.append((name, norm))
        have.add(norm.tokens)
        for reading in other_readings:  # "All-Russian" is also found as "All Russian" (normalize.hyphen_readings)
            add(name, reading)
        found = _spelled_out_acronym(norm.tokens)
        if found is None and norm.legal_forms:  # the initials may include the legal form ("... Corporation (SMIC)")
            with_forms = tuple(tokens_before_legal_forms(name))
            found = _spelled_out_acronym(with_forms) if with_forms != norm.tokens else None
            if found is not None:
                found = (found[0], normalize_name(" ".join(found[1])).tokens)
        if found is not None:
            acronym, words = found
            add(name, NormalizedName(name, (acronym,), norm.legal_forms, norm.steps))
            add(name, NormalizedName(name, words, norm.legal_forms, norm.steps))
        tail = _parenthesised_acronym(name)
        if tail is not None:
            add(name, NormalizedName(name, tail, (), norm.steps))
    return out


_TRAILING_ACRONYM_RE = re.compile(r"\(\s*([A-Z][A-Z0-9]{1,11}(?:[- ][A-Z0-9]{1,6})?)\s*\)\s*$")


def _parenthesised_acronym(name: str) -> tuple[str, ...] | None:
    """The tokens of a trailing all-capitals parenthetical that reads as the name's acronym ("(NSCC-TJ)", "(SMIC)"):
    it begins with the first letter of the name's first content word, is at least 3 characters, and holds no legal
    form and no word of the name before it ("(OOO)", "(USA)"-like tails of other kinds stay part of the name)."""
    match = _TRAILING_ACRONYM_RE.search(name)
    if match is None:
        return None
    tokens = normalize_name(match.group(1)).tokens
    before = tokens_before_legal_forms(name[: match.start()])
    first = next((t for t in before if t not in _ACRONYM_SKIP), "")
    if not tokens or not first or tokens[0][:1] != first[:1] or sum(map(len, tokens)) < 3:
        return None
    forms = legal_form_words()
    if any(t in forms or t in before for t in tokens):
        return None
    return tokens


def _spelled_out_acronym(tokens: tuple[str, ...]) -> tuple[str, tuple[str, ...]] | None:
    """(acronym, its words) when a token is the initials of the words just before or just after it."""
    for i, token in enumerate(tokens):
        if not (3 <= len(token) <= 8 and token.isalpha()):
            continue
        for backward, run in ((True, tokens[:i][::-1]), (False, tokens[i + 1 :])):
            words: list[str] = []
            content = 0
            for word in run:
                words.append(word)
                if word not in _ACRONYM_SKIP:
                    content += 1
                if content == len(token):
                    break
            if content != len(token):
                continue
            ordered = words[::-1] if backward else words
            initials = "".join(w[0] for w in ordered if w not in _ACRONYM_SKIP)
            if initials == token:
                return token, tuple(ordered)
    return None


@lru_cache(maxsize=1)
def _joinable_legal_forms() -> frozenset[str]:
    """One-word legal forms of 3-6 letters that may be written joined to a name (oao, ooo, gmbh, llc, corp ...): whole
    forms of the hand table, not words of longer forms ("joint", "stock", "open" begin ordinary names)."""
    return frozenset(
        form
        for forms in legal_form_table().values()
        for form in forms
        if " " not in form and JOINED_FORM_MIN_LEN <= len(form) <= 6 and form.isalpha()
    )


@lru_cache(maxsize=1)
def _legal_form_words() -> tuple[frozenset[str], frozenset[str]]:
    words = frozenset(legal_form_words())
    return words, frozenset(phonetic_key(w) for w in words if len(w) >= 3)


@lru_cache(maxsize=4096)
def _near_legal_form(token: str) -> bool:
    """A legal-form word, misspelt or transliterated ("Cmpany", "Limted", "Kompani", "Dzhoint", "LLK")."""
    words, keys = _legal_form_words()
    if token in words:
        return True
    if len(token) < 3 or len(token) > MAX_FUZZY_LEN or not token.isalpha():
        return False
    if len(token) >= 4 and phonetic_key(token) in keys:
        return True
    if len(token) < 5:
        return token in {"llk", "ooo"}
    return any(OSA.distance(token, w, score_cutoff=1) <= 1 for w in words if len(w) >= 5)


def _cover(items: list[tuple[float, tuple[tuple[int, float], ...]]], tids: frozenset[int]) -> tuple[float, float]:
    """(matched weight, similarity-weighted matched weight) of the query tokens found in ``tids``."""
    u = m = 0.0
    for weight, matches in items:
        best = 0.0
        for tid, sim in matches:
            if sim > best and tid in tids:
                best = sim
        if best > 0:
            u += weight
            m += weight * best
    return u, m


def _grouped_sums(
    parts: list[np.ndarray], sims: list[float], weights: list[float], sizes: list[int], owners: list[int]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Ids present in the posting lists, with the summed similarity-weighted and plain weights of each.

    ``owners[i]`` is the query token that posting list ``i`` belongs to: a query token counts once per id,
    with its best similarity there, even when several of its spellings occur in the same name or entry."""
    idx = np.concatenate(parts) if len(parts) > 1 else parts[0]
    vals = np.repeat(np.array(sims), sizes)
    covs = np.repeat(np.array(weights), sizes)
    if len(parts) == 1:
        return idx, vals, covs
    if len(set(owners)) == len(owners):  # one listed token per query token: no duplicates to fold
        order = np.argsort(idx, kind="stable")
        idx, vals, covs = idx[order], vals[order], covs[order]
        starts = np.concatenate(([0], np.flatnonzero(idx[1:] != idx[:-1]) + 1))
        return idx[starts], np.add.reduceat(vals, starts), np.add.reduceat(covs, starts)
    n_owners = max(owners) + 1
    key = idx.astype(np.int64) * n_owners + np.repeat(np.array(owners, dtype=np.int64), sizes)
    order = np.lexsort((-vals, key))
    key, vals, covs = key[order], vals[order], covs[order]
    firsts = np.concatenate(([0], np.flatnonzero(key[1:] != key[:-1]) + 1))
    ids, vals, covs = key[firsts] // n_owners, vals[firsts], covs[firsts]
    starts = np.concatenate(([0], np.flatnonzero(ids[1:] != ids[:-1]) + 1))
    return ids[starts], np.add.reduceat(vals, starts), np.add.reduceat(covs, starts)


def _token_similarity(a: str, b: str) -> float:
    if a == b:
        return 1.0
    edits = min(_max_edits(len(a)), _max_edits(len(b)))
    if not edits or not a.isalpha() or not b.isalpha():
        return 0.0
    distance = OSA.distance(a, b, score_cutoff=edits)
    if distance <= edits:
        return _fuzzy_similarity(distance, a, b)
    if len(a) >= 5 and len(b) >= 5 and plural_stem(a) == plural_stem(b):
        return PLURAL_SIMILARITY
    key_a = phonetic_key(a)
    if len(key_a) >= 3 and key_a == phonetic_key(b) and _phonetic_close(a, b):
        return PHONETIC_SIMILARITY
    return 0.0


def _phonetic_close(a: str, b: str) -> bool:
    """Same skeleton is not enough on its own (suanneng/shanghai): the spellings must also be close."""
    limit = -(-max(len(a), len(b)) // 3)
    return OSA.distance(a, b, score_cutoff=limit) <= limit


def _fuzzy_similarity(distance: int, a: str, b: str) -> float:
    return FUZZY_FACTOR * (1 - FUZZY_EDIT_COST * distance / max(len(a), len(b)))
