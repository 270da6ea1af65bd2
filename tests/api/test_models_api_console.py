"""Model weights through the HTTP API (/api/check with a model item, /api/models) and the console page with its
server-drawn compute-versus-date chart."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient

from chipclear.web.model_chart import ModelPoint, compute_chart, published_frontier

from .conftest import Keys, h, sign_in


def test_api_check_with_a_model_item(client: TestClient, keys: Keys) -> None:
    line = {"item": "grok-3", "destination": "CN", "ship_date": "2025-03-01"}
    r = client.post("/api/check", json=line, headers=h(keys.analyst))
    assert r.status_code == 200, r.text
    d = r.json()
    # Enforced layer: 4E091 was never enforced (compliance date 2025-05-15, non-enforcement from 2025-05-13).
    assert d["classification"]["item"]["kind"] == "model" and d["classification"]["eccn"] is None
    assert d["verdict"] == "NLR"


def test_api_models_lists_the_catalog_with_classifications(client: TestClient, keys: Keys) -> None:
    r = client.get("/api/models?as_of=2025-03-01&layer=codified", headers=h(keys.viewer))
    assert r.status_code == 200
    by_id = {m["item"]["id"]: m for m in r.json()}
    assert by_id["deepseek-v3"]["status"] == "not_controlled" and by_id["deepseek-v3"]["published"] is True
    assert by_id["gpt-4.5"]["status"] == "indeterminate" and by_id["gpt-4.5"]["missing"] == ["training_operations"]
    assert by_id["grok-3"]["eccn"] == "4E091"  # a low-confidence estimate over the line
    one = client.get("/api/models/llama-3.1-405b/classify?as_of=2025-03-01&layer=codified", headers=h(keys.viewer))
    assert one.json()["training_operations"] == 3.8e25


def test_console_models_page_has_the_table_and_chart(client: TestClient, keys: Keys) -> None:
    sign_in(client, keys.viewer)
    r = client.get("/models?as_of=2025-03-01")
    assert r.status_code == 200
    html = r.text
    assert 'id="compute-chart"' in html and 'id="threshold-line"' in html and 'id="published-frontier"' in html
    assert 'data-id="llama-3.1-405b"' in html and "4E091: 1e+26 operations (90 FR 4544)" in html
    assert '<tr id="gpt-4.5">' in html and "indeterminate" in html
    # Grok 3's compute is a third party's low-confidence (L) estimate: flagged in the table, hollow on the chart.
    assert "LOW CONFIDENCE" in html and "(low-confidence estimate)" in html


def test_published_frontier_steps_only_up_on_publication() -> None:
    pts = [
        ModelPoint("a", "A", dt.date(2024, 1, 1), 1e24, dt.date(2024, 1, 1), False),
        ModelPoint("b", "B", dt.date(2024, 6, 1), 5e25, None, True),  # closed: not on the published frontier
        ModelPoint("c", "C", dt.date(2024, 7, 1), 4e25, dt.date(2024, 7, 1), False),
        ModelPoint("d", "D", dt.date(2024, 9, 1), 2e25, dt.date(2024, 9, 1), False),  # below the frontier
    ]
    assert published_frontier(pts, dt.date(2025, 1, 1)) == [(dt.date(2024, 1, 1), 1e24), (dt.date(2024, 7, 1), 4e25)]
    svg = str(compute_chart(pts, 1e26, "4E091", dt.date(2025, 1, 1)))
    assert svg.count('class="model"') == 4 and 'id="threshold-line"' in svg
