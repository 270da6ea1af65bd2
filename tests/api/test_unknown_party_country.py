"""A party's country is what the user gives, or unknown, at every door (a door audit, 2026-12-07).

Screening lowers the score of an entry listed in another country than the party's. The console's check form, the
CLI's ``check`` and ``timeline`` filled a blank party country with the destination, so a possible Entity List match
for "Xi'an Xiangyu" (Xi'an Xiangyu Aviation Technology Group, score 0.80 with no country) fell under the review
threshold for an order to DE and came out NLR, while the API, which leaves the country unknown, held the same line.
"""

from __future__ import annotations

import json

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from chipclear.cli import app as cli_app
from chipclear.determination.history import timeline

from .conftest import Keys, h, sign_in

NAME = "Xi'an Xiangyu"
LINE = {"item": "H100", "quantity": 1, "destination": "DE", "ship_date": "2026-07-20"}


def test_every_door_holds_a_possible_match_whose_country_is_not_given(client: TestClient, keys: Keys) -> None:
    api = client.post(
        "/api/check",
        json={**LINE, "parties": [{"name": NAME, "role": "end_user", "headquarters_country": "DE"}]},
        headers=h(keys.analyst),
    )
    assert api.status_code == 200, api.text
    assert api.json()["verdict"] == "HOLD" and "Xiangyu Aviation" in api.json()["missing"][0]

    sign_in(client, keys.analyst)
    form = {**{k: str(v) for k, v in LINE.items()}, "end_user": NAME, "end_user_hq": "DE"}
    page = client.post("/check", data=form, headers={"Origin": "http://testserver"})
    assert page.status_code == 200, page.text
    assert "Xiangyu Aviation" in page.text and "No license required" not in page.text

    args = ["check", "--item", "H100", "--to", "DE", "--date", "2026-07-20", "--end-user", NAME]
    result = CliRunner().invoke(cli_app, [*args, "--end-user-hq", "DE", "--json"])
    assert result.exit_code == 0, result.output
    cli = json.loads(result.stdout)
    assert cli["verdict"] == "HOLD" and cli["input"]["parties"][0]["country"] is None

    periods = timeline("H100", "DE", end_user_hq="DE", end_user=NAME).periods
    assert periods[-1].verdict == "HOLD", periods[-1]


def test_a_country_given_still_counts() -> None:
    # the discount for an entry listed elsewhere stays: the same name stated in DE is below the threshold, in CN above
    def verdict(country: str) -> str:
        args = ["check", "--item", "H100", "--to", "DE", "--date", "2026-07-20", "--end-user", NAME]
        out = CliRunner().invoke(cli_app, [*args, "--end-user-country", country, "--end-user-hq", "DE", "--json"])
        assert out.exit_code == 0, out.output
        return str(json.loads(out.stdout)["verdict"])

    assert verdict("CN") == "HOLD"
    assert verdict("DE") == "NLR"
