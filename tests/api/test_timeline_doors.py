"""`GET /api/timeline/{item}` answers what `chipclear timeline --json` answers for the same question: the end user
named and screened (its listing a dated cause), and AI model items (ECCN 4E091) as `check` takes them."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from .conftest import Keys, h


def cli_timeline(*args: str) -> dict[str, Any]:
    from chipclear.cli import app

    result = CliRunner().invoke(app, ["timeline", *args, "--json"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.stdout + result.stderr
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def test_an_end_user_on_the_entity_list_is_screened_as_the_cli_screens_it(client: TestClient, keys: Keys) -> None:
    query = "to=CN&end_user_hq=CN&end_user=Moore%20Threads&until=2026-11-29"
    r = client.get(f"/api/timeline/RTX%204090%20D?{query}", headers=h(keys.viewer))
    assert r.status_code == 200, r.text
    api = r.json()
    periods = [(p["start"], p["verdict"]) for p in api["periods"]]
    # a period per set of cited rules (door audit 5): NLR before and under the 2022 rule, then the listing; from
    # 2025-04-09 the H20 letter's bandwidth criterion may also apply (no interconnect figure for the card): still a
    # license required, with what is missing listed (outside audit A4, 2026-12-07)
    assert periods == [
        ("2022-01-01", "NLR"),
        ("2022-10-07", "NLR"),
        ("2023-10-17", "LICENSE_REQUIRED"),
        ("2023-11-17", "LICENSE_REQUIRED"),
        ("2025-04-09", "LICENSE_REQUIRED"),
    ]
    assert any(c["rule"] == "lists#EL" for c in api["periods"][2]["caused_by"])
    assert api["end_user"] == "Moore Threads"
    cli = cli_timeline(
        "RTX 4090 D", "--to", "CN", "--end-user-hq", "CN", "--end-user", "Moore Threads", "--until", "2026-11-29"
    )
    assert api == cli


def test_the_end_users_country_is_resolved_and_used(client: TestClient, keys: Keys) -> None:
    query = "to=CN&end_user=Qingdao%20Sophgo%20Technology%20Co.,%20Ltd.&end_user_country=China&until=2025-06-01"
    api = client.get(f"/api/timeline/L20?{query}", headers=h(keys.viewer)).json()
    assert api["end_user_country"] == "CN"
    assert any(
        p["start"] == "2025-01-16" and any(c["rule"] == "lists#EL" for c in p["caused_by"]) for p in api["periods"]
    )
    cli = cli_timeline(
        "L20",
        "--to",
        "CN",
        "--end-user",
        "Qingdao Sophgo Technology Co., Ltd.",
        "--end-user-country",
        "CN",
        "--until",
        "2025-06-01",
    )
    assert api == cli


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("to=CN&end_user_country=CN", "end_user_country"),  # a country for no one: it would not be used
        ("to=CN&end_user=Acme&end_user_country=Chinaa", "end_user_country"),
        ("to=CN&end_user=", "end_user"),
        ("to=CN&end_user=" + "x" * 301, "end_user"),
    ],
)
def test_end_user_inputs_are_refused_naming_the_field(client: TestClient, keys: Keys, query: str, field: str) -> None:
    r = client.get(f"/api/timeline/H20?{query}", headers=h(keys.viewer))
    assert r.status_code == 422, r.text
    assert r.json()["error"]["field"] == field


@pytest.mark.parametrize("layer", ["enforced", "codified"])
def test_a_model_timeline_is_the_cli_timeline(client: TestClient, keys: Keys, layer: str) -> None:
    r = client.get(f"/api/timeline/gpt-4?to=CN&until=2026-11-29&layer={layer}", headers=h(keys.viewer))
    assert r.status_code == 200, r.text
    api = r.json()
    assert api["item"] == "gpt-4" and api["periods"]
    assert api == cli_timeline("gpt-4", "--to", "CN", "--until", "2026-11-29", "--layer", layer)


def test_an_unknown_item_is_still_refused(client: TestClient, keys: Keys) -> None:
    r = client.get("/api/timeline/gpt-40000?to=CN", headers=h(keys.viewer))
    assert r.status_code == 404 and r.json()["error"]["code"] == "unknown_item"


def test_the_last_period_ends_on_the_until_date(client: TestClient, keys: Keys) -> None:
    # an audit (2026-12-07): `timeline H20 --to CN --until 2025-01-01` showed "2022-01-01 | today", the API end: null
    r = client.get("/api/timeline/H20?to=CN&until=2025-01-01", headers=h(keys.viewer))
    assert r.status_code == 200, r.text
    periods = [(p["start"], p["end"]) for p in r.json()["periods"]]
    assert periods[0][0] == "2022-01-01" and periods[-1][1] == "2025-01-01"  # a period per set of cited rules
    assert r.json() == cli_timeline("H20", "--to", "CN", "--until", "2025-01-01")
    table = CliRunner().invoke(app_of_cli(), ["timeline", "H20", "--to", "CN", "--until", "2025-01-01"])
    assert "2025-01-01" in table.stdout and "today" not in table.stdout
    open_ended = client.get("/api/timeline/H20?to=CN", headers=h(keys.viewer)).json()["periods"]
    assert open_ended[-1]["end"] is None  # no --until: the last period runs on


def test_an_until_before_the_first_day_is_refused(client: TestClient, keys: Keys) -> None:
    r = client.get("/api/timeline/H20?to=CN&until=2019-01-01", headers=h(keys.viewer))
    assert r.status_code == 422, r.text
    assert r.json()["error"]["field"] == "until"
    result = CliRunner().invoke(app_of_cli(), ["timeline", "H20", "--to", "CN", "--until", "2019-01-01"])
    assert result.exit_code == 2 and "before the timeline's first day (2022-01-01)" in result.output


def app_of_cli() -> Any:
    from chipclear.cli import app

    return app
