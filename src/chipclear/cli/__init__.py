"""The ``chipclear`` command line: a thin Typer app over the service layer.

Each command group lives in its own module with a ``register(app)`` function, so the parts of chipclear
(catalog, determination, screening, ledger, duties, batch, what-if, server) can grow independently.

Start-up is lazy: ``chipclear --help`` lists the commands from the table below without importing any command
module, and running a command imports only the module that registers it (so ``chipclear screen`` never loads
polars, fastapi or the ledger). ``tests/foundation/test_cli_lazy.py`` checks the table against the modules.
"""

from __future__ import annotations

import importlib
import os
import sys
from typing import Annotated, Any

import typer
from typer._click import exceptions as _click_exceptions
from typer.core import TyperCommand, TyperGroup

from chipclear.errors import ChipclearError, without_pydantic_prefix

# Command modules, in the order their commands appear in --help.
_MODULES = [
    "catalog",
    "check",
    "screen",
    "license",
    "ship",
    "audit",
    "db",
    "user",
    "duty",
    "batch",
    "whatif",
    "serve",
    "demo",
]

# Top-level command -> (module that registers it, the one-line help shown by ``chipclear --help``).
_COMMANDS: dict[str, tuple[str, str]] = {
    "catalog": ("catalog", "List catalog parts and systems with TPP, performance density and the ECCN as of a date."),
    "classify": (
        "catalog",
        "Classify one item (ECCN 3A090/4A090) or AI model's weights (4E091) as the rules stood on a date, with a cited trace.",
    ),
    "check": (
        "check",
        "Decide one order line: NLR, license exception, license required, prohibited or hold, with reasons. The item is a chip, a system or an AI model (its weights: export, reexport or in-country transfer).",
    ),
    "timeline": (
        "check",
        "The dated periods with their verdicts from 2022 to today, each change with the action that caused it.",
    ),
    "diff": ("check", "Which catalog items change verdict for which destination groups between two dates, and why."),
    "screen": ("screen", "Screen a party (or a CSV of parties) against the restricted-party lists."),
    "ship": (
        "ship",
        "Ship one line (options) or every line of a file, in one transaction. A line with authority ships (a covering license is decremented); any other line is held for an approver and the command exits 1.",
    ),
    "batch": (
        "batch",
        "Decide every line of an order book; bad rows go to their own file; interrupt and re-run to resume.",
    ),
    "whatif": (
        "whatif",
        "What a draft rule would change: catalog classifications, verdicts per destination, order-book lines.",
    ),
    "serve": ("serve", "Start the web console and the HTTP API (OpenAPI at /docs) on this machine."),
    "lists": ("screen", "Restricted-party lists: status, updates and export (FollowTheMoney JSON lines)."),
    "reviews": ("screen", "Reviewer decisions on screening hits."),
    "license": ("license", "License applications and licenses."),
    "hold": ("ship", "Held shipment lines: list, release (approver), cancel."),
    "audit": ("audit", "The tamper-evident audit log: verify, export."),
    "db": ("db", "Ledger database: backup, restore, upgrade."),
    "user": ("user", "Ledger users and API keys (admin)."),
    "duty": ("duty", "US import duties on AI hardware (HTS x origin x entry date), each layer with its legal basis."),
    "demo": ("demo", "The main job on embedded defaults; `demo orders` writes a synthetic order book."),
}

_LOADED: dict[str, Any] = {}


def module_group(module: str) -> Any:
    """The click group of everything one command module registers (imported on first use, then cached)."""
    if module not in _LOADED:
        try:
            mod = importlib.import_module(f"chipclear.cli.{module}")
        except ModuleNotFoundError as exc:  # a part not built yet
            if exc.name != f"chipclear.cli.{module}":
                raise
            _LOADED[module] = None
            return None
        sub = typer.Typer(add_completion=False)
        mod.register(sub)

        @sub.callback()
        def _group() -> None:  # pragma: no cover - makes the module's commands a group
            pass

        _LOADED[module] = typer.main.get_group(sub)
    return _LOADED[module]


class _LazyGroup(TyperGroup):
    """Lists commands from ``_COMMANDS``; imports a command's module only when that command runs."""

    def list_commands(self, ctx: Any) -> list[str]:
        return list(_COMMANDS)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        entry = _COMMANDS.get(cmd_name)
        if entry is not None and ctx.resilient_parsing is False and _formatting_help(ctx):
            return TyperCommand(cmd_name, help=entry[1], short_help=entry[1])
        return self.real_command(cmd_name)

    def real_command(self, cmd_name: str) -> Any:
        modules = [_COMMANDS[cmd_name][0]] if cmd_name in _COMMANDS else _MODULES
        for module in modules:
            group = module_group(module)
            if group is not None and cmd_name in group.commands:
                return group.commands[cmd_name]
        return None

    def resolve_command(self, ctx: Any, args: list[str]) -> tuple[str | None, Any, list[str]]:
        name = str(args[0])
        command = self.real_command(name)
        if command is None:
            return super().resolve_command(ctx, args)
        return name, command, args[1:]


def _formatting_help(ctx: Any) -> bool:
    return bool(ctx.meta.get("chipclear.formatting_help"))


class _HelpContext:
    def __init__(self, ctx: Any) -> None:
        self.ctx = ctx

    def __enter__(self) -> None:
        self.ctx.meta["chipclear.formatting_help"] = True

    def __exit__(self, *exc: Any) -> None:
        self.ctx.meta.pop("chipclear.formatting_help", None)


def _usage_error_line(self: Any, file: Any = None) -> None:
    """A bad option or argument (``--quantity abc``, an unreadable file) as one line, as every other bad input:
    click's usage box was five lines on stderr. A bad value names its option first, as the services' errors do
    (``--quantity: Input should be ...``, not click's ``Invalid value for '--quantity' / '-q': ...``)."""
    message = self.format_message()
    param = getattr(self, "param", None)
    bad_value = isinstance(self, _click_exceptions.BadParameter) and not isinstance(
        self,
        _click_exceptions.MissingParameter,  # "Missing option '--to'." stays as click says it
    )
    if bad_value and param is not None and self.param_hint is None:
        opts = getattr(param, "opts", None) or [str(param.name)]
        label = max(opts, key=len) if param.param_type_name == "option" else str(param.name).upper()
        message = f"{label}: {without_pydantic_prefix(self.message)}"
    sys.stderr.write(f"chipclear: error: {' '.join(message.split())}\n")


# typer's own copy of click raises these (NoArgsIsHelpError keeps its own ``show``: the help)
_click_exceptions.UsageError.show = _usage_error_line  # type: ignore[method-assign]


def _plain_numbers() -> None:
    """Every number option and argument refuses Python's digit separators (``--quantity 1_000``), as the JSON API,
    batch and the console do (``chipclear.bounds.plain_number_text``): typer reads numbers with pydantic's lax
    mode, which takes them."""
    from pydantic import BeforeValidator, TypeAdapter
    from typer import _adapters

    from chipclear.bounds import plain_number_text

    build = _adapters._build_number_adapter

    def plain_number_adapter(annotation: Any, **bounds: Any) -> TypeAdapter[Any]:
        inner = build(annotation, **bounds)
        return TypeAdapter(Annotated[Any, BeforeValidator(lambda v: inner.validate_python(plain_number_text(v)))])

    _adapters._build_number_adapter = plain_number_adapter  # type: ignore[assignment]  # same call, keywords


_plain_numbers()


class _Group(_LazyGroup):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rich_markup_mode = None  # errors through click's ``show`` (one line, above), not typer's rich box

    def format_help(self, ctx: Any, formatter: Any) -> None:
        # plain click formatting here: typer's rich help alone takes ~0.3 s to import
        self.rich_markup_mode = None
        with _HelpContext(ctx):
            super().format_help(ctx, formatter)


app = typer.Typer(
    name="chipclear",
    help="Export-control, screening and import-duty decisions for AI chips, with cited reasons.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    cls=_Group,
)


def _version(value: bool) -> None:
    """``--version``: the package, the rules data and the active restricted-party lists."""
    if not value:
        return
    from chipclear import __version__
    from chipclear.rules import load_rules
    from chipclear.screening.store import ListStore, embedded_manifest

    info = ListStore().current()
    if info is not None:
        lists = f"{info.get('version')} (updated, list date {info.get('list_date')})"
    else:
        dates = sorted({str(v.get("list_date")) for v in embedded_manifest()["lists"].values()})
        lists = f"bundled, list dates {', '.join(dates)}"
    print(f"chipclear {__version__}\nrules {load_rules().version}\nlists {lists}")
    raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            callback=_version,
            is_eager=True,
            help="Show the chipclear version, the rules data version and the active lists, then exit.",
        ),
    ] = False,
) -> None:
    """Export-control, screening and import-duty decisions for AI chips, with cited reasons."""


# Set by read-only commands that load the screening index: the process then exits without freeing the index
# object by object (about 0.3 s of a one-shot ``chipclear screen``); every file they write is closed by then.
FAST_EXIT = {"enabled": False}


def main(argv: list[str] | None = None) -> None:
    """Entry point: every ChipclearError becomes one line on stderr and exit code 2."""
    words = sys.argv[1:] if argv is None else argv
    for i, arg in enumerate(words):
        if not arg.isascii():
            try:
                arg.encode("utf-8")  # bytes that are not UTF-8 arrive as lone surrogates (surrogateescape)
            except UnicodeEncodeError:
                from chipclear.cli._argv import argument_label

                label = argument_label(typer.main.get_command(app), words, i)
                print(f"chipclear: error: {label} is not valid UTF-8 text", file=sys.stderr)
                _exit(2)
    try:
        app(args=argv, standalone_mode=True)
    except ChipclearError as exc:
        print(f"chipclear: error: {exc}", file=sys.stderr)
        _exit(2)
    except ModuleNotFoundError as exc:  # an optional part (chipclear.extras) that is not installed
        from chipclear.extras import missing_extra

        found = missing_extra(exc)
        if found is None:
            raise
        print(f"chipclear: error: {found}", file=sys.stderr)
        _exit(2)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        if exc.code is not None and not isinstance(exc.code, int):
            print(exc.code, file=sys.stderr)
        _exit(code)


def _exit(code: int) -> None:
    if FAST_EXIT["enabled"]:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    raise SystemExit(code)
