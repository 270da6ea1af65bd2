"""Screening finishes in bounded time for any input (issue 13): no quadratic or recursive path on long tokens."""

from __future__ import annotations

import random
import time

import pytest

from chipclear.screening import Screener
from chipclear.screening.index import MAX_LISTED_FUZZY_LEN, NameIndex
from chipclear.screening.model import ListEntry


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


def test_the_index_makes_no_typo_variants_of_a_long_listed_token() -> None:
    # a list update refuses such names (loaders.check_entries); a list stored before, or a batch list, may hold one
    long_token = "q" * 20_000
    entries = [ListEntry("A-1", "EL", "Sophgo Technologies"), ListEntry("A-2", "EL", long_token)]
    started = time.perf_counter()
    index = NameIndex(entries)
    assert time.perf_counter() - started < 5  # every deletion of 20,000 letters: 400,000,000 characters
    # only "sophgo" and "technologies" (and their deletions) are in the typo index
    assert len(index.deletes.keys) <= len("sophgo") + 1 + len("technologies") + 1
    assert long_token in index.vocab  # still found exactly
    assert len(NameIndex([ListEntry("B-1", "EL", "r" * MAX_LISTED_FUZZY_LEN)]).deletes.keys) == 2  # rrr..., rr...
    assert len(NameIndex([ListEntry("B-1", "EL", "r" * (MAX_LISTED_FUZZY_LEN + 1))]).deletes.keys) == 0
