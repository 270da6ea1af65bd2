"""yente's ``POST /match/{dataset}`` on chipclear (``/api/match/{dataset}``): requests written from yente's own
documentation (the route's docstring and ``examples/match_api.py``) get yente-shaped answers from a real
``chipclear serve``, with the scores and hits of ``chipclear screen``; bad datasets, schemas and bounds are 4xx
naming the field; the FtM export of the lists over HTTP."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from tests.api.conftest import Keys, h
from tests.serving import serving

from chipclear.bounds import MAX_MATCH_COMBINATIONS, MAX_MATCH_QUERIES, MAX_PROPERTY_VALUES

# The examples of yente's documentation, as a yente client sends them.
YENTE_BATCH = {
    "queries": {
        "entity1": {
            "schema": "Person",
            "properties": {"name": ["John Doe"], "birthDate": ["1975-04-21"], "nationality": ["us"]},
        },
        "entity2": {
            "schema": "Company",
            "properties": {
                "name": ["Brilliant Amazing Limited"],
                "jurisdiction": ["hk"],
                "registrationNumber": ["84BA99810"],
            },
        },
        "q2": {"schema": "Company", "properties": {"name": ["Stroygazmontazh"], "jurisdiction": ["Russia"]}},
        "moore": {"schema": "Company", "properties": {"name": ["Moore Threads"], "jurisdiction": ["China"]}},
    }
}
RESULT_KEYS = {"id", "caption", "schema", "properties", "datasets", "referents", "target", "first_seen"}
RESULT_KEYS |= {"last_seen", "last_change", "score", "match", "features", "explanations"}


@dataclass
class Served:
    url: str
    key: str
    env: dict[str, str]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """`chipclear serve` as a user starts it, on a fresh data directory."""
    with serving(tmp_path_factory.mktemp("match-serve")) as run:
        yield Served(run.url, run.key, run.env)


def test_a_yente_request_gets_yente_shaped_answers(served: Served) -> None:
    r = httpx.post(
        f"{served.url}/api/match/default",
        json=YENTE_BATCH,
        params={"algorithm": "best", "fuzzy": "false"},
        headers={"Authorization": f"ApiKey {served.key}"},
        timeout=60,
    )
    assert r.status_code == 200, r.text
    assert r.headers["x-batch-size"] == "4"
    data = r.json()
    assert {"responses", "limit", "matcher"} <= data.keys()
    assert set(data["responses"]) == set(YENTE_BATCH["queries"])
    for answer in data["responses"].values():
        assert {"status", "results", "total", "query"} <= answer.keys()
        assert answer["status"] == 200 and answer["total"]["relation"] == "eq"
        assert answer["total"]["value"] >= len(answer["results"])
        for result in answer["results"]:
            assert result.keys() >= RESULT_KEYS, RESULT_KEYS - result.keys()
            assert all(isinstance(v, list) for v in result["properties"].values())
            assert result["match"] == (result["score"] >= data["threshold"])
            assert "explanation" in result["hit"]
    # the query as chipclear read it: countries resolved to FtM's lower-case codes, unused properties named
    assert data["responses"]["q2"]["query"]["properties"]["country"] == ["ru"]
    assert data["responses"]["entity1"]["ignored_properties"] == ["birthDate"]
    moore = data["responses"]["moore"]["results"][0]
    assert moore["id"].startswith("EL-") and moore["match"] is True and moore["schema"] == "LegalEntity"
    assert moore["datasets"] == ["el"] and moore["features"]["country"] > 0
    assert moore["explanations"]["name"]["query"] == "Moore Threads"


def test_the_match_answer_is_the_cli_screen_answer(served: Served) -> None:
    for name, country in (("Moore Threads", "CN"), ("Huawei Technologies", None), ("Rosneft", "RU")):
        props: dict[str, Any] = {"name": [name], **({"country": [country]} if country else {})}
        r = httpx.post(
            f"{served.url}/api/match/default",
            json={"queries": {"q": {"schema": "LegalEntity", "properties": props}}},
            headers={"X-API-Key": served.key},
            timeout=60,
        )
        assert r.status_code == 200, r.text
        args = ["screen", name, "--json", *(["--country", country] if country else [])]
        cli = subprocess.run(
            [sys.executable, "-m", "chipclear", *args], env=served.env, capture_output=True, text=True, timeout=120
        )
        assert cli.returncode == 0, cli.stderr
        screened = json.loads(cli.stdout)
        answer = r.json()["responses"]["q"]
        assert [res["hit"] for res in answer["results"]] == screened["hits"], name
        assert [res["hit"] for res in answer["suppressed"]] == screened["suppressed"]
        assert [res["score"] for res in answer["results"]] == [hit["score"] for hit in screened["hits"]]
        assert r.json()["list_version"] == screened["list_version"]


def test_the_screen_answer_is_the_cli_screen_answer(served: Served) -> None:
    """``POST /api/screen`` answers what ``chipclear screen --json`` prints (its time stamp aside): a hit's explanation
    is typed in the schema since 2026-12-08, and a note that did not move the score stays absent, not null."""
    for name, country in (("Moore Threads", "CN"), ("Realtek Semiconductor Corp.", "CN"), ("NEC Corporation", None)):
        body = {"name": name, **({"country": country} if country else {})}
        r = httpx.post(f"{served.url}/api/screen", json=body, headers={"X-API-Key": served.key}, timeout=60)
        assert r.status_code == 200, r.text
        args = ["screen", name, "--json", *(["--country", country] if country else [])]
        cli = subprocess.run(
            [sys.executable, "-m", "chipclear", *args], env=served.env, capture_output=True, text=True, timeout=120
        )
        assert cli.returncode == 0, cli.stderr
        screened, answer = json.loads(cli.stdout), r.json()
        assert screened["hits"], name
        assert {**answer, "screened_at": None} == {**screened, "screened_at": None}, name


def test_the_lists_export_over_http(served: Served) -> None:
    with httpx.stream("GET", f"{served.url}/api/lists/export.ftm", headers={"X-API-Key": served.key}, timeout=120) as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("application/x-ndjson")
        lines = [json.loads(line) for line in r.iter_lines() if line]
    schemas = {line["schema"] for line in lines}
    assert "Sanction" in schemas and "Person" in schemas
    assert len(lines) % 2 == 0 and all(line["datasets"] for line in lines)


# --- refusals (in-process app) ---------------------------------------------------------------------------------


def post(client: TestClient, keys: Keys, body: Any, dataset: str = "default", **params: Any) -> Any:
    return client.post(f"/api/match/{dataset}", json=body, params=params, headers=h(keys.analyst))


def one(schema: str = "Company", **props: Any) -> dict[str, Any]:
    return {"queries": {"q": {"schema": schema, "properties": props or {"name": ["Moore Threads"]}}}}


@pytest.mark.parametrize(
    ("body", "params", "dataset", "status", "field"),
    [
        (one(), {}, "sanctions", 404, "dataset"),
        (one("Banana"), {}, "default", 422, "queries.q.schema"),
        (one("Address"), {}, "default", 422, "queries.q.schema"),
        ({"queries": {"q": {"properties": {"name": "x"}}}}, {}, "default", 422, "queries.q.schema"),
        (one(), {"limit": 1000}, "default", 422, "limit"),
        (one(), {"limit": 0}, "default", 422, "limit"),
        (one(), {"threshold": 1.5}, "default", 422, "threshold"),
        (one(), {"cutoff": 0}, "default", 422, "cutoff"),  # every entry sharing a word: minutes per request
        (one(), {"cutoff": 0.49}, "default", 422, "cutoff"),
        (one(), {"threshold": 0.1}, "default", 422, "threshold"),  # the cutoff is never above the threshold
        (one(), {"algorithm": "logic-v2"}, "default", 422, "algorithm"),
        (one(), {"include_dataset": "nope"}, "default", 422, "include_dataset"),
        (one(), {"exclude_dataset": "nope"}, "default", 422, "exclude_dataset"),
        (one(), {"exclude_schema": "Banana"}, "default", 422, "exclude_schema"),
        (one(), {"topics": "role.pep"}, "default", 422, "topics"),
        (one(), {"changed_since": "2025-01-01"}, "default", 422, "changed_since"),
        ({**one(), "weights": {"name_literal": 0.8}}, {}, "default", 422, "weights"),
        ({**one(), "extra": 1}, {}, "default", 422, "extra"),
        ({"queries": {}}, {}, "default", 422, "queries"),
        (one(country=["cn"]), {}, "default", 422, "queries.q.properties.name"),
        (one(name=["x" * 301]), {}, "default", 422, "queries.q.properties.name"),
        (one(name=["Acme"], country=["Chinaa"]), {}, "default", 422, "queries.q.properties.country"),
        (one(name=[f"n{i}" for i in range(MAX_PROPERTY_VALUES + 1)]), {}, "default", 422, "queries.q.properties.name"),
        (
            one(name=[f"n{i}" for i in range(MAX_MATCH_COMBINATIONS // 4 + 1)], country=["cn", "ru", "de", "fr"]),
            {},
            "default",
            422,
            "queries.q.properties",
        ),
        (
            {"queries": {f"q{i}": one()["queries"]["q"] for i in range(MAX_MATCH_QUERIES + 1)}},
            {},
            "default",
            422,
            "queries",
        ),
    ],
)
def test_bad_requests_are_refused_naming_the_field(
    client: TestClient, keys: Keys, body: Any, params: dict[str, Any], dataset: str, status: int, field: str
) -> None:
    r = post(client, keys, body, dataset, **params)
    assert r.status_code == status, r.text
    error = r.json()
    assert error["error"]["field"] == field, error
    assert error["detail"] == error["error"]["message"]  # yente's clients read `detail`


def test_keys_and_roles(client: TestClient, keys: Keys) -> None:
    assert client.post("/api/match/default", json=one()).status_code == 401
    assert client.post("/api/match/default", json={"bad": 1}).status_code == 401  # the key comes first
    scheme = client.post("/api/match/default", json=one(), headers={"Authorization": f"Token {keys.analyst}"})
    assert scheme.status_code == 401
    for header in (f"ApiKey {keys.analyst}", f"Apikey {keys.analyst}", f"Bearer {keys.analyst}"):
        assert client.post("/api/match/default", json=one(), headers={"Authorization": header}).status_code == 200
    assert client.post("/api/match/default", json=one(), headers=h(keys.viewer)).status_code == 403
    assert client.get("/api/lists/export.ftm", headers={"Authorization": f"ApiKey {keys.viewer}"}).status_code == 200


def test_datasets_and_filters(client: TestClient, keys: Keys) -> None:
    body = one(name=["Huawei Technologies"])
    everything = post(client, keys, body, limit=100).json()["responses"]["q"]
    sources = {r["hit"]["source"] for r in everything["results"]}
    assert {"EL", "CMIC"} <= sources
    only_el = post(client, keys, body, "el", limit=100).json()["responses"]["q"]
    assert {r["hit"]["source"] for r in only_el["results"]} == {"EL"}
    assert only_el["total"]["value"] == sum(r["hit"]["source"] == "EL" for r in everything["results"])
    no_el = post(client, keys, body, exclude_dataset="el", limit=100).json()["responses"]["q"]
    assert "EL" not in {r["hit"]["source"] for r in no_el["results"]}
    included = post(client, keys, body, include_dataset=["cmic", "sdn"], limit=100).json()["responses"]["q"]
    assert {r["hit"]["source"] for r in included["results"]} <= {"CMIC", "SDN"}
    sanctioned = post(client, keys, body, topics="invest.ban", limit=100).json()["responses"]["q"]
    assert {r["hit"]["source"] for r in sanctioned["results"]} == {"CMIC"}
    first = everything["results"][0]["id"]
    without = post(client, keys, body, exclude_entity_ids=first, limit=100).json()["responses"]["q"]
    assert first not in {r["id"] for r in without["results"]}
    top2 = post(client, keys, body, limit=2).json()["responses"]["q"]
    assert [r["id"] for r in top2["results"]] == [r["id"] for r in everything["results"][:2]]
    assert top2["total"]["value"] == everything["total"]["value"]
    strict = post(client, keys, body, threshold=0.99, limit=100).json()
    assert all(r["match"] == (r["score"] >= 0.99) for r in strict["responses"]["q"]["results"])


def test_several_names_keep_each_entrys_best_hit(client: TestClient, keys: Keys) -> None:
    body = one(name=["Zzqx Nonesuch Trading", "Moore Threads"], alias=["Moore Thread Intelligent Technology"])
    answer = post(client, keys, body).json()["responses"]["q"]
    ids = [r["id"] for r in answer["results"]]
    assert len(ids) == len(set(ids)) and ids
    best = answer["results"][0]
    assert best["score"] == 1.0 and best["explanations"]["name"]["query"] in ("Moore Threads",)
    assert answer["query"]["properties"]["alias"] == ["Moore Thread Intelligent Technology"]


def test_the_openapi_document_types_the_match_answer(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    ok = spec["paths"]["/api/match/{dataset}"]["post"]["responses"]["200"]["content"]["application/json"]
    assert ok["schema"]["$ref"].endswith("/EntityMatchResponseView")
    export = spec["paths"]["/api/lists/export.ftm"]["get"]["responses"]["200"]["content"]
    assert "properties" in export["application/x-ndjson"]["schema"]


def test_the_cli_and_the_match_route_number_the_same_datasets(tmp_path: Path) -> None:
    from chipclear.screening import default_screener
    from chipclear.screening.yente import datasets

    names = datasets(default_screener())
    assert names["default"] == frozenset(e.source for e in default_screener().entries)
    assert all(re.fullmatch(r"[a-z0-9_]+", n) for n in names)
