"""A 9903.79.01 / 9903.79.02 claim that contradicts the item's catalog specs is refused at every door (fail closed).

The H200 (TPP 15832, 4800 GB/s) sits inside note 39(b) window (1) (tariffs.md §4, lines 58 and 215-218): claiming
9903.79.02 for it used to give a confident 0% under 9903.79.02; the H20 claimed as 9903.79.01 used to give 25%.
A declaration must not silently win over what chipclear knows of the item: the line is refused, naming the claim
and the item's figures (exit 2 on the CLI, 422 on the API).
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from chipclear.catalog import load_catalog
from chipclear.cli import app
from chipclear.errors import InputError
from chipclear.tariffs import duty

from .conftest import Keys, h

DAY = dt.date(2026, 2, 1)
CLAIM = ["--claim", "9903.79.02"]
TW_CLAIM = ["--origin", "TW", *CLAIM, "--json"]


@pytest.mark.parametrize(("item", "claim"), [("H200", "9903.79.02"), ("H20", "9903.79.01")])
def test_library_refuses_a_claim_that_contradicts_the_specs(item: str, claim: str) -> None:
    with pytest.raises(InputError) as err:
        duty("8471.50.0150", "TW", DAY, item=load_catalog().get(item), claims=[claim])
    assert err.value.field == "claims"
    assert f"claim {claim}" in str(err.value) and "TPP" in str(err.value) and "GB/s" in str(err.value)


def test_a_claim_that_agrees_with_the_specs_is_kept() -> None:
    result = duty("8471.50.0150", "TW", DAY, item=load_catalog().get("H200"), claims=["9903.79.01"])
    assert result.total_rate == 25 and "9903.79.01" in result.headings_to_file


def test_cli_duty_and_check_refuse_it() -> None:
    runner = CliRunner()
    out = runner.invoke(
        app,
        ["duty", "--hts", "8471.50.0150", "--origin", "TW", "--date", "2026-02-01", "--item", "H200", *CLAIM],
    )
    assert out.exit_code == 2
    assert "9903.79.02" in out.output and "15832" in out.output and "4800" in out.output
    out = runner.invoke(
        app,
        ["check", "--item", "H200", "--to", "US", "--date", "2026-02-01", "--import-hts", "8471.50.0150", *TW_CLAIM],
    )
    assert out.exit_code == 2 and "9903.79.02" in out.output and "15832" in out.output


def test_api_duty_and_check_refuse_it(client: TestClient, keys: Keys) -> None:
    params = {"hts": "8471.50.0150", "origin": "CN", "entry_date": "2026-02-01", "item": "H200"}
    r = client.get("/api/duty", params={**params, "claims": "9903.79.02"}, headers=h(keys.viewer))
    assert r.status_code == 422, r.text
    assert "9903.79.02" in r.text and "15832" in r.text
    entry = {"hts": "8471.50.0150", "origin": "TW", "claims": ["9903.79.02"]}
    body = {"item": "H200", "destination": "US", "ship_date": "2026-02-01", "import_entry": entry}
    r = client.post("/api/check", json=body, headers=h(keys.analyst))
    assert r.status_code == 422, r.text
    assert "9903.79.02" in r.text and "15832" in r.text
    assert json.loads(r.text)  # a JSON error body
