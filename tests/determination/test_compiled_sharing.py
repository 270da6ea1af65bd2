"""A row the compiled table shares between periods is the row it would compile for each period.

``DecisionTable.row`` takes a key's row from the same key in another period when every dated input the engine reads
is the same there (``_dated_inputs``: the licensing requirements in force, the rule data's coverage notes and carve-outs,
the item's classification, the countries' group memberships; ``_applied_state``: the review policies, exceptions
and events passed for the requirements that applied). Here a sharing table and a table that compiles every period
on its own decide the same keys in every period of the data, from before the first 3A090 rule to after the newest
rule data, in a shuffled order (so a row is shared both forwards and backwards in time), and every row must be
equal once dated to the period's first day. ``test_sharing_without_the_rules_is_caught`` shows the comparison
fails when the share key leaves out one of those inputs.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
import threading

import pytest

from chipclear.catalog import load_catalog
from chipclear.determination.compiled import DecisionTable, TableKey
from chipclear.geography import load_geography
from chipclear.models import load_models
from chipclear.rules import load_rules

ITEMS = [
    "nvidia-h20",
    "nvidia-h100-sxm5-80gb",
    "nvidia-h200-sxm",
    "nvidia-a800-sxm4-80gb",
    "nvidia-rtx-4090-d",
    "nvidia-l40s",
    "amd-mi308x",
    "huawei-ascend-910c",
    "nvidia-hgx-h20-8gpu",
    "nvidia-b30a",
    "gpt-oss-120b",  # an AI model (ECCN 4E091)
    "deepseek-v3",
]
DESTINATIONS = ["CN", "HK", "MO", "AE", "SA", "SG", "MY", "DE", "US", "IN", "RU", "SY", "IR", "VN", "KH", "UA-43"]
HQ = [(), ((None,),), (("CN",),), (("US",),), (("SG", "CN"),), (("AE",),)]
FLAGS = [(False, False, False), (True, False, False), (False, True, False), (False, False, True)]
EXPORT_FROM = [None, "US", "SG"]


def _keys(count: int, seed: int = 16) -> list[TableKey]:
    """Every item and destination, with headquarters, end uses and export_from drawn for each."""
    rng = random.Random(seed)
    out = []
    for item, dest in itertools.product(ITEMS, DESTINATIONS):
        hq, flags, export_from = rng.choice(HQ), rng.choice(FLAGS), rng.choice(EXPORT_FROM)
        order = ((0, 1),) if hq and len(hq[0]) > 1 else ()  # a party and its ultimate parent: two labels
        out.append(TableKey(item, dest, 0, hq, *flags, export_from, (), order))
    rng.shuffle(out)
    return out[:count]


def _tables(cls: type[DecisionTable] = DecisionTable) -> tuple[DecisionTable, DecisionTable]:
    rules, catalog, geo, models = load_rules(), load_catalog(), load_geography(), load_models()
    sharing = cls(rules, catalog, geo, "enforced", models)
    alone = DecisionTable(rules, catalog, geo, "enforced", models)
    alone.share_rows = False
    return sharing, alone


def _compare(sharing: DecisionTable, alone: DecisionTable, keys: list[TableKey], limit: int = 5) -> list[str]:
    periods = list(range(len(sharing.period_boundaries()) + 1))
    random.Random(7).shuffle(periods)
    failures = []
    for period in periods:
        day = sharing.representative(period)
        for base in keys:
            key = base._replace(period=period)
            got, want = sharing.row(key).patch(day, []), alone.row(key)
            if got != want:
                failures.append(f"{key} on {day}: shared from {sharing.row(key).rep}")
                if len(failures) >= limit:
                    return failures
    return failures


@pytest.mark.slow
def test_shared_rows_equal_rows_compiled_per_period() -> None:
    sharing, alone = _tables()
    keys = _keys(40)
    failures = _compare(sharing, alone, keys)
    assert not failures, "\n".join(failures)
    total = len(keys) * (len(sharing.period_boundaries()) + 1)
    assert alone.compiled == total and alone.shared == 0
    # the comparison is not empty: most rows were shared, and every shared row came from a clean period
    assert sharing.shared > total // 2, (sharing.shared, total)
    assert sharing.compiled + sharing.shared == total
    for key, row in sharing.rows.items():
        if row.rep != sharing.representative(key.period):
            assert sharing.clean(sharing.period_of(row.rep)), (key, row.rep)


class _NoRules(DecisionTable):
    """A share key that leaves out the licensing rules in force (wrong on purpose)."""

    def _period_token(self, period: int) -> int:
        return 0


@pytest.mark.slow
def test_sharing_without_the_rules_is_caught() -> None:
    sharing, alone = _tables(_NoRules)
    failures = _compare(sharing, alone, _keys(12), limit=1)
    assert failures, "sharing rows across rule changes went unnoticed"


def test_a_period_named_in_the_data_is_not_clean() -> None:
    sharing, _ = _tables()
    first_3a090 = dt.date(2022, 10, 7)  # 87 FR 62186: a date the rule data names
    named = sharing.period_of(first_3a090)
    assert sharing.representative(named) == first_3a090 and not sharing.clean(named)
    assert sharing.clean(named + 1)  # the period from the day after


@pytest.mark.slow
def test_rows_shared_by_threads_at_once() -> None:
    """The HTTP API decides in many threads: four threads filling one sharing table (each in its own order of the
    periods) leave every row equal to the row compiled for its own period."""
    sharing, alone = _tables()
    keys = _keys(16, seed=3)
    periods = list(range(len(sharing.period_boundaries()) + 1))

    def fill(seed: int) -> None:
        order = periods[:]
        random.Random(seed).shuffle(order)
        for period in order:
            for base in keys:
                sharing.row(base._replace(period=period))

    threads = [threading.Thread(target=fill, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sharing.shared > 0
    for key, row in sharing.rows.items():
        day = sharing.representative(key.period)
        assert row.patch(day, []) == alone.row(key), (key, row.rep)
