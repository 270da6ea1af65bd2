"""One answer, one shape at every door (door audit 5, 2026-12-07): the duty timeline was an object on the CLI and a
bare list on the API, ``hold list --json`` 7 keys against ``GET /api/holds``'s full line, and ``lists status``
other fields than ``GET /api/lists/status``."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from chipclear.cli import app as cli_app

from .conftest import Keys, h
from .test_openapi_strict import LINE

runner = CliRunner()


def _cli(args: list[str], env: dict[str, str] | None = None) -> Any:
    result = runner.invoke(cli_app, args, env=env)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_the_duty_timeline_is_the_same_object_at_both_doors(client: TestClient, keys: Keys) -> None:
    params = {"hts": "8473.30.1180", "origin": "CN"}
    api = client.get("/api/duty/timeline", params=params, headers=h(keys.viewer)).json()
    cli = _cli(["duty", "timeline", "--hts", "8473.30.1180", "--origin", "CN", "--json"])
    assert set(api) == {"hts", "origin", "segments"} and api["segments"]
    assert api == cli


def test_held_lines_and_the_list_status_read_the_same_at_both_doors(
    client: TestClient, keys: Keys, db_url: str
) -> None:
    shipped = client.post("/api/shipments", json={"lines": [LINE]}, headers=h(keys.analyst)).json()
    assert shipped["lines"][0]["status"] == "held"
    api = client.get("/api/holds", headers=h(keys.viewer)).json()
    env = {"CHIPCLEAR_DATABASE_URL": db_url, "CHIPCLEAR_API_KEY": keys.viewer}
    cli = _cli(["hold", "list", "--json"], env)
    assert [x["line_id"] for x in api] == [shipped["lines"][0]["line_id"]]
    assert cli == api
    status = client.get("/api/lists/status", headers=h(keys.viewer)).json()
    assert _cli(["lists", "status", "--json"]) == status
    assert "names" in status and "embedded" in status
