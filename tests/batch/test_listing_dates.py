"""A party's listing date splits batch determinations: lines on either side of it never share one."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl

from chipclear.batch import BatchOptions, run_batch


def _line(order: str, day: dt.date, name: str, country: str) -> dict[str, object]:
    return {
        "order_id": order,
        "item": "L20",
        "quantity": 1,
        "destination": "CN",
        "ship_date": day,
        "end_user_name": name,
        "end_user_country": country,
        "end_user_headquarters_country": "CN",
        "end_use": "inference",
        "supercomputer": False,
        "advanced_node_ic_production": False,
        "military": False,
    }


def test_lines_before_and_after_an_entity_list_addition_are_decided_apart(tmp_path: Path) -> None:
    # 4Paradigm was added to the Entity List by the rule published 2023-03-06 (88 FR 13675 in the CSL; the date
    # comes from the Entity List parse); no rule or geography data names a date within three days of it, so
    # without the listing date as an epoch boundary the four lines would share one determination. Its effective
    # date is not in chipclear's data (an addition can take effect before it is published): before the
    # publication the lines are held for it, not decided as if the entry were absent.
    days = [dt.date(2023, 3, 4), dt.date(2023, 3, 5), dt.date(2023, 3, 6), dt.date(2023, 3, 7)]
    rows = [_line(f"SO-{i}", d, "4Paradigm Technology Co., Ltd", "CN") for i, d in enumerate(days)]
    orders = tmp_path / "orders.csv"
    pl.DataFrame(rows).write_csv(orders)
    result = run_batch(BatchOptions(orders=orders, out=tmp_path / "d.parquet", verify=len(rows)))
    got = pl.read_parquet(result.out).sort("row")
    assert result.bad == 0
    assert got["verdict"].to_list() == ["HOLD", "HOLD", "LICENSE_REQUIRED", "LICENSE_REQUIRED"]
    assert all("88 FR 13675" in " ".join(m) for m in got["missing"].to_list()[:2])
    details = [" ".join(r["detail"] for r in reasons) for reasons in got["reasons"].to_list()]
    assert "added 2023-03-06, 88 FR 13675" in details[1]
    assert "added 2023-03-06, 88 FR 13675" in details[3]


def test_batch_epochs_never_straddle_a_period_of_the_compiled_table() -> None:
    """Every boundary the compiled decision table splits periods on is a batch epoch boundary (the table is the
    interpreter's equal by test, so a date it splits on is one where a decision may change)."""
    from chipclear.batch import plan
    from chipclear.determination.compiled import DecisionTable
    from chipclear.geography import load_geography
    from chipclear.rules import load_rules

    batch = set(plan.epoch_boundaries(plan.data_dates(load_rules(), load_geography())))
    table = set(DecisionTable.for_current().period_boundaries())
    assert table - batch == set()
