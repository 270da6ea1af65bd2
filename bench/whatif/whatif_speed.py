"""How long a what-if takes on the bundled catalog and on a synthetic order book (prints its figures).

.venv/bin/python bench/whatif/whatif_speed.py [--rows 20000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from chipclear.batch.synthetic import generate_orders, write_orders
from chipclear.catalog import load_catalog
from chipclear.rules import load_rules
from chipclear.whatif import classification_impact, load_draft, plots
from chipclear.whatif.verdicts import destination_impact, order_book_impact


def timed(label: str, fn: Callable[[], Any]) -> Any:
    start = time.perf_counter()
    out = fn()
    print(f"{label:<62} {time.perf_counter() - start:8.2f} s")
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=20_000)
    args = parser.parse_args()
    rules, cat = load_rules(), load_catalog()
    day = dt.date(2027, 1, 1)
    draft = load_draft("tpp-threshold-2400", rules)
    drafted = draft.apply(rules)
    n = len(cat.items())
    timed(
        f"classification impact, {n} catalog items x 2 worlds",
        lambda: classification_impact(rules, drafted, draft.actions, cat, day),
    )
    d = timed(
        f"destination impact, {n} items x 12 destinations x 2 worlds",
        lambda: destination_impact(rules, drafted, draft.actions, cat, day),
    )
    print(f"{'':<62} {d['changed']} lines change")
    with tempfile.TemporaryDirectory() as tmp:
        book = Path(tmp) / "orders.csv"
        write_orders(generate_orders(args.rows, start=dt.date(2026, 7, 1), end=dt.date(2027, 6, 30)), str(book))
        o = timed(
            f"order book impact, {args.rows:,} synthetic lines (2026-07 .. 2027-06)",
            lambda: order_book_impact(rules, drafted, draft.actions, cat, book),
        )
        print(f"{'':<62} {o['distinct_decisions']:,} distinct decision keys; {o['changed']:,} lines change")
        for name, make in plots.PLOTS.items():
            fig = timed(f"plot {name} (build)", lambda make=make: make(rules, drafted, draft, cat, day))
            timed(
                f"plot {name} (PNG + SVG)",
                lambda fig=fig, name=name: (fig.savefig(Path(tmp) / f"{name}.png"), plots.svg_text(fig)),
            )


if __name__ == "__main__":
    main()
