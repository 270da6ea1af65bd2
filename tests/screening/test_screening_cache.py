"""The server's screening cache (chipclear.screening.cached): an answer is reused only for the same screener
object (a list update builds a new one), the same name and country and the same reviews version, and for at most
``ttl`` seconds; a ``cached_only`` screener never screens."""

from __future__ import annotations

from typing import Any

import pytest

from chipclear.screening import default_screener
from chipclear.screening.cached import NotCached, ScreeningCache
from chipclear.screening.reviews import ReviewSnapshot


class Counting:
    """The real screener, counting the searches that reach it."""

    def __init__(self) -> None:
        self.real = default_screener()
        self.calls = 0

    def search(self, name: str, country: str | None = None, **kw: Any) -> Any:
        self.calls += 1
        return self.real.search(name, country=country, **kw)


def test_a_repeated_party_is_screened_once_and_answers_the_same() -> None:
    base, cache, reviews = Counting(), ScreeningCache(), ReviewSnapshot([])
    bound = cache.bound(base, reviews, 0)  # type: ignore[arg-type]
    first = bound.search("Moore Threads Technology", country="CN", reviews=reviews)
    again = cache.bound(base, reviews, 0).search("Moore Threads Technology", country="CN", reviews=reviews)  # type: ignore[arg-type]
    assert base.calls == 1 and again is first and first.hits
    bound.search("Moore Threads Technology", country="US", reviews=reviews)  # another country is another answer
    assert base.calls == 2


def test_a_new_screener_or_reviews_version_is_screened_again() -> None:
    cache, reviews = ScreeningCache(), ReviewSnapshot([])
    old, new = Counting(), Counting()  # a list update makes a new screener object
    cache.bound(old, reviews, 0).search("Huawei Technologies", reviews=reviews)  # type: ignore[arg-type]
    cache.bound(new, reviews, 0).search("Huawei Technologies", reviews=reviews)  # type: ignore[arg-type]
    assert (old.calls, new.calls) == (1, 1)
    cache.bound(new, reviews, 1).search("Huawei Technologies", reviews=reviews)  # type: ignore[arg-type]
    assert new.calls == 2


def test_answers_expire_after_ttl(monkeypatch: pytest.MonkeyPatch) -> None:
    import chipclear.screening.cached as cached

    now = [1000.0]
    monkeypatch.setattr(cached.time, "monotonic", lambda: now[0])
    base, cache = Counting(), ScreeningCache(ttl=60)
    cache.bound(base, None, 0).search("Huawei Technologies")  # type: ignore[arg-type]
    now[0] += 59
    cache.bound(base, None, 0).search("Huawei Technologies")  # type: ignore[arg-type]
    assert base.calls == 1
    now[0] += 2  # a list may have turned stale meanwhile: screen again
    cache.bound(base, None, 0).search("Huawei Technologies")  # type: ignore[arg-type]
    assert base.calls == 2


def test_cached_only_never_screens_and_the_cache_is_bounded() -> None:
    base, cache = Counting(), ScreeningCache(maxsize=2)
    with pytest.raises(NotCached):
        cache.bound(base, None, 0, cached_only=True).search("Huawei Technologies")  # type: ignore[arg-type]
    assert base.calls == 0
    for name in ("A Co", "B Co", "C Co"):
        cache.bound(base, None, 0).search(name)  # type: ignore[arg-type]
    with pytest.raises(NotCached):  # the oldest answer was dropped
        cache.bound(base, None, 0, cached_only=True).search("A Co")  # type: ignore[arg-type]
    cache.bound(base, None, 0, cached_only=True).search("C Co")  # type: ignore[arg-type]
