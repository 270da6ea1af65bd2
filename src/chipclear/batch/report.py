"""The run summary (counts by verdict, by reason, by destination) for the terminal and a self-contained HTML report.

Counts are computed on the distinct determinations weighted by how many lines each covers, so a summary of a
million lines costs what its distinct keys cost. Charts are inline SVG: the report is one file with no script and
no external resource. The page is templates/report.html (Jinja2); the colours are chipclear.palette's.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import polars as pl
from jinja2 import Environment, PackageLoader, StrictUndefined, Template, select_autoescape

from chipclear import palette
from chipclear.batch.io import atomic_write_text
from chipclear.batch.nested import DATE_MARK
from chipclear.palette import verdict_colour

VERDICT_ORDER = ["NLR", "LICENSE_EXCEPTION", "LICENSED", "LICENSE_REQUIRED", "PROHIBITED", "HOLD"]


def summarise(per_key: pl.DataFrame, decisions: pl.DataFrame, bad: int, top: int = 15) -> dict[str, Any]:
    """Counts of decided lines by verdict, by reason (rule id) and by destination x verdict. ``per_key``: one row per
    distinct key, its ``key_id``, ``destination`` (part of the key) and number of ``lines``."""
    ok = decisions.filter(pl.col("error").is_null()).select("key_id", "verdict")
    weighted = per_key.join(ok, on="key_id", how="inner")
    by_verdict = weighted.group_by("verdict").agg(pl.col("lines").sum()).sort("lines", descending=True)
    rep = pl.col("rep_as_of").cast(pl.String)
    reasons = (
        decisions.filter(pl.col("error").is_null())
        .select(
            "key_id",
            "rep_as_of",
            pl.col("reasons").alias("r"),  # nested, the date marked (``nested.templates``)
        )
        .explode("r", empty_as_null=False, keep_nulls=False)
        .select(
            "key_id",
            *[
                pl.col("r").struct.field(f).str.replace_all(DATE_MARK, rep, literal=True).alias(f)
                for f in ("rule", "citation")
            ],
        )
        .unique(["key_id", "rule"])
    )
    by_reason = (
        reasons.join(per_key.select("key_id", "lines"), on="key_id")
        .group_by("rule")
        .agg(pl.col("lines").sum(), pl.col("citation").first())
        .sort(["lines", "rule"], descending=[True, False])
        .head(top)
    )
    by_destination = (
        weighted.group_by("destination", "verdict")
        .agg(pl.col("lines").sum())
        .pivot(on="verdict", index="destination", values="lines")
        .fill_null(0)
    )
    present = [v for v in VERDICT_ORDER if v in by_destination.columns]
    by_destination = (
        # a book whose every line is bad decides none: no verdict column, a total of 0
        by_destination.with_columns((pl.sum_horizontal(present) if present else pl.lit(0)).alias("total"))
        .sort(["total", "destination"], descending=[True, False])
        .select("destination", *present, "total")
    )
    decided = int(weighted["lines"].sum() or 0)
    return {
        "lines_decided": decided,
        "bad_rows": bad,
        "by_verdict": {r["verdict"]: r["lines"] for r in by_verdict.to_dicts()},
        "by_reason": by_reason.to_dicts(),
        "by_destination": by_destination.head(top * 2).to_dicts(),
    }


LEGEND_CHAR_W, LEGEND_SWATCH, LEGEND_GAP = 6.5, 14, 18  # legend layout at font-size 10 (px)


def _hbar(title: str, labels: list[str], values: list[int], colours: list[str]) -> dict[str, Any]:
    """A horizontal bar chart's geometry (drawn as inline SVG by the template)."""
    width, label_w, row_h = 640, 260, 22
    top = max(values, default=0) or 1
    bars = [
        {
            "y": 26 + i * row_h,
            "label": label[:40],
            "value": value,
            "colour": colour,
            "w": int((width - label_w - 80) * value / top),
        }
        for i, (label, value, colour) in enumerate(zip(labels, values, colours, strict=True))
    ]
    return {
        "kind": "hbar",
        "title": title,
        "width": width,
        "height": 30 + row_h * len(labels),
        "label_w": label_w,
        "row_h": row_h,
        "bars": bars,
    }


def _legend(names: list[str], width: int) -> tuple[list[dict[str, Any]], int]:
    """Legend entries placed left to right by their text width, wrapping to a new line: no label overlaps."""
    items, x, y = [], 0.0, 24
    for name in names:
        w = LEGEND_SWATCH + LEGEND_CHAR_W * len(name)
        if x and x + w > width:
            x, y = 0.0, y + 16
        items.append({"x": x, "y": y, "name": name, "colour": verdict_colour(name)})
        x += w + LEGEND_GAP
    return items, y + 16


def _stacked(title: str, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Verdicts by destination as stacked horizontal bars, with a legend."""
    width, label_w, row_h = 640, 60, 20
    top = max((r.get("total", 0) for r in rows), default=0) or 1
    present = [v for v in VERDICT_ORDER if any(r.get(v) for r in rows)]
    legend, legend_end = _legend(present, width)
    out_rows = []
    for i, r in enumerate(rows):
        y = legend_end + 4 + i * row_h
        x, segments = float(label_w), []
        for verdict in present:
            w = (width - label_w - 70) * r.get(verdict, 0) / top
            if w:
                segments.append(
                    {"x": x, "w": w, "verdict": verdict, "lines": r.get(verdict, 0), "colour": verdict_colour(verdict)}
                )
            x += w
        out_rows.append(
            {"y": y, "destination": str(r["destination"]), "segments": segments, "end": x, "total": r.get("total", 0)}
        )
    return {
        "kind": "stacked",
        "title": title,
        "width": width,
        "height": legend_end + 12 + row_h * len(rows),
        "row_h": row_h,
        "legend": legend,
        "rows": out_rows,
    }


def _charts(summary: dict[str, Any]) -> list[dict[str, Any]]:
    charts: list[dict[str, Any]] = []
    verdicts = summary.get("by_verdict") or {}
    if verdicts:
        names = [v for v in VERDICT_ORDER if v in verdicts] + [v for v in verdicts if v not in VERDICT_ORDER]
        colours = [verdict_colour(n) for n in names]
        charts.append(_hbar("Lines by verdict", names, [verdicts[n] for n in names], colours))
    rows = (summary.get("by_destination") or [])[:20]
    if rows:
        charts.append(_stacked("Verdicts by destination (top 20)", rows))
    transitions = (summary.get("transitions") or [])[:12]
    if transitions:
        labels = [f"{t['verdict_before']} -> {t['verdict']}" for t in transitions]
        values = [t["lines"] for t in transitions]
        charts.append(_hbar("Verdict changes", labels, values, [palette.DRAFT[0]] * len(values)))
    return charts


@lru_cache(maxsize=1)
def _template() -> Template:
    env = Environment(
        loader=PackageLoader("chipclear.batch", "templates"),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env.get_template("report.html")


def render_html(summary: dict[str, Any]) -> str:
    """The self-contained HTML report (templates/report.html): one file, no script, no external resource."""
    facts = [
        ("Input", summary.get("input")),
        ("Output", summary.get("output")),
        ("Bad rows file", summary.get("bad_rows_file")),
        ("Lines decided", f"{summary.get('lines_decided', 0):,}"),
        ("Bad rows", f"{summary.get('bad_rows', 0):,}"),
        ("Distinct determinations", f"{summary.get('distinct_keys', 0):,}"),
        ("Distinct parties screened", f"{summary.get('distinct_parties', 0):,}"),
        ("Rules version", summary.get("rules_version")),
        ("List version", summary.get("list_version")),
        ("Started", summary.get("started_at")),
    ]
    by_destination = summary.get("by_destination") or []
    return _template().render(
        s=summary,
        facts=facts,
        charts=_charts(summary),
        screened=summary.get("screening", True),
        destination_columns=list(by_destination[0].keys()) if by_destination else [],
    )


def write_html(summary: dict[str, Any], path: Path) -> None:
    atomic_write_text(render_html(summary), path)


def print_summary(summary: dict[str, Any], console: Any) -> None:
    """The same counts as rich tables on the terminal."""
    from rich.table import Table

    if not summary.get("screening", True):
        console.print(
            "[yellow]No restricted-party screening (--no-screening): lines naming a party are HOLD until screened;"
            " list_version is 'unscreened'.[/]"
        )
    if summary.get("decided_as_of"):
        other = summary.get("lines_shipping_another_day") or 0
        text = f"Every line decided as of {summary['decided_as_of']} (--date), not as of its own ship date"
        if other:
            text += (
                f": {other:,} lines ship on another day, and their verdicts are not the decisions for those shipments"
            )
        console.print(f"[yellow]{text}.[/]", highlight=False)
    if (summary.get("by_verdict") or {}).get("LICENSE_REQUIRED") and summary.get("licenses_on_file"):
        console.print(f"[dim]Licenses on file: {summary['licenses_on_file']}.[/]", highlight=False)
    table = Table(title="Lines by verdict", header_style="bold")
    table.add_column("verdict")
    table.add_column("lines", justify="right")
    for verdict, lines in (summary.get("by_verdict") or {}).items():
        table.add_row(verdict, f"{lines:,}")
    if summary.get("by_verdict"):
        console.print(table)
    if summary.get("transitions"):
        changes = Table(title="Verdict changes", header_style="bold")
        for c in ("before", "after", "lines"):
            changes.add_column(c, justify="right" if c == "lines" else "left")
        for t in summary["transitions"]:
            changes.add_row(t["verdict_before"], t["verdict"], f"{t['lines']:,}")
        console.print(changes)
    if summary.get("by_reason"):
        reasons = Table(title="Top reasons (rule ids)", header_style="bold")
        reasons.add_column("rule")
        reasons.add_column("lines", justify="right")
        for r in summary["by_reason"][:10]:
            reasons.add_row(r["rule"], f"{r['lines']:,}")
        console.print(reasons)
    if summary.get("by_destination"):
        rows = summary["by_destination"][:10]
        dest = Table(title="Top destinations", header_style="bold")
        for c in rows[0]:
            dest.add_column(c, justify="left" if c == "destination" else "right")
        for r in rows:
            dest.add_row(*[str(v) if not isinstance(v, int) else f"{v:,}" for v in r.values()])
        console.print(dest)


__all__ = ["print_summary", "render_html", "summarise", "write_html"]
