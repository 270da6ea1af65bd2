"""Every ``console`` example in docs/determination.md runs and prints what the page says (so the page cannot rot)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from chipclear.cli import app

PAGE = Path(__file__).parents[2] / "docs" / "determination.md"


def _examples() -> list[tuple[str, list[str], int]]:
    blocks = re.findall(r"```console\n(.*?)```", PAGE.read_text(encoding="utf-8"), flags=re.S)
    out: list[tuple[str, list[str], int]] = []
    for block in blocks:
        for chunk in block.split("$ ")[1:]:
            command, *expected = [line for line in chunk.strip().splitlines() if line.strip()]
            code = 0
            if expected and expected[-1].startswith("[exit "):
                code = int(expected.pop()[6:-1])
            out.append((command, expected, code))
    return out


def _argv(command: str) -> list[str]:
    """The documented command as a shell would split it, without the program name."""
    return shlex.split(command)[1:]


def test_page_has_examples() -> None:
    assert len(_examples()) >= 10


@pytest.mark.parametrize(("command", "expected", "code"), _examples(), ids=[c for c, _, _ in _examples()])
def test_documented_command(command: str, expected: list[str], code: int) -> None:
    result = CliRunner().invoke(app, _argv(command), env={"COLUMNS": "250"})
    assert result.exit_code == code, result.stdout + result.stderr
    for text in expected:
        assert text in result.stdout, f"{text!r} not in output of {command!r}:\n{result.stdout}"
