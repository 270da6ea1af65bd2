"""A list's country names become ISO codes where the geography data knows them (found by the yente work: 16 CSL
entries say "TURKIYE", so a party screened with country TR got the country-mismatch penalty, not the bonus)."""

from __future__ import annotations

from chipclear.screening import default_screener
from chipclear.screening.loaders import list_country


def test_country_names_in_the_lists_are_resolved() -> None:
    assert [list_country(v) for v in ("TURKIYE", "PRC", "MACAU", "MAN, ISLE OF", "REGION: RUSSIA", "CN")] == [
        "TR",
        "CN",
        "MO",
        "IM",
        "RU",
        "CN",
    ]
    assert list_country("REGION: WEST BANK") == "REGION: WEST BANK"  # unknown to the geography data: kept


def test_no_bundled_entry_keeps_a_resolvable_country_name() -> None:
    entries = default_screener().lists.entries
    names = {c for e in entries for c in e.countries if len(c) != 2}
    assert "TURKIYE" not in names and "PRC" not in names and "MACAU" not in names
    turkish = [e for e in entries if e.name == "AUK Group"]
    assert turkish and "TR" in turkish[0].countries


def test_a_party_in_turkey_matches_its_entry_with_the_country_bonus() -> None:
    screener = default_screener()
    with_tr = next(h for h in screener.search("AUK Group", country="TR").hits if h.name == "AUK Group")
    other = next(h for h in screener.search("AUK Group", country="DE").hits if h.name == "AUK Group")
    assert with_tr.score > other.score
