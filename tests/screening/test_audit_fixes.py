"""The 2026-12-07 screening audit's examples (real spellings of listed parties, and unlisted names that scored as
matches): each pins one fix."""

from __future__ import annotations

import pytest

from chipclear.screening import Screener, normalize_name


def _score(screener: Screener, query: str, listed: str, country: str | None = None) -> float:
    hits = screener.search(query, country=country, limit=100, min_score=0.3).hits
    return max((h.score for h in hits if h.name == listed), default=0.0)


# 1. Ordinals in digits are their number, whatever the number ("48th" was read only up to 50th, with gaps)
@pytest.mark.parametrize(("written", "number"), [("48th", "48"), ("558TH", "558"), ("615th", "615"), ("102nd", "102")])
def test_any_ordinal_in_digits_is_its_number(written: str, number: str) -> None:
    assert (
        normalize_name(f"JSC {written} Aircraft Repair Plant").tokens
        == normalize_name(f"JSC {number} Aircraft Repair Plant").tokens
    )


def test_an_ordinal_with_a_leading_zero_stays_as_written() -> None:
    assert normalize_name("007th Plant").tokens == ("007th", "plant")


def test_cetc_institute_by_its_ordinal(screener: Screener) -> None:
    listed = "China Electronics Technology Group Corporation 48th Research Institute"
    assert _score(screener, "CETC 48th Research Institute", listed) >= screener.match_threshold
