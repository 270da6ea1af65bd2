"""``chipclear --help`` lists the commands without importing the command modules; the table matches them."""

from __future__ import annotations

import subprocess
import sys

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
