"""Restricted-party screening over the US lists (CSL, Entity List, SDN, DPL, MEU ...): fast and explained.

Public API::

    from chipclear.screening import default_screener, name_similarity

    result = default_screener().search("Moore Threads", country="CN")
    result.to_json()   # list_version, list_date, stale, hits (each with score and explanation)

    name_similarity("Sofgo Technologies", "Sophgo Technologies Ltd.")  # -> float in [0, 1]

Thresholds (``Settings.screening_match_threshold`` / ``screening_review_threshold``, env
``CHIPCLEAR_SCREENING_MATCH_THRESHOLD`` / ``CHIPCLEAR_SCREENING_REVIEW_THRESHOLD``): a hit at/above the match
threshold is a ``match``; between the review threshold and the match threshold a ``possible`` match for review.
docs/screening.md describes the normalization, the score and the review workflow.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chipclear.lazy import exports

# Imported now: ``rescreen`` is also the name of its module, which would stand in its place once imported.
from chipclear.screening.rescreen import PartyRegistry, RescreenChange, rescreen

if TYPE_CHECKING:
    from chipclear.screening.index import NameIndex
    from chipclear.screening.loaders import load_list, parse_list_bytes
    from chipclear.screening.model import ListEntry, LoadedList
    from chipclear.screening.normalize import NormalizedName, normalize_name
    from chipclear.screening.reviews import JsonReviewStore, ReviewDecision, ReviewStore
    from chipclear.screening.screener import MATCH, POSSIBLE, Hit, Screener, ScreeningResult
    from chipclear.screening.store import ListStore, default_screener, load_embedded, reset_default_screener

# Each public name and the module that holds it, imported on first use (``chipclear.lazy``): the engine imports
# ``chipclear.screening.listing`` for the Entity List's history, and a decision without parties (``chipclear check``,
# ``classify``) should not pay for the name index, its numpy and the list loaders.
_EXPORTS = {
    name: (f"chipclear.screening.{module}", name)
    for module, names in {
        "index": ["NameIndex"],
        "loaders": ["load_list", "parse_list_bytes"],
        "model": ["ListEntry", "LoadedList"],
        "normalize": ["NormalizedName", "normalize_name"],
        "reviews": ["JsonReviewStore", "ReviewDecision", "ReviewStore"],
        "screener": ["MATCH", "POSSIBLE", "Hit", "Screener", "ScreeningResult"],
        "store": ["ListStore", "default_screener", "load_embedded", "reset_default_screener"],
    }.items()
    for name in names
}
__getattr__ = exports(globals(), _EXPORTS)


def name_similarity(a: str, b: str) -> float:
    """How well party name ``a`` matches listed name ``b``, in [0, 1].

    Both names are normalized (Unicode, case, diacritics, invisible characters, homoglyphs, transliteration,
    legal forms, punctuation, word order); tokens are weighted by rarity in the default lists (so "China",
    "Technology", "Co" carry little); tokens match exactly or with one typo (two for long tokens), and words
    written split or joined are matched either way. The score is ``cq**2 * s * (0.4 + 0.6 * cn)`` with ``cq`` the
    weighted share of ``a`` found in ``b`` and ``cn`` the weighted share of ``b`` found in ``a``: 1.0 for the
    same words in any order; extra words in ``a`` cost more than words of ``b`` that ``a`` leaves out. It is
    the name part of ``Screener.search`` scores (which add the country and address qualifiers). Builds the
    default screener on first use.
    """
    from chipclear.screening.store import default_screener

    return float(default_screener().similarity(a, b))


def default_review_store() -> JsonReviewStore:
    """The local review store, ``<data dir>/screening/reviews.json``."""
    from chipclear.screening.reviews import JsonReviewStore
    from chipclear.settings import get_settings

    return JsonReviewStore(get_settings().data_dir / "screening" / "reviews.json")


__all__ = [
    "MATCH",
    "POSSIBLE",
    "Hit",
    "JsonReviewStore",
    "ListEntry",
    "ListStore",
    "LoadedList",
    "NameIndex",
    "NormalizedName",
    "PartyRegistry",
    "RescreenChange",
    "ReviewDecision",
    "ReviewStore",
    "Screener",
    "ScreeningResult",
    "default_review_store",
    "default_screener",
    "load_embedded",
    "load_list",
    "name_similarity",
    "normalize_name",
    "parse_list_bytes",
    "rescreen",
    "reset_default_screener",
]
