"""The decision cache: a second run over the same rules, lists and code reuses every decision and writes the same
file; another layer, ``--no-cache`` or a custom decider never reuse one."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from chipclear.batch import BatchOptions, run_batch
from chipclear.batch.cache import DecisionCache, result_digest
from chipclear.batch.engine import NoHits
from chipclear.batch.runner import _pieces
from chipclear.settings import get_settings


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


def test_a_damaged_cache_file_is_a_miss_and_is_written_again(book_csv: Path, tmp_path: Path) -> None:
    first, a = _run(book_csv, tmp_path / "a.parquet", screening=False)
    (cache_file,) = (get_settings().data_dir / "cache" / "batch").glob("*.parquet")
    cache_file.write_bytes(b"PAR1 not a parquet file")  # read ahead in a thread: the failure must stay a miss
    second, b = _run(book_csv, tmp_path / "b.parquet", screening=False)
    assert second["keys_from_cache"] == 0 and a.equals(b)
    third, c = _run(book_csv, tmp_path / "c.parquet", screening=False)
    assert third["keys_from_cache"] == third["distinct_keys"] == first["distinct_keys"] and a.equals(c)


def test_the_output_comes_in_pieces_the_first_a_quarter() -> None:
    keyed = pl.DataFrame({"row": range(1, 251)})
    pieces = list(_pieces(keyed, 100))
    assert [p.height for p in pieces] == [25, 100, 100, 25]
    assert pl.concat(pieces).equals(keyed)
    assert list(_pieces(keyed.head(0), 100)) == []
    assert [p.height for p in _pieces(keyed.head(3), 100)] == [3]


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


def _keys(rows: list[tuple[str, str | None, str | None]]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "key_id": list(range(len(rows))),
            "epoch": [0] * len(rows),
            "party_key": [r[0] for r in rows],
            "party_country": [r[1] for r in rows],
            "end_user_owners": [r[2] for r in rows],
        },
        schema={
            "key_id": pl.UInt32,
            "epoch": pl.Int32,
            "party_key": pl.String,
            "party_country": pl.String,
            "end_user_owners": pl.String,
        },
    )


def test_a_party_digest_is_its_own_result_by_name_and_country_and_its_owners() -> None:
    """One name screened in two countries has two results; an owner's result is part of the key (a digest by name
    alone gave both countries one of the two digests)."""
    from chipclear.batch.runner import _cache_columns

    a, b = NoHits(list_version="in-AE"), NoHits(list_version="in-CN")
    owner, owner_changed = NoHits(list_version="owner"), NoHits(list_version="owner, changed")
    keys = _keys([("Acme", "AE", None), ("Acme", "CN", None), ("Acme", "AE", "Parent Co,60,CN")])
    found = {("Acme", "AE"): a, ("Acme", "CN"): b, ("Parent Co", None): owner}
    got = _cache_columns(keys, [], found)["party_digest"].to_list()
    assert got[0] == result_digest(a) and got[1] == result_digest(b)
    assert got[2] != got[0] and got[2].startswith(result_digest(a))
    changed = _cache_columns(keys, [], {**found, ("Parent Co", None): owner_changed})["party_digest"].to_list()
    assert changed[:2] == got[:2] and changed[2] != got[2]
    unscreened_owner = {k: v for k, v in found.items() if k[1] is not None}
    first, again = (_cache_columns(keys, [], unscreened_owner)["party_digest"][2] for _ in range(2))
    assert first != again  # an owner without a result: a key no run can hit


def test_the_cache_is_read_as_one_chunk_however_many_row_groups_it_has(tmp_path: Path) -> None:
    """Polars gathers nested columns spread over several chunks 30-50x slower than from one (1.9 s against 0.06 s
    for the 1M-line book's screened cache), and ``split`` gathers every cached key's decision."""
    rows = pl.DataFrame({"key": list(range(10)), "reasons": [[{"rule": f"r{i}", "detail": "d"}] for i in range(10)]})
    path = tmp_path / "cache" / "f.parquet"
    path.parent.mkdir(parents=True)
    rows.write_parquet(path, row_group_size=3)
    assert pl.read_parquet(path)["reasons"].n_chunks() > 1  # what a file of several row groups reads as
    cache = DecisionCache(path.parent, "f")
    cache.prefetch()
    loaded = cache._load()
    assert loaded is not None and loaded.equals(rows)
    assert all(loaded[c].n_chunks() == 1 for c in loaded.columns)
