"""Runs docs/walkthrough-h20.md: every ``$ command`` in its console blocks, checking the output lines and exit
status the page shows. ``chipclear`` commands run in-process (same code path as the installed script); other
commands (the one-byte edit) run in a real shell. The page is run as a user runs it: on the real calendar (its
2025 shipments are historical entries today) and with no stale-list policy but the one the page sets."""

from __future__ import annotations

import datetime as dt
import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from typer.testing import CliRunner

from chipclear.cli import app

DOC = Path(__file__).resolve().parents[2] / "docs" / "walkthrough-h20.md"
EXPORT_SUBST = re.compile(r"^export (\w+)=\$\((chipclear .*)\)$")
EXPORT = re.compile(r"^export (\w+)=(\S+)$")


@dataclass
class Step:
    command: str
    expected: list[str] = field(default_factory=list)
    exit_code: int = 0


def steps(text: str) -> list[Step]:
    out: list[Step] = []
    for block in re.findall(r"```console\n(.*?)```", text, flags=re.S):
        for line in block.splitlines():
            if line.startswith("$ "):
                out.append(Step(line[2:].strip()))
            elif (m := re.fullmatch(r"\[exit (\d+)\]", line.strip())) and out:
                out[-1].exit_code = int(m.group(1))
            elif line.strip() and out:
                out[-1].expected.append(line.strip())
    return out


def _norm(text: str) -> str:
    return " ".join(text.split())


def run_chipclear(command: str, env: dict[str, str]) -> tuple[int, str]:
    args = shlex.split(os.path.expandvars(command))[1:]
    result = CliRunner().invoke(app, args, env=env, catch_exceptions=False)
    return result.exit_code, result.output


@pytest.fixture
def _recorded_on_the_ship_date() -> None:
    """Overrides the ledger tests' pinned clock (tests/ledger/conftest.py): a user follows this page today."""


def test_walkthrough_runs_on_the_real_clock() -> None:
    from chipclear.ledger import shipments

    assert shipments.today() == dt.date.today()


def test_walkthrough(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data_dir = tmp_path / "data"
    monkeypatch.setenv("CHIPCLEAR_DATA_DIR", str(data_dir))
    monkeypatch.delenv("CHIPCLEAR_DATABASE_URL", raising=False)
    monkeypatch.delenv("CHIPCLEAR_API_KEY", raising=False)
    # the suite's default (tests/conftest.py); the page sets the policy itself, visibly
    monkeypatch.delenv("CHIPCLEAR_STALE_LISTS_ON_SHIP", raising=False)
    monkeypatch.delenv("CHIPCLEAR_LIST_MAX_AGE_DAYS", raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "200")
    all_steps = steps(DOC.read_text(encoding="utf-8"))
    assert len(all_steps) >= 15
    for step in all_steps:
        env = {k: v for k, v in os.environ.items()}
        if m := EXPORT_SUBST.match(step.command):
            code, output = run_chipclear(m.group(2), env)
            assert code == 0, f"{step.command}: exit {code}\n{output}"
            monkeypatch.setenv(m.group(1), output.strip())
            continue
        if m := EXPORT.match(step.command):
            monkeypatch.setenv(m.group(1), os.path.expandvars(m.group(2)))
            continue
        if step.command.startswith("chipclear "):
            code, output = run_chipclear(step.command, env)
        else:
            venv_bin = str(Path(sys.executable).parent)
            env["PATH"] = venv_bin + os.pathsep + env.get("PATH", "")
            proc = subprocess.run(["bash", "-c", step.command], env=env, capture_output=True, text=True, timeout=60)
            code, output = proc.returncode, proc.stdout + proc.stderr
        print(f"$ {step.command}\n{output}")
        assert code == step.exit_code, f"{step.command}: exit {code}, expected {step.exit_code}\n{output}"
        rest = _norm(output)
        for expected in step.expected:
            want = _norm(expected)
            pos = rest.find(want)
            assert pos >= 0, f"{step.command}:\nexpected {expected!r}\nin output:\n{output}"
            rest = rest[pos + len(want) :]
