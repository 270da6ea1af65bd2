"""Real spellings and listing dates that an outside audit (2026-12-07, A12) found wrong: each test failed on the code
before this change (no hit, a possible match where the name is listed as written, a definitive finding on a homonym,
or NLR before a DPL order's own effective date) and pins one general rule, not a name added to a table."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from typer.testing import CliRunner

from chipclear.cli import app
from chipclear.screening import Screener, loaders, name_similarity
from chipclear.screening.listing import derive_listings


def _best(screener: Screener, query: str, listed: str, country: str | None = None) -> float:
    """The best score of ``query`` on the entry whose main name is ``listed`` (0 when it is not a hit)."""
    return max((h.score for h in screener.search(query, country=country).hits if h.name == listed), default=0.0)


def _check(*args: str) -> dict[str, object]:
    result = CliRunner().invoke(app, ["check", "--item", "H100", *args, "--json"])
    assert result.exit_code in (0, 1), result.output
    return dict(json.loads(result.stdout))


# 1. A hyphen between two words hides no listed party, in either direction
@pytest.mark.parametrize(
    ("query", "listed"),
    [
        ("Limited-Liability Company Eliars", "Limited Liability Company Eliars"),  # no hit before
        (
            "All Russian Scientific Research Institute Etalon JSC",
            "All-Russian Scientific-Research Institute Etalon JSC",
        ),
        ("Al Qard Al Hassan Association", "AL-QARD AL-HASSAN ASSOCIATION"),  # only AL-LIBI at 0.53 before
        ("VisionLabs Limited-Liability Company", "VisionLabs Limited Liability Company"),  # no hit before
        ("Ekran Scientific-Research Institute, FSUE", "Ekran Scientific Research Institute, FSUE"),  # no hit before
    ],
)
def test_a_hyphen_between_words_hides_no_listed_party(screener: Screener, query: str, listed: str) -> None:
    assert _best(screener, query, listed) == 1.0
    hit = next(h for h in screener.search(query).hits if h.name == listed)
    assert hit.determination == "match"
    steps = hit.explanation["normalization"]
    assert "hyphens_split" in steps["query"] + steps["listed"]  # the hit says which reading matched


def test_hyphenated_query_is_read_apart(screener: Screener) -> None:
    hits = screener.search("Ryazan State Instrument-Making Enterprise").hits  # no hit before
    assert hits and hits[0].score == 1.0 and "RYAZAN" in hits[0].name
    assert name_similarity("Limited-Liability Company Eliars", "Limited Liability Company Eliars") == 1.0


def test_check_of_a_hyphenated_listed_name_requires_a_license(data_dir: object) -> None:
    # shipped NLR before (no hit); a party in DE against the Russian entry is a possible match, so HOLD
    args = ["--to", "DE", "--end-user", "Limited-Liability Company Eliars", "--end-user-country", "DE"]
    assert _check(*args, "--end-user-hq", "DE")["verdict"] == "HOLD"


# 2. "Hongkong" is "Hong Kong"; glued romanised words are read apart as the lists write them
@pytest.mark.parametrize(
    ("query", "country", "listed"),
    [
        ("Cloudminds (Hongkong) Limited", "HK", "Cloudminds (Hong Kong) Limited"),
        ("Huawei Cloud Hongkong", None, "Huawei Cloud Hong Kong"),
        ("SMIC Hongkong International Company Limited", None, "SMIC Hong Kong International Company Limited"),
        ("Beijing Jinsheng Boyue Technology Co Ltd", "CN", "Beijing Jin Sheng Bo Yue Technology Co., Ltd."),
    ],
)
def test_words_the_lists_write_apart(screener: Screener, query: str, country: str | None, listed: str) -> None:
    assert _best(screener, query, listed, country) == 1.0  # no hit before (SMIC: 0.75 on SMIC alone)


def test_check_of_hongkong_spelling(data_dir: object) -> None:
    args = ["--to", "DE", "--end-user", "Cloudminds (Hongkong) Limited", "--end-user-country", "DE"]
    assert _check(*args, "--end-user-hq", "DE")["verdict"] == "HOLD"  # NLR before (DE: a possible match)


# 3. Numbered institutes: "No. 13", "13", "13th", "Thirteenth" are one number; CETC is read as the list's own name
CETC_13 = "China Electronics Technology Group Corporation 13th Research Institute (CETC 13)"


@pytest.mark.parametrize(
    "query",
    [
        "CETC No. 13 Research Institute",  # 0.62 before
        "CETC No.13 Research Institute",
        "The 13th Research Institute of CETC",  # 0.76 before
        "China Electronics Technology Group Corporation Thirteenth Research Institute",  # CMIC 0.75 only before
        "China Electronics Technology Group Corporation No. 13 Research Institute",  # 0.65 before
    ],
)
def test_numbered_institutes(screener: Screener, query: str) -> None:
    hits = [h for h in screener.search(query, country="CN").hits if h.name.startswith(CETC_13)]
    assert hits and max(h.score for h in hits) >= screener.match_threshold


@pytest.mark.parametrize("query", ["CETC-13", "CETC13"])
def test_cetc_hyphen_number_is_held(screener: Screener, query: str) -> None:
    hits = [h for h in screener.search(query, country="CN").hits if h.name.startswith(CETC_13)]
    assert hits and max(h.score for h in hits) >= screener.review_threshold  # no hit before


def test_acronyms_come_from_the_lists(screener: Screener) -> None:
    # CETC is an alias of China Electronics Technology Group Corporation on the Entity List: read so in a query
    assert ("china", "electronics", "technology", "group") in screener.index.acronyms["cetc"]


def test_check_of_cetc_no_13(data_dir: object) -> None:
    args = ["--to", "DE", "--end-user", "CETC No. 13 Research Institute", "--end-user-country", "DE"]
    assert _check(*args, "--end-user-hq", "DE")["verdict"] == "HOLD"  # NLR before (DE: a possible match)


# 4. A match that holds only once different legal forms are set aside is a possible match (HOLD), not a finding
def test_a_match_across_different_legal_forms_is_possible(screener: Screener) -> None:
    hit = next(h for h in screener.search("NEC Corporation").hits if h.source == "SDN")
    assert hit.determination == "possible" and hit.score >= screener.review_threshold  # a 1.0 match before
    assert "legal_forms_differ" in hit.explanation
    same = next(h for h in screener.search("JSC NEC").hits if h.source == "SDN")
    assert same.determination == "match" and "legal_forms_differ" not in same.explanation
    # forms that render one another stay a match
    assert _best(screener, "Eliars OOO", "Limited Liability Company Eliars") == 1.0
    assert _best(screener, "Sophgo Technologies Co., Ltd.", "Sophgo Technologies Ltd.") == 1.0


def test_check_of_nec_corporation_holds_not_prohibits(data_dir: object) -> None:
    result = _check("--to", "JP", "--end-user", "NEC Corporation", "--end-user-hq", "JP")
    assert result["verdict"] == "HOLD"  # PROHIBITED before, on the SDN's "JSC NEC"


def test_delta_electronics_in_taiwan_is_a_possible_match(screener: Screener) -> None:
    # held before this change too (the party's country is not the entry's): kept as a guard
    hit = next(h for h in screener.search("Delta Electronics, Inc.", country="TW").hits if h.source == "EL")
    assert hit.determination == "possible"


# 5. A DPL denial order counts from the list's own Effective_Date
def test_dpl_listing_counts_from_its_effective_date(screener: Screener) -> None:
    entry = next(e for e in screener.entries if e.name == "NORDIC MARITIME PTE. LTD.")
    listing = screener.listings[entry.entry_id]
    assert listing.listed_on == dt.date(2020, 8, 25) and listing.effective_on == dt.date(2020, 3, 11)
    assert listing.listed_by(dt.date(2020, 6, 1))  # NLR before: taken as at most 30 days before publication
    assert "Effective_Date of the BIS Denied Persons List" in listing.describe()


def test_check_before_publication_of_a_dpl_order(data_dir: object) -> None:
    args = ["--to", "MX", "--end-user", "Alonso Gonzalez-Granados", "--end-user-country", "MX"]
    assert _check(*args, "--end-user-hq", "MX", "--date", "2020-06-01")["verdict"] == "PROHIBITED"  # NLR before
    args = ["--to", "MX", "--end-user", "Alonso Gonzalez-Granados", "--end-user-country", "MX"]
    assert _check(*args, "--end-user-hq", "MX", "--date", "2019-03-01")["verdict"] == "NLR"  # before the order


def test_a_stated_date_after_publication_is_not_used() -> None:
    # a renewed order's later date would start the listing later than its first action: not used (fail closed)
    loaded = loaders.parse_dpl_txt(
        b'"Name"\t"Street_Address"\t"City"\t"State"\t"Country"\t"Postal_Code"\t"Effective_Date"\t"Expiration_Date"\t'
        b'"Standard_Order"\t"Last_Update"\t"Action"\t"FR_Citation"\n'
        b'"EARLY LTD"\t"1 A ST"\t"X"\t""\t"SG"\t""\t"03/11/2020"\t""\t"Y"\t""\t""\t"85 F.R. 52312 8/25/2020"\n'
        b'"LATE LTD"\t"1 B ST"\t"X"\t""\t"SG"\t""\t"09/11/2020"\t""\t"Y"\t""\t""\t"85 F.R. 52312 8/25/2020"\n',
        "dpl.txt",
    )
    listings = derive_listings(loaded.entries, stated=loaded.stated_effective)
    by_name = {e.name: listings[e.entry_id] for e in loaded.entries}
    assert by_name["EARLY LTD"].effective_on == dt.date(2020, 3, 11)
    assert by_name["LATE LTD"].effective_on is None and by_name["LATE LTD"].listed_on == dt.date(2020, 8, 25)


def test_vendored_dpl_dates_match_their_manifest() -> None:
    import hashlib
    from importlib import resources

    from chipclear.screening.store import embedded_manifest

    info = embedded_manifest()["listing_data"]["dpl_effective_dates"]
    raw = (resources.files("chipclear.screening") / "data" / info["file"]).read_bytes()
    assert hashlib.sha256(raw).hexdigest() == info["sha256"]
    assert len(json.loads(raw)["entries"]) == info["entries"]
