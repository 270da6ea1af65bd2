"""An outside audit (2026-12): the bad rows served over HTTP held live spreadsheet formulas; docs/api.md named a
`GET /api/screen` that answers 405; `POST /api/whatif` was documented for 20,000 order lines but its body was cut at
1 MB (about 2,900 realistic lines); a query parameter that is not UTF-8 was read with U+FFFD in its place."""

from __future__ import annotations

import csv
import io
import json
import re
import time
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from chipclear.api.errors import LARGE_BODY_PATHS
from chipclear.batch import generate_orders
from chipclear.spreadsheet import needs_quote

from .conftest import Keys, h

DOCS = Path(__file__).parents[2] / "docs"
HYPERLINK = '=HYPERLINK("http://x","y")'
DDE = "+cmd|' /C calc'!A0"


def _done(client: TestClient, key: str, job: str) -> dict[str, Any]:
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        data: dict[str, Any] = client.get(f"/api/batch/{job}", headers=h(key)).json()
        if data["state"] in ("done", "failed", "interrupted"):
            return data
        time.sleep(0.2)
    raise AssertionError(f"batch job {job} did not finish")


def test_bad_rows_over_http_hold_no_formula(client: TestClient, keys: Keys) -> None:
    book = io.StringIO()
    writer = csv.writer(book)
    writer.writerow(["order_id", "item", "quantity", "destination", "end_user_name"])
    writer.writerow(["SO-1", HYPERLINK, "1", "CN", ""])
    writer.writerow(["SO-2", "H20", "two", "CN", DDE])
    writer.writerow(["SO-3", "H20", "-5", "CN", "@SUM(1+1)"])
    files = {"file": ("book.csv", book.getvalue().encode(), "text/csv")}
    r = client.post("/api/batch", files=files, data={"screening": "false"}, headers=h(keys.analyst))
    assert r.status_code == 202, r.text
    job = r.json()["id"]
    assert _done(client, keys.analyst, job)["state"] == "done"
    text = client.get(f"/api/batch/{job}/bad-rows", headers=h(keys.analyst)).text
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["row"] for r in rows] == ["1", "2", "3"]
    assert all(not needs_quote(cell) for row in rows for cell in row.values()), rows
    assert (rows[0]["item"], rows[1]["end_user_name"], rows[2]["end_user_name"]) == (
        "'" + HYPERLINK,
        "'" + DDE,
        "'@SUM(1+1)",
    )
    assert rows[2]["quantity"] == "-5"


def test_every_route_the_docs_name_exists(client: TestClient) -> None:
    routes = {
        (method.upper(), re.sub(r"\{[^}]*\}", "{}", path))
        for path, methods in client.app.openapi()["paths"].items()  # type: ignore[attr-defined]
        for method in methods
    }
    missing = []
    for doc in sorted(DOCS.rglob("*.md")):
        for found in re.finditer(r"\b(GET|POST|PUT|PATCH|DELETE) (/api/[^\s`?,);|]*)", doc.read_text()):
            path = re.sub(r"\{[^}]*\}", "{}", found.group(2)).rstrip(".:")
            if (found.group(1), path) not in routes:
                missing.append(f"{doc.name}: {found.group(0)}")
    assert not missing


def test_get_screen_is_not_a_route(client: TestClient, keys: Keys) -> None:
    assert client.get("/api/screen?name=Sophgo", headers=h(keys.analyst)).status_code == 405


def test_whatif_takes_20000_realistic_order_lines(client: TestClient, keys: Keys) -> None:
    rows = generate_orders(20_000).to_dicts()
    body = json.dumps({"drafts": [], "orders": rows}, default=str).encode()
    assert len(body) > 1_000_000  # why the route has its own limit: about 6.9 MB
    assert len(body) <= LARGE_BODY_PATHS["/api/whatif"] // 2  # with room for longer lines
    # no draft: refused after the body is read and validated (422 naming drafts), not 413 before
    r = client.post("/api/whatif", content=body, headers={**h(keys.analyst), "content-type": "application/json"})
    assert r.status_code == 422 and r.json()["error"]["field"] == "drafts", r.text[:300]
    too_big = b" " * (LARGE_BODY_PATHS["/api/whatif"] + 1)
    r = client.post("/api/whatif", content=too_big, headers={**h(keys.analyst), "content-type": "application/json"})
    assert r.status_code == 413
    # other routes keep 1 MB
    r = client.post("/api/check", content=body, headers={**h(keys.analyst), "content-type": "application/json"})
    assert r.status_code == 413


def test_a_query_parameter_that_is_not_utf8_is_refused_naming_it(client: TestClient, keys: Keys) -> None:
    r = client.get("/api/catalog?as_of=%ED%A0%80", headers=h(keys.viewer))
    assert r.status_code == 400 and r.json()["error"]["field"] == "as_of", r.text
    r = client.get("/api/catalog?%FF=1", headers=h(keys.viewer))
    assert r.status_code == 400 and "\\xff" in r.json()["error"]["field"]


def test_the_openapi_bounds_are_standard_json_schema(client: TestClient) -> None:
    """A bound placed after a validator is written as pydantic's own ``ge``/``le``, which no client reads (the
    strict number types of 2026-12-07 did so for quantity, value_usd, min_score ... until their bounds came first)."""
    found: list[str] = []

    def walk(node: object, where: str) -> None:
        if isinstance(node, dict):
            found.extend(f"{where}.{k}" for k in ("ge", "le", "gt", "lt") if k in node)
            for key, value in node.items():
                walk(value, f"{where}.{key}")
        elif isinstance(node, list):
            for i, value in enumerate(node):
                walk(value, f"{where}[{i}]")

    walk(client.app.openapi(), "openapi")  # type: ignore[attr-defined]
    assert not found
