"""A party name is shown as it is screened (hostile-input leftovers, 2026-12-07): ``"\\u202eiewauH"`` (a
right-to-left override, then "Huawei" written backwards) is shown as "Huawei" in the console, the audit log and a
spreadsheet, while screening read "iewauH": no hit, NLR for a line to Huawei. A party name holds no bidirectional
formatting character or control that shows nothing at any door (``chipclear.bounds.shown_as_written``); a
zero-width space, a tab or a line break stays (screening and the party keys read past them). Leading and trailing spaces are not part of the name: it
is recorded, screened and echoed without them."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from chipclear.cli import app as cli_app

from .conftest import Keys, h

SPOOF = "\u202eiewauH"  # shown as "Huawei"
RLO = "U+202E, right-to-left override"
LINE = {"item": "L20", "quantity": 1, "destination": "DE", "ship_date": "2025-05-01"}


def _records(client: TestClient, keys: Keys) -> int:
    return int(client.get("/api/audit/verify", headers=h(keys.viewer)).json()["records"])


@pytest.mark.parametrize(("name", "named"), [(SPOOF, RLO), ("Acme\u2066 Co", "U+2066"), ("Hua\x07wei", "U+0007")])
def test_the_api_check_refuses_a_party_name_shown_otherwise_than_read(
    client: TestClient, keys: Keys, name: str, named: str
) -> None:
    before = _records(client, keys)
    line = {**LINE, "parties": [{"name": name, "role": "end_user", "country": "CN"}]}
    r = client.post("/api/check", json=line, headers=h(keys.analyst))
    assert r.status_code == 422, r.text
    assert r.json()["error"]["field"] == "parties.0.name" and named in r.json()["error"]["message"], r.text
    r = client.post("/api/shipments", json={"lines": [line]}, headers=h(keys.analyst))
    assert r.status_code == 422 and r.json()["error"]["field"] == "lines.0.parties.0.name", r.text
    assert _records(client, keys) == before
    assert client.get("/api/holds", headers=h(keys.viewer)).json() == []


def test_the_api_screen_and_license_application_refuse_it(client: TestClient, keys: Keys) -> None:
    r = client.post("/api/screen", json={"name": SPOOF}, headers=h(keys.analyst))
    assert r.status_code == 422 and RLO in r.json()["error"]["message"], r.text
    body = {"items": ["H20"], "destinations": ["CN"], "parties": [{"name": SPOOF, "role": "end_user"}]}
    r = client.post("/api/applications", json=body, headers=h(keys.analyst))
    assert r.status_code == 422 and r.json()["error"]["field"] == "parties.0.name", r.text
    assert client.get("/api/applications", headers=h(keys.viewer)).json() == []


@pytest.mark.parametrize("name", ["Huawei\u200b Technologies", "Huawei\nTechnologies", "Huawei\u2028Technologies"])
def test_a_zero_width_space_or_a_line_break_is_read_past_not_refused(client: TestClient, keys: Keys, name: str) -> None:
    def screened(written: str) -> tuple[str, int]:
        line = {**LINE, "parties": [{"name": written, "role": "end_user", "country": "CN"}]}
        r = client.post("/api/check", json=line, headers=h(keys.analyst))
        assert r.status_code == 200, r.text
        return r.json()["verdict"], len(r.json()["screening"])

    assert screened(name) == screened("Huawei Technologies")
    assert screened(name)[1] > 0


def test_the_api_echoes_and_screens_a_party_name_without_its_outer_spaces(client: TestClient, keys: Keys) -> None:
    line = {**LINE, "parties": [{"name": "  Huawei\u3000", "role": "end_user", "country": "CN"}]}
    r = client.post("/api/check", json=line, headers=h(keys.analyst))
    assert r.status_code == 200, r.text
    assert r.json()["input"]["parties"][0]["name"] == "Huawei"
    assert r.json()["screening"][0]["party"] == "Huawei", r.json()["screening"][0]
    r = client.post("/api/screen", json={"name": " Huawei "}, headers=h(keys.analyst))
    assert r.status_code == 200 and r.json()["query"]["name"] == "Huawei", r.text


def test_the_cli_refuses_it_naming_the_option(tmp_path: Path) -> None:
    args = ["check", "--item", "L20", "--to", "DE", "--date", "2025-05-01", "--end-user", SPOOF]
    out = CliRunner().invoke(cli_app, args)
    assert out.exit_code == 2, out.output
    assert out.output.startswith("chipclear: error: --end-user: must not contain an invisible control") and RLO in (
        out.output
    ), out.output
    out = CliRunner().invoke(cli_app, ["screen", SPOOF])
    assert out.exit_code == 2 and RLO in out.output, out.output


def test_batch_makes_it_a_bad_row_naming_the_column(tmp_path: Path) -> None:
    book = tmp_path / "orders.csv"
    book.write_text(
        "order_id,item,destination,ship_date,end_user_name,end_user_country\n"
        f"SO-1,L20,DE,2025-05-01,Atlas Data Systems GmbH,DE\nSO-2,L20,DE,2025-05-01,{SPOOF},CN\n"
        "SO-3,L20,DE,2025-05-01,Ac\x00me,CN\n",
        encoding="utf-8",
    )
    out = tmp_path / "d.parquet"
    result = CliRunner().invoke(cli_app, ["batch", str(book), "--out", str(out), "--no-screening", "--quiet"])
    assert result.exit_code == 0, result.output
    assert pl.read_parquet(out)["row"].to_list() == [1]
    bad = pl.read_csv(tmp_path / "d.bad-rows.csv", infer_schema=False)
    assert bad["row"].to_list() == ["2", "3"] and bad["reason"][0].startswith("end_user_name: must not contain"), bad
    assert RLO in bad["reason"][0]
    assert bad["reason"][1] == "end_user_name: must not contain a NUL character"  # told once, not twice
    assert bad["end_user_name"].to_list() == ["\\u202eiewauH", "Ac\\x00me"]  # shown escaped, never raw
