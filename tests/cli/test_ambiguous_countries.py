"""A country name that means two countries is refused naming both codes, never read as one of them ("Congo" was
read as CG, so an H100 to "Congo" came out NLR, while DR Congo (CD) is in D:5; an audit, 2026-12-07). The EAR's
spellings of both Congos, and "DRC", are read. CLI, API and batch all go through ``Geography.normalize``."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from chipclear.api import create_app
from chipclear.cli import app
from chipclear.errors import InputError
from chipclear.geography import load_geography
from chipclear.ledger import open_ledger, users

runner = CliRunner()


@pytest.mark.parametrize(
    ("typed", "codes"),
    [("Congo", "CG or CD"), ("congo", "CG or CD"), ("Korea", "KR or KP"), ("Virgin Islands", "VG or VI")],
)
def test_an_ambiguous_name_is_refused_naming_the_codes(typed: str, codes: str) -> None:
    with pytest.raises(InputError, match=rf"destination: '{typed}' could mean .*; give the code \({codes}\)"):
        load_geography().normalize(typed, field="destination")


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("DRC", "CD"),
        ("Congo (Democratic Republic of the)", "CD"),
        ("Congo (Democratic Republic of)", "CD"),
        ("Democratic Republic of the Congo", "CD"),
        ("Congo (Republic of the)", "CG"),
        ("Republic of the Congo", "CG"),
        ("CG", "CG"),
        ("CD", "CD"),
        ("Guinea", "GN"),
        ("Samoa", "WS"),
        ("Dominica", "DM"),
        ("Sudan", "SD"),
    ],
)
def test_the_ear_spellings_of_each_congo_are_read(typed: str, code: str) -> None:
    assert load_geography().normalize(typed) == code


def test_cli_check_refuses_congo() -> None:
    args = ["check", "--item", "H100", "--to", "Congo", "--date", "2024-06-01", "--end-user", "Example Sarl"]
    result = runner.invoke(app, [*args, "--end-user-country", "Congo", "--end-user-hq", "Congo"])
    assert result.exit_code == 2, result.output
    assert "to: 'Congo' could mean Congo (CG) or Congo, The Democratic Republic of the (CD)" in result.output
    drc = runner.invoke(app, ["check", "--item", "H100", "--to", "DRC", "--date", "2024-06-01", "--json"])
    assert drc.exit_code == 0, drc.output
    data = json.loads(drc.stdout)
    assert data["input"]["destination"] == "CD" and data["verdict"] == "LICENSE_REQUIRED"


def analyst_key(url: str) -> str:
    """An analyst's API key on a fresh ledger at ``url`` (its first user, an admin, made first)."""
    ledger = open_ledger(url)
    try:
        with ledger.session() as s:
            admin = users.create_user(s, "alice", "admin", None)[0]
            return users.create_user(s, "carol", "analyst", admin)[1]
    finally:
        ledger.close()


def test_api_check_refuses_congo(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'l.db'}"
    key = analyst_key(url)
    line = {"item": "H100", "quantity": 1, "destination": "Congo", "ship_date": "2024-06-01"}
    with TestClient(create_app(url)) as client:
        r = client.post("/api/check", json=line, headers={"X-API-Key": key})
    assert r.status_code == 422, r.text
    assert r.json()["error"]["field"] == "destination"
    assert "could mean Congo (CG) or Congo, The Democratic Republic of the (CD)" in r.json()["error"]["message"]


def test_batch_makes_congo_a_bad_row(tmp_path: Path) -> None:
    orders = tmp_path / "orders.csv"
    orders.write_text(
        "order_id,item,quantity,destination,ship_date\nSO-1,nvidia-h100-sxm5-80gb,1,Congo,2024-06-01\n"
        "SO-2,nvidia-h100-sxm5-80gb,1,DRC,2024-06-01\n",
        encoding="utf-8",
    )
    out = tmp_path / "d.parquet"
    result = runner.invoke(app, ["batch", str(orders), "--out", str(out), "--no-screening", "--quiet"])
    assert result.exit_code == 0, result.output
    bad = pl.read_csv(tmp_path / "d.bad-rows.csv", infer_schema=False)
    assert bad["reason"].to_list()[0].startswith("destination: 'Congo' could mean Congo (CG)")
    decided = pl.read_parquet(out)
    assert decided["destination"].to_list() == ["CD"] and decided["verdict"].to_list() == ["LICENSE_REQUIRED"]
