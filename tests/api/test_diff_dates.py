"""``GET /api/diff`` takes its dates as every other route does: ``YYYY-MM-DD`` only (docs/api.md, "Limits"). Its
``from``/``to`` aliases had lost ``Day``'s validator, so 1685577600 and 2023-06-01T00:00:00Z were read as
2023-06-01 (an audit, 2026-12-07)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from .conftest import Keys, h


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("from=1685577600&to=2023-12-01", "from"),
        ("from=2023-06-01T00:00:00Z&to=2023-12-01", "from"),
        ("from=2023-06-01&to=1701388800", "to"),
        ("from=2023-06-01&to=20231201", "to"),
    ],
)
def test_diff_refuses_a_date_not_written_yyyy_mm_dd(client: TestClient, keys: Keys, query: str, field: str) -> None:
    r = client.get(f"/api/diff?{query}&item=A800", headers=h(keys.viewer))
    assert r.status_code == 422, r.text
    assert r.json()["error"]["field"] == field
    assert "YYYY-MM-DD" in r.json()["error"]["message"]


def test_diff_still_takes_iso_dates_under_from_and_to(client: TestClient, keys: Keys) -> None:
    r = client.get("/api/diff?from=2023-06-01&to=2023-12-01&item=A800", headers=h(keys.viewer))
    assert r.status_code == 200, r.text
    assert (r.json()["from"], r.json()["to"]) == ("2023-06-01", "2023-12-01")
    names = {p["name"] for p in client.get("/openapi.json").json()["paths"]["/api/diff"]["get"]["parameters"]}
    assert {"from", "to"} <= names
