"""Real spellings of listed parties that an outside audit (2026-12-07, A3) found unscreened: each test failed on the
code before this change (NLR through `chipclear check`, no hit, or a match on a homonym) and pins one general rule,
not a name added to a table."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from chipclear.cli import app
from chipclear.screening import Screener, loaders
from chipclear.screening.store import load_embedded


def _hits(screener: Screener, query: str, country: str | None = None) -> dict[str, float]:
    """Listed name -> best score of the hits at or above the review threshold."""
    out: dict[str, float] = {}
    for hit in screener.search(query, country=country).hits:
        out[hit.name] = max(out.get(hit.name, 0.0), hit.score)
    return out


# 2. The Entity List's a.k.a. names that the CSL leaves out are joined in from the bundled Supplement No. 4 parse
@pytest.mark.parametrize(
    ("query", "listed"),
    [
        ("Shenzhen Unicom Electronic Technology Limited", "Sunton Tech Hong Kong Ltd."),
        ("XWSESA", "Chengdu Xiwu Security System Alliance Co., Ltd."),
        ("Chengdu Xiwuxinan Intelligent System Co., Ltd.", "Chengdu Xiwu Security System Alliance Co., Ltd."),
        ("UCreate PCB Co., Ltd.", None),
        ("Radiant Elkom", None),
    ],
)
def test_entity_list_aka_names_missing_from_the_csl_are_screened(
    screener: Screener, query: str, listed: str | None
) -> None:
    hits = screener.search(query).hits
    assert hits and hits[0].source == "EL" and hits[0].score == 1.0 and hits[0].matched_name == query
    assert listed is None or hits[0].name == listed
    source = hits[0].explanation["matched_name_source"]
    assert "Supplement No. 4 to Part 744" in source and "not among the CSL's alternate names" in source


def test_sunton_tech_hk_limited(screener: Screener) -> None:
    # the audit's example: a Supplement No. 4 a.k.a., and "HK" is "Hong Kong" (the entry's own name)
    assert _hits(screener, "Sunton Tech (HK) Limited", "CN").get("Sunton Tech Hong Kong Ltd.") == 1.0


def test_a_joined_aka_is_recorded_with_its_source_and_not_duplicated() -> None:
    lists = load_embedded()
    entry = next(e for e in lists.entries if e.name == "Sunton Tech Hong Kong Ltd.")
    assert "Sunton Tech (HK) Limited" in entry.aliases
    assert len(entry.aliases) == len(set(entry.aliases))
    assert lists.alias_sources[entry.entry_id]["Sunton Tech (HK) Limited"].startswith("a.k.a. in the Entity List")
    # the CSL's own names are not cited as the parse's
    assert entry.name not in lists.alias_sources[entry.entry_id]


# 3. A CSL alias value holding several aliases joined by ";" is several aliases
def test_semicolon_joined_aliases_are_split(screener: Screener) -> None:
    hits = screener.search("CETC 44").hits
    assert hits and hits[0].name == "CETC Chip Technology Co., Ltd." and hits[0].score == 1.0
    entry = next(e for e in load_embedded().entries if e.name == "CETC Chip Technology Co., Ltd.")
    assert "CETC 44" in entry.aliases and "Sichuan Solid Circuit Research Institute" in entry.aliases
    assert not any(";" in alias for alias in entry.aliases)


def test_the_csl_json_loader_splits_joined_aliases_too() -> None:
    raw = b'{"results": [{"name": "A Co", "source": "Entity List (EL)", "alt_names": ["B Ltd;\\u00a0C Ltd;", "D"]}]}'
    assert loaders.parse_csl_json(raw, "test").entries[0].aliases == ("B Ltd", "C Ltd", "D")
    assert loaders.split_aliases(["HPSTAR;", " X "]) == ("HPSTAR", "X")


# 1. "HK" is read as "Hong Kong" (the abbreviations table, a two-word expansion)
def test_hk_is_hong_kong(screener: Screener) -> None:
    assert _hits(screener, "Cambricon HK", "CN").get("Cambricon (Hong Kong) Co., Ltd.") == 1.0


# 1. A run split into a listed word and an abbreviation of a listed word ("biren" + "tech"), not bir + entech
def test_a_split_may_end_in_an_abbreviation(screener: Screener) -> None:
    hits = _hits(screener, "Birentech", "CN")
    assert max(score for name, score in hits.items() if "Biren" in name) >= screener.match_threshold


# 4. Two edits in a long word where one is a final "ce" written "s" (OFAC's own earlier spelling)
def test_a_final_ce_written_s_is_a_spelling_variant(screener: Screener) -> None:
    score = _hits(screener, "Evrofinans Mosnarbank").get("EVROFINANCE MOSNARBANK", 0.0)
    assert screener.review_threshold <= score < 1.0


# 1. A listed name's rare word among place names and trade words: held for review
@pytest.mark.parametrize(
    ("query", "country", "family"),
    [
        ("Shenzhen HiSilicon Semiconductor Co., Ltd.", "CN", "HiSilicon"),
        ("HiSilicon Semiconductor", "CN", "HiSilicon"),
        ("Jinan Inspur", "CN", "Inspur"),
        ("Jinan Inspur", None, "Inspur"),  # Jinan is a place of an Inspur entry's address
        ("Langchao Group", "CN", "Inspur"),
        ("Fujian Jinhua", None, "Fujian Jinhua"),
    ],
)
def test_a_distinctive_word_among_places_and_trade_words_is_held(
    screener: Screener, query: str, country: str | None, family: str
) -> None:
    hits = [h for h in screener.search(query, country=country).hits if family in h.name]
    assert hits, query
    best = max(hits, key=lambda h: h.score)
    assert best.determination == "possible" and best.score >= screener.review_threshold
    if "contains_distinctive_word" in best.explanation:
        assert best.explanation["contains_distinctive_word"]["distinctive_word"] in {
            "hisilicon",
            "inspur",
            "langchao",
            "jinhua",
        }


@pytest.mark.parametrize(
    "query",
    [
        "Micron Technology, Inc.",  # "Nedayeh Micron Electronics": the listed name has a word of its own
        "Apple Inc.",
        "Roche Holding AG",  # "Roche Consulting Limited", no country or place ties it
        "Fudan University",  # "university" is in addresses, but it is a trade word, not a place
        "Accenture plc",
    ],
)
def test_a_dictionary_word_of_a_listed_name_alone_is_not_held(screener: Screener, query: str) -> None:
    assert not [h for h in screener.search(query).hits if "contains_distinctive_word" in h.explanation]


def test_a_distinctive_word_without_country_or_place_is_not_held(screener: Screener) -> None:
    assert not [h for h in screener.search("HiSilicon Semiconductor").hits if "HiSilicon" in h.name]


@pytest.mark.parametrize("query", ["Align Technology, Inc.", "Group 1 Automotive, Inc.", "Unity Software Inc."])
def test_the_country_corroborates_only_a_word_several_entries_share(screener: Screener, query: str) -> None:
    # one listed name of the country holds the word (ALIGN TRADING CO., LIMITED): a dictionary word, not a group's name
    assert not [h for h in screener.search(query, country="CN").hits if "contains_distinctive_word" in h.explanation]


# 5. The same name in a country the entry does not list is a possible match, not a match
def test_a_name_in_another_country_is_at_most_a_possible_match(screener: Screener) -> None:
    hit = next(h for h in screener.search("Realtek Semiconductor Corp.", country="CN").hits if h.source == "DPL")
    assert hit.determination == "possible" and hit.score >= screener.review_threshold
    assert "country_disagrees" in hit.explanation
    same = next(h for h in screener.search("Realtek Semiconductor Corp.", country="TW").hits if h.source == "DPL")
    assert same.determination == "match"


def _verdict(end_user: str) -> str:
    args = ["check", "--item", "L2", "--to", "CN", "--date", "2025-06-01", "--end-user", end_user]
    result = CliRunner().invoke(app, [*args, "--end-user-country", "CN", "--end-user-hq", "CN", "--json"])
    assert result.exit_code in (0, 1), result.output
    return str(json.loads(result.stdout)["verdict"])


@pytest.mark.parametrize(
    ("end_user", "verdict"),
    [
        ("Shenzhen HiSilicon Semiconductor Co., Ltd.", "HOLD"),  # NLR before
        ("Jinan Inspur", "HOLD"),  # NLR before
        ("Sunton Tech (HK) Limited", "LICENSE_REQUIRED"),  # NLR before
        ("Realtek Semiconductor Corp.", "HOLD"),  # PROHIBITED before, on the DPL's Taiwanese homonym
    ],
)
def test_check_holds_real_spellings(data_dir: object, end_user: str, verdict: str) -> None:
    assert _verdict(end_user) == verdict
