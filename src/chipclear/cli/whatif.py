"""``chipclear whatif DRAFT --date D [--orders FILE] [--json] [--plots DIR]``: the impact of a draft rule."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.panel import Panel
from rich.table import Table

from chipclear.cli._common import console, handle_errors, parse_date, print_json
from chipclear.errors import InputError
from chipclear.rules.schema import Layer
from chipclear.whatif import WhatIfReport, bundled_drafts, run_whatif


def _verdict(v: dict[str, Any]) -> str:
    text = v["verdict"]
    if v.get("review_policy"):
        text += f" ({v['review_policy'].replace('_', ' ')})"
    if v.get("license_exceptions"):
        text += f" [{', '.join(v['license_exceptions'])}]"
    return text


def _num(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def _first_draft_reason(reasons: list[dict[str, Any]], ids: list[str]) -> str:
    for r in reasons:
        if r["rule"].split("#", 1)[0] in ids:
            return f"{r['detail']}\n[dim]{r['rule']} — {r['citation']}[/]"
    return f"{reasons[0]['detail']}\n[dim]{reasons[0]['rule']} — {reasons[0]['citation']}[/]" if reasons else "-"


def _print_header(report: WhatIfReport) -> None:
    d = report.classification.draft
    body = (
        f"[bold]{d.title}[/]\n{', '.join(d.ids)} — effective {d.effective} (draft confidence {d.confidence})\n"
        f"[dim]{d.citation}[/]\n\nAssessed as of [bold]{report.classification.as_of}[/] "
        f"({report.classification.layer} rules); rules {report.classification.rules_version_before} -> "
        f"{report.classification.rules_version_after}"
    )
    console.print(Panel(body, title="HYPOTHETICAL DRAFT — not law", border_style="blue"))
    for note in report.notes:
        console.print(f"[yellow]note:[/] {note}")


def _print_classification(report: WhatIfReport) -> None:
    c = report.classification
    ids = c.draft.ids
    n = c.counts
    console.print(
        f"Catalog: {c.items_assessed} items; controlled {n['controlled_before']} -> {n['controlled_after']}, "
        f"indeterminate {n['indeterminate_before']} -> {n['indeterminate_after']}; [bold]{n['changed']} change[/]"
    )
    if not c.changes:
        return
    table = Table(title=f"Classification changes as of {c.as_of}", header_style="bold", show_lines=True)
    for col in ("item", "before", "after", "change", "TPP / density / DRAM GB/s / I/O GB/s", "why (cites the draft)"):
        table.add_column(col, overflow="fold")
    for ch in c.changes:
        f = ch.figures
        figures = " / ".join(
            _num(f.get(k)) for k in ("tpp", "performance_density", "total_dram_bandwidth_gbs", "io_bandwidth_gbs")
        )
        why = _first_draft_reason([r.model_dump() for r in ch.reasons], ids)
        if ch.after.missing:
            why += f"\n[yellow]missing: {', '.join(ch.after.missing)}[/]"
        table.add_row(
            f"{ch.item['name']}\n[dim]{ch.item['id']}[/]",
            ch.before.label(),
            ch.after.label(),
            ch.kind.replace("_", " "),
            figures,
            why,
        )
    console.print(table)


def _print_destinations(report: WhatIfReport) -> None:
    dest = report.destinations
    if dest is None:
        return
    console.print(
        f"Verdicts: {dest['lines_assessed']} item x destination lines ({dest['assumption']}); "
        f"[bold]{dest['changed']} change[/]"
    )
    if not dest["changes"]:
        return
    summary = Table(title="Verdict changes by transition", header_style="bold")
    summary.add_column("before -> after")
    summary.add_column("lines", justify="right")
    for key, count in sorted(dest["transitions"].items(), key=lambda kv: -kv[1]):
        summary.add_row(key, str(count))
    console.print(summary)
    grouped: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    first: dict[tuple[str, str, str], dict[str, Any]] = {}
    for ch in dest["changes"]:
        key = (ch["item"]["id"], _verdict(ch["before"]), _verdict(ch["after"]))
        grouped[key].append(ch["destination"])
        first.setdefault(key, ch)
    ids = report.classification.draft.ids
    table = Table(title="Verdict changes by item (destinations grouped)", header_style="bold", show_lines=True)
    for col in ("item", "destinations", "before", "after", "why (cites the draft)"):
        table.add_column(col, overflow="fold")
    for key, dests in grouped.items():
        ch = first[key]
        table.add_row(ch["item"]["name"], ", ".join(dests), key[1], key[2], _first_draft_reason(ch["why"], ids))
    console.print(table)


def _print_orders(report: WhatIfReport) -> None:
    o = report.orders
    if o is None:
        return
    console.print(
        f"Order book {o['file']}: {o['lines']} lines (value ${o['total_value_usd']:,.2f}); "
        f"[bold]{o['changed']} lines change[/] (value ${o['changed_value_usd']:,.2f}"
        + (f", {o['changed_unpriced_lines']} without a value" if o["changed_unpriced_lines"] else "")
        + f"); newly needing a license or on hold: {o['newly_needing_license_or_hold']} "
        f"(${o['newly_needing_license_or_hold_value_usd']:,.2f})"
    )
    if o.get("parties_screened"):
        console.print(
            f"parties: {o['parties_screened']} distinct names screened on lists {o['list_version']}, the same for"
            " both worlds"
        )
    for text in o.get("explanation", []):
        console.print(f"[yellow]why:[/] {text}")
    for bad in o["bad_rows"]:
        console.print(f"[red]row {bad['row']}: {bad['reason']}[/] (not assessed)")
    if o["transitions"]:
        t = Table("before -> after", "lines", "value (USD)", title="Order lines by transition", header_style="bold")
        for key, v in o["transitions"].items():
            t.add_row(key, str(v["lines"]), f"{v['value_usd']:,.2f}")
        console.print(t)
    if o["changes"]:
        ids = report.classification.draft.ids
        table = Table(title="Changed order lines", header_style="bold", show_lines=True)
        for col in ("row", "order / line", "item", "dest", "ship date", "value", "before", "after", "why"):
            table.add_column(col, overflow="fold")
        for ch in o["changes"]:
            table.add_row(
                str(ch["row"]),
                f"{ch['order_id'] or '-'} / {ch['line_id'] or '-'}",
                ch["item"],
                ch["destination"],
                ch["ship_date"],
                _num(ch["value_usd"]),
                _verdict(ch["before"]),
                _verdict(ch["after"]),
                _first_draft_reason(ch["why"], ids),
            )
        console.print(table)


def whatif_command(
    draft: Annotated[
        list[str],
        typer.Argument(
            help="Draft rule file(s) (kind: draft; several are applied together), or bundled draft names: "
            f"{', '.join(bundled_drafts())}."
        ),
    ],
    date: Annotated[
        str | None, typer.Option("--date", help="Assess as of YYYY-MM-DD (default: today or the draft's date).")
    ] = None,
    orders: Annotated[Path | None, typer.Option(help="Order book (CSV or Parquet) to assess line by line.")] = None,
    plots: Annotated[Path | None, typer.Option(help="Write the plots (PNG and SVG) into this directory.")] = None,
    destinations: Annotated[
        str | None,
        typer.Option(
            help="Comma-separated destinations for the verdict table (default: one per country-group position)."
        ),
    ] = None,
    layer: Annotated[str, typer.Option(help="enforced (default) or codified.")] = "enforced",
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """What a draft rule would change: catalog classifications, verdicts per destination, order-book lines."""
    when = parse_date(date, field="--date") if date is not None else None
    if layer not in ("enforced", "codified"):
        raise InputError(f"--layer: {layer!r} is not one of enforced, codified", field="layer")
    lay: Layer = "enforced" if layer == "enforced" else "codified"
    dests = [d.strip() for d in destinations.split(",") if d.strip()] if destinations is not None else None
    if dests is not None and not dests:
        raise InputError("--destinations: give at least one country code, e.g. CN,AE", field="destinations")
    report = run_whatif(draft, as_of=when, layer=lay, orders=orders, plots_dir=plots, destinations=dests)
    if as_json:
        print_json(report.model_dump(mode="json"))
        return
    _print_header(report)
    _print_classification(report)
    _print_destinations(report)
    _print_orders(report)
    for path in report.plots:
        console.print(f"plot written: {path}")


def register(app: typer.Typer) -> None:
    # the what-if service's fields named otherwise than the option that fed them
    fields = {"destination": "--destinations", "as_of": "--date", "plot": "--plots"}
    app.command("whatif")(handle_errors(fields=fields)(whatif_command))
