"""Every ``console`` example in docs/models.md runs and prints what the page says (so the page cannot rot)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from chipclear.cli import app

PAGE = Path(__file__).parent.parent.parent / "docs" / "models.md"


def _examples() -> list[tuple[str, list[str]]]:
    out = []
    for block in re.findall(r"```console\n(.*?)```", PAGE.read_text(encoding="utf-8"), flags=re.S):
        for chunk in block.split("$ ")[1:]:
            command, *expected = [line for line in chunk.strip().splitlines() if line.strip()]
            out.append((command, expected))
    return out


def test_page_has_examples() -> None:
    assert len(_examples()) >= 5


@pytest.mark.parametrize(("command", "expected"), _examples(), ids=[c for c, _ in _examples()])
def test_documented_command(command: str, expected: list[str]) -> None:
    result = CliRunner().invoke(app, shlex.split(command)[1:], env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.stdout + result.stderr
    for text in expected:
        assert text in result.stdout, f"{text!r} not in output of {command!r}:\n{result.stdout}"
