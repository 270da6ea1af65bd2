"""Every ``$ chipclear ...`` line in docs/user-guide.md runs and succeeds, so the guide cannot rot."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from chipclear.cli import app

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "user-guide.md"
COMMANDS = re.findall(r"^\$ chipclear (.+)$", GUIDE.read_text(encoding="utf-8"), flags=re.M)


def test_guide_has_examples() -> None:
    assert len(COMMANDS) >= 10


@pytest.mark.parametrize("command", COMMANDS)
def test_guide_command_runs(command: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    tmp = tmp_path_factory.getbasetemp() / "guide"
    tmp.mkdir(exist_ok=True)
    args = shlex.split(command.replace("{tmp}", str(tmp)))
    # In-process (the CLI tests elsewhere run the real console script): same code path, shared caches, fast.
    out = CliRunner().invoke(app, args, env={"COLUMNS": "160"})
    assert out.exit_code == 0, f"chipclear {command}\n{out.output[-3000:]}\n{out.exception!r}"
    assert out.output.strip(), f"chipclear {command} printed nothing"


def _check_json(command: str) -> dict[str, object]:
    """Runs a ``chipclear check`` the guide quotes inline (so the quote and this test cannot drift apart)."""
    assert f"`chipclear {command}" in " ".join(GUIDE.read_text(encoding="utf-8").split()), command
    out = CliRunner().invoke(app, [*shlex.split(command), "--json"], env={"COLUMNS": "160"})
    assert out.exit_code == 0, out.output
    decision: dict[str, object] = json.loads(out.output)
    return decision


def test_guide_embargo_policy_not_read_is_said_not_guessed() -> None:
    """Section 2: Iran is LICENSE_REQUIRED with no review policy (746.7's policy paragraph was not read)."""
    decision = _check_json("check --item A800 --to IR --date 2023-06-01")
    assert decision["verdict"] == "LICENSE_REQUIRED"
    assert decision["review_policy"] is None
    assert "licensing policy was not read (UNCONFIRMED)" in json.dumps(decision["reasons"])
    assert "usually a policy of denial" not in GUIDE.read_text(encoding="utf-8")


def test_guide_codified_layer_differs_from_the_diffusion_rule_effective_date() -> None:
    """Section 2: the layers differ from 2025-01-13 (not only after 2025-05-13)."""
    command = "check --item H100 --to BR --end-user-hq BR --date 2025-02-01"
    assert _check_json(command)["verdict"] == "NLR"
    assert _check_json(f"{command} --layer codified")["verdict"] == "LICENSE_REQUIRED"
    text = " ".join(GUIDE.read_text(encoding="utf-8").split())
    assert "from its effective date, 2025-01-13" in text
    assert "after 2025-05-13" not in text
