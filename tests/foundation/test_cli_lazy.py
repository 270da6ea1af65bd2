"""``chipclear --help`` lists the commands without importing the command modules; the table matches them; the
one-shot decisions import none of the heavy packages."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from chipclear import cli


def test_the_command_table_matches_what_the_modules_register() -> None:
    registered: dict[str, tuple[str, str]] = {}
    for module in cli._MODULES:
        group = cli.module_group(module)
        assert group is not None, module
        for name, command in group.commands.items():
            text = " ".join((command.short_help or command.help or "").split())
            registered[name] = (module, text)
    table = {name: (module, " ".join(text.split())) for name, (module, text) in cli._COMMANDS.items()}
    assert table == registered


def test_help_imports_no_command_module() -> None:
    code = (
        "import sys\n"
        "from chipclear.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('chipclear.cli.screen', 'chipclear.screening', 'pypinyin', 'polars', 'fastapi',"
        " 'sqlalchemy', 'chipclear.classify', 'numpy') if m in sys.modules]\n"
        "print('HEAVY', heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "HEAVY []" in out, out
    assert "screen" in out and "license" in out


def test_a_command_runs_through_the_lazy_group() -> None:
    result = CliRunner().invoke(cli.app, ["lists", "--help"])
    assert result.exit_code == 0, result.output
    assert "status" in result.output and "update" in result.output
    unknown = CliRunner().invoke(cli.app, ["no-such-command"])
    assert unknown.exit_code == 2


# What the one-shot decisions never need (issue 16 part 5): each would add 0.1-1 s to every call.
HEAVY = ("pandas", "polars", "pyarrow", "dask", "matplotlib", "fastapi", "starlette", "uvicorn", "sqlalchemy", "jinja2")


@pytest.mark.parametrize(
    "args",
    [
        ("classify", "H20", "--as-of", "2025-06-01"),
        ("check", "--item", "H20", "--to", "CN", "--date", "2025-06-01"),
        ("check", "--item", "H20", "--to", "CN", "--date", "2025-06-01", "--end-user", "Example Co", "--json"),
    ],
    ids=["classify", "check", "check-with-party"],
)
def test_one_shot_decisions_import_nothing_heavy(tmp_path: Path, args: tuple[str, ...]) -> None:
    """Run with those packages made unimportable: the command still answers (so it never imported them)."""
    (tmp_path / "sitecustomize.py").write_text(
        "import sys\n"
        f"BLOCK = {set(HEAVY)!r}\n"
        "class _Blocker:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in BLOCK:\n"
        "            raise ImportError(f'blocked for this test: {name}')\n"
        "sys.meta_path.insert(0, _Blocker())\n",
        encoding="utf-8",
    )
    path = os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")])
    env = {**os.environ, "PYTHONPATH": path, "CHIPCLEAR_DATA_DIR": str(tmp_path / "data")}
    env.pop("CHIPCLEAR_API_KEY", None)
    out = subprocess.run(
        [sys.executable, "-m", "chipclear", *args], capture_output=True, text=True, env=env, timeout=180
    )
    assert out.returncode == 0, out.stderr
    assert "H20" in out.stdout or "LICENSE_REQUIRED" in out.stdout
