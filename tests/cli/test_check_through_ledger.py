"""`chipclear check` with an API key goes through the same ledger service as the API's /check."""

from __future__ import annotations

import json
import re

from typer.testing import CliRunner

from chipclear.cli import app

LINE = ["check", "--item", "H20", "--to", "CN", "--date", "2025-05-01", "--end-user", "Example Cloud Co"]
LINE += ["--end-user-hq", "CN", "--json"]


def test_check_with_a_key_is_audited_and_names_the_actor() -> None:
    runner = CliRunner()
    made = runner.invoke(app, ["user", "add", "officer", "--role", "admin"])
    assert made.exit_code == 0, made.output
    key = re.search(r"cc_[A-Za-z0-9_-]+", made.output)
    assert key is not None
    out = runner.invoke(app, [*LINE, "--api-key", key.group(0)])
    assert out.exit_code == 0, out.output
    decision = json.loads(out.output)
    assert decision["verdict"] == "LICENSE_REQUIRED" and decision["actor"] == "officer"
    verify = runner.invoke(app, ["audit", "verify", "--api-key", key.group(0), "--json"])
    assert verify.exit_code == 0, verify.output
    assert '"ok": true' in verify.output.replace("True", "true")


def test_check_without_a_key_says_licenses_were_not_consulted() -> None:
    out = CliRunner().invoke(app, LINE[:-1], env={"COLUMNS": "200"})
    assert out.exit_code == 0, out.output
    assert "Licenses on file were not consulted" in out.output


def test_check_with_a_wrong_key_is_exit_2() -> None:
    out = CliRunner().invoke(app, [*LINE, "--api-key", "cc_wrong"])
    assert out.exit_code == 2
