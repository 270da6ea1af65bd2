"""The run summary (counts by verdict, by reason, by destination) for the terminal and a self-contained HTML report.

Counts are computed on the distinct determinations weighted by how many lines each covers, so a summary of a
million lines costs what its distinct keys cost. Charts are inline SVG: the report is one file with no script and
no external resource.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import polars as pl

from chipclear.batch.io import atomic_write_text

VERDICT_ORDER = ["NLR", "LICENSE_EXCEPTION", "LICENSED", "LICENSE_REQUIRED", "PROHIBITED", "HOLD"]
VERDICT_COLOURS = {
    "NLR": "#2e7d32",
    "LICENSE_EXCEPTION": "#7cb342",
    "LICENSED": "#00838f",
    "LICENSE_REQUIRED": "#f9a825",
    "PROHIBITED": "#c62828",
    "HOLD": "#6a1b9a",
}
REASON_SCHEMA = pl.List(pl.Struct({"rule": pl.String, "citation": pl.String}))


def summarise(keyed: pl.DataFrame, decisions: pl.DataFrame, bad: int, top: int = 15) -> dict[str, Any]:
    """Counts of decided lines by verdict, by reason (rule id) and by destination x verdict."""
    per_key = keyed.group_by("key_id", "destination").len("lines")
    weighted = per_key.join(decisions.filter(pl.col("error").is_null()), on="key_id", how="inner")
    by_verdict = weighted.group_by("verdict").agg(pl.col("lines").sum()).sort("lines", descending=True)
    reasons = (
        decisions.filter(pl.col("error").is_null())
        .select("key_id", pl.col("reasons").str.json_decode(REASON_SCHEMA).alias("r"))
        .explode("r")
        .unnest("r")
        .unique(["key_id", "rule"])
    )
    key_lines = per_key.group_by("key_id").agg(pl.col("lines").sum())
    by_reason = (
        reasons.join(key_lines, on="key_id")
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
        by_destination.with_columns(pl.sum_horizontal(present).alias("total"))
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


def _hbar_svg(title: str, labels: list[str], values: list[int], colours: list[str]) -> str:
    """A horizontal bar chart as inline SVG (no script, no external resource)."""
    width, label_w, row_h = 640, 260, 22
    top = max(values, default=0) or 1
    height = 30 + row_h * len(labels)
    out = [
        f"<svg xmlns='http://www.w3.org/2000/svg' role='img' aria-label='{html.escape(title)}' "
        f"width='{width}' height='{height}' viewBox='0 0 {width} {height}' font-family='sans-serif' font-size='12'>",
        f"<text x='0' y='16' font-weight='bold'>{html.escape(title)}</text>",
    ]
    for i, (label, value, colour) in enumerate(zip(labels, values, colours, strict=True)):
        y = 26 + i * row_h
        bar = int((width - label_w - 80) * value / top)
        out.append(f"<text x='0' y='{y + 14}'>{html.escape(label[:40])}</text>")
        out.append(f"<rect x='{label_w}' y='{y + 3}' width='{bar}' height='{row_h - 6}' fill='{colour}'/>")
        out.append(f"<text x='{label_w + bar + 6}' y='{y + 14}'>{value:,}</text>")
    out.append("</svg>")
    return "".join(out)


def _stacked_svg(title: str, rows: list[dict[str, Any]]) -> str:
    """Verdicts by destination as stacked horizontal bars, with a legend."""
    width, label_w, row_h = 640, 60, 20
    top = max((r.get("total", 0) for r in rows), default=0) or 1
    present = [v for v in VERDICT_ORDER if any(r.get(v) for r in rows)]
    height = 50 + row_h * len(rows)
    out = [
        f"<svg xmlns='http://www.w3.org/2000/svg' role='img' aria-label='{html.escape(title)}' "
        f"width='{width}' height='{height}' viewBox='0 0 {width} {height}' font-family='sans-serif' font-size='12'>",
        f"<text x='0' y='16' font-weight='bold'>{html.escape(title)}</text>",
    ]
    for k, verdict in enumerate(present):
        lx = k * 105
        out.append(f"<rect x='{lx}' y='24' width='10' height='10' fill='{VERDICT_COLOURS[verdict]}'/>")
        out.append(f"<text x='{lx + 14}' y='33' font-size='10'>{verdict}</text>")
    for i, r in enumerate(rows):
        y = 42 + i * row_h
        out.append(f"<text x='0' y='{y + 13}'>{html.escape(str(r['destination']))}</text>")
        x = float(label_w)
        for verdict in present:
            w = (width - label_w - 70) * r.get(verdict, 0) / top
            if w:
                out.append(
                    f"<rect x='{x:.1f}' y='{y + 2}' width='{w:.1f}' height='{row_h - 4}' "
                    f"fill='{VERDICT_COLOURS[verdict]}'><title>{verdict}: {r.get(verdict, 0):,}</title></rect>"
                )
            x += w
        out.append(f"<text x='{x + 6:.1f}' y='{y + 13}'>{r.get('total', 0):,}</text>")
    out.append("</svg>")
    return "".join(out)


def _charts(summary: dict[str, Any]) -> list[tuple[str, str]]:
    charts: list[tuple[str, str]] = []
    verdicts = summary.get("by_verdict") or {}
    if verdicts:
        names = [v for v in VERDICT_ORDER if v in verdicts] + [v for v in verdicts if v not in VERDICT_ORDER]
        colours = [VERDICT_COLOURS.get(n, "#777777") for n in names]
        charts.append(("Lines by verdict", _hbar_svg("Lines by verdict", names, [verdicts[n] for n in names], colours)))
    rows = (summary.get("by_destination") or [])[:20]
    if rows:
        charts.append(("Verdicts by destination", _stacked_svg("Verdicts by destination (top 20)", rows)))
    transitions = (summary.get("transitions") or [])[:12]
    if transitions:
        labels = [f"{t['verdict_before']} -> {t['verdict']}" for t in transitions]
        values = [t["lines"] for t in transitions]
        charts.append(("Verdict changes", _hbar_svg("Verdict changes", labels, values, ["#1565c0"] * len(values))))
    return charts


def _table(rows: list[dict[str, Any]], columns: list[str]) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(r.get(c, '')))}</td>" for c in columns) + "</tr>" for r in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def render_html(summary: dict[str, Any]) -> str:
    esc = html.escape
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
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>chipclear batch report: {esc(str(summary.get('input', '')))}</title>",
        "<style>body{font-family:system-ui,sans-serif;margin:2em;max-width:1100px}"
        "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;font-size:13px}"
        "th{background:#f3f3f3;text-align:left}.warn{background:#fff3cd;padding:8px;border:1px solid #e0c36c}"
        "</style></head><body>",
        "<h1>chipclear batch report</h1>",
    ]
    if not summary.get("screening", True):
        parts.append(
            "<p class='warn'>Run without restricted-party screening (--no-screening): no line was screened; "
            "list_version is 'unscreened'. Do not ship on these decisions without screening.</p>"
        )
    if summary.get("bad_rows"):
        parts.append(
            f"<p class='warn'>{summary['bad_rows']:,} bad rows were not decided: see "
            f"{esc(str(summary.get('bad_rows_file')))} (row number and reason for each).</p>"
        )
    parts.append(_table([{"": k, "value": v} for k, v in facts], ["", "value"]))
    for title, svg in _charts(summary):
        parts.append(f"<h2>{esc(title)}</h2>{svg}")
    if summary.get("by_verdict"):
        rows = [{"verdict": k, "lines": f"{v:,}"} for k, v in summary["by_verdict"].items()]
        parts.append("<h2>By verdict</h2>" + _table(rows, ["verdict", "lines"]))
    if summary.get("transitions"):
        parts.append(
            "<h2>Verdict changes</h2>" + _table(summary["transitions"], ["verdict_before", "verdict", "lines"])
        )
    if summary.get("by_reason"):
        parts.append("<h2>By reason (rule)</h2>" + _table(summary["by_reason"], ["rule", "lines", "citation"]))
    if summary.get("by_destination"):
        columns = list(summary["by_destination"][0].keys())
        parts.append("<h2>By destination</h2>" + _table(summary["by_destination"], columns))
    parts.append("</body></html>")
    return "\n".join(parts)


def write_html(summary: dict[str, Any], path: Path) -> None:
    atomic_write_text(render_html(summary), path)


def print_summary(summary: dict[str, Any], console: Any) -> None:
    """The same counts as rich tables on the terminal."""
    from rich.table import Table

    if not summary.get("screening", True):
        console.print("[yellow]No restricted-party screening (--no-screening): list_version is 'unscreened'.[/]")
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
