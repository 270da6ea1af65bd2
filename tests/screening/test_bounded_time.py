"""Screening finishes in bounded time for any input (issue 13): no quadratic or recursive path on long tokens."""

from __future__ import annotations

import random
import time

import pytest

from chipclear.screening import Screener


def _adversarial(screener: Screener) -> list[str]:
    vocab = sorted(screener.index.vocab)
    rnd = random.Random(13)
    return [
        "ab" * 50_000,  # used to recurse through _split exponentially
        "a" * 100_000,
        "".join(rnd.choice(vocab) for _ in range(20_000))[:100_000],  # listed words glued together
        " ".join(rnd.choice(vocab) for _ in range(20_000))[:100_000],  # 100k characters of listed words
        "huawei" * 1_400,  # an 8,400-character token made of a listed word
        "technologies" * 700,
        ("moorethreads" * 5 + " ") * 1_500,
        "x" * 8_000,
    ]


@pytest.mark.parametrize("case", range(8))
def test_long_and_adversarial_names_screen_in_bounded_time(screener: Screener, case: int) -> None:
    name = _adversarial(screener)[case]
    assert len(name) >= 8_000
    start = time.perf_counter()
    result = screener.search(name)
    elapsed = time.perf_counter() - start
    assert elapsed < 1.0, f"{len(name)} characters took {elapsed:.2f} s"
    assert result.list_version == screener.list_version


def test_a_listed_name_glued_together_is_still_split(screener: Screener) -> None:
    names = {h.name for h in screener.search("Moorethreads").hits}
    assert "Moore Thread Intelligent Technology (Beijing) Co., Ltd." in names
