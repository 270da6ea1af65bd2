"""A query parameter a route does not declare is refused (422 naming it), never ignored: `?end_user=` on a timeline
without it answered NLR for a listed party, and `POST /api/check?layer=codified` answered the enforced layer
(outside audit, December 2026). One dependency on the /api router (``deps.query_as_declared``) covers every route."""

from __future__ import annotations

import json
import re

import pytest
from fastapi.testclient import TestClient

from chipclear.api.deps import DeclaredQuery, query_problem
from chipclear.decision import OrderLine
from chipclear.determination import determine

from .conftest import Keys, h


def _api_routes(client: TestClient) -> list[tuple[str, str]]:
    """Every (method, path) of the JSON API in its schema, path parameters filled with a placeholder."""
    paths = client.get("/openapi.json").json()["paths"]
    return [(m.upper(), re.sub(r"\{[^}]+\}", "x", p)) for p, ops in paths.items() if p.startswith("/api") for m in ops]


def test_every_api_route_refuses_an_undeclared_query_parameter(client: TestClient, keys: Keys) -> None:
    routes = _api_routes(client)
    assert len(routes) > 40  # the whole API, not a few routes
    for method, path in routes:
        r = client.request(method, f"{path}?bogus=1", headers=h(keys.admin))
        assert r.status_code == 422, (method, path, r.status_code, r.text)
        error = r.json()["error"]
        assert error["code"] == "invalid_input" and error["field"] == "bogus", (method, path, error)
        assert "unknown query parameter 'bogus'" in error["message"]


def test_the_error_names_the_parameter_and_what_the_route_takes(client: TestClient, keys: Keys) -> None:
    r = client.get("/api/classify/H20?as_of=2025-05-01&layr=codified", headers=h(keys.viewer))
    assert r.status_code == 422
    assert r.json()["error"] == {
        "code": "invalid_input",
        "message": "layr: unknown query parameter 'layr'; this route takes: as_of, layer",
        "field": "layr",
    }


def test_a_long_unknown_name_is_echoed_shortened(client: TestClient, keys: Keys) -> None:
    r = client.get(f"/api/catalog?{'v' * 5000}=1", headers=h(keys.viewer))
    assert r.status_code == 422 and r.json()["error"]["field"] == "v" * 60 + "..."
    assert len(r.text) < 500


def test_declared_parameters_still_work_and_a_repeated_one_is_still_refused(client: TestClient, keys: Keys) -> None:
    ok = client.get("/api/classify/H20?as_of=2025-05-01&layer=codified", headers=h(keys.viewer))
    assert ok.status_code == 200 and ok.json()["layer"] == "codified"
    lists = client.get("/api/diff?from=2025-04-01&to=2025-06-01&item=H20&item=H100&dest=CN", headers=h(keys.viewer))
    assert lists.status_code == 200  # a route that takes a list of a parameter takes it repeated
    twice = client.get("/api/duty?hts=8471.50.0150&origin=CN&origin=TW", headers=h(keys.viewer))
    assert twice.status_code == 422 and twice.json()["error"]["field"] == "origin"
    assert "given 2 times" in twice.json()["error"]["message"]


def test_a_request_without_a_key_learns_nothing_of_the_route(client: TestClient) -> None:
    r = client.get("/api/timeline/H20?to=CN&end_user=Moore%20Threads&bogus=1")
    assert r.status_code == 401 and r.json()["error"]["code"] == "unauthorized"
    assert client.get("/api/health?bogus=1").status_code == 422  # the one route without a key


def test_a_yente_client_may_send_fuzzy_but_nothing_else_undeclared(client: TestClient, keys: Keys) -> None:
    batch = {"queries": {"q": {"schema": "Company", "properties": {"name": ["Moore Threads"]}}}}
    headers = {"Authorization": f"ApiKey {keys.analyst}"}
    plain = client.post("/api/match/default", json=batch, headers=headers)
    fuzzy = client.post("/api/match/default?fuzzy=false", json=batch, headers=headers)
    assert plain.status_code == fuzzy.status_code == 200
    assert [x["id"] for x in fuzzy.json()["responses"]["q"]["results"]] == [
        x["id"] for x in plain.json()["responses"]["q"]["results"]
    ]
    assert client.post("/api/match/default?fuzzy=perhaps", json=batch, headers=headers).status_code == 422
    other = client.post("/api/match/default?facets=countries", json=batch, headers=headers)
    assert other.status_code == 422 and other.json()["detail"].startswith("facets: unknown query parameter")


@pytest.mark.parametrize(
    ("query", "problem"),
    [
        ([("to", "CN")], None),
        ([("to", "CN"), ("end_user", "x")], "end_user"),
        ([("item", "a"), ("item", "b")], None),
        ([("to", "CN"), ("to", "DE")], "to"),
        ([("bogus", "1"), ("to", "CN"), ("to", "DE")], "bogus"),  # the unknown one first: it is the likelier slip
    ],
)
def test_query_problem(query: list[tuple[str, str]], problem: str | None) -> None:
    declared = DeclaredQuery(frozenset({"to", "item", "until"}), frozenset({"item"}))
    found = query_problem(query, declared)
    assert (found[0] if found else None) == problem


# -- POST /api/check?layer= ---------------------------------------------------------------------------------------
# DeepSeek-R1 on 2025-01-15: the January 2025 rule's 4E091 is codified (its base model's weights published, R1's own
# not yet: HOLD) but was never enforced (NLR). The API's check is decided from the compiled table of the layer asked
# for, which the equivalence tests hold equal to the interpreter in both layers.
R1_LINE = {"item": "deepseek-r1", "destination": "CN", "ship_date": "2025-01-15"}


@pytest.mark.parametrize("layer", ["enforced", "codified"])
def test_check_decides_in_the_layer_asked_for(client: TestClient, keys: Keys, layer: str) -> None:
    r = client.post(f"/api/check?layer={layer}", json=R1_LINE, headers=h(keys.analyst))
    assert r.status_code == 200, r.text
    decision = r.json()
    expected = determine(OrderLine.model_validate(R1_LINE), layer=layer)  # type: ignore[arg-type]
    assert decision["layer"] == layer
    assert decision["verdict"] == expected.verdict.value
    assert decision["classification"]["status"] == expected.to_json()["classification"]["status"]
    export = client.get("/api/audit/export", headers=h(keys.admin)).text.splitlines()
    record = json.loads(export[-1])["record"]
    assert record["action"] == "check" and record["output"]["layer"] == layer


def test_the_layers_differ_on_that_line(client: TestClient, keys: Keys) -> None:
    """The line above tells the layers apart (else the test before proves nothing)."""
    verdicts = {
        layer: client.post(f"/api/check?layer={layer}", json=R1_LINE, headers=h(keys.analyst)).json()["verdict"]
        for layer in ("enforced", "codified")
    }
    assert verdicts == {"enforced": "NLR", "codified": "HOLD"}


def test_check_refuses_an_unknown_layer(client: TestClient, keys: Keys) -> None:
    r = client.post("/api/check?layer=proposed", json=R1_LINE, headers=h(keys.analyst))
    assert r.status_code == 422 and r.json()["error"]["field"] == "layer"
