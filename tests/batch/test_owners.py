"""Ownership in aggregate in batch (issue 14): the ``end_user_owners`` column (NAME,SHARE,HQ; ...) gives the end user's
owners as a set, decided as the API and CLI decide them (FR Doc 2025-19001, the affiliates rule: listed owners'
shares added, >= 50 %; suspended from 2025-11-10), checked line by line against ``determine()``."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from chipclear.batch import BatchOptions, run_batch
from chipclear.batch.engine import line_from_row
from chipclear.determination import determine

BIREN = "Shanghai Biren Intelligent Technology Co., Ltd."
MOORE = "Moore Threads Intelligent Technology (Beijing) Co., Ltd."


def _line(order: str, day: str, owners: str, name: str = "Example Joint Venture GmbH") -> dict[str, object]:
    return {
        "order_id": order,
        "item": "L20",
        "quantity": 1,
        "destination": "DE",
        "ship_date": day,
        "end_user_name": name,
        "end_user_country": "DE",
        "end_user_headquarters_country": "DE",
        "end_user_owners": owners,
    }


def test_owners_in_aggregate_on_both_sides_of_the_suspension(tmp_path: Path) -> None:
    both = f"{BIREN},30,CN; {MOORE},25,CN"
    rows = [
        _line("SO-1", "2025-10-15", both),  # 55 % listed, rule in force -> affiliate
        _line("SO-2", "2025-10-15", f"{BIREN},30,CN; {MOORE},19,CN; Example Holding GmbH,51,DE"),  # 49 %
        _line("SO-3", "2025-11-10", both),  # the suspension begins
        _line("SO-4", "2025-09-28", both),  # the day before the rule
        _line("SO-5", "2025-10-15", f"{BIREN},30,CN; {MOORE},,CN"),  # unknown share of a listed owner: HOLD
        _line("SO-6", "2025-10-15", ""),  # no owners given
    ]
    orders = tmp_path / "orders.csv"
    pl.DataFrame(rows).write_csv(orders)
    result = run_batch(BatchOptions(orders=orders, out=tmp_path / "d.parquet", verify=len(rows)))
    assert result.bad == 0
    got = pl.read_parquet(result.out).sort("row")
    assert got["verdict"].to_list() == ["LICENSE_REQUIRED", "NLR", "NLR", "NLR", "HOLD", "NLR"]
    details = [" ".join(r["detail"] for r in reasons) for reasons in got["reasons"].to_list()]
    assert "owned 55 % in aggregate" in details[0]
    assert got["end_user_owners"][0] == f"{BIREN},30,CN; {MOORE},25,CN"
    for row in got.iter_rows(named=True):  # every line as determine() decides it, owners included
        direct = determine(line_from_row(row), as_of=row["as_of"])
        assert row["verdict"] == direct.verdict.value
        assert [r["detail"] for r in row["reasons"]] == [r.detail for r in direct.reasons]


def test_a_bad_owners_cell_is_a_bad_row_naming_the_column(tmp_path: Path) -> None:
    rows = [
        _line("SO-1", "2025-10-15", f"{BIREN},thirty,CN"),
        _line("SO-2", "2025-10-15", f"{BIREN},130,CN"),
        _line("SO-3", "2025-10-15", "Just A Name"),
        _line("SO-4", "2025-10-15", f"{BIREN},30,Chinaa"),
        _line("SO-5", "2025-10-15", f"{BIREN},30,CN", name=""),
        _line("SO-6", "2025-10-15", f"{BIREN},30,China"),  # a country name resolves
    ]
    orders = tmp_path / "orders.csv"
    pl.DataFrame(rows).write_csv(orders)
    result = run_batch(BatchOptions(orders=orders, out=tmp_path / "d.parquet", verify=1))
    bad = pl.read_csv(result.bad_rows, infer_schema=False).sort("row")
    reasons = bad["reason"].to_list()
    assert len(reasons) == 5 and all("end_user_owners: " in r for r in reasons), reasons
    assert "'thirty' is not a number" in reasons[0] and "not between 0 and 100" in reasons[1]
    assert "is not NAME,SHARE,HQ" in reasons[2] and "given without end_user_name" in reasons[4]
    got = pl.read_parquet(result.out)
    assert got["end_user_owners"].to_list() == [f"{BIREN},30,CN"]
    assert dt.date(2025, 10, 15) == got["as_of"][0]


@pytest.mark.parametrize("text", [",,,", " , , ", "-,50,CN"])
def test_an_owner_without_a_name_is_refused(text: str) -> None:
    # a hostile-input audit (2026-12-07): --end-user-owner ",,," made an owner named ","
    from chipclear.determination.parties import parse_link
    from chipclear.errors import InputError

    with pytest.raises(InputError, match="is not NAME,SHARE,HQ"):
        parse_link(text, "end_user_owners")
    assert parse_link("Acme, Inc.,50,CN", "end_user_owners").name == "Acme, Inc."
