"""Compiled decision tables beside the interpreter, measured in one run (issue 16 parts 1 and 4).

Prints: the interpreter's determinations/s (``determine``, no screening), the table's cold compile (rows/s, each
row a new key), warm lookups (``DecisionTable.decide`` on keys already compiled: lines/s) and bare row lookups
(``key_of`` + ``row``), each with its ratio to the interpreter; then the 20k-line what-if order-book impact.

Run: .venv/bin/python bench/determination/table_speed.py [--lines 3000] [--rows 20000]
Not run by the test suite. Figures depend on machine load (the load average is printed).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import tempfile
import time
from pathlib import Path
from typing import Any

from chipclear.catalog import load_catalog
from chipclear.decision import Decision, EndUse, OrderLine, Party
from chipclear.determination import compiled
from chipclear.determination.compiled import DecisionTable
from chipclear.determination.engine import determine
from chipclear.determination.history import NoScreening
from chipclear.geography import load_geography
from chipclear.models import load_models
from chipclear.rules import load_rules

WHATIF_TARGET_S = 5.0  # "seconds, not half a minute" (issue 16 part 4)


def sample_lines(n: int, seed: int = 16) -> list[OrderLine]:
    """Lines over the whole catalog, a dozen destinations, dates 2022-2027, HQ classes and end-use flags."""
    rng = random.Random(seed)
    items = [i.id for i in load_catalog().items()]
    dests = ["CN", "US", "DE", "SG", "MY", "AE", "IN", "VN", "RU", "HK", "JP", "SA"]
    start = dt.date(2022, 6, 1)
    out = []
    for _ in range(n):
        hq = rng.choice([None, "CN", "US", "SG", "MO"])
        parties = (
            [Party(name=f"End User {rng.randrange(10_000)}", headquarters_country=hq)] if rng.random() < 0.7 else []
        )
        out.append(
            OrderLine(
                item=rng.choice(items),
                destination=rng.choice(dests),
                ship_date=start + dt.timedelta(days=rng.randrange(5 * 365)),
                parties=parties,
                end_use=EndUse(supercomputer=rng.random() < 0.05, advanced_node_ic_production=rng.random() < 0.05),
            )
        )
    return out


def rate(label: str, n: int, seconds: float, base: float | None = None) -> float:
    per_s = n / seconds
    ratio = f"{per_s / base:>8,.1f}x interpreter" if base else ""
    print(f"{label:<58} {per_s:>11,.0f} /s {ratio}")
    return per_s


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=3000)
    parser.add_argument("--rows", type=int, default=20_000)
    args = parser.parse_args()
    print(f"machine: {platform.machine()} {os.cpu_count()} cores, {platform.python_version()}; load {os.getloadavg()}")
    rules, cat, geo, models = load_rules(), load_catalog(), load_geography(), load_models()
    lines = sample_lines(args.lines)
    none = NoScreening()

    start = time.perf_counter()
    for line in lines:
        determine(line, rules=rules, catalog=cat, screener=none, geography=geo, models=models)
    base = rate("interpreter: determine(), no screening", len(lines), time.perf_counter() - start)

    start = time.perf_counter()
    table = DecisionTable(rules, cat, geo, "enforced", models)
    print(f"{'table set-up (periods, versions)':<58} {time.perf_counter() - start:>11.2f} s")
    keys = list(dict.fromkeys(table.key_of(line) for line in lines))
    start = time.perf_counter()
    for key in keys:
        table.row(key)
    rate(f"table: cold compile ({len(keys):,} distinct keys)", len(keys), time.perf_counter() - start, base)

    for label in ("first pass", "second pass"):
        start = time.perf_counter()
        for line in lines:
            table.decide(line, screener=none)
        rate(f"table: warm decide() -> full Decision ({label})", len(lines), time.perf_counter() - start, base)

    start = time.perf_counter()
    for line in lines:
        table.row(table.key_of(line))
    rate("table: warm key_of() + row() (no Decision built)", len(lines), time.perf_counter() - start, base)

    with tempfile.TemporaryDirectory() as tmp:
        os.environ["CHIPCLEAR_DATA_DIR"] = tmp
        start = time.perf_counter()
        saved = DecisionTable.for_current(rules, cat, geo)
        for key in keys:
            saved.row(key)
        saved.save()
        compiled._LIVE.clear()
        loaded = DecisionTable.for_current(rules, cat, geo)
        took = time.perf_counter() - start
        print(f"{'disk cache: compile, save and reload':<58} {took:>11.2f} s ({len(loaded.rows):,} rows)")
        whatif(args.rows, Path(tmp))


def whatif(rows: int, tmp: Path) -> None:
    from chipclear.batch.synthetic import generate_orders, write_orders
    from chipclear.whatif import load_draft
    from chipclear.whatif.verdicts import order_book_impact

    rules, cat = load_rules(), load_catalog()
    draft = load_draft("tpp-threshold-2400", rules)
    drafted = draft.apply(rules)
    book = tmp / "orders.csv"
    write_orders(generate_orders(rows, start=dt.date(2026, 7, 1), end=dt.date(2027, 6, 30)), str(book))
    from chipclear.whatif import verdicts

    def interpreted(line: OrderLine, on: dt.date, table: DecisionTable, screener: Any = None) -> Decision:
        return determine(
            line,
            as_of=on,
            layer=table.layer,
            rules=table.rules,
            catalog=table.catalog,
            screener=screener or verdicts.NO_SCREENING,
            geography=table.geography,
            models=table.models,
        )

    def interpreted_outcome(
        table: DecisionTable, line: OrderLine, as_of: dt.date | None = None, **kw: Any
    ) -> compiled.Outcome:
        d = interpreted(line, as_of or line.ship_date or dt.date.today(), table, kw.get("screener"))
        return compiled.Outcome(d.verdict, d.review_policy, d.license_exceptions)

    from_tables, outcome_from_tables = verdicts._decide, DecisionTable.outcome
    # the same what-if, every decision (and every unchanged line's outcome) by the interpreter
    verdicts._decide = interpreted
    DecisionTable.outcome = interpreted_outcome  # type: ignore[method-assign,assignment]
    start = time.perf_counter()
    want = order_book_impact(rules, drafted, draft.actions, cat, book)
    base = time.perf_counter() - start
    verdicts._decide = from_tables
    DecisionTable.outcome = outcome_from_tables  # type: ignore[method-assign]
    print(f"{f'what-if, {rows:,} lines, interpreter (baseline)':<58} {base:>11.2f} s")
    for label in ("both tables cold", "rules in force from disk, draft cold"):
        compiled._LIVE.clear()
        compiled._BY_OBJECTS.clear()
        start = time.perf_counter()
        out = order_book_impact(rules, drafted, draft.actions, cat, book)
        took = time.perf_counter() - start
        same = "same result" if out == want else "RESULT DIFFERS"
        print(
            f"{f'what-if, {rows:,} lines, tables ({label})':<58} {took:>11.2f} s "
            f"({base / took:.1f}x; target <= {WHATIF_TARGET_S:.0f} s; {out['changed']:,} lines change; {same})"
        )


if __name__ == "__main__":
    main()
