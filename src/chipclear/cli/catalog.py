"""``chipclear catalog`` and ``chipclear classify``."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from chipclear.catalog import Part, load_catalog, load_catalog_file
from chipclear.classification import Classification, classify
from chipclear.cli._common import console, handle_errors, parse_date, print_json
from chipclear.errors import InputError, UnknownItemError
from chipclear.models import load_model_spec, load_models
from chipclear.models.classify import ModelClassification, classify_model, figure
from chipclear.models.loader import require_spec_named
from chipclear.rules.schema import Layer


def _num(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def _status_text(c: Classification) -> str:
    if c.status == "controlled":
        return f"[bold red]{c.eccn}[/]"
    if c.status == "indeterminate":
        return "[bold yellow]indeterminate[/]"
    return "[green]not 3A090/4A090[/]"


def catalog_command(
    vendor: Annotated[str | None, typer.Option(help="Only this vendor (case-insensitive).")] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="Classify as of YYYY-MM-DD (default: today).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """List catalog parts and systems with TPP, performance density and the ECCN as of a date."""
    when = parse_date(as_of, field="--as-of")
    cat = load_catalog()
    items = [i for i in cat.items() if vendor is None or i.vendor.casefold() == vendor.casefold()]
    if vendor is not None and not items:
        vendors = sorted({i.vendor for i in cat.items()})
        raise InputError(f"--vendor: no parts for {vendor!r}; known vendors: {', '.join(vendors)}", field="vendor")
    results = [classify(i, when, catalog=cat) for i in items]
    if as_json:
        print_json([r.to_json() for r in results])
        return
    table = Table(title=f"chipclear catalog — ECCN as of {when}", header_style="bold")
    for col, just in [("id", "left"), ("vendor", "left"), ("name", "left"), ("TPP", "right")]:
        table.add_column(col, justify=just)  # type: ignore[arg-type]
    table.add_column("density", justify="right")
    table.add_column("datacenter")
    table.add_column("ECCN")
    for item, res in zip(items, results, strict=True):
        dc = "-" if item.datacenter is None else ("yes" if item.datacenter else "no")
        low = res.low_confidence_fields()
        density = _num(res.performance_density, 2)
        density += "".join(f" (or {_num(d, 2)})" for d in res.performance_density_alternatives)
        cells = [_num(res.tpp) + _low("tpp", low), density + _low("performance_density", low)]
        table.add_row(item.id, item.vendor, item.name, *cells, dc, _status_text(res) + _low("eccn", low))
    console.print(table)
    if any(r.low_confidence_fields() for r in results):
        console.print("[L] = rests on low-confidence data (chipclear classify ITEM shows which)", highlight=False)


def _low(field: str, flagged: list[str]) -> str:
    """The visible low-confidence mark of a table cell (reference/README.md: L facts only with a visible flag)."""
    return " [bold magenta]\\[L][/]" if field in flagged else ""


def _print_classification(c: Classification) -> None:
    item = c.item
    console.print(f"[bold]{item.name}[/] ({item.id}) as of {c.as_of} [{c.layer} rules]")
    low = c.low_confidence_fields()
    density = _num(c.performance_density, 2) + "".join(
        f" (or {_num(d, 2)})" for d in c.performance_density_alternatives
    )
    console.print(
        f"  TPP {_num(c.tpp)}{_low('tpp', low)}   performance density {density}{_low('performance_density', low)}",
        highlight=False,
    )
    if isinstance(item, Part):
        table = Table("precision", "dense TOPS", "bits", "TPP", title="per-precision TPP", header_style="bold")
        for row in c.to_json()["precision_table"]:
            table.add_row(row["precision"], _num(row["dense_tops"]), str(row["bits"]), _num(row["tpp"]))
        console.print(table)
    console.print(f"  Result: {_status_text(c)}{_low('eccn', low)}", highlight=False)
    trace = Table("rule", "detail", "citation", title="trace", header_style="bold", show_lines=True)
    for step in c.trace:
        trace.add_row(step.rule, step.detail, f"{step.citation} [{step.confidence or '-'}]")
    console.print(trace)


def _print_model_classification(c: ModelClassification) -> None:
    m = c.item
    ops = "unknown" if c.training_operations is None else figure(c.training_operations)
    published = {True: "yes", False: "no", None: "unknown"}[c.published]
    console.print(f"[bold]{m.name}[/] ({m.id}, {m.developer}) weights as of {c.as_of} [{c.layer} rules]")
    console.print(f"  training operations {ops} ({c.training_operations_method})   weights published: {published}")
    result = {"controlled": f"[bold red]{c.eccn}[/]", "indeterminate": "[bold yellow]indeterminate[/]"}
    plain = f"[yellow]{c.codified_text}[/]" if c.codified_text else "[green]not 4E091[/]"
    console.print(f"  Result: {result.get(c.status, plain)}", highlight=False)
    if c.missing:
        console.print("  [magenta]Missing:[/magenta] " + "; ".join(c.missing))
    trace = Table("rule", "detail", "citation", title="trace", header_style="bold", show_lines=True)
    for step in c.trace:
        trace.add_row(step.rule, step.detail, f"{step.citation} [{step.confidence or '-'}]")
    console.print(trace)


def _classify_model(model: str | None, model_spec: Path | None, when: dt.date, lay: Layer, as_json: bool) -> None:
    catalog = load_models()
    if model_spec is not None:
        spec = load_model_spec(model_spec)
        catalog = catalog.with_model(spec)
        if model is not None:
            require_spec_named(spec, model, "model")
        target = model or spec.id
    else:
        assert model is not None
        target = model
    try:
        result = classify_model(target, when, layer=lay, catalog=catalog)
    except UnknownItemError as exc:  # the model named by --model, not the ITEM argument
        raise InputError(exc.message.replace("item: ", "--model: ", 1), field="model") from None
    if as_json:
        print_json(result.to_json())
    else:
        _print_model_classification(result)


def classify_command(
    item: Annotated[str | None, typer.Argument(help="Catalog id or alias, e.g. H100, nvidia-h20.")] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="YYYY-MM-DD (default: today).")] = None,
    spec: Annotated[Path | None, typer.Option(help="Classify a part described in a YAML spec file.")] = None,
    layer: Annotated[str, typer.Option(help="enforced (default) or codified.")] = "enforced",
    model: Annotated[
        str | None, typer.Option("--model", help="Classify an AI model's weights (ECCN 4E091), e.g. deepseek-v3.")
    ] = None,
    model_spec: Annotated[
        Path | None, typer.Option("--model-spec", help="Classify the weights of a model described in a YAML file.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Classify one item (ECCN 3A090/4A090) or AI model's weights (4E091) as the rules stood on a date, with a
    cited trace."""
    when: dt.date = parse_date(as_of, field="--as-of")
    if layer not in ("enforced", "codified"):
        raise InputError(f"--layer: {layer!r} is not one of enforced, codified", field="layer")
    lay: Layer = "enforced" if layer == "enforced" else "codified"
    if model is not None or model_spec is not None:
        if item is not None or spec is not None:
            raise InputError(
                "--model: give either an ITEM/--spec (a chip) or --model/--model-spec (a model)", field="model"
            )
        _classify_model(model, model_spec, when, lay, as_json)
        return
    if spec is not None:
        spec_file = load_catalog_file(spec)
        if item is None and len(spec_file.parts) + len(spec_file.systems) != 1:
            raise InputError(f"--spec: {spec}: holds several items; name one of them as ITEM", field="spec")
        cat = load_catalog(extra_paths=[spec])
        target = item or (spec_file.parts or spec_file.systems)[0].id
        result = classify(target, when, layer=lay, catalog=cat)
    elif item is None:
        raise InputError("ITEM: give an ITEM (catalog id or alias) or --spec FILE", field="item")
    else:
        result = classify(item, when, layer=lay)
    if as_json:
        print_json(result.to_json())
    else:
        _print_classification(result)


def register(app: typer.Typer) -> None:
    app.command("catalog")(handle_errors(catalog_command))
    app.command("classify")(handle_errors(classify_command))
