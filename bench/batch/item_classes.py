"""How far item classes would shrink a batch's keys (issue 16; a measurement, not a feature).

For each period the order book spans, the book's items are grouped by what the rule conditions read of them (ECCN,
status, candidates, what is missing, datacenter, the items a notice names, each metric test's result). Items in one
group would decide alike but for their names and figures in the texts. Prints the (item, period) pairs and groups.

    .venv/bin/python bench/batch/item_classes.py ORDERS.parquet
"""

from __future__ import annotations

import bisect
import collections
import sys
from typing import Any

import polars as pl

from chipclear.catalog.loader import load_catalog
from chipclear.determination.compiled import DecisionTable
from chipclear.determination.engine import _metrics_of
from chipclear.determination.merge import licensing_at
from chipclear.geography import load_geography
from chipclear.rules import load_rules

OPS = {"ge": float.__ge__, "gt": float.__gt__, "le": float.__le__, "lt": float.__lt__}


def main(orders: str) -> None:
    rules, catalog, geo = load_rules(), load_catalog(), load_geography()
    table = DecisionTable(rules, catalog, geo)
    book = pl.read_parquet(orders, columns=["item", "ship_date"])
    items = book["item"].unique().to_list()
    periods = sorted({bisect.bisect_right(table.boundaries, d) for d in book["ship_date"].unique().to_list()})
    tests: set[tuple[str, str, float]] = set()
    named: set[str] = set()

    def walk(cond: Any) -> None:
        if cond is None:
            return
        tests.update((t.metric, t.op, t.value) for t in cond.tests or [])
        named.update(cond.items or [])
        for sub in cond.any_of or []:
            walk(sub)

    for period in periods:
        merged = licensing_at(rules, table.representative(period))
        for group in (merged.requirements, merged.policies, merged.exceptions):
            for rule, _ in group.values():
                walk(getattr(rule, "when", None) or getattr(rule, "scope", None))
    pairs = classes = 0
    for period in periods:
        day = table.representative(period)
        groups: dict[Any, list[str]] = collections.defaultdict(list)
        for item in items:
            cls = table.classification_on(item, day)
            metrics = _metrics_of(cls.item, cls, catalog)
            answers = tuple(
                None if metrics.get(m) is None else OPS.get(op, float.__eq__)(float(metrics[m]), float(v))
                for m, op, v in sorted(tests, key=str)
            )
            key = (
                cls.eccn,
                cls.status,
                tuple(cls.candidates),
                tuple(cls.missing),
                cls.item.datacenter,
                type(cls.item).__name__,
                tuple(sorted(named & {cls.item.id})),
                answers,
            )
            groups[key].append(item)
        pairs += len(items)
        classes += len(groups)
    print(
        f"{len(items)} items x {len(periods)} periods: {pairs:,} (item, period) pairs in {classes:,} classes"
        f" ({pairs / classes:.1f} to 1); {len(tests)} metric tests, {len(named)} named items"
    )


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "bench/batch/orders.parquet")
