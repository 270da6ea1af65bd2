"""A party's country is a country, at every door (door audit 5, 2026-12-07: ``check --end-user-country UA-43``
failed deep in screening with "screen: country 'UA-43' is not an ISO 3166-1 alpha-2 code", naming no input). A
listed ISO 3166-2 region is a destination (``--to UA-43`` is taken); as a party's country it is refused naming the
field and the country to give."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from chipclear.cli import app as cli_app

from .conftest import Keys, h

runner = CliRunner()


def test_the_cli_names_the_option_and_the_country_to_give() -> None:
    args = ["check", "--item", "H100", "--to", "DE", "--end-user", "Acme", "--date", "2025-01-01"]
    result = runner.invoke(cli_app, [*args, "--end-user-country", "UA-43"])
    assert result.exit_code == 2
    assert result.stderr.startswith("chipclear: error: --end-user-country: 'UA-43' is a region"), result.stderr
    assert "give UA" in result.stderr
    assert runner.invoke(cli_app, [*args, "--end-user-country", "UA"]).exit_code == 0
    assert runner.invoke(cli_app, ["check", "--item", "H100", "--to", "UA-43", "--date", "2025-01-01"]).exit_code == 0


def test_the_api_and_the_batch_refuse_it_the_same_way(client: TestClient, keys: Keys, tmp_path: Path) -> None:
    party = {"name": "Acme", "role": "end_user", "country": "UA-43"}
    line = {"item": "H100", "destination": "DE", "ship_date": "2025-01-01", "parties": [party]}
    r = client.post("/api/check", json=line, headers=h(keys.analyst))
    assert r.status_code == 422
    assert r.json()["error"]["field"] == "parties.0.country" and "is a region" in r.json()["error"]["message"]
    book = tmp_path / "book.csv"
    book.write_text(
        "item,destination,ship_date,end_user_name,end_user_country\nH100,DE,2025-01-01,Acme,UA-43\n"
        "H100,UA-43,2025-01-01,Acme,UA\n",
        encoding="utf-8",
    )
    out = tmp_path / "out.parquet"
    done = runner.invoke(cli_app, ["batch", str(book), "-o", str(out), "-q", "--no-cache"])
    assert done.exit_code == 0, done.output
    bad = (tmp_path / "out.bad-rows.csv").read_text(encoding="utf-8")
    assert "end_user_country: 'UA-43' is a region" in bad and bad.count("\n") == 2  # header + the first line
