"""``/openapi.json`` declares the error body every route really answers (door audit 5, 2026-12-07: the schema had
only FastAPI's 422 ``{"detail": [...]}`` and no 401/403/404/409/413 anywhere, while every error is
``{"error": {"code", "message", "field"}}``, docs/api.md "Errors")."""

from __future__ import annotations

from fastapi.testclient import TestClient

from .conftest import Keys, h
from .openapi_check import SchemaCheck

LINE = {"item": "H100", "destination": "DE", "ship_date": "2025-05-01"}


def test_every_error_answer_validates_against_the_declared_error_model(client: TestClient, keys: Keys) -> None:
    spec = client.get("/openapi.json").json()
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    check = SchemaCheck(spec)
    answers = [
        ("POST", "/api/check", 401, client.post("/api/check", json=LINE)),
        ("POST", "/api/check", 403, client.post("/api/check", json=LINE, headers=h(keys.viewer))),
        ("POST", "/api/check", 404, client.post("/api/check", json={**LINE, "item": "H2O"}, headers=h(keys.analyst))),
        ("POST", "/api/check", 422, client.post("/api/check", json={**LINE, "qty": 1}, headers=h(keys.analyst))),
        ("POST", "/api/check", 422, client.post("/api/check?layr=x", json=LINE, headers=h(keys.analyst))),
        (
            "POST",
            "/api/check",
            413,
            client.post("/api/check", content=b"x" * 1_000_001, headers=h(keys.analyst)),
        ),
        ("GET", "/api/catalog/{item}", 404, client.get("/api/catalog/nope", headers=h(keys.viewer))),
        ("GET", "/api/timeline/{item}", 422, client.get("/api/timeline/H20?to=Chinaa", headers=h(keys.viewer))),
        ("GET", "/api/catalog", 400, client.get("/api/catalog?kind=%FF", headers=h(keys.viewer))),
        (
            "POST",
            "/api/users",
            409,
            client.post("/api/users", json={"name": "bob", "role": "viewer"}, headers=h(keys.admin)),
        ),
        ("GET", "/api/shipments/{shipment_id}", 404, client.get("/api/shipments/999", headers=h(keys.viewer))),
    ]
    problems = []
    for method, path, status, response in answers:
        assert response.status_code == status, (method, path, response.status_code, response.text)
        assert set(response.json()) == {"error"} and response.json()["error"]["code"]
        problems += check.errors(method, path, status, response.json())
    assert problems == []
