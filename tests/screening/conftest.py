"""One Screener over the embedded lists for the whole test session (the index builds in a few seconds)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from chipclear.screening import Screener, default_screener


@pytest.fixture(scope="session")
def screener(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Screener]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CHIPCLEAR_DATA_DIR", str(tmp_path_factory.mktemp("embedded-only")))
        mp.delenv("CHIPCLEAR_LISTS_DIR", raising=False)
        yield default_screener()


@pytest.fixture()
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("CHIPCLEAR_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("CHIPCLEAR_LISTS_DIR", raising=False)
    yield tmp_path
