"""Screening against the full embedded CSL: listed parties found however they are written (scripts, typos, word
order, invisible characters), common words not hitting, explanations, the result contract and list staleness."""

from __future__ import annotations

import pytest

from chipclear.screening import MATCH, Screener, name_similarity


@pytest.mark.parametrize(
    ("query", "listed"),
    [
        ("Moore Threads", "Moore Thread Intelligent Technology (Beijing) Co., Ltd."),
        ("Sophgo", "Sophgo Technologies Ltd."),
        ("Beijing Suanneng Keji Youxian Gongsi", "Sophgo Technologies Ltd."),  # pinyin only
        ("北京算能科技有限公司", "Sophgo Technologies Ltd."),  # Chinese script
        ("摩尔线程智能科技(北京)有限责任公司", "Moore Thread Intelligent Technology (Beijing) Co., Ltd."),
        ("Changjiang Cunchu", "Yangtze Memory Technologies Co., Ltd."),
        ("Sop\u200bhgo", "Sophgo Technologies Ltd."),  # zero-width space
        ("Ηuawei Technologies Co., Ltd.", "Huawei Technologies Co., Ltd. (Huawei)"),  # Greek Eta
    ],
)
def test_listed_parties_are_found_on_the_entity_list(screener: Screener, query: str, listed: str) -> None:
    result = screener.search(query)
    el_hits = [h for h in result.hits if h.source == "EL" and h.name == listed]
    assert el_hits, [h.name for h in result.hits]
    hit = el_hits[0]
    assert hit.determination == MATCH and hit.score >= screener.match_threshold
    assert hit.explanation["matched_tokens"], "a hit says which tokens matched"
    assert hit.license_requirement and hit.license_policy and hit.federal_register_notice


def test_zero_width_character_is_named_in_the_explanation(screener: Screener) -> None:
    hit = screener.search("Sop\u200bhgo").hits[0]
    assert "invisible_characters_removed" in hit.explanation["normalization"]["query"]


def test_chinese_script_explains_transliteration(screener: Screener) -> None:
    hit = screener.search("北京算能科技有限公司").hits[0]
    assert "cjk_transliterated" in hit.explanation["normalization"]["query"]
    assert {"query": "suanneng", "listed": "suanneng", "similarity": 1.0, "how": "exact"} in (
        hit.explanation["matched_tokens"]
    )


@pytest.mark.parametrize("query", ["Apple Inc.", "Qingdao Blue Harbor Technology Co., Ltd.", "Microsoft Corporation"])
def test_unlisted_names_made_of_common_tokens_do_not_hit(screener: Screener, query: str) -> None:
    assert screener.search(query).hits == ()


def test_typo_and_word_order_still_match(screener: Screener) -> None:
    hits = screener.search("Technologies Sophgo Ltd").hits
    assert ("EL", "Sophgo Technologies Ltd.", 1.0) in [(h.source, h.name, h.score) for h in hits]
    assert screener.search("Hikvisoin").hits[0].name == "Hangzhou Hikvision Digital Technology Co., Ltd."


def test_words_found_across_an_entrys_names_are_explained(screener: Screener) -> None:
    hit = screener.search("摩尔线程智能科技(北京)有限责任公司").hits[0]
    assert "matched_across_names" in hit.explanation
    listed = {m["listed"] for m in hit.explanation["matched_tokens"]}
    assert {"moer", "xianchen", "intelligent", "technology", "beijing"} <= listed


def test_hyphenated_and_split_spellings_match(screener: Screener) -> None:
    assert screener.search("Hik Vision").hits[0].name == "Hangzhou Hikvision Digital Technology Co., Ltd."
    assert screener.search("Moorethreads").hits[0].matched_name == "Moore Threads"


def test_default_screener_is_built_once(screener: Screener, data_dir: object) -> None:
    from chipclear.screening import default_screener

    assert default_screener() is screener


def test_result_json_has_the_contract_keys(screener: Screener) -> None:
    data = screener.search("Moore Threads", country="CN").to_json()
    assert {"list_version", "list_date", "stale", "hits"} <= set(data)
    assert data["list_date"] == "2026-07-31"
    assert data["list_version"].startswith("2026-07-31:")
    hit = data["hits"][0]
    for key in (
        "entry_id",
        "source",
        "name",
        "matched_name",
        "score",
        "explanation",
        "license_requirement",
        "license_policy",
        "federal_register_notice",
        "determination",
    ):
        assert key in hit
    assert hit["explanation"]["country"].startswith("CN is a listed country")


def test_country_mismatch_lowers_the_score(screener: Screener) -> None:
    same = screener.search("Sophgo Technologies Ltd.", country="CN").hits[0]
    other = screener.search("Sophgo Technologies Ltd.", country="BR").hits[0]
    assert same.score > other.score


def test_name_similarity_is_documented_pairwise_score(screener: Screener) -> None:
    assert name_similarity("Sophgo Technologies", "Sophgo Technologies Ltd.") == 1.0
    assert name_similarity("Technologies Sophgo", "SOPHGO TECHNOLOGIES LTD") == 1.0
    typo = name_similarity("Sofgo Technologies", "Sophgo Technologies Ltd.")
    assert 0.5 < typo < 1.0
    assert name_similarity("Qingdao Blue Harbor Technology", "Qingdao Sophgo Technology Co., Ltd.") < 0.5
    assert name_similarity("", "Sophgo") == 0.0


def test_min_score_and_limit(screener: Screener) -> None:
    wide = screener.search("Sophgo", min_score=0.3, limit=50)
    assert len(wide.hits) > len(screener.search("Sophgo").hits)
    assert all(h.score >= 0.3 for h in wide.hits)
    assert len(screener.search("Sophgo", min_score=0.3, limit=2).hits) == 2


def test_the_python_example_in_docs_runs(screener: Screener, data_dir: object) -> None:
    from pathlib import Path

    text = (Path(__file__).parents[2] / "docs" / "screening.md").read_text(encoding="utf-8")
    example = text.split("```python", 1)[1].split("```", 1)[0]
    exec(compile(example, "docs/screening.md", "exec"), {})


def test_staleness_follows_the_list_date_and_the_max_age(screener: Screener) -> None:
    import datetime as dt

    assert screener.staleness(dt.date(2026, 8, 10)) == (False, None)  # 10 days after the list date
    stale, reason = screener.staleness(dt.date(2026, 11, 29))
    assert stale and reason is not None and "121 days old" in reason


def test_a_footnote_number_glued_to_the_license_requirement_is_written_out() -> None:
    """The CSL prints "... 744.11 of the EAR)4": the hit says it is Entity List footnote 4; the data is unchanged."""
    from chipclear.screening.screener import footnotes_said

    glued = "For all items subject to the EAR. (See §§ 734.9(e)(2) and 744.11 of the EAR)4"
    assert footnotes_said(glued) == glued[:-1] + " (Entity List footnote 4)"
    assert footnotes_said("... 744.11 of the EAR) 5.") == "... 744.11 of the EAR) (Entity List footnote 5)."
    assert footnotes_said("... 744.11 of the EAR).") == "... 744.11 of the EAR)."
    assert footnotes_said(None) is None


def test_moore_threads_hit_names_its_footnote() -> None:
    from chipclear.screening import default_screener

    hits = default_screener().search("Moore Threads").hits
    said = [h.license_requirement for h in hits if h.source == "EL"]
    assert said and all(s and not s.endswith("EAR)4") for s in said), said
    assert any(s and s.endswith("(Entity List footnote 4)") for s in said), said
