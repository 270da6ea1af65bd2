"""A redacted export verifies in full (audit 2026-12-07, D1): a viewer's export holds salted digests where the key
hashes and prefixes were, and the record hash covers those digests, so an edit of any other field of a redacted
line fails `audit verify --file`, as does a line marked redacted that had no secret. Ledgers written before (hash
format 1) still verify in the database and in an admin export."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from chipclear.ledger import audit

from .test_audit_proof import SHIP, rewrite_records
from .test_cli import _grant, cli_env, invoke  # noqa: F401 - cli_env is a fixture


def _export(path: Path, key: str) -> list[dict[str, Any]]:
    code, out = invoke(["audit", "export", "-o", str(path)], key)
    assert code == 0, out
    return [json.loads(line) for line in path.read_text().splitlines()]


def _write(path: Path, lines: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(line, sort_keys=True) + "\n" for line in lines))
    return path


def _verify(path: Path, key: str, *extra: str) -> tuple[int, str]:
    return invoke(["audit", "verify", "--file", str(path), *extra], key)


def test_genuine_admin_and_viewer_exports_verify_in_full(cli_env: dict[str, str], tmp_path: Path) -> None:  # noqa: F811
    admin = _export(tmp_path / "admin.jsonl", cli_env["admin"])
    viewer = _export(tmp_path / "viewer.jsonl", cli_env["viewer"])
    assert not any(line.get("redacted") for line in admin)
    redacted = [line for line in viewer if line.get("redacted")]
    assert [line["record"]["action"] for line in redacted] == ["user.create"] * 4
    text = (tmp_path / "viewer.jsonl").read_text()
    assert cli_env["viewer"][:10] not in text and "secret_salt" not in text and "redacted_sha256" in text
    code, out = _verify(tmp_path / "admin.jsonl", cli_env["viewer"])
    assert code == 0 and "audit log OK: 4 records" in out, out
    code, out = _verify(tmp_path / "viewer.jsonl", cli_env["viewer"], "--json")
    assert code == 0 and json.loads(out)["ok"] is True and json.loads(out)["redacted"] == 4, out


def test_an_edit_of_a_redacted_line_fails(cli_env: dict[str, str], tmp_path: Path) -> None:  # noqa: F811
    viewer = _export(tmp_path / "viewer.jsonl", cli_env["viewer"])
    last = viewer[-1]["record"]  # the viewer's user.create: make it an admin
    assert last["input"]["role"] == "viewer" and last["output"]["role"] == "viewer"
    last["input"]["role"] = last["output"]["role"] = "admin"
    code, out = _verify(_write(tmp_path / "role.jsonl", viewer), cli_env["viewer"])
    assert code == 1 and "audit record 4: content does not match its hash" in out, out
    # a digest put back as a secret value, or a redacted line holding its secret
    viewer = _export(tmp_path / "viewer.jsonl", cli_env["viewer"])
    viewer[0]["record"]["state"] = {"tampered": {"key_prefix": "cc_xxxxxxx"}}
    code, out = _verify(_write(tmp_path / "secret.jsonl", viewer), cli_env["viewer"])
    assert code == 1 and "audit record 1: marked redacted but still holds a secret" in out, out


def test_a_line_marked_redacted_that_had_no_secret_fails(cli_env: dict[str, str], tmp_path: Path) -> None:  # noqa: F811
    _grant(cli_env)
    assert invoke(SHIP, cli_env["analyst"])[0] in (0, 1)
    admin = _export(tmp_path / "admin.jsonl", cli_env["admin"])
    ship = next(line for line in admin if line["record"]["action"] in ("ship", "hold"))
    anchor = f"{admin[-1]['seq']}:{admin[-1]['hash']}"
    ship["record"]["input"] = "TAMPERED"
    ship["record"]["actor"] = "someone-else"
    ship["redacted"] = True
    for extra in ((), ("--anchor", anchor)):
        code, out = _verify(_write(tmp_path / "tampered.jsonl", admin), cli_env["viewer"], *extra)
        assert code == 1 and f"audit record {ship['seq']}: marked redacted but has no redacted secret" in out, out
    # the same edit with a secret-looking field added, so the line has something "redacted": the hash fails
    ship["record"]["input"] = {"key_hash": {"redacted_sha256": "0" * 64}}
    code, out = _verify(_write(tmp_path / "tampered.jsonl", admin), cli_env["viewer"])
    assert code == 1 and f"audit record {ship['seq']}: content does not match its hash" in out, out
    # and unmarked, with the edit alone
    ship["record"]["input"] = "TAMPERED"
    del ship["redacted"]
    code, out = _verify(_write(tmp_path / "tampered.jsonl", admin), cli_env["viewer"])
    assert code == 1 and f"audit record {ship['seq']}: content does not match its hash" in out, out


def _to_format_1(db: Path) -> None:
    """Rewrite the ledger as chipclear wrote it before hash format 2: no format, no salt, the hash over the payload."""

    def strip(_: int, data: dict[str, Any]) -> None:
        data.pop("hash_format")
        data.pop("secret_salt", None)

    rewrite_records(db, 1, strip, audit.record_hash)


def test_a_format_1_ledger_still_verifies_and_grows_in_format_2(cli_env: dict[str, str], tmp_path: Path) -> None:  # noqa: F811
    _to_format_1(tmp_path / "ledger.db")
    code, out = invoke(["user", "add", "zed", "--role", "viewer", "--key-only"], cli_env["admin"])
    assert code == 0, out
    code, out = invoke(["audit", "verify"], cli_env["viewer"])
    assert code == 0 and "audit log OK: 5 records" in out, out
    admin = _export(tmp_path / "admin.jsonl", cli_env["admin"])
    assert ["hash_format" in line["record"] for line in admin] == [False] * 4 + [True]
    assert _verify(tmp_path / "admin.jsonl", cli_env["viewer"])[0] == 0
    # a viewer's export: the old records' secrets cannot be redacted verifiably; said, not passed
    _export(tmp_path / "viewer.jsonl", cli_env["viewer"])
    code, out = _verify(tmp_path / "viewer.jsonl", cli_env["viewer"])
    assert code == 1 and "audit record 1: redacted, and written in hash format 1" in out, out
    # a format-2 record turned back into format 1 breaks the chain
    admin[-1]["record"].pop("hash_format")
    admin[-1]["record"].pop("secret_salt")
    code, out = _verify(_write(tmp_path / "down.jsonl", admin), cli_env["viewer"])
    assert code == 1 and "audit record 5: content does not match its hash" in out, out
