"""A statistical suffix the data does not name, under a line the Section 301 lists split by suffix, is refused.

8517.62.00 is on List 3 except 8517.62.0090 (note 20(g)) and on List 4A except .0010 and .0020 (note 20(s)(ii)):
an unlisted 10-digit number (8517.62.0050) used to match neither exception and get both lists (25% + 7.5%).
"""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from chipclear.cli import app
from chipclear.errors import InputError
from chipclear.tariffs import duty

from .conftest import Keys, h


@pytest.mark.parametrize("hts", ["8517.62.0050", "8517.62.0000", "8517620099"])
def test_unknown_suffix_is_refused_by_the_engine(hts: str) -> None:
    with pytest.raises(InputError, match=r"^hts: .* is not a statistical reporting number of 8517\.62\.00") as err:
        duty(hts, "CN", dt.date(2020, 6, 1))
    assert err.value.field == "hts" and "8517.62.0010, 8517.62.0020, 8517.62.0090" in err.value.message


def test_known_suffixes_still_get_their_one_list() -> None:
    assert duty("8517.62.0090", "CN", dt.date(2020, 6, 1)).headings_to_file == ["9903.88.15"]
    assert duty("8517.62.0020", "CN", dt.date(2020, 6, 1)).headings_to_file == ["9903.88.04"]


def test_cli_duty_exit_2() -> None:
    out = CliRunner().invoke(app, ["duty", "--hts", "8517.62.0050", "--origin", "CN", "--date", "2020-06-01"])
    assert out.exit_code == 2
    assert "hts: '8517.62.0050'" in out.output


def test_api_duty_and_check_refuse_it(client: TestClient, keys: Keys) -> None:
    params = {"hts": "8517.62.0050", "origin": "CN", "entry_date": "2020-06-01"}
    r = client.get("/api/duty", params=params, headers=h(keys.viewer))
    assert r.status_code == 422, r.text
    assert r.json()["error"]["field"] == "hts"
    body = {
        "item": "H20",
        "destination": "JP",
        "ship_date": "2020-06-01",
        "import_entry": {"hts": "8517.62.0050", "origin": "CN"},
    }
    r = client.post("/api/check", json=body, headers=h(keys.analyst))
    assert r.status_code == 422, r.text
    assert "8517.62.0050" in r.text
