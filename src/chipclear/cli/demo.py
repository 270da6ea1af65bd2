"""``chipclear demo``: the main job on embedded defaults (bundled catalog, rules and lists; SQLite)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer
from rich.table import Table

from chipclear.classification import Classification, classify
from chipclear.cli._common import console, handle_errors, print_json
from chipclear.decision import OrderLine
from chipclear.determination import determine
from chipclear.rules import load_rules

# Chips whose history explains the rules: the reference points and the designs made to sit just under them.
DEMO_ITEMS = ["A100", "A800", "H100", "H800", "H20", "L20", "RTX 4090", "RTX 4090 D", "MI308X", "HGX H100", "HGX H20"]
DEMO_DATES = [dt.date(2022, 9, 1), dt.date(2023, 6, 1), dt.date(2024, 1, 1)]
# An item outside 3A090/4A090 can still need a license to China: an is-informed letter to its maker (744.23(b)),
# e.g. the A100 and H100 from 2022-08-26 and the H20 from 2025-04-09. The table says so beside the ECCN.
LETTER_DESTINATION = "CN"


def _letter_cause(res: Classification, day: dt.date) -> str | None:
    """The letter or notice that makes an item not in 3A090/4A090 need a license to China on ``day``, if any."""
    decision = determine(OrderLine(item=res.item.id, destination=LETTER_DESTINATION, ship_date=day))
    if decision.verdict.value != "LICENSE_REQUIRED":
        return None
    letters = {a.id: a for a in load_rules().actions if a.kind in ("letter", "notice")}
    for reason in decision.reasons:
        action = letters.get(reason.rule.split("#")[0])
        if action is not None:
            return f"{action.kind} of {action.effective.isoformat()}"
    return None


def demo_command(
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Classify well-known chips before and after each rule change, with the reason that decided each one."""
    dates = [*DEMO_DATES, dt.date.today()]
    rows = [[classify(name, day) for day in dates] for name in DEMO_ITEMS]
    if as_json:
        print_json([[r.to_json() for r in row] for row in rows])
        return
    table = Table(title="ECCN 3A090 / 4A090 classification by date (chipclear, bundled data)", header_style="bold")
    table.add_column("item")
    table.add_column("TPP", justify="right")
    table.add_column("density", justify="right")
    for day in dates:
        table.add_column(day.isoformat())
    letter_cells = False
    for row in rows:
        first = row[0]
        density = "-" if first.performance_density is None else f"{first.performance_density:.2f}"
        cells = []
        for res in row:
            if res.status == "controlled":
                cells.append(f"[red]{res.eccn}[/]")
            elif res.status == "indeterminate":
                cells.append("[yellow]indeterminate[/]")
            elif cause := _letter_cause(res, res.as_of):
                cells.append(f"[green]not controlled[/]\n[red]{LETTER_DESTINATION}: license ({cause})[/]")
                letter_cells = True
            else:
                cells.append("[green]not controlled[/]")
        tpp = "-" if first.tpp is None else f"{first.tpp:,.0f}"
        table.add_row(first.item.name, tpp, density, *cells)
    console.print(table)
    if letter_cells:
        console.print(
            f"{LETTER_DESTINATION}: license (letter ...): not in 3A090/4A090, but a license is required to China by an"
            f" is-informed letter to the maker: chipclear check --item ITEM --to {LETTER_DESTINATION} --date DATE"
        )
    console.print("Explain any cell: chipclear classify ITEM --as-of DATE   (add --json for the full cited trace)")


def register(app: typer.Typer) -> None:
    # A sub-app so that `chipclear demo orders` exists; `chipclear demo` alone still runs demo_command.
    from chipclear.cli.batch import demo_orders_command

    demo_app = typer.Typer(help="The main job on embedded defaults; `demo orders` writes a synthetic order book.")

    @demo_app.callback(invoke_without_command=True)
    def demo(
        ctx: typer.Context,
        as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
    ) -> None:
        """Classify well-known chips before and after each rule change, with the reason that decided each one."""
        if ctx.invoked_subcommand is None:
            handle_errors(demo_command)(as_json=as_json)

    demo_app.command("orders")(handle_errors(demo_orders_command))
    app.add_typer(demo_app, name="demo")
