"""``chipclear duty``: the import-duty stack for an HTS line, origin and entry date, and its timeline."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from chipclear.bounds import ValueUSD, checked
from chipclear.cli._common import console, handle_errors, parse_date, print_json
from chipclear.errors import InputError
from chipclear.tariffs import DutyResult, TimelineSegment, china_duty, duty, timeline, timeline_json
from chipclear.tariffs.result import rate_text

duty_app = typer.Typer(
    name="duty",
    help="US import duties on AI hardware (HTS x origin x entry date), each layer with its legal basis.",
    invoke_without_command=True,
    no_args_is_help=False,
)

HtsOpt = Annotated[str | None, typer.Option("--hts", help="HTS number, e.g. 8473.30.1180")]
OriginOpt = Annotated[str | None, typer.Option("--origin", help="Country of origin, ISO 3166-1 alpha-2 (e.g. CN)")]
ItemOpt = Annotated[str | None, typer.Option("--item", help="Catalog part (id or alias) for the Section 232 windows")]
EndUseOpt = Annotated[
    str | None, typer.Option("--end-use", help="Section 232 end-use exemption key, e.g. us_datacenter")
]
ClaimOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--claim",
        help="A claim: 9903.88.69 / sec301-exclusion, usmca, 9903.88.09, 9903.01.23 (in transit), 9903.79.01, 9903.79.02",
    ),
]
EntryTypeOpt = Annotated[
    str | None,
    typer.Option("--entry-type", help="Entry type: section321 (de minimis, needs --value), formal or informal"),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable JSON output")]
# The tariff service's fields named otherwise than the option that fed them
DUTY_FIELDS = {"claims": "--claim", "entry_date": "--date", "value_usd": "--value"}


def _load_item(name: str | None) -> Any:
    if name is None:
        return None
    try:
        from chipclear.catalog import load_catalog
    except ImportError:
        raise InputError("--item: the catalog is not available in this installation", field="item") from None
    return load_catalog().get(name)


def _rate(value: float | None, low: float | None = None, high: float | None = None) -> str:
    return rate_text(value, low, high) + ("" if value is not None else " (open)")


def _confidence(mark: str) -> str:
    """Low-confidence and unconfirmed values are flagged visibly, never shown like the others."""
    return (
        f"[red]{mark} (low confidence)[/red]"
        if mark == "L"
        else f"[yellow]{mark}[/yellow]"
        if mark == "UNCONFIRMED"
        else mark
    )


def _money(value: float | None) -> str:
    return "" if value is None else f"{value:,.2f}"


def _print_result(result: DutyResult) -> None:
    table = Table(title=f"Duty stack: {result.hts} from {result.origin}, entered {result.entry_date}")
    table.add_column("Measure")
    table.add_column("Heading")
    table.add_column("Rate", justify="right")
    table.add_column("Amount", justify="right")
    table.add_column("Conf.")
    table.add_column("Citation / note", overflow="fold")
    for line in result.lines:
        data = line.to_json()
        text = data["citation"] + (f"\n{line.note}" if line.note else "")
        table.add_row(
            line.measure,
            line.heading or "-",
            _rate(line.rate, line.rate_low, line.rate_high),
            _money(line.amount),
            _confidence(line.confidence),
            text,
        )
    console.print(table)
    total = _rate(result.total_rate, result.total_low, result.total_high)
    amount = f", {_money(result.total_amount)}" if result.total_amount is not None else ""
    colour = "green" if result.status == "determined" else "yellow"
    console.print(f"[bold]Total:[/bold] {total}{amount}  [{colour}]{result.status}[/{colour}]")
    if result.headings_to_file:
        console.print(
            f"[bold]Chapter 99 headings to file:[/bold] {', '.join(result.headings_to_file)}", highlight=False
        )
    for measure in result.headings_unknown:
        console.print(
            f"[yellow]Heading not confirmed in the data[/yellow] for {measure}: check CBP CSMS", highlight=False
        )
    if result.stacking:
        console.print("[bold]Stacking rules[/bold]")
        for rule in result.stacking:
            console.print(f"  - {rule.rule} [dim]({rule.to_json()['citation']})[/dim]", highlight=False)
    for unknown in result.unknowns:
        rng = _rate(None, unknown.low, unknown.high)
        console.print(
            f"[yellow]Open question[/yellow] ({unknown.affects}; total {rng}): {unknown.question}", highlight=False
        )
    for claim in result.available_claims:
        console.print(f"[cyan]Available claim[/cyan] {claim['claim']}: {claim['descriptions']}", highlight=False)
    for note in result.notes:
        console.print(f"[dim]Note: {note}[/dim]", highlight=False)


def _print_timeline(hts: str, origin: str, segments: list[TimelineSegment]) -> None:
    table = Table(title=f"Duty timeline: {hts} from {origin}")
    table.add_column("From")
    table.add_column("To (excl.)")
    table.add_column("Total", justify="right")
    table.add_column("Status")
    table.add_column("Headings to file", overflow="fold")
    table.add_column("Layers", overflow="fold")
    for seg in segments:
        r = seg.result
        layers = "; ".join(f"{ln.heading or ln.measure} {_rate(ln.rate, ln.rate_low, ln.rate_high)}" for ln in r.lines)
        headings = ", ".join(r.headings_to_file) or "-"
        if r.headings_unknown:
            headings += " [yellow](+ unconfirmed: " + "; ".join(r.headings_unknown) + ")[/yellow]"
        table.add_row(
            str(seg.start),
            str(seg.end or "-"),
            _rate(r.total_rate, r.total_low, r.total_high),
            r.status,
            headings,
            layers,
        )
    console.print(table)


@duty_app.callback()
@handle_errors(fields=DUTY_FIELDS)
def duty_command(
    ctx: typer.Context,
    hts: HtsOpt = None,
    origin: OriginOpt = None,
    date: Annotated[str | None, typer.Option("--date", help="Entry date YYYY-MM-DD (default: today)")] = None,
    value: Annotated[float | None, typer.Option("--value", help="Customs value (for amounts)")] = None,
    item: ItemOpt = None,
    end_use: EndUseOpt = None,
    claim: ClaimOpt = None,
    entry_type: EntryTypeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """The duty stack for one import line: every layer, its Chapter 99 heading, rate, amount and citation."""
    if ctx.invoked_subcommand is not None:
        return
    if hts is None or origin is None:
        raise InputError("--hts: --hts and --origin are required (or use `chipclear duty timeline`)", field="hts")
    checked(ValueUSD, value, "--value")  # the API's bound (chipclear.bounds): 0 to 10**13 dollars
    result = duty(
        hts,
        origin,
        parse_date(date),
        value=value,
        item=_load_item(item),
        end_use=end_use,
        claims=claim or [],
        entry_type=entry_type,
    )
    if as_json:
        print_json(result.to_json())
    else:
        _print_result(result)


@duty_app.command("timeline")
@handle_errors(fields=DUTY_FIELDS)
def timeline_command(
    hts: Annotated[str, typer.Option("--hts", help="HTS number, e.g. 8473.30.1180")],
    origin: Annotated[str, typer.Option("--origin", help="Country of origin, ISO 3166-1 alpha-2")],
    item: ItemOpt = None,
    end_use: EndUseOpt = None,
    claim: ClaimOpt = None,
    value: Annotated[
        float | None, typer.Option("--value", help="Customs value (for the de minimis value test)")
    ] = None,
    entry_type: EntryTypeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """How the duty stack for an HTS line and origin changed over time (one row per change)."""
    checked(ValueUSD, value, "--value")
    segments = timeline(
        hts, origin, item=_load_item(item), end_use=end_use, claims=claim or [], value=value, entry_type=entry_type
    )
    if as_json:
        print_json(timeline_json(hts, origin, segments))
    else:
        _print_timeline(hts, origin.upper(), segments)


@duty_app.command("china")
@handle_errors(fields=DUTY_FIELDS)
def china_command(
    hs: Annotated[str, typer.Option("--hs", help="HS number, e.g. 8542.31")],
    origin: Annotated[str, typer.Option("--origin", help="Declared origin, ISO 3166-1 alpha-2 (e.g. US)")],
    date: Annotated[str | None, typer.Option("--date", help="Entry date in China, YYYY-MM-DD (default: today)")] = None,
    wafer_fab: Annotated[
        str | None, typer.Option("--wafer-fab", help="Country where the IC's wafer was fabricated (China's IC origin)")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """China's additional duties on US-origin goods, with its wafer-fab origin rule for ICs."""
    result = china_duty(hs, origin, parse_date(date), wafer_fab=wafer_fab)
    if as_json:
        print_json(result.to_json())
        return
    table = Table(title=f"China additional duty: HS {result.hs}, origin for China {result.china_origin}")
    table.add_column("Measure")
    table.add_column("Rate", justify="right")
    table.add_column("Conf.")
    table.add_column("Citation", overflow="fold")
    for line in result.lines:
        table.add_row(
            line.measure,
            _rate(line.rate, line.rate_low, line.rate_high),
            _confidence(line.confidence),
            line.to_json()["citation"],
        )
    console.print(table)
    data = result.to_json()
    rng = data["additional_rate_range"]
    console.print(
        f"[bold]Additional duty:[/bold] {_rate(data['additional_rate'], rng['low'], rng['high'])}  {result.status}"
    )
    for unknown in result.unknowns:
        console.print(f"[yellow]Open question[/yellow]: {unknown.question}", highlight=False)
    for note in result.notes:
        console.print(f"[dim]Note: {note}[/dim]", highlight=False)


def register(app: typer.Typer) -> None:
    app.add_typer(duty_app, name="duty")
