"""``plan.build_keys``: which lines share a determination, and the key each line gets.

Pinned by hand on a small book: the parties with hits keep their name and country in the key (a null country
matches a null country, as the screening pairs are (name, country)), every other named party becomes the
placeholder, a line without an end user has no party key; key ids are numbered in the key columns' sort order
and each key's representative date is the earliest as-of date of its lines.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from chipclear.batch.plan import KEY_COLUMNS, PARTY_PLACEHOLDER, build_keys

D1, D2, D3 = dt.date(2026, 1, 5), dt.date(2026, 1, 9), dt.date(2026, 3, 1)
BOUNDARIES = [dt.date(2026, 2, 1)]  # epoch 0 before, epoch 1 from 2026-02-01


def _lines() -> pl.DataFrame:
    names = ["Acme", "Acme", "Acme", "Bolt", None, "Bolt", "Acme"]
    countries = [None, "CN", None, "CN", None, "CN", None]
    days = [D2, D1, D1, D1, D1, D2, D3]
    n = len(names)
    return pl.DataFrame(
        {
            "row": list(range(1, n + 1)),
            "item_id": ["h20"] * n,
            "destination": ["CN"] * n,
            "end_user_name": names,
            "end_user_country": countries,
            "end_user_headquarters_country": ["CN"] * n,
            "end_user_owners": [None] * n,
            "supercomputer": [False] * n,
            "advanced_node_ic_production": [False] * n,
            "military": [False] * n,
            "as_of": days,
        },
        schema_overrides={"row": pl.UInt32, "end_user_country": pl.String, "end_user_owners": pl.String},
    )


def test_hit_parties_keep_their_name_and_country_the_rest_share_the_placeholder() -> None:
    hits = pl.DataFrame(
        {"end_user_name": ["Acme"], "end_user_country": [None]}, schema_overrides={"end_user_country": pl.String}
    )
    keyed = build_keys(_lines(), hits, BOUNDARIES, exact=False)
    assert keyed["row"].to_list() == list(range(1, 8))  # line order kept
    assert keyed["party_key"].to_list() == [
        "Acme",
        PARTY_PLACEHOLDER,
        "Acme",
        PARTY_PLACEHOLDER,
        None,
        PARTY_PLACEHOLDER,
        "Acme",
    ]
    assert keyed["party_country"].to_list() == [None] * 7
    assert keyed["epoch"].to_list() == [0, 0, 0, 0, 0, 0, 1]
    # Sorted key order (the epoch before the party, nulls last): (epoch 0, Acme), (epoch 0, placeholder),
    # (epoch 0, no party), (epoch 1, Acme).
    assert keyed["key_id"].to_list() == [0, 1, 0, 1, 2, 1, 3]
    assert keyed["rep_as_of"].to_list() == [D1, D1, D1, D1, D1, D1, D3]
    assert keyed["key_id"].dtype == pl.UInt32 and keyed["rep_as_of"].dtype == pl.Date


def test_a_named_country_does_not_match_a_hit_without_one_and_no_hits_means_no_names() -> None:
    hits = pl.DataFrame({"end_user_name": ["Bolt"], "end_user_country": ["US"]})
    keyed = build_keys(_lines(), hits, BOUNDARIES, exact=False)
    assert set(keyed["party_key"].drop_nulls()) == {PARTY_PLACEHOLDER}
    none = build_keys(_lines(), hits.clear(), BOUNDARIES, exact=False)
    assert none.select(*KEY_COLUMNS, "key_id", "rep_as_of").equals(keyed.select(*KEY_COLUMNS, "key_id", "rep_as_of"))


def test_exact_keys_on_the_date_and_every_name() -> None:
    keyed = build_keys(
        _lines(),
        pl.DataFrame(schema={"end_user_name": pl.String, "end_user_country": pl.String}),
        BOUNDARIES,
        exact=True,
    )
    assert keyed["party_key"].to_list() == _lines()["end_user_name"].to_list()
    assert keyed.select(pl.col("rep_as_of") == pl.col("as_of")).to_series().all()
    assert keyed["key_id"].n_unique() == 7  # every line: the dates or the countries differ


def test_an_empty_book_has_no_keys() -> None:
    keyed = build_keys(
        _lines().clear(),
        pl.DataFrame(schema={"end_user_name": pl.String, "end_user_country": pl.String}),
        BOUNDARIES,
        exact=False,
    )
    assert keyed.height == 0 and keyed.schema["key_id"] == pl.UInt32 and keyed.schema["rep_as_of"] == pl.Date
