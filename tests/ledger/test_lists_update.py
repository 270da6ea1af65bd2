"""Replacing the screening lists is an admin action recorded in the audit log, at every door (a door audit,
2026-12-07: `chipclear lists update` needed no key and wrote no record, so a held line shipped after a keyless
re-dated update). The CLI and ``POST /api/lists/update`` call one function, ``chipclear.ledger.lists.update_lists``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from chipclear.api import create_app
from chipclear.cli import app
from chipclear.ledger import Ledger
from chipclear.ledger.models import AuditRecord
from chipclear.screening import ListStore

from .conftest import Staff

runner = CliRunner()


def _ftm_list(path: Path, names: list[str]) -> Path:
    lines = [
        json.dumps({"id": f"Q{i}", "schema": "Company", "properties": {"name": [name], "country": ["cn"]}})
        for i, name in enumerate(names)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _lists_records(ledger: Ledger) -> list[dict[str, Any]]:
    with ledger.session() as s:
        rows = s.execute(select(AuditRecord).where(AuditRecord.action == "lists.update")).scalars()
        return [{"actor": r.actor, **json.loads(r.payload)} for r in rows]


def _update(ledger_url: str, path: Path, key: str | None) -> tuple[int, str]:
    args = ["lists", "update", "--from", str(path), "--format", "ftm-jsonl", "--list-date", "2026-12-05"]
    args += ["--allow-shrink", "--allow-older"]
    env = {"CHIPCLEAR_DATABASE_URL": ledger_url, "CHIPCLEAR_API_KEY": ""}
    result = runner.invoke(app, args + (["--api-key", key] if key else []), env=env)
    return result.exit_code, result.output


@pytest.mark.parametrize("role", [None, "viewer", "analyst", "approver"])
def test_the_cli_refuses_a_list_update_without_an_admin_key_and_changes_nothing(
    ledger: Ledger, ledger_url: str, staff: Staff, tmp_path: Path, role: str | None
) -> None:
    path = _ftm_list(tmp_path / "l.jsonl", ["Zorblat Devices", "Quxbaz Systems"])
    code, said = _update(ledger_url, path, staff.keys[role] if role else None)
    assert code == 2, said
    line = " ".join(said.split())
    if role is None:
        assert "chipclear: error: no valid API key given (set CHIPCLEAR_API_KEY or pass --api-key)" in line
    else:
        name = staff.users[role].name
        assert f"{name} (role {role}) may not lists.write: it needs role admin or above" in line
    assert ListStore().current() is None  # the embedded list is still the one in use
    assert _lists_records(ledger) == []


def test_an_admins_cli_update_is_recorded_with_the_file_options_and_counts(
    ledger: Ledger, ledger_url: str, staff: Staff, tmp_path: Path
) -> None:
    path = _ftm_list(tmp_path / "l.jsonl", ["Zorblat Devices", "Quxbaz Systems"])
    code, said = _update(ledger_url, path, staff.keys["admin"])
    assert code == 0, said
    assert ListStore().current()["list_date"] == "2026-12-05"
    [record] = _lists_records(ledger)
    assert record["actor"] == "ada"
    assert record["input"] == {
        "file": str(path),
        "format": "ftm-jsonl",
        "list_date": "2026-12-05",
        "allow_redate": False,
        "allow_older": True,
        "allow_shrink": True,
    }
    out = record["output"]
    assert out["entries"] == 2 and out["previous_entries"] > 1000 and out["list_date"] == "2026-12-05"
    assert out["file_list_date"] is None  # an FtM file carries no list date of its own


def test_the_api_writes_the_same_record(ledger: Ledger, ledger_url: str, staff: Staff, tmp_path: Path) -> None:
    body = _ftm_list(tmp_path / "l.jsonl", ["Zorblat Devices", "Quxbaz Systems"]).read_bytes()
    files = {"file": ("mine.jsonl", body)}
    form = {"format": "ftm-jsonl", "list_date": "2026-12-05", "allow_shrink": "true", "allow_older": "true"}
    with TestClient(create_app(ledger_url)) as client:
        refused = client.post("/api/lists/update", files=files, data=form, headers={"X-API-Key": staff.keys["analyst"]})
        assert refused.status_code == 403
        r = client.post("/api/lists/update", files=files, data=form, headers={"X-API-Key": staff.keys["admin"]})
        assert r.status_code == 200, r.text
    [record] = _lists_records(ledger)
    assert record["actor"] == "ada" and record["input"]["file"] == "mine.jsonl"
    assert record["input"]["allow_shrink"] is True and record["input"]["allow_redate"] is False
    assert record["output"]["entries"] == 2
