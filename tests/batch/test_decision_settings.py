"""Every setting that changes a decision (``settings.decision_settings``) is part of the decision cache's key, of the
checkpoint's signature and of each task sent to a worker: a batch run never answers with another setting's decisions.

A door audit (2026-12-07) found ``CHIPCLEAR_LISTING_LAG_DAYS=400`` ignored by the cache and the checkpoint (a line
``chipclear check`` held came out NLR, its reason still saying "at most 30 days") and by Dask workers (they decided
with their own environment); a worker without the client's ``CHIPCLEAR_CATALOG`` part failed with "row 1: missing
from the output".
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from typer.testing import CliRunner

from chipclear.batch import BatchOptions, run_batch
from chipclear.cli import app as cli_app
from chipclear.decision import OrderLine, Party
from chipclear.determination import determine
from chipclear.errors import ChipclearError
from chipclear.screening import default_screener
from chipclear.settings import decision_settings, settings_differences

# Sunton Tech (HK) was added to the Entity List on 2023-03-06 (88 FR 13675), its effective date not in the data: a
# line 150 days before is held with a listing lag of 400 days, not with the default 30.
HEADER = "order_id,item,quantity,destination,ship_date,end_user_name,end_user_country,end_user_headquarters_country"
LINES = [
    "SO-X1,nvidia-hgx-h20-8gpu,8,IL,2022-10-08,Sunton Tech (HK) Limited,MY,CN",
    "SO-2,H100,2,DE,2025-06-01,,,",
    "SO-3,H20,1,JP,2024-02-01,Example Co,JP,JP",
]
WAITS_FOR = "whether EL entry 'Sunton Tech Hong Kong Ltd.' applied to Sunton Tech (HK) Limited on 2022-10-08"
ACME = """id: acme-x1
vendor: Acme
name: Acme X1
aliases: [X1]
datacenter: true
dense_throughput: {bf16: 400, int8: 800}
die_area_mm2: 620
memory_gb: 96
memory_bandwidth_tbs: 3.2
sources: ["https://acme.example/x1-datasheet.pdf"]
confidence: H
"""


@pytest.fixture()
def book(tmp_path: Path) -> Path:
    path = tmp_path / "book.csv"
    path.write_text("\n".join([HEADER, *LINES]) + "\n", encoding="utf-8")
    return path


def _x1(out: Path) -> dict[str, Any]:
    return pl.read_parquet(out).filter(pl.col("order_id") == "SO-X1").to_dicts()[0]


def _check_x1() -> Any:
    line = OrderLine(
        item="nvidia-hgx-h20-8gpu",
        destination="IL",
        parties=[Party(name="Sunton Tech (HK) Limited", country="MY", headquarters_country="CN")],
    )
    return determine(line, dt.date(2022, 10, 8), screener=default_screener())


def test_a_cached_decision_is_not_reused_under_another_listing_lag(
    book: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = run_batch(BatchOptions(orders=book, out=tmp_path / "lag30.parquet"))
    assert first.summary["keys_from_cache"] == 0
    assert _x1(first.out)["verdict"] == "NLR"  # beyond 30 days before the listing: not yet listed

    monkeypatch.setenv("CHIPCLEAR_LISTING_LAG_DAYS", "400")
    expected = _check_x1()
    assert expected.verdict.value == "HOLD" and any(m.startswith(WAITS_FOR) for m in expected.missing)
    result = CliRunner().invoke(
        cli_app, ["batch", str(book), "--out", str(tmp_path / "lag400.parquet"), "--quiet", "--jsonl", "-"]
    )
    assert result.exit_code == 0, result.output
    x1 = next(json.loads(x) for x in result.stdout.splitlines() if '"SO-X1"' in x)
    assert x1["verdict"] == "HOLD"
    assert any(m.startswith(WAITS_FOR) for m in x1["missing"])
    assert not any("at most 30 days" in r["detail"] for r in x1["reasons"])  # the NLR's text, of the lag of 30
    assert {r["rule"] for r in x1["reasons"]} == {r.rule for r in expected.reasons}
    uncached = run_batch(BatchOptions(orders=book, out=tmp_path / "nocache.parquet", cache=False))
    assert pl.read_parquet(tmp_path / "lag400.parquet").equals(pl.read_parquet(uncached.out))


def test_a_checkpoint_of_other_settings_is_not_resumed(
    book: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    options = BatchOptions(orders=book, out=tmp_path / "d.parquet", cache=False, keep_checkpoint=True)
    assert run_batch(options).resumed is False
    assert run_batch(options).resumed is True  # same settings: resumed
    monkeypatch.setenv("CHIPCLEAR_LISTING_LAG_DAYS", "400")
    again = run_batch(options)
    assert again.resumed is False  # another lag: the run starts over
    x1 = _x1(again.out)
    assert x1["verdict"] == "HOLD" and any(m.startswith(WAITS_FOR) for m in x1["missing"])
    manifest = json.loads((tmp_path / "d.parquet.checkpoint" / "manifest.json").read_text())
    assert manifest["signature"]["decision_settings"]["CHIPCLEAR_LISTING_LAG_DAYS"] == 400


def test_decision_settings_name_every_setting_that_changes_a_decision(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    names = set(decision_settings())
    assert names == {
        "CHIPCLEAR_LISTING_LAG_DAYS",
        "CHIPCLEAR_LIST_MAX_AGE_DAYS",
        "CHIPCLEAR_STALE_LISTS_ON_SHIP",
        "CHIPCLEAR_SCREENING_MATCH_THRESHOLD",
        "CHIPCLEAR_SCREENING_REVIEW_THRESHOLD",
        "CHIPCLEAR_CATALOG",
        "CHIPCLEAR_RULES",
        "CHIPCLEAR_MODELS",
    }
    docs = (Path(__file__).parents[2] / "docs" / "batch.md").read_text(encoding="utf-8")
    assert all(f"`{n}`" in docs for n in names)
    client = decision_settings()
    (tmp_path / "acme.yaml").write_text(ACME, encoding="utf-8")
    monkeypatch.setenv("CHIPCLEAR_CATALOG", str(tmp_path / "acme.yaml"))
    monkeypatch.setenv("CHIPCLEAR_SCREENING_MATCH_THRESHOLD", "0.9")
    with_part = decision_settings()
    assert settings_differences(with_part, client) == [
        "CHIPCLEAR_CATALOG: this worker lacks the client's catalog file(s) acme.yaml",
        "CHIPCLEAR_SCREENING_MATCH_THRESHOLD is 0.88 here and 0.9 on the client",
    ]
    assert settings_differences(with_part, with_part) == []


# -- Dask: workers started with the default environment ----------------------------------------------------------
@pytest.fixture(scope="module")
def cluster(shared_lists_dir: Path) -> Iterator[Any]:
    """One worker process with the tests' environment (tests/conftest.py), started before any test changes it."""
    distributed = pytest.importorskip("distributed")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("CHIPCLEAR_STALE_LISTS_ON_SHIP", "ship")
        env.setenv("CHIPCLEAR_LISTS_DIR", str(shared_lists_dir))
        for name in ("CHIPCLEAR_CATALOG", "CHIPCLEAR_RULES", "CHIPCLEAR_MODELS", "CHIPCLEAR_LISTING_LAG_DAYS"):
            env.delenv(name, raising=False)
        c = distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None)
    with c:
        yield c


def test_a_dask_worker_with_another_listing_lag_refuses(
    cluster: Any, book: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHIPCLEAR_LISTING_LAG_DAYS", "400")  # on the client only
    out = tmp_path / "dask.parquet"
    options = BatchOptions(orders=book, out=out, cache=False, dask=cluster.scheduler_address)
    with pytest.raises(ChipclearError, match=r"CHIPCLEAR_LISTING_LAG_DAYS is 30 here and 400 on the client"):
        run_batch(options)
    assert not out.exists()
    monkeypatch.delenv("CHIPCLEAR_LISTING_LAG_DAYS")  # the worker's settings: decided, as locally
    remote = run_batch(options)
    local = run_batch(BatchOptions(orders=book, out=tmp_path / "local.parquet", cache=False))
    assert pl.read_parquet(remote.out).equals(pl.read_parquet(local.out))


def test_a_dask_worker_without_the_clients_catalog_part_says_so(
    cluster: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "acme.yaml").write_text(ACME, encoding="utf-8")
    monkeypatch.setenv("CHIPCLEAR_CATALOG", str(tmp_path / "acme.yaml"))  # on the client only
    book = tmp_path / "acme.csv"
    book.write_text("item,quantity,destination,ship_date\nacme-x1,1,CN,2025-06-01\n", encoding="utf-8")
    out = tmp_path / "acme.parquet"
    result = CliRunner().invoke(
        cli_app, ["batch", str(book), "--out", str(out), "--no-cache", "--quiet", "--dask", cluster.scheduler_address]
    )
    assert result.exit_code != 0
    assert "this worker lacks the client's catalog file(s) acme.yaml" in result.output
    assert "CHIPCLEAR_CATALOG" in result.output and "missing from the output" not in result.output
    assert not out.exists()


# -- a book in another format than it is given as (the CLI; the API: tests/api/test_batch_wrong_format_http.py) -----
def test_the_cli_names_the_format_a_book_looks_like(tmp_path: Path) -> None:
    as_jsonl = tmp_path / "nl.jsonl"
    as_jsonl.write_text("order_id,item,quantity,destination\nSO-1,H20,1,CN\n", encoding="utf-8")
    result = CliRunner().invoke(cli_app, ["batch", str(as_jsonl), "--out", str(tmp_path / "a.parquet"), "--quiet"])
    assert result.exit_code == 2
    assert "not JSON lines: no line is a record of plain values (row 1, line 1: not valid JSON" in result.output
    parquet = tmp_path / "book.parquet"
    pl.DataFrame({"item": ["H20"], "destination": ["CN"]}).write_parquet(parquet)
    args = ["batch", str(parquet), "--format", "csv", "--out", str(tmp_path / "b.parquet"), "--quiet"]
    result = CliRunner().invoke(cli_app, args)
    assert result.exit_code == 2
    assert "read as CSV, but it looks like Parquet (its first bytes): give the format parquet" in result.output
    assert "UTF-16" not in result.output and "\\x" not in result.output
