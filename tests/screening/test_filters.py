"""Per-request ``min_score``, ``sources`` and ``limit`` (screener, CLI and API share the screener's checks)."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from chipclear.cli import app
from chipclear.errors import InputError
from chipclear.screening import Screener


def test_sources_keep_only_hits_from_those_lists(screener: Screener) -> None:
    everything = screener.search("Huawei Technologies", limit=100)
    assert {h.source for h in everything.hits} - {"EL"}, "the name is on more than the Entity List"
    only_el = screener.search("Huawei Technologies", limit=100, sources=["el"])
    assert only_el.hits and {h.source for h in only_el.hits} == {"EL"}
    assert only_el.query["sources"] == ["EL"]


def test_an_unknown_source_is_refused(screener: Screener) -> None:
    with pytest.raises(InputError, match="XX"):
        screener.search("Huawei", sources=["XX"])


def test_min_score_and_limit(screener: Screener) -> None:
    low = screener.search("Huawei", min_score=0.5, limit=100)
    default = screener.search("Huawei", limit=100)
    assert len(low.hits) >= len(default.hits)
    assert all(h.score >= 0.5 for h in low.hits)
    assert len(screener.search("Huawei", min_score=0.5, limit=3).hits) == 3
    with pytest.raises(InputError):
        screener.search("Huawei", min_score=1.5)


def test_cli_sources_filter(screener: Screener) -> None:
    result = CliRunner().invoke(app, ["screen", "Huawei Technologies", "--sources", "EL", "--limit", "2", "--json"])
    assert result.exit_code == 0, result.output
    assert '"source": "EL"' in result.output and '"source": "SDN"' not in result.output
    bad = CliRunner().invoke(app, ["screen", "Huawei", "--sources", "XX"])
    assert bad.exit_code == 2
