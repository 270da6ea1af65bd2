"""The AI models page in a real browser: the catalog table and the compute-versus-date chart with the 4E091 line."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import Server, shoot

pytestmark = pytest.mark.browser


def test_models_page_chart_and_table(page: Any, server: Server) -> None:
    pg = page
    pg.goto(server.url + "/models?as_of=2025-03-01")
    assert pg.locator("#compute-chart circle.model").count() >= 8
    assert pg.locator("#compute-chart #threshold-line").count() == 1
    assert pg.locator("#compute-chart #published-frontier").count() == 1
    rows = pg.locator("#models-table tbody tr")
    assert rows.count() >= 12
    gpt45 = pg.inner_text("#models-table tr#gpt-4\\.5")
    assert "unknown" in gpt45 and "indeterminate" in gpt45
    assert "4E091" in pg.inner_text("#models-table tr#grok-3")
    assert "not 4E091" in pg.inner_text("#models-table tr#deepseek-v3")
    shoot(pg, "20-ai-models")
