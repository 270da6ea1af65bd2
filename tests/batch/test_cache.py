"""The decision cache: a second run over the same rules, lists and code reuses every decision and writes the same
file; another layer, ``--no-cache`` or a custom decider never reuse one."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from chipclear.batch import BatchOptions, run_batch
from chipclear.batch.cache import result_digest
from chipclear.batch.engine import NoHits


def _run(orders: Path, out: Path, **kw: object) -> tuple[dict[str, object], pl.DataFrame]:
    result = run_batch(BatchOptions(orders=orders, out=out, verify=5, **kw))  # type: ignore[arg-type]
    return result.summary, pl.read_parquet(out)


def test_a_second_run_reuses_every_decision_and_writes_the_same_file(book_csv: Path, tmp_path: Path) -> None:
    first, a = _run(book_csv, tmp_path / "a.parquet")
    second, b = _run(book_csv, tmp_path / "b.parquet")
    assert first["keys_from_cache"] == 0
    assert second["keys_from_cache"] == second["distinct_keys"] == first["distinct_keys"]
    assert a.equals(b)
    assert first["by_verdict"] == second["by_verdict"]


def test_another_layer_or_no_cache_decides_again(book_csv: Path, tmp_path: Path) -> None:
    _run(book_csv, tmp_path / "a.parquet", screening=False)
    codified, _ = _run(book_csv, tmp_path / "b.parquet", screening=False, layer="codified")
    assert codified["keys_from_cache"] == 0
    uncached, _ = _run(book_csv, tmp_path / "c.parquet", screening=False, cache=False)
    assert uncached["keys_from_cache"] == 0
    screened, _ = _run(book_csv, tmp_path / "d.parquet")  # other list version: unscreened decisions not reused
    assert screened["keys_from_cache"] == 0


def test_a_screening_result_digest_ignores_only_the_time_stamp() -> None:
    assert result_digest(NoHits()) == result_digest(NoHits())
    assert result_digest(NoHits()) != result_digest(NoHits(list_version="other"))


def test_the_compiled_table_and_the_interpreter_write_the_same_file(
    book_csv: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chipclear.batch import runner

    monkeypatch.setattr(runner, "COMPILED_MIN_KEYS", 0)  # the small book through the compiled table
    _, compiled = _run(book_csv, tmp_path / "a.parquet", cache=False)
    monkeypatch.setattr(runner, "COMPILED_MIN_KEYS", 10**9)  # through determine()
    _, interpreted = _run(book_csv, tmp_path / "b.parquet", cache=False)
    assert compiled.equals(interpreted)
