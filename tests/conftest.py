"""Shared test setup: every test runs with its own data dir, so no test touches a user's real database or lists."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _isolated_data_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    data_dir = tmp_path_factory.mktemp("chipclear-data")
    monkeypatch.setenv("CHIPCLEAR_DATA_DIR", str(data_dir))
    monkeypatch.delenv("CHIPCLEAR_DATABASE_URL", raising=False)
    monkeypatch.delenv("CHIPCLEAR_CATALOG", raising=False)
    monkeypatch.delenv("CHIPCLEAR_RULES", raising=False)
    # The embedded lists are older than the default maximum age: tests not about staleness accept them explicitly
    # (the deployment policy docs/ledger.md describes); tests of the stale-list hold unset this.
    monkeypatch.setenv("CHIPCLEAR_STALE_LISTS_ON_SHIP", "ship")
    yield data_dir
