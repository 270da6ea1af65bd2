"""Batch output equals a per-line loop over determine(); workers, Dask and resume give the same output."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from chipclear.batch import BatchOptions, BatchResult, run_batch
from chipclear.batch.engine import decide_one, line_from_row
from chipclear.batch.io import read_orders, validate
from chipclear.batch.nested import NESTED, python_value
from chipclear.batch.runner import COMPARED
from chipclear.catalog import load_catalog
from chipclear.determination import determine
from chipclear.errors import InputError
from chipclear.geography import load_geography
from chipclear.rules import load_rules
from chipclear.screening import default_screener


def _naive(orders: Path, as_of: dt.date | None = None) -> dict[int, dict[str, object]]:
    raw = read_orders(orders)
    lines, _ = validate(raw, load_catalog(), load_geography())
    screener = default_screener()
    out = {}
    for row in lines.to_dicts():
        day = as_of or row["ship_date"]
        direct = decide_one(determine, line_from_row(row), day, "enforced", load_rules(), screener)
        out[row["row"]] = {c: python_value(c, v) if c in NESTED else v for c, v in direct.items()}
    return out


@pytest.fixture(scope="module")
def local_run(small_book: pl.DataFrame, tmp_path_factory: pytest.TempPathFactory) -> tuple[BatchResult, pl.DataFrame]:
    """One in-process run of the small book, shared by the tests that compare other ways of running it."""
    folder = tmp_path_factory.mktemp("local")
    orders = folder / "orders.csv"
    small_book.write_csv(orders)
    result = run_batch(BatchOptions(orders=orders, out=folder / "d.parquet", batch_size=25, verify=0))
    return result, pl.read_parquet(result.out)


def test_every_line_equals_a_direct_determine(book_csv: Path, local_run: tuple[BatchResult, pl.DataFrame]) -> None:
    result, got = local_run
    assert got.height == 300 and result.bad == 0
    assert result.distinct_keys < got.height  # lines share determinations
    expected = _naive(book_csv)
    for row in got.to_dicts():
        want = expected[row["row"]]
        for column in COMPARED:
            assert row[column] == want[column], (row["row"], column)
    verdicts = set(got["verdict"])
    # NLR, LICENSE_REQUIRED and HOLD at least (a book carries no certifications, so its NAC lines are LICENSE_REQUIRED)
    assert {"NLR", "LICENSE_REQUIRED", "HOLD"} <= verdicts
    assert got.schema["reasons"] == NESTED["reasons"] and got.schema["screening"] == NESTED["screening"]
    screened = got.filter(pl.col("screening").list.len() > 0)
    assert screened.height > 0  # listed names and their variants were found
    assert all(s[0]["party"] == n for s, n in screened.select("screening", "end_user_name").rows())
    assert set(got["list_version"].drop_nulls()) == {default_screener().list_version}
    assert set(got["rules_version"]) == {load_rules().version}


def test_date_option_decides_every_line_on_that_date(book_csv: Path, tmp_path: Path) -> None:
    day = dt.date(2024, 3, 1)
    result = run_batch(BatchOptions(orders=book_csv, out=tmp_path / "d.parquet", as_of=day, verify=0))
    got = pl.read_parquet(result.out)
    assert set(got["as_of"]) == {day}
    expected = _naive(book_csv, as_of=day)
    for row in got.to_dicts():
        assert row["reasons"] == expected[row["row"]]["reasons"]
        assert row["verdict"] == expected[row["row"]]["verdict"]


def test_exact_mode_gives_the_same_output(
    book_csv: Path, tmp_path: Path, local_run: tuple[BatchResult, pl.DataFrame]
) -> None:
    fast, frame = local_run
    exact = run_batch(BatchOptions(orders=book_csv, out=tmp_path / "b.parquet", exact=True))
    assert exact.distinct_keys > fast.distinct_keys
    assert frame.equals(pl.read_parquet(exact.out))


def test_two_local_workers_give_the_same_output(
    book_csv: Path, tmp_path: Path, local_run: tuple[BatchResult, pl.DataFrame]
) -> None:
    two = run_batch(BatchOptions(orders=book_csv, out=tmp_path / "two.parquet", batch_size=25, workers=2))
    assert local_run[1].equals(pl.read_parquet(two.out))


def test_auto_workers_stay_in_process_for_a_small_job_and_use_the_cores_for_a_large_one() -> None:
    from chipclear.batch.runner import AUTO_MAX_WORKERS, AUTO_MIN_KEYS, auto_workers

    assert auto_workers(0, cores=8) == 1
    assert auto_workers(AUTO_MIN_KEYS - 1, cores=8) == 1
    assert auto_workers(AUTO_MIN_KEYS, cores=1) == 1
    assert auto_workers(AUTO_MIN_KEYS, cores=2) == 2
    assert auto_workers(1_000_000, cores=64) == AUTO_MAX_WORKERS
    assert auto_workers(1_000_000, cores=3) == 3


def test_auto_workers_decide_in_worker_processes_with_the_same_output(
    book_csv: Path, tmp_path: Path, local_run: tuple[BatchResult, pl.DataFrame], monkeypatch: pytest.MonkeyPatch
) -> None:
    from chipclear.batch import runner

    small = run_batch(BatchOptions(orders=book_csv, out=tmp_path / "small.parquet", workers=0, cache=False))
    assert small.summary["workers"] == 1  # a small book: no process is started
    monkeypatch.setattr(runner, "AUTO_MIN_KEYS", 1)
    monkeypatch.setattr(runner, "AUTO_KEYS_PER_WORKER", 1)
    monkeypatch.setattr(runner, "cpu_cores", lambda: 2)
    auto = run_batch(
        BatchOptions(orders=book_csv, out=tmp_path / "auto.parquet", workers=0, batch_size=25, cache=False)
    )
    assert auto.summary["workers"] == 2
    assert local_run[1].equals(pl.read_parquet(auto.out))
    assert local_run[1].equals(pl.read_parquet(small.out))


def test_a_negative_worker_count_is_refused(book_csv: Path, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="--workers"):
        run_batch(BatchOptions(orders=book_csv, out=tmp_path / "w.parquet", workers=-1))


def test_dask_local_cluster_gives_the_same_output(
    book_csv: Path, tmp_path: Path, local_run: tuple[BatchResult, pl.DataFrame]
) -> None:
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        remote = run_batch(
            BatchOptions(orders=book_csv, out=tmp_path / "dask.parquet", batch_size=25, dask=cluster.scheduler_address)
        )
    assert local_run[1].equals(pl.read_parquet(remote.out))
    assert local_run[0].summary["by_verdict"] == remote.summary["by_verdict"]


def test_determination_failures_become_bad_rows_and_the_run_goes_on(book_csv: Path, tmp_path: Path) -> None:
    result = run_batch(
        BatchOptions(orders=book_csv, out=tmp_path / "d.parquet", decider="batch.standin:fails_on_l4", verify=5)
    )
    got = pl.read_parquet(result.out)
    bad = pl.read_csv(result.bad_rows, infer_schema=False)
    assert got.height + bad.height == 300
    l4 = bad.filter(pl.col("item").is_in(["nvidia-l4", "L4"]))
    assert l4.height > 0 and l4["reason"].str.contains("stand-in: cannot decide L4 lines").all()
    a10 = bad.filter(pl.col("item").is_in(["nvidia-a10", "A10"]))
    assert a10.height > 0 and a10["reason"].str.contains("internal error").all()
    assert not got["item"].is_in(["nvidia-l4", "L4", "nvidia-a10", "A10"]).any()
    # The summary is counted while the output is written; its bad-row count is every bad row, these included.
    assert result.summary["bad_rows"] == result.bad == bad.height
    assert result.summary["lines_decided"] == got.height


def test_summary_and_self_contained_report(local_run: tuple[BatchResult, pl.DataFrame]) -> None:
    result, got = local_run
    counts = dict(got.group_by("verdict").len().iter_rows())
    assert result.summary["by_verdict"] == counts
    per_dest = got.filter(pl.col("destination") == "CN").height
    cn = next(r for r in result.summary["by_destination"] if r["destination"] == "CN")
    assert cn["total"] == per_dest
    top = result.summary["by_reason"][0]
    cited = pl.col("reasons").list.eval(pl.element().struct.field("rule") == top["rule"]).list.any()
    assert top["lines"] == got.filter(cited).height
    assert result.report is not None
    page = result.report.read_text(encoding="utf-8")
    assert page.count("<svg ") >= 2 and page.count("<rect ") >= 4
    assert "<script" not in page and "src=" not in page and "href=" not in page  # nothing to fetch
    assert "LICENSE_REQUIRED" in page and result.rules_version in page


class _Phases:
    def __init__(self) -> None:
        self.names: list[str] = []

    def phase(self, name: str, total: int | None = None) -> None:
        self.names.append(name)

    def advance(self, amount: int) -> None:
        pass


def test_progress_says_whether_the_parties_are_screened(book_csv: Path, tmp_path: Path) -> None:
    """A progress line that reads "screening" must mean the parties were screened: a run with screening off says
    that it is off."""
    off, on = _Phases(), _Phases()
    run_batch(BatchOptions(orders=book_csv, out=tmp_path / "off.parquet", screening=False), off)
    run_batch(BatchOptions(orders=book_csv, out=tmp_path / "on.parquet"), on)
    assert any(n.endswith("distinct parties, not screened (screening is off)") for n in off.names), off.names
    assert not any(n.startswith("screening") for n in off.names), off.names
    assert any(n.startswith("screening") and n.endswith("distinct parties") for n in on.names), on.names


def test_a_run_decided_wholly_from_the_cache_says_no_worker_was_used(book_csv: Path, tmp_path: Path) -> None:
    """With every key in the decision cache no task runs: the summary must not say "dask" for a scheduler that was
    never asked (here nothing listens on the address at all)."""
    first = run_batch(BatchOptions(orders=book_csv, out=tmp_path / "first.parquet", cache=True))
    assert first.summary["keys_from_cache"] < first.summary["distinct_keys"]
    again = run_batch(
        BatchOptions(orders=book_csv, out=tmp_path / "again.parquet", cache=True, dask="tcp://127.0.0.1:9")
    )
    assert again.summary["keys_from_cache"] == again.summary["distinct_keys"]
    assert again.summary["workers"] == "none (every determination from the decision cache)"
    assert pl.read_parquet(first.out).equals(pl.read_parquet(again.out))
