"""Screening answers remembered for a short time, for servers that screen the same parties over and over.

A determination screens every party of a line; an API under load sees the same few parties thousands of times a
minute. ``ScreeningCache`` keeps each answer of the process's screener, keyed by everything the answer depends on:
the screener object itself (a list update builds a new one, so an update is seen at once), the party name and
country, and a version of the reviews consulted (a new review changes the version). An answer is also dropped after
``ttl`` seconds, so a list that turns stale while the server runs is reported stale as it would be uncached.
Answers are shared read-only: nothing downstream mutates a screening result.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any

from chipclear.screening.reviews import ReviewStore
from chipclear.screening.screener import Screener


class NotCached(Exception):
    """A screening answer was asked of a ``cached_only`` screener and is not in the cache."""


class ScreeningCache:
    """A bounded cache of screening answers, oldest written dropped first (``maxsize`` entries, each kept at most ``ttl`` seconds)."""

    def __init__(self, maxsize: int = 4096, ttl: float = 60.0) -> None:
        self.maxsize, self.ttl = maxsize, ttl
        self._items: OrderedDict[tuple[Any, ...], tuple[float, Screener, Any]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def bound(
        self,
        screener: Screener,
        reviews: ReviewStore | None,
        reviews_version: Hashable,
        *,
        cached_only: bool = False,
    ) -> CachedScreener:
        """The screener as the engine sees it, answering from this cache. ``reviews_version`` must change whenever
        ``reviews`` would answer differently (for the ledger's reviews: ``ledger.reviews.reviews_version``).
        ``cached_only``: raise ``NotCached`` instead of screening (for callers that must not wait on a search)."""
        return CachedScreener(self, screener, reviews, reviews_version, cached_only)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def _get(self, key: tuple[Any, ...], screener: Screener) -> Any | None:
        found = self._items.get(key)  # a dict read is atomic: no lock on the hot path
        if found is None or found[1] is not screener or time.monotonic() - found[0] > self.ttl:
            self.misses += 1
            return None
        self.hits += 1
        return found[2]

    def _put(self, key: tuple[Any, ...], screener: Screener, value: Any) -> None:
        with self._lock:
            self._items[key] = (time.monotonic(), screener, value)
            self._items.move_to_end(key)  # a re-screened answer counts as new
            while len(self._items) > self.maxsize:
                self._items.popitem(last=False)


class CachedScreener:
    """``Screener.search`` through a ``ScreeningCache`` (the engine's screener protocol: name and country)."""

    def __init__(
        self,
        cache: ScreeningCache,
        screener: Screener,
        reviews: ReviewStore | None,
        reviews_version: Hashable,
        cached_only: bool = False,
    ) -> None:
        self.cache, self.screener, self.reviews, self.reviews_version = cache, screener, reviews, reviews_version
        self.cached_only = cached_only

    def search(self, name: str, country: str | None = None, *, reviews: ReviewStore | None = None) -> Any:
        if reviews is not None and reviews is not self.reviews:
            if self.cached_only:
                raise NotCached(name)
            return self.screener.search(name, country=country, reviews=reviews)  # not the reviews it was bound to
        key = (id(self.screener), name, country, self.reviews_version if reviews is not None else None)
        found = self.cache._get(key, self.screener)
        if found is None:
            if self.cached_only:
                raise NotCached(name)
            found = self.screener.search(name, country=country, reviews=reviews)
            self.cache._put(key, self.screener, found)
        return found


__all__ = ["CachedScreener", "NotCached", "ScreeningCache"]
