"""What-if and batch over HTTP (issue 15): every interface gives the same answers. ``POST /api/whatif`` returns the
report ``chipclear whatif --json`` prints; ``POST /api/batch`` runs the book in the background with progress, and its
decisions equal ``chipclear batch`` on the same book."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import polars as pl
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from chipclear.cli import app as cli_app

from .conftest import Keys, h

runner = CliRunner()
BOOK = """order_id,item,quantity,destination,ship_date,end_user_name,end_user_headquarters_country
SO-1,H20,8,CN,2025-06-01,Example Co,CN
SO-2,H100,2,DE,2025-06-01,,
SO-3,RTX 4090,1,SG,2025-01-10,Summit Gaming Pte. Ltd.,CN
SO-4,H1OO,1,DE,2025-06-01,,
SO-5,A100,4,CN,2022-09-15,Moore Threads Technology,CN
"""
# A30 to Saudi Arabia loses ACA under the TPP 2400 draft, except for the listed end users: they need a license before
# the draft too (their parties are screened, the same in both worlds), and the possible match is on hold before it.
WHATIF_BOOK = BOOK + (
    "SO-6,A30,4,SA,2027-02-01,Centre for Integrated Photonics Ltd.,GB\n"
    "SO-7,A30,4,SA,2027-02-01,Inspur,SA\n"
    "SO-8,A30,4,SA,2027-02-01,Desert AI,SA\n"
)


def _cli_json(*args: str) -> Any:
    result = runner.invoke(cli_app, [*args])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_whatif_over_http_equals_the_cli(client: TestClient, keys: Keys, tmp_path: Path) -> None:
    book = tmp_path / "book.csv"
    book.write_text(WHATIF_BOOK, encoding="utf-8")
    expected = _cli_json("whatif", "tpp-threshold-2400", "--date", "2027-01-01", "--orders", str(book), "--json")
    changed = {c["order_id"]: (c["before"]["verdict"], c["after"]["verdict"]) for c in expected["orders"]["changes"]}
    assert changed == {"SO-7": ("HOLD", "LICENSE_REQUIRED"), "SO-8": ("LICENSE_EXCEPTION", "LICENSE_REQUIRED")}
    assert expected["orders"]["newly_needing_license_or_hold"] == 1 and expected["orders"]["list_version"]
    rows = pl.read_csv(book, infer_schema=False).to_dicts()
    body = {"drafts": ["tpp-threshold-2400"], "date": "2027-01-01", "orders": rows}
    r = client.post("/api/whatif", json=body, headers=h(keys.analyst))
    assert r.status_code == 200, r.text
    got = r.json()
    assert got["orders"].pop("file") == "orders" and expected["orders"].pop("file") == str(book)
    assert got == expected
    text = Path(__file__).parents[2].joinpath("src/chipclear/whatif/drafts/tpp-threshold-2400.yaml").read_text()
    inline = client.post("/api/whatif", json={"draft_texts": [text], "date": "2027-01-01"}, headers=h(keys.analyst))
    assert inline.status_code == 200, inline.text
    assert inline.json()["classification"] == expected["classification"]


def test_whatif_refuses_paths_and_bad_input(client: TestClient, keys: Keys) -> None:
    r = client.post("/api/whatif", json={"drafts": ["/etc/passwd"]}, headers=h(keys.analyst))
    assert r.status_code == 422 and "not a bundled draft" in r.text and "root:" not in r.text
    r = client.post("/api/whatif", json={"drafts": []}, headers=h(keys.analyst))
    assert r.status_code == 422 and r.json()["error"]["field"] == "drafts"
    r = client.post("/api/whatif", json={"drafts": ["tpp-threshold-2400"], "dest": ["CN"]}, headers=h(keys.analyst))
    assert r.status_code == 422 and "dest" in r.text
    bad = {"drafts": ["tpp-threshold-2400"], "orders": [{"item": "H20", "quantity": "two", "destination": "CN"}]}
    r = client.post("/api/whatif", json=bad, headers=h(keys.analyst))
    assert r.status_code in (200, 422) and "/tmp" not in r.text
    r = client.post("/api/whatif", json={"drafts": ["tpp-threshold-2400"]}, headers=h(keys.viewer))
    assert r.status_code == 403


def _wait(client: TestClient, key: str, job: str) -> dict[str, Any]:
    deadline = time.monotonic() + 180
    seen: set[str] = set()
    while time.monotonic() < deadline:
        data: dict[str, Any] = client.get(f"/api/batch/{job}", headers=h(key)).json()
        seen.add(data["state"])
        if data["state"] in ("done", "failed", "interrupted"):
            data["_seen"] = sorted(seen)
            return data
        time.sleep(0.2)
    raise AssertionError(f"batch job {job} did not finish")


def test_batch_over_http_equals_the_cli(client: TestClient, keys: Keys, tmp_path: Path) -> None:
    book = tmp_path / "book.csv"
    book.write_text(BOOK, encoding="utf-8")
    out = tmp_path / "cli.parquet"
    result = runner.invoke(cli_app, ["batch", str(book), "-o", str(out), "-q", "--no-cache"])
    assert result.exit_code == 0, result.output
    cli = pl.read_parquet(out).sort("row")

    files = {"file": ("book.csv", BOOK.encode(), "text/csv")}
    r = client.post("/api/batch", files=files, headers=h(keys.analyst))
    assert r.status_code == 202, r.text
    job = r.json()
    assert job["state"] == "queued" and job["actor"] == "carol" and job["links"]["self"] == f"/api/batch/{job['id']}"
    done = _wait(client, keys.analyst, job["id"])
    assert done["state"] == "done", done
    assert done["summary"]["decided"] == 4 and done["summary"]["bad_rows"] == 1
    assert done["progress"]["phase"] and done["links"]["decisions"].endswith("format=parquet")
    assert done["progress"]["done"] == done["progress"]["total"] > 0  # the last counts, not a throttled earlier one

    parquet = client.get(f"/api/batch/{job['id']}/result", headers=h(keys.analyst))
    assert parquet.status_code == 200
    (tmp_path / "http.parquet").write_bytes(parquet.content)
    http = pl.read_parquet(tmp_path / "http.parquet").sort("row")
    compared = [
        "row",
        "order_id",
        "item_id",
        "destination",
        "as_of",
        "verdict",
        "review_policy",
        "reasons",
        "screening",
    ]
    assert http.select(compared).equals(cli.select(compared))
    lines = client.get(f"/api/batch/{job['id']}/result?format=jsonl", headers=h(keys.analyst)).text.splitlines()
    assert [json.loads(x)["verdict"] for x in lines] == cli["verdict"].to_list()
    bad = client.get(f"/api/batch/{job['id']}/bad-rows", headers=h(keys.analyst)).text
    assert "H1OO" in bad and "SO-4" in bad
    # another analyst may not see carol's job; an admin may
    assert client.get(f"/api/batch/{job['id']}", headers=h(keys.approver)).status_code == 403
    assert client.get(f"/api/batch/{job['id']}", headers=h(keys.admin)).status_code == 200


def test_batch_over_http_refuses_bad_input(client: TestClient, keys: Keys) -> None:
    files = {"file": ("book.csv", BOOK.encode(), "text/csv")}
    r = client.post("/api/batch", files=files, data={"layer": "draft"}, headers=h(keys.analyst))
    assert r.status_code == 422 and r.json()["error"]["field"] == "layer"
    r = client.post("/api/batch", files=files, data={"format": "yaml"}, headers=h(keys.analyst))
    assert r.status_code == 422 and r.json()["error"]["field"] == "format"
    r = client.post("/api/batch", files={"file": ("../x.csv", b"a", "text/csv")}, headers=h(keys.analyst))
    assert r.status_code == 422 and r.json()["error"]["field"] == "file"
    assert client.post("/api/batch", files=files, headers=h(keys.viewer)).status_code == 403
    assert client.get("/api/batch/0123456789abcdef", headers=h(keys.analyst)).status_code == 404
    assert client.get("/api/batch/not-a-job", headers=h(keys.analyst)).status_code == 422
    failing = client.post(
        "/api/batch", files={"file": ("b.xlsx", b"not a workbook", "application/octet-stream")}, headers=h(keys.analyst)
    )
    assert failing.status_code == 202
    done = _wait(client, keys.analyst, failing.json()["id"])
    assert done["state"] == "failed" and "b.xlsx: not a readable .xlsx workbook" in done["error"]
    assert "/batch-jobs/" not in done["error"]
    r = client.get(f"/api/batch/{failing.json()['id']}/result", headers=h(keys.analyst))
    assert r.status_code == 409


def test_an_xlsx_zip_bomb_uploaded_fails_its_job_in_one_line(
    client: TestClient, keys: Keys, tmp_path: Path, monkeypatch: Any
) -> None:
    # a door audit, 2026-12-07: a 4 MB workbook unpacking to 4 GiB took 8.6 GB of the server's memory
    from tests.batch.test_file_doors import _bomb

    from chipclear import tabular

    monkeypatch.setattr(tabular, "MAX_XLSX_UNPACKED", 2_000_000)
    bomb = _bomb(tmp_path / "bomb.xlsx", 5_000_000).read_bytes()
    r = client.post(
        "/api/batch", files={"file": ("bomb.xlsx", bomb, "application/octet-stream")}, headers=h(keys.analyst)
    )
    assert r.status_code == 202, r.text
    done = _wait(client, keys.analyst, r.json()["id"])
    assert done["state"] == "failed", done
    assert "bomb.xlsx: its part 'xl/worksheets/sheet1.xml' unpacks to more than 2,000,000 bytes" in done["error"]
    assert "\n" not in done["error"] and "/batch-jobs/" not in done["error"]
