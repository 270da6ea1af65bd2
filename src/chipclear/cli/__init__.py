"""The ``chipclear`` command line: a thin Typer app over the service layer.

Each command group lives in its own module with a ``register(app)`` function, so the parts of chipclear
(catalog, determination, screening, ledger, duties, batch, what-if, server) can grow independently.
"""

from __future__ import annotations

import importlib
import sys

import typer

from chipclear.errors import ChipclearError

app = typer.Typer(
    name="chipclear",
    help="Export-control, screening and import-duty decisions for AI chips, with cited reasons.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# Command modules, in the order their commands appear in --help.
_MODULES = [
    "catalog",
    "check",
    "screen",
    "ledger",
    "duty",
    "batch",
    "whatif",
    "serve",
    "demo",
]

for _name in _MODULES:
    try:
        _module = importlib.import_module(f"chipclear.cli.{_name}")
    except ModuleNotFoundError as exc:  # a part not built yet
        if exc.name != f"chipclear.cli.{_name}":
            raise
        continue
    _module.register(app)


def main(argv: list[str] | None = None) -> None:
    """Entry point: every ChipclearError becomes one line on stderr and exit code 2."""
    try:
        app(args=argv, standalone_mode=True)
    except ChipclearError as exc:
        print(f"chipclear: error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
