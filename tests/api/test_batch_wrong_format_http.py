"""A book uploaded in another format than it is given as fails its job in one clear line (a door audit, 2026-12-07:
a CSV sent as nl.jsonl said "missing column(s) item, destination; found " and a Parquet book sent with format=csv
echoed its raw bytes, "the file looks like UTF-16")."""

from __future__ import annotations

import io

import polars as pl
from fastapi.testclient import TestClient

from .conftest import Keys, h
from .test_batch_and_whatif_http import _wait

CSV = b"order_id,item,quantity,destination\nSO-1,H20,1,CN\n"


def _failed(client: TestClient, keys: Keys, name: str, data: bytes, form: dict[str, str] | None = None) -> str:
    r = client.post("/api/batch", files={"file": (name, data, "application/octet-stream")}, data=form or {},
                    headers=h(keys.analyst))  # fmt: skip
    assert r.status_code == 202, r.text
    done = _wait(client, keys.analyst, r.json()["id"])
    assert done["state"] == "failed", done
    error: str = done["error"]
    assert "\n" not in error and "/batch-jobs/" not in error
    return error


def test_a_csv_sent_as_json_lines_says_it_is_not_json_lines(client: TestClient, keys: Keys) -> None:
    error = _failed(client, keys, "nl.jsonl", CSV)
    assert error.startswith("nl.jsonl: not JSON lines:")
    assert "row 1, line 1: not valid JSON" in error and "it looks like CSV" in error
    assert "missing column" not in error


def test_a_parquet_book_sent_as_csv_says_it_looks_like_parquet(client: TestClient, keys: Keys) -> None:
    buffer = io.BytesIO()
    pl.DataFrame({"item": ["H20"], "destination": ["CN"]}).write_parquet(buffer)
    error = _failed(client, keys, "book.parquet", buffer.getvalue(), {"format": "csv"})
    assert error == (
        "book.parquet: read as CSV, but it looks like Parquet (its first bytes): give the format parquet "
        "(--format parquet, or name the file .parquet)"
    )
    assert "PAR1" not in error and "\\x" not in error and "UTF-16" not in error
