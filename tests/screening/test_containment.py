"""A listed name written whole inside a longer name (a branch, an office, a department, "c/o", an a/k/a) is held
for review; one common word inside a name is not (screening/containment.py)."""

from __future__ import annotations

import pytest

from chipclear.screening import POSSIBLE, Screener

CONTAINED = [
    ("Huawei Technologies Co Ltd Shenzhen Branch", "Huawei Technologies", {"branch"}),
    ("Huawei Technologies Co., Ltd. c/o Global Logistics Hub", "Huawei Technologies", {"global", "logistics", "hub"}),
    (
        "Moore Thread Intelligent Technology (Beijing) Co., Ltd. (a/k/a MTT)",
        "Moore Thread Intelligent Technology (Beijing) Co., Ltd.",
        {"aka", "mtt"},
    ),
    ("Inspur Group Co Ltd Beijing Office", "Inspur Group Co., Ltd.", {"beijing", "office"}),
    ("SMIC International Trading", "SMIC", {"international", "trading"}),
    ("Hisilicon Technologies Co Ltd Procurement", "HiSilicon Technologies Co., Ltd (HiSilicon)", {"procurement"}),
    ("Procurement Dept of Sophgo Technologies Ltd.", "Sophgo Technologies Ltd.", {"procurement", "department"}),
]


@pytest.mark.parametrize(("query", "listed", "extra"), CONTAINED)
def test_a_listed_name_inside_a_longer_name_is_held_for_review(
    screener: Screener, query: str, listed: str, extra: set[str]
) -> None:
    hits = screener.search(query, country="CN").hits
    assert hits, f"{query!r} got no hit at or above the review threshold"
    held = [h for h in hits if h.matched_name.startswith(listed) or h.name.startswith(listed)]
    assert held, [(h.name, h.matched_name, h.score) for h in hits]
    hit = held[0]
    assert hit.score >= screener.review_threshold
    note = hit.explanation.get("contains_listed_name")
    if note is not None:  # the containment rule lifted the score: it says so, and which words were extra
        assert hit.determination == POSSIBLE
        assert extra <= set(note["extra_query_tokens"]), note
        assert note["score_before"] < screener.review_threshold


def test_huawei_branch_is_held_on_the_huawei_entry(screener: Screener) -> None:
    hits = screener.search("Huawei Technologies Co Ltd Shenzhen Branch", country="CN").hits
    top = hits[0]
    assert top.source == "EL" and top.name.startswith("Huawei Technologies Co., Ltd.")
    assert top.determination == POSSIBLE
    assert top.explanation["contains_listed_name"]["extra_query_tokens"] == ["branch"]


@pytest.mark.parametrize(
    "query",
    [
        # one short or common word that is (part of) a listed name or alias: not enough on its own
        "Sun Life Financial Inc.",
        "Alpha and Omega Semiconductor Limited",
        "Star Group L.P.",
        "Lotus Technology Inc.",
        "Phoenix Motor Inc.",
        "Orion Energy Systems Inc.",
        "Global Logistics Hub Shenzhen Branch",
        "China Technology Development Group Corporation",
        "Tech and Energy Transition Corporation",
    ],
)
def test_one_common_listed_word_inside_a_name_does_not_hit(screener: Screener, query: str) -> None:
    hits = screener.search(query).hits
    assert not [h for h in hits if "contains_listed_name" in h.explanation], [
        (h.matched_name, h.explanation["contains_listed_name"]) for h in hits
    ]


def test_containment_needs_the_listed_words_in_one_run(screener: Screener) -> None:
    """The words of "Huawei Technologies" apart, each with other words between, are not the listed name."""
    hits = screener.search("Huawei Consulting and Global Technologies Partners").hits
    assert not [h for h in hits if "contains_listed_name" in h.explanation]


def test_digits_written_for_letters_are_read_as_the_letters(screener: Screener) -> None:
    hits = screener.search("M00re Thread Intelligent Technology", country="CN").hits
    top = hits[0]
    assert top.name == "Moore Thread Intelligent Technology (Beijing) Co., Ltd." and top.is_match
    assert top.explanation["matched_tokens"][0]["how"] == "digits_as_letters"
