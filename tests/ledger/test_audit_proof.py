"""Audit that proves history (issue 13): signed checkpoints catch a chain rewritten with recomputed hashes, through
`audit verify --anchor` and `db restore --anchor`; exports redact key hashes for non-admins; `audit export -o`
refuses a folder without leaving anything partial."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from chipclear.api import create_app
from chipclear.ledger import audit

from .test_cli import _grant, cli_env, invoke  # noqa: F401 - cli_env is a fixture

SHIP = ["ship", "--item", "nvidia-h20", "--quantity", "7", "--destination", "CN", "--ship-date", "2025-09-01"]


def rewrite_records(
    db: Path, first: int, edit: Callable[[int, dict[str, Any]], None], digest: Callable[[str, str], str]
) -> None:
    """A forger with write access: ``edit`` each record's data from ``first`` on and recompute every hash from there
    (``digest``) and the head."""
    conn = sqlite3.connect(db)
    try:
        rows = conn.execute(
            "SELECT seq, payload, prev_hash FROM audit_records WHERE seq >= ? ORDER BY seq", (first,)
        ).fetchall()
        prev = rows[0][2]
        for n, payload, _ in rows:
            data = json.loads(payload)
            edit(n, data)
            payload = audit.canonical(data)
            new = digest(prev, payload)
            conn.execute("UPDATE audit_records SET payload=?, prev_hash=?, hash=? WHERE seq=?", (payload, prev, new, n))
            prev = new
        conn.execute("UPDATE audit_head SET hash = ?", (prev,))
        conn.commit()
    finally:
        conn.close()


def rewrite_chain(db: Path, seq: int) -> None:
    """Edit record ``seq`` and recompute every later hash and the head."""

    def edit(n: int, data: dict[str, Any]) -> None:
        if n == seq:
            data["input"] = {"rewritten": True}

    rewrite_records(db, seq, edit, audit.content_hash)


@pytest.fixture
def key_file(tmp_path: Path) -> Path:
    path = tmp_path / "outside-the-db" / "checkpoint.key"
    path.parent.mkdir()
    path.write_text("a3f1" * 16)
    return path


def test_checkpoints_catch_a_rewritten_chain_in_verify_and_restore(
    cli_env: dict[str, str],  # noqa: F811
    tmp_path: Path,
    key_file: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _grant(cli_env)
    assert invoke([*SHIP, "--end-user", "Example Cloud Co@CN"], cli_env["analyst"])[0] == 0
    checkpoints = tmp_path / "witness.jsonl"
    code, out = invoke(
        ["audit", "checkpoint", "--checkpoint-key", str(key_file), "-o", str(checkpoints)], cli_env["viewer"]
    )
    assert code == 0, out
    point = json.loads(checkpoints.read_text())
    assert point["seq"] >= 6 and len(point["mac"]) == 64
    backup = tmp_path / "backup.db"
    assert invoke(["db", "backup", str(backup)], cli_env["admin"])[0] == 0
    anchor = ["--anchor", str(checkpoints), "--checkpoint-key", str(key_file)]
    code, out = invoke(["audit", "verify", *anchor], cli_env["viewer"])
    assert code == 0 and "1 anchors/checkpoints match" in out, out

    rewrite_chain(tmp_path / "ledger.db", 3)
    rewrite_chain(backup, 3)
    code, out = invoke(["audit", "verify"], cli_env["viewer"])
    assert code == 0, out  # the chain alone cannot tell
    code, out = invoke(["audit", "verify", *anchor], cli_env["viewer"])
    assert code == 1 and "differs from the anchor" in out, out

    monkeypatch.setenv("CHIPCLEAR_DATABASE_URL", f"sqlite:///{tmp_path / 'fresh.db'}")
    code, out = invoke(["db", "restore", str(backup), *anchor], "")
    assert code == 2 and "not restored" in out and "differs from the anchor" in out, out
    conn = sqlite3.connect(tmp_path / "fresh.db")
    assert conn.execute("SELECT count(*) FROM audit_records").fetchone() == (0,)  # nothing restored
    conn.close()
    code, out = invoke(["db", "restore", str(backup)], "")  # without the checkpoint the rewrite goes unseen
    assert code == 0, out


def test_a_forged_checkpoint_is_refused(cli_env: dict[str, str], tmp_path: Path, key_file: Path) -> None:  # noqa: F811
    checkpoints = tmp_path / "witness.jsonl"
    invoke(["audit", "checkpoint", "--checkpoint-key", str(key_file), "-o", str(checkpoints)], cli_env["viewer"])
    point = json.loads(checkpoints.read_text())
    point["hash"] = "f" * 64
    checkpoints.write_text(json.dumps(point) + "\n")
    code, out = invoke(
        ["audit", "verify", "--anchor", str(checkpoints), "--checkpoint-key", str(key_file)], cli_env["viewer"]
    )
    assert code == 2 and "signature does not match" in out, out
    code, out = invoke(["audit", "verify", "--anchor", str(checkpoints)], cli_env["viewer"])
    assert code == 2 and "--checkpoint-key" in out
    short = tmp_path / "short.key"
    short.write_text("tiny")
    code, out = invoke(["audit", "checkpoint", "--checkpoint-key", str(short)], cli_env["viewer"])
    assert code == 2 and "shorter than 32 bytes" in out


def test_export_redacts_key_hashes_for_non_admins_and_still_links(
    cli_env: dict[str, str],  # noqa: F811
    tmp_path: Path,
) -> None:
    viewer = tmp_path / "viewer.jsonl"
    admin = tmp_path / "admin.jsonl"
    assert invoke(["audit", "export", "-o", str(viewer)], cli_env["viewer"])[0] == 0
    assert invoke(["audit", "export", "-o", str(admin)], cli_env["admin"])[0] == 0
    prefix = cli_env["viewer"][:10]
    assert prefix in admin.read_text() and '"key_hash": "' in admin.read_text()
    assert prefix not in viewer.read_text() and "redacted_sha256" in viewer.read_text()
    code, out = invoke(["audit", "verify", "--file", str(viewer)], cli_env["viewer"])
    assert code == 0 and "4 redacted records: checked in full" in out, out
    with TestClient(create_app(f"sqlite:///{tmp_path / 'ledger.db'}")) as client:
        api_viewer = client.get("/api/audit/export", headers={"X-API-Key": cli_env["viewer"]}).text
        api_admin = client.get("/api/audit/export", headers={"X-API-Key": cli_env["admin"]}).text
    assert prefix not in api_viewer and "redacted_sha256" in api_viewer
    assert prefix in api_admin


def test_export_to_a_folder_is_one_line_exit_2_and_leaves_nothing(
    cli_env: dict[str, str],  # noqa: F811
    tmp_path: Path,
) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    code, out = invoke(["audit", "export", "-o", str(folder)], cli_env["admin"])
    assert code == 2 and "is a folder" in out and "Traceback" not in out
    assert len(out.strip().splitlines()) == 1
    assert sorted(p.name for p in tmp_path.iterdir() if "partial" in p.name) == []
    code, out = invoke(["audit", "export", "-o", str(tmp_path / "no" / "such.jsonl")], cli_env["admin"])
    assert code == 2 and "does not exist" in out


def test_export_removes_what_a_killed_export_left(cli_env: dict[str, str], tmp_path: Path) -> None:  # noqa: F811
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = tmp_path / f".export.jsonl.{dead.pid}.tmp"  # an export killed with SIGKILL while writing
    stale.write_text('{"seq": 1')
    code, out = invoke(["audit", "export", "-o", str(tmp_path / "export.jsonl")], cli_env["viewer"])
    assert code == 0, out
    assert not stale.exists() and not list(tmp_path.glob(".export.jsonl*"))
    assert len((tmp_path / "export.jsonl").read_text().splitlines()) == 4
