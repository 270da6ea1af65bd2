"""Real spellings of the lists' own alternate names that screening missed (2026-12-08, measured by
bench/screening/alias_variants.py over every alias of the bundled lists; docs/benchmarks.md, "Real aliases
rewritten"). Each case is a listed alias, cited by its entry id, written the way a party's name is really typed;
each failed on the code before this change (no hit at the review threshold) and pins one general rule."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from chipclear.cli import app
from chipclear.screening import Screener, normalize_name


def _score(screener: Screener, query: str, entry_id: str) -> float:
    return max((h.score for h in screener.search(query).hits if h.entry_id == entry_id), default=0.0)


# A number sign before a number written in words is dropped as before one in digits ("No. Nine" is "No. 9").
@pytest.mark.parametrize(
    ("query", "entry_id"),
    [
        ("AO Zavod No. Nine", "EL-6b808a0566"),  # listed a.k.a. "AO Zavod No. 9"
        ("JSC Factory Number Nine", "EL-6b808a0566"),  # listed a.k.a. "JSC Factory No. 9"
        ("Cloud Nine No. Six Leasing Company", "SDN-57839"),  # listed a.k.a. "CLOUD NINE NO. 6 LEASING COMPANY"
        ("Myanmar Mining Enterprise Number Two", "SDN-40657"),  # listed a.k.a. "MYANMAR MINING ENTERPRISE NUMBER 2"
    ],
)
def test_a_number_sign_before_a_number_word_is_dropped(screener: Screener, query: str, entry_id: str) -> None:
    assert _score(screener, query, entry_id) == 1.0


def test_number_signs_read_alike_in_digits_and_words() -> None:
    assert normalize_name("Zavod No. Nine").tokens == normalize_name("Zavod No. 9").tokens == ("zavod", "9")
    assert normalize_name("Enterprise Number Two").tokens == ("enterprise", "2")
    assert normalize_name("No Name Trading").tokens == ("no", "name", "trading")  # no number: the word stays


# Apostrophes typed as spaces split several words of one name; they are joined again all at once.
@pytest.mark.parametrize(
    ("query", "entry_id"),
    [
        ("Xi an Int l Logistics Co Ltd", "EL-4053d28d6e"),  # listed a.k.a. "Xi'an Int'l Logistics Co., Ltd."
        ("Int l Smart Digital", "EL-ac792ceb78"),  # listed a.k.a. "Int'l Smart Digital"
        ("AL TIKRITI Sa d Sab awi Hasan", "SDN-9354"),  # listed a.k.a. "AL-TIKRITI, Sa'd Sab'awi Hasan"
        ("Ch oe Ch un Sik", "ISN-968e0c01f1"),  # listed a.k.a. "Ch'oe Ch'un Sik": a word written twice
    ],
)
def test_apostrophes_typed_as_spaces_are_joined(screener: Screener, query: str, entry_id: str) -> None:
    assert _score(screener, query, entry_id) == 1.0


def test_joining_adds_no_hit_to_an_ordinary_name(screener: Screener) -> None:
    # two joinable runs that make no listed name together are not a hit ("sun rise" and "star light" are words)
    assert screener.search("Sun Rise Star Light Bakery").hits == ()


def test_the_cli_screens_an_apostrophe_typed_as_a_space(data_dir: object) -> None:
    result = CliRunner().invoke(app, ["screen", "Xi an Int l Logistics Co Ltd", "--json"])
    assert result.exit_code == 0, result.output
    hits = json.loads(result.stdout)["hits"]
    assert hits and hits[0]["entry_id"] == "EL-4053d28d6e" and hits[0]["determination"] == "match"


# A hyphen beside a one-letter piece is read both ways too, so the piece deleted with it ("TComponent") is found.
@pytest.mark.parametrize(
    ("query", "entry_id"),
    [
        ("TComponent SP", "EL-de2f6c8c8b"),  # listed "T-Component SP"
        ("3K Semiconductors Limited", "EL-c6bc7ab514"),  # listed a.k.a. "3-K Semiconductors Limited"
        ("OOO CMTK", "EL-0b8f6b7cb4"),  # listed a.k.a. "OOO 'CMT-K'"
        ("Sherkate Iran va Shargh", "SDN-16020"),  # listed a.k.a. "SHERKAT-E IRAN VA SHARGH"
    ],
)
def test_a_hyphen_beside_one_letter_deleted_with_it(screener: Screener, query: str, entry_id: str) -> None:
    assert _score(screener, query, entry_id) == 1.0


def test_a_one_letter_hyphenated_piece_is_still_read_apart(screener: Screener) -> None:
    assert _score(screener, "T Component SP", "EL-de2f6c8c8b") == 1.0
