"""A console on a fresh SQLite ledger (FastAPI's TestClient), signed in as an admin."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from chipclear.api import create_app
from chipclear.ledger import open_ledger, users


@pytest.fixture
def console(tmp_path: Path) -> Iterator[TestClient]:
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    ledger = open_ledger(url)
    try:
        with ledger.session() as s:
            _, key = users.create_user(s, "alice", "admin", None)
    finally:
        ledger.close()
    with TestClient(create_app(url)) as client:
        r = client.post("/login", data={"key": key, "next": "/check"}, follow_redirects=False)
        assert r.status_code == 303, r.text
        client.api_key = key  # type: ignore[attr-defined]  # for /api calls (X-API-Key)
        yield client
