"""Batch keys by country class: a large book's lines whose end user has no hits (or that have none) and no owners are
keyed by the class of their destination and headquarters country (``plan.country_classes``), decided once per class
from the compiled table's rows, and given their own codes back per line (``nested.Assembler``).

The book mixes countries the rules tell apart only by name (DE and FR, SG and MX, MY and TH, IN and PL; as
headquarters DE and JP, CN and IR), countries of their own (CN, HK, RU), listed and clean end users, owners, no end
user, flags, and dates over three years, days the rule data names among them. Keys by class are also grouped by the
data state of their epoch (``plan.epoch_groups``). The run keyed by class must write exactly what the run keyed by
country writes, with every line checked against ``determine()``; so must a run without the grouping, which needs
more keys.
"""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from chipclear.batch import BatchOptions, nested, run_batch
from chipclear.batch import plan as batch_plan
from chipclear.batch import runner as batch_runner
from chipclear.batch.engine import line_from_row
from chipclear.determination import determine
from chipclear.errors import ChipclearError

from .helpers import run_with_setting

DESTINATIONS = ["DE", "FR", "SG", "MX", "MY", "TH", "IN", "PL", "CN", "HK", "RU"]
ITEMS = ["H20", "nvidia-h100-sxm5-80gb", "amd-mi308x"]
PARTIES: list[tuple[str, str, str, str]] = [  # name, country, headquarters, owners
    ("", "", "", ""),
    ("Blue Sky Compute GmbH", "DE", "DE", ""),
    ("Blue Sky Compute KK", "JP", "JP", ""),  # as DE
    ("Acme Compute Ltd", "MY", "CN", ""),
    ("Acme Compute Ltd", "MY", "IR", ""),  # as CN
    ("Orchard Labs", "SG", "", ""),
    ("Huawei Technologies Co., Ltd.", "CN", "CN", ""),  # listed: keyed by its name and countries
    ("Example Joint Venture GmbH", "DE", "DE", "Shanghai Biren Intelligent Technology Co., Ltd.,60,CN"),
    ("Name ⟦@d⟧ ⟦@h0⟧ Trading", "FR", "FR", ""),  # a name holding the code placeholders keeps them
]
ODD = PARTIES[-1][0]
# Days the rule data names (single-day epochs: decided with their group's decision and their own date put back)
# and the days after them
NAMED_DAYS = [dt.date(2023, 11, 17), dt.date(2025, 1, 15), dt.date(2025, 5, 13), dt.date(2025, 5, 14)]


def _book(path: Path) -> int:
    days = [dt.date(2024, 1, 3) + dt.timedelta(days=97 * n) for n in range(12)]
    days += NAMED_DAYS
    rows = []
    for n, (day, item, dest, party) in enumerate(itertools.product(days, ITEMS, DESTINATIONS, PARTIES)):
        name, country, hq, owners = party
        rows.append(
            {
                "order_id": f"SO-{n}",
                "item": item,
                "quantity": 1 + n % 3,
                "destination": dest,
                "ship_date": (day + dt.timedelta(days=0 if day in NAMED_DAYS else n % 5)).isoformat(),
                "end_user_name": name,
                "end_user_country": country,
                "end_user_headquarters_country": hq,
                "end_user_owners": owners,
                "supercomputer": "yes" if n % 11 == 0 else "no",
            }
        )
    pl.DataFrame(rows).write_csv(path)
    return len(rows)


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("class-keys")
    orders = folder / "orders.csv"
    count = _book(orders)
    got = run_with_setting(
        "CLASS_MIN_LINES",
        {
            "class": (0, BatchOptions(orders=orders, out=folder / "class.parquet", cache=False, verify=count), None),
            "country": (10**9, BatchOptions(orders=orders, out=folder / "country.parquet", cache=False), None),
        },
    )
    by_class, by_country = got["class"], got["country"]
    patch = pytest.MonkeyPatch()
    try:  # classes without the grouping of epochs
        patch.setattr(batch_plan, "epoch_groups", lambda *_: lambda epochs: {})
        options = BatchOptions(orders=orders, out=folder / "ungrouped.parquet", cache=False)
        ungrouped = run_with_setting("CLASS_MIN_LINES", {"ungrouped": (0, options, None)})["ungrouped"]
    finally:
        patch.undo()
    try:  # classes, but an end user located outside the destination keyed by its country as it is
        patch.setattr(batch_plan, "located_country_classes", lambda *_: lambda triples: dict.fromkeys(triples))
        options = BatchOptions(orders=orders, out=folder / "unlocated.parquet", cache=False)
        unlocated = run_with_setting("CLASS_MIN_LINES", {"unlocated": (0, options, None)})["unlocated"]
    finally:
        patch.undo()
    return {"count": count, "class": by_class, "country": by_country, "ungrouped": ungrouped, "unlocated": unlocated}


def test_keys_by_class_write_what_keys_by_country_write(runs: dict[str, Any]) -> None:
    by_class, by_country = runs["class"], runs["country"]
    assert by_class.bad == by_country.bad == 0 and by_class.decided == runs["count"]
    assert by_class.distinct_keys < by_country.distinct_keys  # classes were used
    a, b = pl.read_parquet(by_class.out), pl.read_parquet(by_country.out)
    assert a.columns == b.columns
    for column in a.columns:
        assert a[column].equals(b[column]), column
    assert by_class.summary["by_destination"] == by_country.summary["by_destination"]
    assert by_class.summary["by_verdict"] == by_country.summary["by_verdict"]


def test_grouped_epochs_write_what_epochs_apart_write(runs: dict[str, Any]) -> None:
    by_class, ungrouped = runs["class"], runs["ungrouped"]
    assert by_class.distinct_keys < ungrouped.distinct_keys < runs["country"].distinct_keys
    a, b = pl.read_parquet(by_class.out), pl.read_parquet(ungrouped.out)
    for column in a.columns:
        assert a[column].equals(b[column]), column
    named = a.filter(pl.col("as_of").is_in(NAMED_DAYS))
    assert named.height == len(NAMED_DAYS) * len(ITEMS) * len(DESTINATIONS) * len(PARTIES)


def test_located_end_users_keyed_by_class_write_what_their_countries_write(runs: dict[str, Any]) -> None:
    """An end user located outside the destination (Blue Sky GmbH in DE, shipped to SG) names that country by its
    class: fewer keys, the same output."""
    by_class, unlocated = runs["class"], runs["unlocated"]
    assert by_class.distinct_keys < unlocated.distinct_keys
    a, b = pl.read_parquet(by_class.out), pl.read_parquet(unlocated.out)
    for column in a.columns:
        assert a[column].equals(b[column]), column
    assert a.filter(pl.col("end_user_country") != pl.col("destination")).height > 0


SYNTHETIC_CODES = [  # the destinations of the synthetic order books (``batch.synthetic``)
    *("AE", "AU", "BR", "CA", "CN", "DE", "FI", "FR", "GB", "HK", "IE", "IL", "IN", "IR", "JP"),
    *("KR", "MO", "MX", "MY", "NL", "PK", "RU", "SA", "SG", "TH", "TR", "TW", "US", "VN"),
]


def _fresh(table: Any) -> Any:
    """``table`` with no code seen yet (each class's representative is the first code it is then asked for)."""
    table._reps.clear()
    table._rep_of.clear()
    return table


def _canonical(table: Any, dest: str, place: str, period: int) -> Any:
    """The compiled key of a line to ``dest`` whose end user (no headquarters given) is located in ``place``, as
    ``BatchColumns.for_key`` makes it."""
    from chipclear.determination.compiled import TableKey

    located = ((0, "end_user", place),) if place != dest else ()  # as ``for_key``: the same code is no location
    key = TableKey("H20", dest, period, ((None,),), False, False, False, None, (), (), located=located)
    return table.canonical(key)[0]


@pytest.mark.parametrize("day", [dt.date(2024, 6, 1), dt.date(2025, 3, 1), dt.date(2026, 2, 1)])
def test_a_located_country_by_class_gives_the_key_of_every_line_it_stands_for(day: dt.date) -> None:
    """Every (destination, located country) pair ``located_classes`` gives a class is keyed alike by its class
    codes and by its own codes, on a table that has seen the line's own codes first (each representative is then
    the line's own code, the trap of ``canonical``). Without the test that the two classes share no code, a pair
    whose classes do (FR and DE: DE is in FR's class as a destination) gets another key: its class codes coincide
    and the location is lost."""
    from chipclear.determination.compiled import DecisionTable

    pairs = [(d, c) for d in SYNTHETIC_CODES for c in SYNTHETIC_CODES if d != c]
    planner = DecisionTable.for_current(cache=False)
    period = planner.period_of(day)
    dest_class = planner.classes("destination", SYNTHETIC_CODES, period)
    found = planner.located_classes(pairs, period)
    assert found[("FR", "DE")] is None and found[("SG", "DE")] is not None
    assert sum(v is not None for v in found.values()) > len(pairs) // 2
    table = DecisionTable(planner.rules, planner.catalog, planner.geography, models=planner.models)
    for (dest, place), klass in found.items():
        if klass is None:
            continue
        fresh = _fresh(table)
        own = _canonical(fresh, dest, place, period)  # the line's codes seen first
        assert _canonical(fresh, dest_class[dest], klass, period) == own, (dest, place)
    # without the test, some of the pairs it keeps apart would get another key than their own
    least = planner.classes("located", SYNTHETIC_CODES, period)
    differ = []
    for (dest, place), klass in found.items():
        if klass is None:
            fresh = _fresh(table)
            own = _canonical(fresh, dest, place, period)
            if _canonical(fresh, dest_class[dest], least[place], period) != own:
                differ.append((dest, place))
    assert differ


def test_every_line_keyed_by_class_is_what_determine_decides(runs: dict[str, Any]) -> None:
    got = pl.read_parquet(runs["class"].out)
    named = 0
    for row in got.iter_rows(named=True):  # no placeholder is left, but in the name that holds them
        conditions = [c for e in row["license_exceptions"] for c in e["conditions"]]
        for text in [r["detail"] for r in row["reasons"]] + row["missing"] + conditions:
            named += ODD in text
            assert "⟦@" not in text.replace(ODD, ""), text
    assert named > 0
    for row in got.sample(300, seed=3).iter_rows(named=True):
        direct = determine(line_from_row(row), as_of=row["as_of"])
        assert row["verdict"] == direct.verdict.value
        assert [r["detail"] for r in row["reasons"]] == [r.detail for r in direct.reasons]
        assert row["missing"] == list(direct.missing)


def test_the_codes_left_as_placeholders_are_caught(
    runs: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without the codes put back per line, the run fails its own verification (every line checked)."""
    orders = tmp_path / "orders.csv"
    count = _book(orders)
    monkeypatch.setattr(batch_runner, "CLASS_MIN_LINES", 0)
    monkeypatch.setattr(nested, "DESTINATION_PLACEHOLDER", "⟦not a placeholder⟧")
    with pytest.raises(ChipclearError, match="differs from a direct determine"):
        run_batch(BatchOptions(orders=orders, out=tmp_path / "x.parquet", cache=False, verify=count))
