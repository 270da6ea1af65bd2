"""Re-checks: --since-rules and --since-lists report exactly the lines whose verdict changes, and why."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import polars as pl

from chipclear.batch import BatchOptions, generate_orders, run_batch
from chipclear.batch.engine import decide_one, line_from_row, rules_known_on
from chipclear.batch.io import read_orders, validate
from chipclear.batch.runner import NullScreener
from chipclear.catalog import load_catalog
from chipclear.determination import determine
from chipclear.geography import load_geography
from chipclear.screening import Screener, default_screener, load_list

OUTCOME = ("verdict", "review_policy", "license_exceptions")


def _changed(orders: Path, day: dt.date, before: tuple[object, object], after: tuple[object, object]) -> set[int]:
    lines, _ = validate(read_orders(orders), load_catalog(), load_geography())
    rows = set()
    for row in lines.to_dicts():
        line = line_from_row(row)
        old = decide_one(determine, line, day, "enforced", before[0], before[1])  # type: ignore[arg-type]
        new = decide_one(determine, line, day, "enforced", after[0], after[1])  # type: ignore[arg-type]
        if any(old[c] != new[c] for c in OUTCOME):
            rows.add(row["row"])
    return rows


def test_since_rules_reports_only_changed_lines_with_why(tmp_path: Path) -> None:
    orders = tmp_path / "orders.csv"
    book = generate_orders(250, seed=21, customers=40)
    a800 = book.head(3).with_columns(
        pl.lit("nvidia-a800-sxm4-80gb").alias("item"),
        pl.lit("CN").alias("destination"),
        pl.lit("CN").alias("end_user_country"),
        pl.lit("CN").alias("end_user_headquarters_country"),
    )
    pl.concat([book, a800]).write_csv(orders)
    day, since = dt.date(2024, 1, 15), dt.date(2023, 10, 1)
    result = run_batch(
        BatchOptions(orders=orders, out=tmp_path / "c.parquet", as_of=day, since_rules=since, screening=False)
    )
    got = pl.read_parquet(result.out)
    old_rules, new_rules = rules_known_on(since), rules_known_on(None)
    assert old_rules.version != new_rules.version
    expected = _changed(orders, day, (old_rules, NullScreener()), (new_rules, NullScreener()))
    assert expected and set(got["row"]) == expected
    assert got.filter(pl.col("verdict") == pl.col("verdict_before")).height < got.height
    a800 = got.filter(pl.col("item_id").str.starts_with("nvidia-a800") & (pl.col("destination") == "CN"))
    # NLR under the rules of 2023-10-01 but for the end user, whom this run does not screen: HOLD (2026-12-07);
    # a license required under the November 2023 rules whatever the party is
    assert a800.height > 0 and set(a800["verdict_before"]) == {"HOLD"}
    assert set(a800["verdict"]) == {"LICENSE_REQUIRED"}
    for row in got.to_dicts():
        why = json.loads(row["why"])
        assert why["added"] or why["removed"]
        assert row["rules_version_before"] == old_rules.version and row["rules_version"] == new_rules.version
    assert any("2023-11-17" in r["rule"] for r in result.summary["by_reason"])
    assert sum(t["lines"] for t in result.summary["transitions"]) == got.height


def test_since_lists_reports_lines_of_newly_listed_parties(tmp_path: Path) -> None:
    orders = tmp_path / "orders.csv"
    book = generate_orders(200, seed=4, customers=40)
    book.write_csv(orders)
    current = default_screener()
    listed = [n for n in book["end_user_name"].unique().sort().to_list() if current.search(n).matches]
    assert listed
    gone = {h.name for h in current.search(listed[0]).hits}
    from importlib import resources

    data = json.loads((resources.files("chipclear.screening") / "data" / "csl-2026-07-31.json").read_text("utf-8"))
    data["entries"] = [e for e in data["entries"] if e["n"] not in gone and not set(e.get("a", [])) & gone]
    data["entryCount"] = len(data["entries"])
    data.pop("countsBySource", None)
    old_file = tmp_path / "old-csl.json"
    old_file.write_text(json.dumps(data), encoding="utf-8")
    result = run_batch(BatchOptions(orders=orders, out=tmp_path / "c.parquet", since_lists=old_file))
    got = pl.read_parquet(result.out)
    old = Screener(load_list(old_file))
    rules = rules_known_on(None)
    lines, _ = validate(read_orders(orders), load_catalog(), load_geography())
    expected = set()
    for row in lines.to_dicts():
        line = line_from_row(row)
        a = decide_one(determine, line, row["ship_date"], "enforced", rules, old)
        b = decide_one(determine, line, row["ship_date"], "enforced", rules, current)
        if any(a[c] != b[c] for c in OUTCOME):
            expected.add(row["row"])
    assert expected and set(got["row"]) == expected
    assert listed[0] in set(got["end_user_name"])
    assert (got["list_version_before"] != got["list_version"]).all()
    first = got.filter(pl.col("end_user_name") == listed[0]).row(0, named=True)
    assert json.loads(first["screening_before"]) != json.loads(first["screening"])
