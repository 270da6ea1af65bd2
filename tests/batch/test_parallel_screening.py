"""A large screened book's parties are screened in worker processes (``runner.screen_chunk``), the pool the run then
decides with. The answers must be the ones the run's own process gives: the same hits (listed names, their variants
and near misses), the same failures, the same output line by line, and the same decisions as ``determine()``."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from chipclear.batch import BatchOptions
from chipclear.batch import runner as batch_runner
from chipclear.batch.engine import line_from_row
from chipclear.determination import determine
from chipclear.errors import ChipclearError

from .helpers import run_with_setting

NAMES = [
    ("Huawei Technologies Co., Ltd.", "CN"),
    ("HUAWEI TECHNOLOGIES CO LTD", "CN"),
    ("Shanghai Biren Intelligent Technology Co., Ltd.", "CN"),
    ("Moore Threads", "CN"),
    ("4Paradigm Technology Co., Ltd", "CN"),
    ("Sugon", None),
    ("Blue Sky Compute GmbH", "DE"),
    ("Orchard Labs Pte Ltd", "SG"),
    ("Acme Compute Ltd", "MY"),
]


def _book(path: Path) -> int:
    rows = []
    for n in range(400):
        name, country = NAMES[n % len(NAMES)]
        rows.append(
            {
                "order_id": f"SO-{n}",
                "item": ["H20", "L20", "nvidia-h100-sxm5-80gb"][n % 3],
                "quantity": 1,
                "destination": ["CN", "DE", "SG", "MY"][n % 4],
                "ship_date": (dt.date(2023, 1, 5) + dt.timedelta(days=9 * n)).isoformat(),
                # a distinct name per line besides the listed ones: many parties, few of them hits
                "end_user_name": name if n % 2 else f"{name} Branch {n}",
                "end_user_country": country or "",
                "end_user_headquarters_country": "CN" if n % 5 == 0 else "",
            }
        )
    pl.DataFrame(rows).write_csv(path)
    return len(rows)


class Phases:
    def __init__(self) -> None:
        self.current = ""
        self.advances: dict[str, int] = {}

    def phase(self, name: str, total: int | None = None) -> None:
        self.current = name.split()[0]

    def advance(self, amount: int) -> None:
        self.advances[self.current] = self.advances.get(self.current, 0) + 1


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("parallel-screening")
    orders = folder / "orders.csv"
    count = _book(orders)
    phases = {"pool": Phases(), "here": Phases()}

    def options(name: str) -> BatchOptions:
        return BatchOptions(orders=orders, out=folder / f"{name}.parquet", workers=2, cache=False, verify=count)

    got = run_with_setting(
        "PARALLEL_SCREEN_MIN",
        {"pool": (0, options("pool"), phases["pool"]), "here": (10**9, options("here"), phases["here"])},
    )
    return {"count": count, **{name: (result, phases[name]) for name, result in got.items()}}


def test_parties_screened_in_workers_give_the_same_output(runs: dict[str, Any]) -> None:
    (pool, pool_phases), (here, here_phases) = runs["pool"], runs["here"]
    assert pool.distinct_parties == here.distinct_parties > 200
    assert pool_phases.advances["screening"] <= 8 < here_phases.advances["screening"]  # chunks, not parties
    assert pool.bad == here.bad and pool.summary["by_verdict"] == here.summary["by_verdict"]
    a, b = pl.read_parquet(pool.out), pl.read_parquet(here.out)
    for column in a.columns:
        assert a[column].equals(b[column]), column
    listed = a.filter(pl.col("screening").list.len() > 0)
    assert listed.height > 50  # the listed names were found


def test_lines_screened_in_workers_are_what_determine_decides(runs: dict[str, Any]) -> None:
    got = pl.read_parquet(runs["pool"][0].out)
    for row in got.sample(60, seed=5).iter_rows(named=True):
        direct = determine(line_from_row(row), as_of=row["as_of"])
        assert row["verdict"] == direct.verdict.value
        assert [r["detail"] for r in row["reasons"]] == [r.detail for r in direct.reasons]


def test_a_worker_over_other_lists_fails_the_chunk() -> None:
    with pytest.raises(ChipclearError, match="a worker's lists are"):
        batch_runner.screen_chunk([("Huawei", "CN")], "not-the-run's-version", False)
