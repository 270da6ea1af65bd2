"""Batch tests share one (empty) lists directory, so the default screener over the embedded lists is built once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest

from chipclear.batch import generate_orders


@pytest.fixture(scope="session")
def shared_lists_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("lists")


@pytest.fixture(autouse=True)
def _shared_lists(shared_lists_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("CHIPCLEAR_LISTS_DIR", str(shared_lists_dir))
    yield


@pytest.fixture(scope="session")
def small_book() -> pl.DataFrame:
    """300 lines over 2022-2026 (many rule versions), listed names and variants well represented."""
    return generate_orders(300, seed=11, start=dt.date(2022, 6, 1), end=dt.date(2026, 10, 31), customers=60)


@pytest.fixture()
def book_csv(small_book: pl.DataFrame, tmp_path: Path) -> Path:
    path = tmp_path / "orders.csv"
    small_book.write_csv(path)
    return path
