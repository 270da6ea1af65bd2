"""Every ``$ chipclear ...`` line in docs/user-guide.md runs and succeeds, so the guide cannot rot."""

from __future__ import annotations

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
