"""What-if plots (matplotlib, Agg canvas, no pyplot global state): PNG and SVG files, or SVG text for the console.

1. ``tpp_density_map``: TPP against performance density (log scales) with the control regions in force and those
   of the draft, drawn from the rule data (no threshold is written here).
2. ``china_timeline``: how many catalog parts needed a license for China on each date from 2022 to today, in force
   and under the draft.
3. ``bandwidth_map``: total DRAM bandwidth against TPP with the 2026-01-15 case-by-case window, read from the rule
   data (a review policy testing ``tpp`` and ``total_dram_bandwidth_gbs``); never from constants.
"""

from __future__ import annotations

import datetime as dt
import io
import textwrap
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from adjustText import adjust_text
from matplotlib import rc_context
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_rgb
from matplotlib.dates import date2num
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Rectangle

from chipclear import metrics, palette
from chipclear.catalog import Catalog, Part
from chipclear.regions import Region, describe_test
from chipclear.regions import regions as shared_regions
from chipclear.rules import RuleSet
from chipclear.rules.schema import Layer, Test
from chipclear.whatif.overlay import Draft
from chipclear.whatif.timeline import series

TPP_RANGE = (300.0, 120_000.0)  # axis limits (display only)
DENSITY_RANGE = (1.0, 40.0)
BANDWIDTH_RANGE = (150.0, 12_000.0)
HATCHES = ["//", "\\\\", "xx", ".."]
BASE_COLOURS = palette.REGIONS
DRAFT_COLOURS = palette.DRAFT
STATUS_STYLE = {
    "controlled": (palette.status_colour("controlled"), "o", "controlled (in force)"),
    "indeterminate": (palette.status_colour("indeterminate"), "s", "indeterminate (in force)"),
    "not_controlled": (palette.status_colour("not_controlled"), "^", "not 3A090/4A090 (in force)"),
}


RING_STYLE = {  # status under the draft of a part whose classification the draft changes
    "controlled": ("#1f4fd6", "solid", "under the draft: becomes controlled / changes ECCN"),
    "indeterminate": ("#e07b00", "dashed", "under the draft: becomes indeterminate (missing data)"),
    "not_controlled": (palette.status_colour("not_controlled"), "solid", "under the draft: no longer controlled"),
}


def _new_figure(width: float = 11.0, height: float = 7.5) -> tuple[Figure, Axes]:
    fig = Figure(figsize=(width, height), dpi=110, layout="constrained")
    FigureCanvasAgg(fig)
    return fig, fig.add_subplot()


def _fmt(value: float | bool) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def _test_text(test: Test) -> str:
    return describe_test(test)


def regions(rules: RuleSet, on: dt.date, layer: Layer, only_from: set[str] | None = None) -> list[Region]:
    """The accelerator paragraphs in force on ``on`` as rectangles: chipclear.regions, shared with the console."""
    return shared_regions(rules, on, layer, only_from)


def _rect(r: Region) -> tuple[tuple[float, float], float, float]:
    (x0, x1), (y0, y1) = r.tpp_span(TPP_RANGE), r.density_span(DENSITY_RANGE)
    return (x0, y0), x1 - x0, y1 - y0


def _short(part: Part) -> str:
    return part.name.split(" (")[0]


def _labelled_points(
    parts: list[Part], xy: Callable[[Part], tuple[float | None, float | None]]
) -> dict[tuple[float, float], list[Part]]:
    """Parts grouped by identical coordinates, so twins (A100/A800) share one label."""
    groups: dict[tuple[float, float], list[Part]] = {}
    for part in parts:
        x, y = xy(part)
        if x is None or y is None:
            continue
        groups.setdefault((round(x, 3), round(y, 3)), []).append(part)
    return groups


def _group_label(group: list[Part]) -> str:
    names = list(dict.fromkeys(_short(p) for p in group))
    return " / ".join(names) if len(names) <= 3 else f"{' / '.join(names[:3])} (+{len(names) - 3})"


def _scatter_by_status(
    ax: Axes,
    groups: dict[tuple[float, float], list[Part]],
    status: dict[str, str],
    changed: dict[str, str],
) -> list[Any]:
    texts = []
    for key, (colour, marker, label) in STATUS_STYLE.items():
        pts = [xy for xy, g in groups.items() if status.get(g[0].id) == key]
        if pts:
            xs, ys = zip(*pts, strict=True)
            ax.scatter(xs, ys, c=colour, marker=marker, s=46, label=label, zorder=5, edgecolors="k")
    for after, (colour, style, label) in RING_STYLE.items():
        moved = [xy for xy, g in groups.items() if any(changed.get(p.id) == after for p in g)]
        if moved:
            mx, my = zip(*moved, strict=True)
            ax.scatter(
                mx,
                my,
                s=230,
                facecolors="none",
                edgecolors=colour,
                linewidths=2.0,
                linestyles=style,
                zorder=6,
                label=label,
            )
    for (x, y), group in groups.items():
        texts.append(ax.text(x, y, _group_label(group), fontsize=7.5, zorder=7))
    return texts


def _place_labels(ax: Axes, texts: list[Any]) -> None:
    adjust_text(
        texts,
        ax=ax,
        arrowprops={"arrowstyle": "-", "color": "0.45", "lw": 0.6},
        expand=(1.15, 1.3),
        max_move=(40, 40),
        time_lim=2,
    )


def _statuses(
    base: RuleSet, drafted: RuleSet, catalog: Catalog, on: dt.date, layer: Layer
) -> tuple[dict[str, str], dict[str, str]]:
    """Each part's status under the rules in force, and for the parts the draft changes, their draft status."""
    from chipclear.classification import classify

    status: dict[str, str] = {}
    changed: dict[str, str] = {}
    for part in catalog.parts.values():
        b = classify(part, on, layer, rules=base, catalog=catalog)
        a = classify(part, on, layer, rules=drafted, catalog=catalog)
        status[part.id] = b.status
        if (b.eccn, b.status) != (a.eccn, a.status):
            changed[part.id] = a.status
    return status, changed


def _draft_banner(fig: Figure, draft: Draft) -> None:
    fig.supxlabel(
        f"Draft = {', '.join(draft.ids)}: a HYPOTHESIS for what-if analysis, not law.", fontsize=8, color="#1f4fd6"
    )


def _base_regions(ax: Axes, rules: RuleSet, on: dt.date, layer: Layer) -> tuple[list[Any], list[str]]:
    """The 3A090 regions in force, filled; returns legend handles and the tests not shown in the plane."""
    handles: list[Any] = []
    notes: list[str] = []
    found = regions(rules, on, layer)
    for i, pid in enumerate(dict.fromkeys(r.paragraph for r in found)):
        colour = BASE_COLOURS[i % len(BASE_COLOURS)]
        for r in (r for r in found if r.paragraph == pid):
            corner, width, height = _rect(r)
            ax.add_patch(Rectangle(corner, width, height, facecolor=colour, alpha=0.13, edgecolor=colour, lw=1.0))
            if r.other:
                notes.append(f"in force {pid}: also needs {' and '.join(r.other)}")
        handles.append(Patch(facecolor=colour, alpha=0.3, edgecolor=colour, label=f"in force: {pid}"))
    return handles, notes


def _draft_regions(ax: Axes, drafted: RuleSet, draft: Draft, on: dt.date, layer: Layer) -> tuple[list[Any], list[str]]:
    """The paragraphs the draft sets, hatched and dashed; tests outside the plane are listed instead."""
    handles: list[Any] = []
    notes: list[str] = []
    found = regions(drafted, on, layer, only_from=set(draft.ids))
    for i, pid in enumerate(dict.fromkeys(r.paragraph for r in found)):
        colour, hatch = DRAFT_COLOURS[i % len(DRAFT_COLOURS)], HATCHES[i % len(HATCHES)]
        drawn = False
        for r in (r for r in found if r.paragraph == pid):
            if not r.in_plane:
                notes.append(f"draft {pid}: {' and '.join(r.other)} (not a TPP/density test)")
                continue
            corner, width, height = _rect(r)
            faint = (*to_rgb(colour), 0.35)  # a light hatch, so the points stay readable
            ax.add_patch(Rectangle(corner, width, height, facecolor="none", edgecolor=faint, hatch=hatch, lw=0))
            ax.add_patch(Rectangle(corner, width, height, facecolor="none", edgecolor=colour, lw=1.8, ls="--"))
            drawn = True
            if r.other:
                notes.append(f"draft {pid}: also needs {' and '.join(r.other)}")
        if drawn:
            handles.append(Patch(facecolor="none", edgecolor=colour, hatch=hatch, label=f"draft: {pid}"))
    notes += [f"draft removes {x}" for a in draft.actions if a.classification for x in a.classification.remove]
    if all(a.classification is None for a in draft.actions):
        notes.insert(0, "the draft changes no ECCN test (license requirements only): regions are unchanged")
    elif any(a.effective > on for a in draft.actions):
        notes.insert(0, f"the draft is not in force on {on}: its regions are not drawn")
    return handles, notes


def _note_box(ax: Axes, lines: list[str]) -> None:
    ax.text(
        0.01,
        0.99,
        "\n".join(lines),
        transform=ax.transAxes,
        va="top",
        ha="left",
        fontsize=7.5,
        bbox={"facecolor": "white", "alpha": 0.85, "edgecolor": "0.6"},
        zorder=8,
    )


def tpp_density_map(
    base: RuleSet, drafted: RuleSet, draft: Draft, catalog: Catalog, on: dt.date, layer: Layer = "enforced"
) -> Figure:
    fig, ax = _new_figure()
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlim(*TPP_RANGE)
    ax.set_ylim(*DENSITY_RANGE)
    base_handles, base_notes = _base_regions(ax, base, on, layer)
    draft_handles, draft_notes = _draft_regions(ax, drafted, draft, on, layer)
    accelerators = [p for p in catalog.parts.values() if p.kind == "accelerator"]
    groups = _labelled_points(
        accelerators, lambda p: (metrics.total_processing_performance(p), metrics.performance_density(p))
    )
    before, changed = _statuses(base, drafted, catalog, on, layer)
    _place_labels(ax, _scatter_by_status(ax, groups, before, changed))
    exclusions = [
        f"{e.id}: {' and '.join(_test_text(t) for t in e.all_of)} -> exempt"
        for e, _ in base.classification_at(on, layer).exclusions.values()
    ]
    missing = len(accelerators) - sum(len(g) for g in groups.values())
    _note_box(
        ax,
        [
            *draft_notes,
            *base_notes,
            *exclusions,
            f"{missing} catalog accelerators not plotted: TPP or die area unknown",
        ],
    )
    ax.set_xlabel("Total processing performance, TPP (bit length × dense TOPS; unitless, log scale)")
    ax.set_ylabel("Performance density (TPP per mm² of applicable die area, log scale)")
    ax.set_title(
        f"ECCN 3A090 control regions as of {on} ({layer} rules) and under the draft\n{draft.title}", fontsize=10
    )
    point_handles, _ = ax.get_legend_handles_labels()
    ax.legend(handles=[*base_handles, *draft_handles, *point_handles], loc="lower right", fontsize=8, framealpha=0.9)
    ax.grid(True, which="major", alpha=0.3)
    _draft_banner(fig, draft)
    return fig


def change_points(rules: RuleSet, start: dt.date, end: dt.date) -> list[dt.date]:
    """Every date within [start, end] on which a decision can change: effective dates, enforcement period bounds and
    license-requirement start/end dates (events and publication dates change no verdict), plus the two ends."""
    found = {start, end}
    for action in rules.actions:
        days = [action.effective, *(p.start for p in action.enforcement), *(p.end for p in action.enforcement)]
        for req in action.licensing.requirements if action.licensing else []:
            days += [getattr(req, "since", None), req.until]
        found |= {d for d in days if d is not None and start <= d <= end}
    return sorted(found)


def _short_citation(citation: str) -> str:
    text = citation.split(" (")[0].split(",")[0]
    return text if len(text) <= 26 else text[:25] + "…"


def china_timeline(
    base: RuleSet,
    drafted: RuleSet,
    draft: Draft,
    catalog: Catalog,
    on: dt.date,
    layer: Layer = "enforced",
    start: dt.date = dt.date(2022, 1, 1),
    today: dt.date | None = None,
) -> Figure:
    now = today or dt.date.today()
    end = max(now, on)
    future = [a.effective for a in draft.actions if a.effective > now - dt.timedelta(days=90)]
    if future:  # a draft dated near or after today: show some time under it
        end = max(end, max(future) + dt.timedelta(days=270))
    days = sorted(set(change_points(base, start, end)) | set(change_points(drafted, start, end)))
    before = series(base, catalog, days, layer)
    # before the draft's first effective date the draft world is the world in force: reuse those counts
    first = min(a.effective for a in draft.actions)
    after = before[: sum(d < first for d in days)] + series(drafted, catalog, [d for d in days if d >= first], layer)
    x = [float(date2num(d)) for d in days]
    fig, ax = _new_figure(11.5, 6.8)
    b_yes = [c["license"] for c in before]
    b_maybe = [c["license"] + c["undecided"] for c in before]
    ax.fill_between(
        x,
        b_yes,
        b_maybe,
        step="post",
        color=palette.verdict_colour("HOLD"),
        alpha=0.35,
        label="in force: HOLD (undecided)",
    )
    ax.step(
        x,
        b_yes,
        where="post",
        color=palette.verdict_colour("LICENSE_REQUIRED"),
        lw=2.2,
        label="in force: license needed (or exception / prohibited)",
    )
    ax.step(
        x,
        [c["license"] for c in after],
        where="post",
        color="#1f4fd6",
        lw=2.0,
        ls="--",
        label="under the draft: license needed (or exception / prohibited)",
    )
    a_yes = [c["license"] for c in after]
    ax.fill_between(
        x,
        a_yes,
        [c["license"] + c["undecided"] for c in after],
        step="post",
        facecolor="none",
        edgecolor=(*to_rgb("#1f4fd6"), 0.5),
        hatch="//",
        lw=0,
        label="under the draft: HOLD (undecided)",
    )
    total = int(before[0]["total"])
    ax.set_ylim(0, total + 3)
    ax.set_xlim(float(date2num(start)), float(date2num(end)))
    ax.axhline(total, color="0.6", lw=0.8, zorder=0)
    ax.text(
        float(date2num(start)),
        total + 0.4,
        f"  all {total} catalog parts (each counted whatever its launch date)",
        fontsize=8,
        color="0.35",
    )
    if end > now:
        ax.axvspan(float(date2num(now)), float(date2num(end)), color="0.92", zorder=0)
        ax.text(
            float(date2num(now)),
            0.5,
            " after today: the rules as known today, plus the draft",
            rotation=90,
            fontsize=7.5,
            color="0.4",
            va="center",
            transform=ax.get_xaxis_transform(),
        )
    marks = [a for a in base.actions if start <= a.effective <= end and a.kind != "draft"]
    for k, action in enumerate(marks):
        ax.axvline(float(date2num(action.effective)), color="0.6", lw=0.7, ls=":")
        ax.text(
            float(date2num(action.effective)),
            0.02 + 0.105 * (k % 3),
            " " + _short_citation(action.citation),
            rotation=90,
            fontsize=6.5,
            color="0.3",
            va="bottom",
            transform=ax.get_xaxis_transform(),
            clip_on=True,
        )
    for action in draft.actions:
        if start <= action.effective <= end:
            ax.axvline(float(date2num(action.effective)), color="#1f4fd6", lw=1.4, ls="--")
            ax.text(
                float(date2num(action.effective)),
                0.62,
                f" draft effective {action.effective}",
                rotation=90,
                fontsize=8,
                color="#1f4fd6",
                transform=ax.get_xaxis_transform(),
            )
    ax.xaxis_date()
    ax.set_title(
        f"Catalog parts needing a license for export to China, {start.year} to {end} ({layer} rules)\n"
        f"in force vs. {draft.title}",
        fontsize=10,
    )
    ax.set_xlabel(f"Date (dotted lines: rule actions in force, by citation)\nCounted: {before[0]['basis']}", fontsize=9)
    ax.set_ylabel("Catalog parts (count)")
    ax.legend(loc="upper left", bbox_to_anchor=(0.0, 0.93), fontsize=8, framealpha=0.95)
    ax.grid(True, alpha=0.3)
    _draft_banner(fig, draft)
    return fig


@dataclass
class Window:
    """A review-policy window on (TPP, total DRAM bandwidth), read from the rule data."""

    rule: str
    citation: str
    policy: str
    effective: dt.date
    tpp_below: float
    bandwidth_below: float
    scope: str = ""


def review_windows(rules: RuleSet, on: dt.date | None = None, layer: Layer = "enforced") -> list[Window]:
    """Review policies whose condition tests both ``tpp`` and ``total_dram_bandwidth_gbs`` from below (the
    2026-01-15 case-by-case window of 91 FR 1684 once its rule file is loaded): every one in the rule data, or with
    ``on`` the ones in force that day (a later action replacing a policy by id replaces its window)."""
    if on is None:
        policies = [(p, a) for a in rules.actions if a.licensing for p in a.licensing.review_policies]
    else:
        from chipclear.determination.merge import licensing_at

        policies = list(licensing_at(rules, on, layer).policies.values())
    out: list[Window] = []
    for policy, action in policies:
        for tests in _condition_tests(policy.when.model_dump()):
            tpp = [t for t in tests if t["metric"] == "tpp" and t["op"] in ("lt", "le")]
            bw = [t for t in tests if t["metric"] == "total_dram_bandwidth_gbs" and t["op"] in ("lt", "le")]
            if tpp and bw:
                out.append(
                    Window(
                        f"{action.id}#{policy.id}",
                        policy.citation,
                        policy.policy,
                        action.effective,
                        float(tpp[0]["value"]),
                        float(bw[0]["value"]),
                        _scope(policy.when),
                    )
                )
    return out


def _scope(when: Any) -> str:
    """Who the window is for, in words, from the policy's condition (destination, exporting country, certifications)."""
    words = []
    if when.export_from_us:
        words.append("exports from the US")
    if when.destination_in is not None:
        words.append("to " + when.destination_in.label())
    if when.certified:
        words.append("with certifications " + ", ".join(when.certified))
    return " ".join(words)


def _condition_tests(node: Any) -> Iterator[list[dict[str, Any]]]:
    if isinstance(node, dict):
        if node.get("tests"):
            yield node["tests"]
        for value in node.values():
            if isinstance(value, list | dict):
                yield from _condition_tests(value)
    elif isinstance(node, list):
        for value in node:
            yield from _condition_tests(value)


def _draw_windows(
    ax: Axes, base: RuleSet, drafted: RuleSet, draft: Draft, on: dt.date, layer: Layer
) -> tuple[list[Any], int]:
    """The review windows in force on ``on`` (filled), not yet in force (dotted) and set by the draft (dashed)."""
    handles: list[Any] = []
    in_force = review_windows(base, on, layer)
    drafted_windows = [w for w in review_windows(drafted, on, layer) if w.rule.split("#")[0] in set(draft.ids)]
    # the window is marked even on a date before it took effect (dotted, "not yet in force")
    later = [w for w in review_windows(base) if w.effective > on and w.rule not in {x.rule for x in in_force}]
    for w, style in [
        *((w, "in force") for w in in_force),
        *((w, "later") for w in later),
        *((w, "draft") for w in drafted_windows),
    ]:
        edge = {"in force": "#08519c", "later": "#08519c", "draft": "#1f4fd6"}[style]
        face = "#6baed6" if style == "in force" else "none"
        ax.add_patch(
            Rectangle(
                (TPP_RANGE[0], BANDWIDTH_RANGE[0]),
                w.tpp_below - TPP_RANGE[0],
                w.bandwidth_below - BANDWIDTH_RANGE[0],
                facecolor=face,
                alpha=0.18 if style == "in force" else 1.0,
                edgecolor=edge,
                lw=2,
                ls={"in force": "-", "later": ":", "draft": "--"}[style],
                zorder=1,
            )
        )
        prefix = {"in force": "", "later": f"not yet in force on {on}: ", "draft": "draft: "}[style]
        handles.append(
            Patch(
                facecolor=face,
                alpha=0.4 if style == "in force" else 1.0,
                edgecolor=edge,
                ls={"in force": "-", "later": ":", "draft": "--"}[style],
                label=f"{prefix}{w.policy.replace('_', '-')} window from {w.effective}: TPP < "
                f"{_fmt(w.tpp_below)} and total DRAM bandwidth < {_fmt(w.bandwidth_below)} GB/s"
                f"\n" + textwrap.fill(f"{w.scope}; {w.citation}", 75),
            )
        )
    return handles, len(in_force) + len(later) + len(drafted_windows)


def bandwidth_map(
    base: RuleSet, drafted: RuleSet, draft: Draft, catalog: Catalog, on: dt.date, layer: Layer = "enforced"
) -> Figure:
    fig, ax = _new_figure()
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlim(*TPP_RANGE)
    ax.set_ylim(*BANDWIDTH_RANGE)
    handles: list[Any] = []
    window_handles, drawn = _draw_windows(ax, base, drafted, draft, on, layer)
    handles += window_handles
    if not drawn:
        ax.text(
            0.5,
            0.5,
            "The 2026-01-15 case-by-case window is not in the loaded rule data\n"
            "(no review policy tests tpp and total_dram_bandwidth_gbs): not drawn",
            transform=ax.transAxes,
            ha="center",
            fontsize=10,
            color="#08519c",
            bbox={"facecolor": "white", "edgecolor": "#08519c"},
        )
    draft_ids = set(draft.ids)
    merged = drafted.classification_at(on, layer)
    for i, (para, _action) in enumerate(p for p in merged.paragraphs.values() if p[1].id in draft_ids):
        colour = DRAFT_COLOURS[i % len(DRAFT_COLOURS)]
        for clause in para.any_of:
            for t in clause:
                if t.metric == "total_dram_bandwidth_gbs" and not isinstance(t.value, bool):
                    ax.axhline(float(t.value), color=colour, ls="--", lw=1.6)
                    handles.append(Patch(color=colour, label=f"draft {para.id}: {_test_text(t)} GB/s"))
                elif t.metric == "tpp" and not isinstance(t.value, bool):
                    ax.axvline(float(t.value), color=colour, ls="--", lw=1.6)
                    handles.append(Patch(color=colour, label=f"draft {para.id}: {_test_text(t)}"))
    accelerators = [p for p in catalog.parts.values() if p.kind == "accelerator"]
    groups = _labelled_points(
        accelerators, lambda p: (metrics.total_processing_performance(p), metrics.total_dram_bandwidth_gbs(p))
    )
    before, changed = _statuses(base, drafted, catalog, on, layer)
    texts = _scatter_by_status(ax, groups, before, changed)
    _place_labels(ax, texts)
    missing = len(accelerators) - sum(len(g) for g in groups.values())
    ax.set_xlabel("Total processing performance, TPP (bit length × dense TOPS; unitless, log scale)")
    ax.set_ylabel("Total DRAM (memory) bandwidth (GB/s, log scale)")
    ax.set_title(
        f"Memory bandwidth vs. TPP as of {on}, with the case-by-case review window\n{draft.title}", fontsize=10
    )
    point_handles, _ = ax.get_legend_handles_labels()
    ax.legend(
        handles=[*handles, *point_handles],
        loc="lower right",
        fontsize=7.5,
        title_fontsize=7.5,
        framealpha=0.95,
        title=f"{missing} catalog accelerators not plotted: TPP or memory bandwidth unknown",
    )
    ax.grid(True, which="major", alpha=0.3)
    _draft_banner(fig, draft)
    return fig


PLOTS: dict[str, Callable[..., Figure]] = {
    "tpp-density": tpp_density_map,
    "china-timeline": china_timeline,
    "bandwidth-window": bandwidth_map,
}


def svg_text(fig: Figure) -> str:
    """The figure as SVG text (for embedding in the web console); text stays text (searchable, selectable)."""
    buf = io.StringIO()
    with rc_context({"svg.fonttype": "none"}):
        fig.savefig(buf, format="svg")
    return buf.getvalue()


def plot_svg(
    name: str, base: RuleSet, drafted: RuleSet, draft: Draft, catalog: Catalog, on: dt.date, layer: Layer = "enforced"
) -> str:
    """SVG text of one named plot (``tpp-density``, ``china-timeline`` or ``bandwidth-window``)."""
    return svg_text(PLOTS[name](base, drafted, draft, catalog, on, layer))


def write_all(
    directory: Path,
    base: RuleSet,
    drafted: RuleSet,
    draft: Draft,
    catalog: Catalog,
    on: dt.date,
    layer: Layer = "enforced",
) -> list[Path]:
    """Write every plot as PNG and SVG into ``directory``; returns the paths written."""
    from chipclear.errors import InputError

    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"--plots: cannot create {directory}: {exc.strerror}", field="plots") from None
    stem = "+".join(draft.ids) + ("" if layer == "enforced" else f"_{layer}")
    written = []
    for name, make in PLOTS.items():
        fig = make(base, drafted, draft, catalog, on, layer)
        png, svg = directory / f"{stem}_{name}.png", directory / f"{stem}_{name}.svg"
        fig.savefig(png, format="png")
        svg.write_text(svg_text(fig), encoding="utf-8")
        written += [png, svg]
    return written


__all__ = [
    "PLOTS",
    "bandwidth_map",
    "change_points",
    "china_timeline",
    "plot_svg",
    "regions",
    "review_windows",
    "svg_text",
    "tpp_density_map",
    "write_all",
]
