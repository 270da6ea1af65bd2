"""The ledger CLI: one-line errors with exit 2 and nothing half-written, shipping from a file, keys and roles,
backup and restore (a backup that fails the audit check is refused)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from chipclear.cli import app
from chipclear.decision import Verdict
from chipclear.ledger import checks as ledger_checks
from chipclear.ledger import open_ledger
from chipclear.ledger.models import AuditRecord, ShipmentLine

from . import helpers

runner = CliRunner()
# a grant of application 1 for 2025-08-08..2026-01-01, to which a case adds its option
GRANT_D1 = ["license", "grant", "1", "--number", "D1", "--valid-from", "2025-08-08", "--valid-to", "2026-01-01"]


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    monkeypatch.setenv("CHIPCLEAR_DATABASE_URL", url)
    monkeypatch.delenv("CHIPCLEAR_API_KEY", raising=False)
    # the determination engine is exercised by the walk-through; here a stub keeps the CLI tests fast
    monkeypatch.setattr(ledger_checks, "default_decide", helpers.license_required)
    keys = {}
    for name, role in (("ada", "admin"), ("ana", "analyst"), ("apo", "approver"), ("vic", "viewer")):
        result = runner.invoke(
            app, ["user", "add", name, "--role", role, "--key-only"], env={"CHIPCLEAR_API_KEY": keys.get("admin", "")}
        )
        assert result.exit_code == 0, result.output
        keys[role] = result.output.strip()
    return keys


def invoke(args: list[str], key: str) -> tuple[int, str]:
    result = runner.invoke(app, args, env={"CHIPCLEAR_API_KEY": key})
    return result.exit_code, result.output


def counts(tmp_path: Path) -> tuple[int, int]:
    ledger = open_ledger(f"sqlite:///{tmp_path / 'ledger.db'}")
    try:
        with ledger.session() as s:
            return (
                s.execute(select(func.count()).select_from(AuditRecord)).scalar_one(),
                s.execute(select(func.count()).select_from(ShipmentLine)).scalar_one(),
            )
    finally:
        ledger.close()


def _grant(keys: dict[str, str], quantity: int = 100) -> None:
    code, out = invoke(
        [
            "license",
            "apply",
            "--item",
            "nvidia-h20",
            "--destination",
            "CN",
            "--end-user",
            f"{helpers.END_USER}@CN",
            "--ultimate-consignee",
            f"{helpers.CONSIGNEE}@CN",
            "--quantity",
            str(quantity),
            "--application-number",
            "Z9",
            "--submitted-on",
            "2025-07-15",
        ],
        keys["analyst"],
    )
    assert code == 0, out
    code, out = invoke(
        ["license", "grant", "1", "--number", "D9", "--valid-from", "2025-08-08", "--valid-to", "2027-08-07"],
        keys["approver"],
    )
    assert (code, out.strip()) == (0, "license D9 granted: quantity 100, valid 2025-08-08 to 2027-08-07"), out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["ship", "--item", "H20", "--quantity", "5"], "--item: give --item and --destination"),
        (["ship", "--item", "H20", "--destination", "CN", "--ship-date", "2025-13-01"], "--ship-date: '2025-13-01'"),
        (["ship", "--item", "H20", "--destination", "Chinaa", "--ship-date", "2025-09-01"], "unknown country 'Chinaa'"),
        (
            ["ship", "--item", "H20", "--destination", "CN", "--quantity", "0"],
            "--quantity: Input should be greater than or equal to 1",
        ),
        (
            ["license", "grant", "1", "--number", "D1", "--valid-from", "2025-08-08", "--valid-to", "2024-01-01"],
            "--valid-to: 2024-01-01 is before --valid-from",
        ),
        (
            [*GRANT_D1, "--quantity-tolerance", "1000000"],
            "--quantity-tolerance: 1000000 must be 0 to 100 (percent)",
        ),
        (
            [*GRANT_D1, "--value-tolerance", str(2**63)],
            "--value-tolerance: 9223372036854775808 must be 0 to 100 (percent)",
        ),
        (
            ["license", "grant", "1", "--number", "D1", "--valid-from", "2024-01-01", "--valid-to", "2027-01-01"],
            "--valid-from: 2024-01-01 is before the application was submitted (2025-07-15)",
        ),
        (
            [*GRANT_D1[:6], "2024-01-01", *GRANT_D1[7:], "--decided-on", "2024-01-01"],
            "--decided-on: 2024-01-01 is before the application was submitted (2025-07-15)",
        ),
        (
            [*GRANT_D1[:8], "2199-01-01"],
            "--valid-to: 2199-01-01 is more than 10 years after --valid-from 2025-08-08",
        ),
        (
            [
                *["license", "apply", "--item", "H20", "--destination", "CN", "--end-user", "E"],
                *["--application-number", "Z2", "--submitted-on", "2030-11-01"],
            ],
            "--submitted-on: 2030-11-01 is after today",
        ),
        (["license", "show", "NOPE"], "no license numbered 'NOPE'"),
        (["hold", "release", "99", "--reason", "x"], "no shipment line 99"),
        (["user", "add", "bob", "--role", "root"], "'root' is not a role"),
        (["license", "apply", "--item", "H20", "--destination", "CN"], "an application must name the end user"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_writes_nothing(
    cli_env: dict[str, str], tmp_path: Path, args: list[str], message: str
) -> None:
    if args[:2] == ["license", "grant"]:
        invoke(
            [
                *["license", "apply", "--item", "H20", "--destination", "CN", "--end-user", "E"],
                *["--application-number", "Z1", "--submitted-on", "2025-07-15"],
            ],
            cli_env["analyst"],
        )
    before = counts(tmp_path)
    key = cli_env["admin"]
    code, out = invoke(args, key)
    assert code == 2, out
    assert message in out
    assert len([ln for ln in out.splitlines() if ln.strip()]) == 1
    assert out.startswith("chipclear: error: ")
    assert counts(tmp_path) == before


def test_no_key_or_wrong_role_is_refused(cli_env: dict[str, str]) -> None:
    code, out = invoke(["hold", "list"], "")
    assert code == 2 and "no valid API key" in out
    code, out = invoke(["hold", "list"], "cc_not-a-real-key")
    assert code == 2 and "API key is not valid" in out
    code, out = invoke(["ship", "--item", "H20", "--destination", "CN"], cli_env["viewer"])
    assert code == 2 and "vic (role viewer) may not ship" in out
    code, out = invoke(["user", "add", "eve", "--role", "admin"], cli_env["approver"])
    assert code == 2 and "may not user.write" in out


def test_ship_from_file_and_refused_overshipment(cli_env: dict[str, str], tmp_path: Path) -> None:
    _grant(cli_env)
    lines = [helpers.h20_line(q).model_dump(mode="json") for q in (60, 30, 20)]
    path = tmp_path / "order.json"
    path.write_text(json.dumps(lines))
    code, out = invoke(["ship", "--file", str(path)], cli_env["analyst"])
    assert code == 1, out  # one line held
    assert "line 1: 60 x nvidia-h20 to CN on 2025-08-20: SHIPPED under license D9 (40 left)" in out
    assert "line 2: 30 x nvidia-h20 to CN on 2025-08-20: SHIPPED under license D9 (10 left)" in out
    assert "line 3: 20 x nvidia-h20 to CN on 2025-08-20: HELD, LICENSE_REQUIRED" in out
    assert "quantity 20 exceeds the 10 left" in out
    code, out = invoke(["license", "show", "D9", "--json"], cli_env["viewer"])
    shown = json.loads(out)
    assert (shown["quantity_used"], shown["quantity_left"]) == (90, 10)
    assert [u["quantity"] for u in shown["usage"]] == [60, 30]
    code, out = invoke(["hold", "list", "--json"], cli_env["viewer"])
    assert [h["line_id"] for h in json.loads(out)] == [3]
    code, out = invoke(["hold", "cancel", "3", "--reason", "customer reduced the order"], cli_env["approver"])
    assert (code, out.strip()) == (0, "line 3: cancelled")


def test_bad_file_row_names_file_row_and_field(cli_env: dict[str, str], tmp_path: Path) -> None:
    path = tmp_path / "order.yaml"
    path.write_text("- {item: H20, quantity: 5, destination: CN}\n- {item: H20, quantity: many, destination: CN}\n")
    before = counts(tmp_path)
    code, out = invoke(["ship", "--file", str(path)], cli_env["analyst"])
    assert code == 2
    assert f"{path}: row 2: quantity:" in out
    assert counts(tmp_path) == before


REAL_DECIDE = ledger_checks.default_decide  # before cli_env puts its stub in


@pytest.mark.parametrize(
    ("row", "said"),
    [
        ("{item: H2O-nonexistent, quantity: 5, destination: CN, ship_date: 2025-09-01}", "item: unknown item 'H2O-"),
        ("{item: H20, quantity: 5, destination: CN, ship_date: 1999-01-01}", "ship_date: 1999-01-01 is before"),
    ],
)
def test_a_row_refused_when_decided_names_file_row_and_field(
    cli_env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, row: str, said: str
) -> None:
    monkeypatch.setattr(ledger_checks, "default_decide", REAL_DECIDE)  # the engine refuses these rows
    path = tmp_path / "order.yaml"
    path.write_text(f"- {{item: H20, quantity: 5, destination: CN, ship_date: 2025-09-01}}\n- {row}\n")
    before = counts(tmp_path)
    code, out = invoke(["ship", "--file", str(path)], cli_env["approver"])  # past dates: historical entries
    assert code == 2 and out.startswith(f"chipclear: error: --file: {path}: row 2: {said}") and out.count("\n") == 1, (
        out
    )
    assert counts(tmp_path) == before


def test_audit_cli_verify_and_export(cli_env: dict[str, str], tmp_path: Path) -> None:
    code, out = invoke(["audit", "verify", "--json"], cli_env["viewer"])
    verified = json.loads(out)
    assert code == 0 and verified.pop("last_hash")
    assert verified == {"ok": True, "records": 4, "first_bad_seq": None, "problem": None, "redacted": 0, "anchors": 0}
    target = tmp_path / "audit.jsonl"
    code, out = invoke(["audit", "export", "--output", str(target)], cli_env["viewer"])
    assert code == 0 and len(target.read_text().splitlines()) == 4
    lines = target.read_text().splitlines()
    target.write_text("\n".join([lines[0], lines[2], lines[1], lines[3]]) + "\n")
    code, out = invoke(["audit", "verify", "--file", str(target)], cli_env["viewer"])
    assert code == 1 and "audit log FAILED: audit record 3" in out


def test_backup_restore_roundtrip_and_tampered_backup_refused(
    cli_env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _grant(cli_env)
    code, out = invoke(
        [
            "ship",
            "--item",
            "nvidia-h20",
            "--quantity",
            "7",
            "--destination",
            "CN",
            "--ship-date",
            "2025-09-01",
            "--end-user",
            f"{helpers.END_USER}@CN",
        ],
        cli_env["analyst"],
    )
    assert code == 0, out
    backup = tmp_path / "backup.db"
    code, out = invoke(["db", "backup", str(backup)], cli_env["analyst"])
    assert code == 2 and "may not db.admin" in out
    code, out = invoke(["db", "backup", str(backup)], cli_env["admin"])
    assert code == 0 and "7 audit records verified" in out, out
    # restore into a new, empty ledger (no users yet, so no key is needed)
    monkeypatch.setenv("CHIPCLEAR_DATABASE_URL", f"sqlite:///{tmp_path / 'other.db'}")
    code, out = invoke(["db", "restore", str(backup)], "")
    assert code == 0, out
    code, out = invoke(["license", "show", "D9", "--json"], cli_env["viewer"])  # same users and keys
    assert json.loads(out)["quantity_used"] == 7
    code, out = invoke(["db", "restore", str(backup)], cli_env["admin"])
    assert code == 2 and "--replace" in out
    # a backup with one byte changed is refused, and the ledger is left as it was
    data = bytearray(backup.read_bytes())
    i = data.index(b"Example Cloud Co")
    data[i] = ord("F")
    bad = tmp_path / "bad.db"
    bad.write_bytes(bytes(data))
    code, out = invoke(["db", "restore", str(bad), "--replace"], cli_env["admin"])
    assert code == 2 and "fails the audit check, not restored" in out, out
    code, out = invoke(["audit", "verify"], cli_env["viewer"])
    assert code == 0 and "7 records" in out


def test_check_line_verdicts_stay_typed(cli_env: dict[str, str]) -> None:
    # the stubbed engine stays LICENSE_REQUIRED until a license exists
    code, out = invoke(
        ["ship", "--item", "nvidia-h20", "--destination", "CN", "--end-user", helpers.END_USER, "--json"],
        cli_env["analyst"],
    )
    assert code == 1
    assert json.loads(out)[0]["decision"]["verdict"] == Verdict.LICENSE_REQUIRED.value


def test_application_commands_and_lists(cli_env: dict[str, str]) -> None:
    code, out = invoke(
        ["license", "apply", "--item", "nvidia-h20", "--destination", "CN", "--end-user", "E"], cli_env["analyst"]
    )
    assert (code, out.strip()) == (0, "application 1: draft")
    code, out = invoke(["license", "deny", "1", "--reason", "r"], cli_env["approver"])
    assert code == 2 and "is a draft" in out
    code, out = invoke(
        ["license", "submit", "1", "--application-number", "Z5", "--submitted-on", "2025-07-15"], cli_env["analyst"]
    )
    assert (code, out.strip()) == (0, "application 1 (Z5): submitted")
    code, out = invoke(
        ["license", "deny", "1", "--returned", "--reason", "returned without action"], cli_env["approver"]
    )
    assert (code, out.strip()) == (0, "application 1: returned")
    invoke(["license", "apply", "--item", "H20", "--destination", "CN", "--end-user", "E"], cli_env["analyst"])
    code, out = invoke(["license", "withdraw", "2", "--reason", "order cancelled"], cli_env["analyst"])
    assert (code, out.strip()) == (0, "application 2: withdrawn")
    code, out = invoke(["license", "list", "--applications", "--json"], cli_env["viewer"])
    assert [(a["id"], a["status"]) for a in json.loads(out)] == [(1, "returned"), (2, "withdrawn")]
    code, out = invoke(["license", "list", "--json"], cli_env["viewer"])
    assert (code, json.loads(out)) == (0, [])
    code, out = invoke(["user", "list"], cli_env["admin"])
    assert code == 0 and "apo: approver" in out


def test_db_upgrade_from_previous_schema(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from chipclear.ledger.db import current_revision, make_engine, upgrade

    url = f"sqlite:///{tmp_path / 'old.db'}"
    monkeypatch.setenv("CHIPCLEAR_DATABASE_URL", url)
    engine = make_engine(url)
    upgrade(engine, "0001")
    engine.dispose()
    code, out = invoke(["audit", "verify"], "")
    assert code == 2 and "run `chipclear db upgrade`" in out
    code, out = invoke(["db", "upgrade"], "")
    assert (code, out.strip()) == (0, "ledger schema upgraded from 0001 to 0007")
    engine = make_engine(url)
    assert current_revision(engine) == "0007"
    engine.dispose()
    code, out = invoke(["db", "upgrade"], "")
    assert (code, out.strip()) == (0, "ledger schema is up to date (revision 0007)")
    key = runner.invoke(app, ["user", "add", "ada", "--role", "admin", "--key-only"]).output.strip()
    code, out = invoke(["audit", "export"], key)
    assert '"action": "db.upgrade"' in out.splitlines()[0]


def test_license_revoke_command(cli_env: dict[str, str]) -> None:
    _grant(cli_env)
    code, out = invoke(["license", "revoke", "D9", "--suspend", "--reason", "agency letter"], cli_env["approver"])
    assert (code, out.strip()) == (0, f"license D9: suspended from {dt.date.today()}")
    code, out = invoke(["license", "revoke", "D9", "--reason", "revoked"], cli_env["analyst"])
    assert code == 2 and "may not license.write" in out
    code, out = invoke(["license", "revoke", "D9", "--reason", "revoked by the agency"], cli_env["approver"])
    assert (code, out.strip()) == (0, f"license D9: revoked from {dt.date.today()}")


def test_license_show_lists_the_status_history_and_a_refused_reinstatement_says_why(cli_env: dict[str, str]) -> None:
    _grant(cli_env)
    code, out = invoke(["license", "revoke", "D9", "--reinstate", "--reason", "r"], cli_env["approver"])
    assert (
        code == 2
        and out.strip()
        == "chipclear: error: NUMBER: license D9 is active, not suspended; only a suspended license can be reinstated"
    )
    day = dt.date.today().isoformat()
    args = ["license", "revoke", "D9", "--suspend", "--reason", "BIS letter", "--effective", day]
    assert invoke(args, cli_env["approver"])[0] == 0
    code, out = invoke(["license", "show", "D9"], cli_env["viewer"])
    assert code == 0 and f"suspended from {day}: BIS letter (apo" in out, out


def test_the_cli_answers_an_application_and_a_license_in_the_api_view_shape(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    """One JSON shape per object: the CLI serialises the same ledger views as the API (created_by/created_at too)."""
    from chipclear.ledger.views import ApplicationView, LicenseDetailView, UsageView

    _grant(cli_env)
    code, out = invoke(
        ["license", "apply", "--item", "nvidia-h20", "--destination", "CN", "--end-user", "E", "--json"],
        cli_env["analyst"],
    )
    assert code == 0, out
    data = json.loads(out)
    assert set(data) == set(ApplicationView.model_fields)
    assert data["created_by"] == "ana" and data["created_at"]
    path = tmp_path / "order.json"
    path.write_text(json.dumps([helpers.h20_line(5).model_dump(mode="json")]))
    assert invoke(["ship", "--file", str(path)], cli_env["analyst"])[0] == 0
    code, out = invoke(["license", "show", "D9", "--json"], cli_env["viewer"])
    assert code == 0, out
    detail = json.loads(out)
    assert set(detail) == set(LicenseDetailView.model_fields)
    assert [set(u) for u in detail["usage"]] == [set(UsageView.model_fields)]


def test_a_release_cannot_move_the_held_line_and_a_zero_value_limit_is_refused(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    code, out = invoke(
        ["ship", "--item", "H20", "--destination", "CN", "--ship-date", "2025-09-01"], cli_env["analyst"]
    )
    assert code == 1 and "HELD" in out, out
    before = counts(tmp_path)
    for fact, field in (("destination=DE", "--fact destination"), ("ship_date=2025-04-01", "--fact ship_date")):
        code, out = invoke(["hold", "release", "1", "--reason", "moved", "--fact", fact], cli_env["approver"])
        assert code == 2, out
        assert out.startswith(f"chipclear: error: {field}: "), out
        assert counts(tmp_path) == before
    code, out = invoke(["hold", "list", "--json"], cli_env["viewer"])
    assert [(h["line_id"], h["destination"]) for h in json.loads(out)] == [(1, "CN")]
    code, out = invoke(
        ["license", "apply", "--item", "nvidia-h20", "--destination", "CN", "--end-user", "E@CN", "--value", "0"],
        cli_env["analyst"],
    )
    assert (code, out.strip()) == (2, "chipclear: error: --value: must be at least $0.01"), out
    invoke(
        [
            "license",
            "apply",
            "--item",
            "nvidia-h20",
            "--destination",
            "CN",
            "--end-user",
            "E@CN",
            "--value",
            "100",
            "--application-number",
            "Z0",
            "--submitted-on",
            "2025-07-15",
        ],
        cli_env["analyst"],
    )
    code, out = invoke(
        [
            "license",
            "grant",
            "1",
            "--number",
            "D0",
            "--valid-from",
            "2025-08-08",
            "--valid-to",
            "2027-08-07",
            "--value",
            "0.004",
        ],
        cli_env["approver"],
    )
    assert (code, out.strip()) == (2, "chipclear: error: --value: must be at least $0.01"), out
