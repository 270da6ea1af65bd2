"""The ``Screener``: search a list load for a party and explain every hit."""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from chipclear.errors import InputError
from chipclear.screening.containment import Containment, DistinctiveWord, find_contained, find_distinctive
from chipclear.screening.index import NameIndex, QueryToken
from chipclear.screening.listing import Listing, derive_listings
from chipclear.screening.model import ListEntry, LoadedList
from chipclear.screening.normalize import (
    MAX_DECORATED_LEN,
    hyphen_readings,
    legal_form_classes,
    legal_forms_agree,
    normalize_name,
    strip_decorations,
    trade_words,
)
from chipclear.screening.reviews import ReviewStore
from chipclear.settings import get_settings

# Country and address only qualify a name match: they move the score a little, never make a hit alone.
COUNTRY_MATCH_BONUS = 0.03
COUNTRY_MISMATCH_PENALTY = 0.05
ADDRESS_MAX_BONUS = 0.05
MAX_CANDIDATES = 200
# scores closer than this are a tie, kept by the earlier reading of the query (as written before joined or split)
TIE = 1e-6  # far below the 4 decimals a score is given with
ACROSS_NAMES_MARGIN = 0.0001  # matched across names: at most this far under the match threshold (a possible match)
MATCH = "match"
POSSIBLE = "possible"


# The Entity List's license-requirement column (Supplement No. 4 to Part 744) ends some entries with the number of
# one of the Supplement's footnotes, which the CSL prints glued to the text: "(See §§ 734.9(e)(2) and 744.11 of the
# EAR)4". The list data keeps it as published; a hit says what the digit is.
_FOOTNOTE = re.compile(r"(of the EAR\))\s?([1-5])(?=[.\s]|$)")


def footnotes_said(text: str | None) -> str | None:
    """``text`` with a trailing Entity List footnote number written out ("... EAR) (Entity List footnote 4)")."""
    return _FOOTNOTE.sub(r"\1 (Entity List footnote \2)", text) if text else text


@dataclass(frozen=True, slots=True)
class Hit:
    entry_id: str
    source: str
    name: str
    matched_name: str
    score: float
    determination: str  # "match" (score >= match threshold) or "possible" (>= review threshold)
    explanation: dict[str, Any]
    license_requirement: str | None
    license_policy: str | None
    federal_register_notice: str | None
    entry_hash: str
    countries: tuple[str, ...] = ()
    programs: tuple[str, ...] = ()
    source_list_url: str | None = None
    suppressed_by: dict[str, Any] | None = None
    listed_on: str | None = None  # ISO date the entry was listed, derived from its FR citations (None: unknown)
    listing: str | None = None  # "added 2025-01-16, 90 FR 4621", or why the date is not derivable
    effective_on: str | None = None  # ISO date the listing took effect, where the data confirms it (listing.py)
    # ISO publication date of the entry's latest amendment, where derivable (listing.py): before it, the entry's
    # policy text may not be the one the lists give (chipclear.determination.entity_history)
    amended_on: str | None = None

    @property
    def is_match(self) -> bool:
        return self.determination == MATCH

    def to_json(self) -> dict[str, Any]:
        return {
            "entry_id": self.entry_id,
            "source": self.source,
            "name": self.name,
            "matched_name": self.matched_name,
            "score": self.score,
            "determination": self.determination,
            "explanation": self.explanation,
            "license_requirement": self.license_requirement,
            "license_policy": self.license_policy,
            "federal_register_notice": self.federal_register_notice,
            "countries": list(self.countries),
            "programs": list(self.programs),
            "source_list_url": self.source_list_url,
            "entry_hash": self.entry_hash,
            "suppressed_by": self.suppressed_by,
            "listed_on": self.listed_on,
            "listing": self.listing,
            "effective_on": self.effective_on,
        }


@dataclass(frozen=True, slots=True)
class ScreeningResult:
    query: dict[str, Any]
    list_version: str
    list_date: str | None
    stale: bool
    stale_reason: str | None
    match_threshold: float
    review_threshold: float
    hits: tuple[Hit, ...]
    suppressed: tuple[Hit, ...] = ()
    screened_at: str = field(default_factory=lambda: dt.datetime.now(dt.UTC).isoformat(timespec="seconds"))
    max_age_days: int | None = None  # the age past which the lists are stale (``stale`` is today's answer)

    def stale_on(self, day: dt.date) -> tuple[bool, str | None]:
        """Whether the lists are stale for a decision dated ``day``: today's answer, or, for a day after today, the
        lists' age on that day (the listings they cannot hold yet)."""
        if self.stale or self.max_age_days is None or self.list_date is None or day <= dt.date.today():
            return self.stale, self.stale_reason
        if (day - dt.date.fromisoformat(self.list_date)).days > self.max_age_days:
            return True, f"list dated {self.list_date} is more than {self.max_age_days} days old on {day}"
        return False, None

    @property
    def matches(self) -> tuple[Hit, ...]:
        return tuple(h for h in self.hits if h.is_match)

    def to_json(self) -> dict[str, Any]:
        return {
            "query": self.query,
            "list_version": self.list_version,
            "list_date": self.list_date,
            "stale": self.stale,
            "stale_reason": self.stale_reason,
            "match_threshold": self.match_threshold,
            "review_threshold": self.review_threshold,
            "screened_at": self.screened_at,
            "hits": [h.to_json() for h in self.hits],
            "suppressed": [h.to_json() for h in self.suppressed],
        }


def _address_tokens(text: str) -> set[str]:
    return {t for t in normalize_name(text).tokens if len(t) >= 3 and not t.isdigit()}


class Screener:
    """Searches one list load. Build once (index build ~ seconds for the full CSL), then query many times."""

    def __init__(
        self,
        lists: LoadedList,
        *,
        match_threshold: float | None = None,
        review_threshold: float | None = None,
        max_age_days: int | None = None,
        index: NameIndex | None = None,
    ) -> None:
        """``index``: a prebuilt index over ``lists.entries`` (e.g. loaded from disk); built when omitted."""
        settings = get_settings()
        self.lists = lists
        self.match_threshold = settings.screening_match_threshold if match_threshold is None else match_threshold
        self.review_threshold = settings.screening_review_threshold if review_threshold is None else review_threshold
        if not 0 < self.review_threshold <= self.match_threshold <= 1:
            raise InputError(
                f"screening thresholds must satisfy 0 < review ({self.review_threshold}) <= "
                f"match ({self.match_threshold}) <= 1",
                field="screening_review_threshold",
            )
        self._max_age_days = max_age_days
        # a score that only several names of an entry reach together, none of them with a rare word, stays under
        # the match threshold
        self.across_cap = possible_cap(self.match_threshold, self.review_threshold)
        self.index = index if index is not None else NameIndex(lists.entries)
        self._hashes: dict[int, str] = {}
        self._address_cache: dict[int, set[str]] = {}
        self._stale_memo: tuple[float, int, tuple[bool, str | None]] | None = None
        self._source_codes: frozenset[str] | None = None
        self._listings: dict[str, Listing] | None = None

    @property
    def max_age_days(self) -> int:
        """The age past which the lists are stale: the one given, else the setting as it is now (the process-wide
        screener outlives a change of ``CHIPCLEAR_LIST_MAX_AGE_DAYS``)."""
        return get_settings().list_max_age_days if self._max_age_days is None else self._max_age_days

    @property
    def listings(self) -> dict[str, Listing]:
        """Entry id -> its listing (date and action), derived once from the lists' own citations."""
        if self._listings is None:
            self._listings = derive_listings(
                self.lists.entries, self.lists.listing_citations, stated=self.lists.stated_effective
            )
        return self._listings

    @property
    def list_version(self) -> str:
        return self.lists.version

    @property
    def entries(self) -> tuple[ListEntry, ...]:
        return self.lists.entries

    def staleness(self, today: dt.date | None = None) -> tuple[bool, str | None]:
        if today is None:
            now, limit = time.monotonic(), self.max_age_days
            held = self._stale_memo
            if held is not None and now - held[0] < 60 and held[1] == limit:
                return held[2]
            result = self.staleness(dt.date.today())
            self._stale_memo = (now, limit, result)
            return result
        if self.lists.list_date is None:
            return True, "the list has no date: treat it as stale until its date is known"
        age = (today - self.lists.list_date).days
        if age > self.max_age_days:
            return True, f"list dated {self.lists.list_date} is {age} days old (limit {self.max_age_days})"
        return False, None

    def entry_hash(self, e_no: int) -> str:
        if e_no not in self._hashes:
            self._hashes[e_no] = self.lists.entries[e_no].content_hash()
        return self._hashes[e_no]

    def _candidates(self, variants: list[list[QueryToken]], floor: float) -> dict[int, tuple[float, int, int, bool]]:
        """Best score per entry at or above ``floor``: entry -> (name score, alias row, variant, across names)."""
        best: dict[int, tuple[float, int, int, bool]] = {}
        alias_entry = self.index.alias_entry
        for v_no, variant in enumerate(variants):
            blocked = self.index.score_candidates(variant, floor, self.across_cap)
            if blocked is not None:
                for e_no, (score, row, across) in blocked.items():
                    if e_no not in best or score > best[e_no][0] + TIE:
                        best[e_no] = (score, row, v_no, across)
                continue
            rows, scores, coverage = self.index.score_all(variant)
            keep = np.flatnonzero(scores >= floor)
            for i in keep[np.argsort(-scores[keep], kind="stable")][:MAX_CANDIDATES]:
                row = int(rows[i])
                e_no = int(alias_entry[row])
                score = float(scores[i])
                if e_no not in best or score > best[e_no][0] + TIE:
                    best[e_no] = (score, row, v_no, False)
            entries, e_scores, e_rows = self.index.score_entries(variant, rows, coverage, floor)
            keep = np.flatnonzero(e_scores >= floor)
            for i in keep[np.argsort(-e_scores[keep], kind="stable")][:MAX_CANDIDATES]:
                e_no = int(entries[i])
                score = min(float(e_scores[i]), self.index.across_limit(int(e_rows[i]), self.across_cap))
                if e_no not in best or score > best[e_no][0] + TIE:
                    best[e_no] = (score, int(e_rows[i]), v_no, True)
        return best

    def _qualify(self, e_no: int, country: str | None, address_tokens: set[str]) -> tuple[float, dict[str, Any]]:
        entry = self.lists.entries[e_no]
        adjust = 0.0
        notes: dict[str, Any] = {}
        if country and entry.countries:
            if country in entry.countries:
                adjust += COUNTRY_MATCH_BONUS
                notes["country"] = f"{country} is a listed country of the entry (+{COUNTRY_MATCH_BONUS})"
            else:
                adjust -= COUNTRY_MISMATCH_PENALTY
                notes["country"] = (
                    f"{country} is not among the entry's countries {list(entry.countries)} "
                    f"(-{COUNTRY_MISMATCH_PENALTY})"
                )
        if address_tokens and entry.addresses:
            if e_no not in self._address_cache:
                self._address_cache[e_no] = set().union(*(_address_tokens(a) for a in entry.addresses))
            shared = sorted(address_tokens & self._address_cache[e_no])
            if shared:
                bonus = ADDRESS_MAX_BONUS * len(shared) / len(address_tokens)
                adjust += bonus
                notes["address"] = {"shared_tokens": shared, "bonus": round(bonus, 3)}
        return adjust, notes

    def search(
        self,
        name: str,
        country: str | None = None,
        address: str | None = None,
        limit: int = 100,
        min_score: float | None = None,
        *,
        reviews: ReviewStore | None = None,
        sources: Collection[str] | None = None,
    ) -> ScreeningResult:
        """Entries whose names match ``name``, best first, each with its explanation.

        ``limit`` (default 100, every hit in practice: a determination must see them all, or a possible match past
        the cut would surface only after the others are reviewed); ``min_score`` defaults to the review threshold; hits at/above the match threshold are matches, the
        others possible matches. With ``reviews``, hits a reviewer cleared for this party and this exact
        entry content are moved to ``suppressed``. ``sources``: only hits from these lists (short codes such as
        EL, SDN, MEU; case-insensitive); a code the loaded lists do not have is refused.
        """
        if not name or not name.strip():
            raise InputError("screen: the party name is empty", field="name")
        if limit < 1:
            raise InputError("screen: limit must be at least 1", field="limit")
        country = country.strip().upper() if country and country.strip() else None
        if country is not None and (len(country) != 2 or not country.isalpha()):
            raise InputError(f"screen: country {country!r} is not an ISO 3166-1 alpha-2 code", field="country")
        if min_score is not None and not 0 <= min_score <= 1:
            raise InputError(f"screen: min_score {min_score} must be between 0 and 1", field="min_score")
        wanted = self._sources(sources)
        floor = self.review_threshold if min_score is None else min_score
        norm, *other_readings = hyphen_readings(name, query=True)
        variants = self.index.query_variants(norm.tokens) if norm.tokens else []
        split_from = len(variants)  # variants from here on read hyphenated words apart
        for reading in other_readings:  # hyphenated words also read apart ("Limited-Liability Company Eliars")
            variants += self.index.query_variants(reading.tokens) if reading.tokens else []
        split_to = len(variants)
        # readings that a normalization step might have spoilt are searched too: nothing is lost
        if "decorations_removed" in norm.steps:
            as_written = normalize_name(name).tokens
            variants += self.index.query_variants(as_written) if as_written else []
        if "abbreviations_expanded" in norm.steps:
            unexpanded = normalize_name(name, query=True, expand=False).tokens
            variants += self.index.query_variants(unexpanded) if unexpanded else []
        query_forms: frozenset[str] | None = None  # read on the first hit above the possible-match cap
        address_tokens = _address_tokens(address) if address else set()
        bonus = (COUNTRY_MATCH_BONUS if country else 0.0) + (ADDRESS_MAX_BONUS if address_tokens else 0.0)
        candidates = self._candidates(variants, max(floor - bonus, 1e-6)) if variants else {}
        # listed names held for review whatever their score (containment.py): one found whole inside a longer query
        # (a branch, an office, "c/o"), or one whose rare word the query holds among places and trade words
        held_by: list[tuple[str, Mapping[int, Containment | DistinctiveWord]]] = [
            ("contains_listed_name", find_contained(self.index, variants) if variants else {}),
            (
                "contains_distinctive_word",
                find_distinctive(self.index, variants, trade_words(), country) if variants else {},
            ),
        ]
        for _, rule_found in held_by:
            for e_no, item in rule_found.items():
                if e_no not in candidates:
                    row_score = self.index.row_score(variants[item.variant], item.row)
                    candidates[e_no] = (row_score, item.row, item.variant, False)
        hits: list[Hit] = []
        for e_no, (name_score, row, v_no, across) in candidates.items():
            if wanted is not None and self.lists.entries[e_no].source.upper() not in wanted:
                continue
            adjust, notes = self._qualify(e_no, country, address_tokens)
            score = round(min(1.0, max(0.0, name_score + adjust)), 4)
            for note, rule_found in held_by:
                found = rule_found.get(e_no)
                if found is not None and score < self.review_threshold:
                    notes[note] = {**found.to_json(self.index.alias_text[found.row]), "score_before": score}
                    score, row, v_no, across = self.review_threshold, found.row, found.variant, False
                    name_score = self.index.row_score(variants[v_no], row)
            if "country" in notes and country not in self.lists.entries[e_no].countries and score > self.across_cap:
                # the name alone, in a country the entry does not list ("Realtek Semiconductor Corp." in CN against
                # the DPL's Taiwanese REALTEK SEMI-CONDUCTOR CO. LTD): a homonym as likely as the party, so a possible
                # match for a reviewer, never a match (a prohibition) on the name alone (``headquarters_only``: the
                # same for a party given only a headquarters country)
                score = self.across_cap
                notes["country_disagrees"] = (
                    "the party's country is not among the entry's countries: at most a possible match"
                )
            if score > self.across_cap:
                if query_forms is None:
                    query_forms = legal_form_classes(
                        strip_decorations(name) if len(name) <= MAX_DECORATED_LEN else name
                    )
                listed_forms = legal_form_classes(self.index.alias_text[row])
                if not legal_forms_agree(query_forms, listed_forms):
                    # the names agree only once their legal forms are set aside, and those forms are no one
                    # company's ("NEC Corporation" against the SDN's "JSC NEC", a Russian joint-stock company): a
                    # homonym as likely as the party, so a possible match for a reviewer (HOLD), never a definitive
                    # finding on the name alone
                    score = self.across_cap
                    notes["legal_forms_differ"] = (
                        f"the party's legal form ({', '.join(sorted(query_forms))}) is not the listed name's "
                        f"({', '.join(sorted(listed_forms))}): at most a possible match"
                    )
            if across:
                # words scattered over several names of an entry whose best-covered name has no rare word
                # ("Tianjin University of Technology" over Tianjin University's 15 names) are a possible match at
                # most, whatever the country or address adds (NameIndex.across_limit)
                score = min(score, self.index.across_limit(row, self.across_cap))
            if score < floor:
                continue
            if across:
                notes["matched_across_names"] = "query words were found in several names of this entry"
            others = [r for r in self.index.entry_rows(e_no) if r != row] if across else []
            steps = other_readings[0].steps if split_from <= v_no < split_to else norm.steps
            hits.append(self._hit(e_no, row, variants[v_no], steps, name_score, score, notes, others))
        hits.sort(key=lambda h: (-h.score, h.source != "EL", h.entry_id))
        kept: list[Hit] = []
        suppressed: list[Hit] = []
        for hit in hits:
            decision = reviews.is_suppressed(name, hit.entry_id, hit.entry_hash, country) if reviews else None
            if decision is not None:
                suppressed.append(_with_suppression(hit, decision.to_json()))
            else:
                kept.append(hit)
        stale, reason = self.staleness()
        return ScreeningResult(
            query={
                "name": name,
                "country": country,
                "address": address,
                **({"sources": sorted(wanted)} if wanted is not None else {}),
            },
            list_version=self.list_version,
            list_date=self.lists.list_date.isoformat() if self.lists.list_date else None,
            stale=stale,
            stale_reason=reason,
            max_age_days=self.max_age_days,
            match_threshold=self.match_threshold,
            review_threshold=self.review_threshold,
            hits=tuple(kept[:limit]),
            suppressed=tuple(suppressed),
        )

    def _sources(self, sources: Collection[str] | None) -> frozenset[str] | None:
        if sources is None:
            return None
        wanted = frozenset(s.strip().upper() for s in sources if s and s.strip())
        if not wanted:
            return None
        if self._source_codes is None:
            self._source_codes = frozenset(e.source.upper() for e in self.lists.entries)
        known = self._source_codes
        unknown = sorted(wanted - known)
        if unknown:
            raise InputError(
                f"screen: sources {unknown} are not in list {self.list_version} (it has {sorted(known)})",
                field="sources",
            )
        return wanted

    def _hit(
        self,
        e_no: int,
        row: int,
        variant: list[QueryToken],
        query_steps: tuple[str, ...],
        name_score: float,
        score: float,
        notes: dict[str, Any],
        other_rows: list[int] | None = None,
    ) -> Hit:
        entry = self.lists.entries[e_no]
        pairs, unmatched_query, unmatched_listed = self.index.explain(variant, row, other_rows or ())
        listed_norm = self.index.normalized(row)
        explanation: dict[str, Any] = {
            "name_score": round(name_score, 4),
            "matched_tokens": [
                {"query": p.query_token, "listed": p.listed_token, "similarity": p.similarity, "how": p.how}
                for p in pairs
            ],
            "unmatched_query_tokens": unmatched_query,
            "unmatched_listed_tokens": unmatched_listed,
            "token_weights": {qt.text: round(qt.weight, 2) for qt in variant},
            "normalization": {"query": list(query_steps), "listed": list(listed_norm.steps)},
            "legal_forms_ignored": list(listed_norm.legal_forms),
            **notes,
        }
        joined_from = self.lists.alias_sources.get(entry.entry_id, {}).get(self.index.alias_text[row])
        if joined_from:
            explanation["matched_name_source"] = joined_from
        listing = self.listings.get(entry.entry_id)
        return Hit(
            entry_id=entry.entry_id,
            source=entry.source,
            name=entry.name,
            matched_name=self.index.alias_text[row],
            score=score,
            determination=MATCH if score >= self.match_threshold else POSSIBLE,
            explanation=explanation,
            license_requirement=footnotes_said(entry.license_requirement),
            license_policy=entry.license_policy,
            federal_register_notice=entry.federal_register_notice,
            entry_hash=self.entry_hash(e_no),
            countries=entry.countries,
            programs=entry.programs,
            source_list_url=entry.source_list_url,
            listed_on=listing.listed_on.isoformat() if listing and listing.listed_on else None,
            listing=listing.describe() if listing else None,
            effective_on=listing.effective_on.isoformat() if listing and listing.effective_on else None,
            amended_on=listing.amendments[-1][0].isoformat()
            if listing and listing.amendments and listing.amendments[-1][0]
            else None,
        )

    def similarity(self, a: str, b: str) -> float:
        """Score of party name ``a`` against listed name ``b`` (see ``chipclear.screening.name_similarity``)."""
        queries = [n.tokens for n in hyphen_readings(a, query=True) if n.tokens]
        listed = [n.tokens for n in hyphen_readings(b) if n.tokens]
        if not queries or not listed:
            return 0.0
        variants = [v for tokens in queries for v in self.index.query_variants(tokens)]
        return round(max(self.index.pair_score(v, tokens) for v in variants for tokens in listed), 4)


def possible_cap(match_threshold: float, review_threshold: float) -> float:
    """The score of a hit that may be at most a possible match (just under the match threshold)."""
    return max(review_threshold, round(match_threshold - ACROSS_NAMES_MARGIN, 4))


def headquarters_only(hit: Hit, headquarters: str, match_threshold: float, review_threshold: float) -> Hit:
    """``hit`` for a party given a headquarters country and no country where it is located (``search`` reads only
    the latter): where the headquarters is not among the entry's countries, at most a possible match, as a party
    located in such a country is (``country_disagrees``); a hit on an entry of that country, or listing none, is
    unchanged, and a headquarters adds no bonus (it is not where the party is). "Delta Electronics, Inc.", TW
    headquarters, was a definitive match on the name alone against an entry of another country."""
    if hit.determination != MATCH or not hit.countries or headquarters.upper() in hit.countries:
        return hit
    cap = possible_cap(match_threshold, review_threshold)
    why = (
        f"the party's headquarters country {headquarters.upper()} is not among the entry's countries"
        f" {list(hit.countries)} and no country where the party is located is given: at most a possible match"
    )
    explanation = {**hit.explanation, "headquarters_disagrees": why}
    return replace(hit, score=min(hit.score, cap), determination=POSSIBLE, explanation=explanation)


def _with_suppression(hit: Hit, decision: dict[str, Any]) -> Hit:
    return replace(hit, suppressed_by=decision)
