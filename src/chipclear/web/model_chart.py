"""The compute-versus-date picture of AI models, as inline SVG drawn on the server.

Each model with a training-compute figure is a dot at its release date (filled: weights published; hollow: a
low-confidence estimate); the 4E091 compute threshold is a horizontal line taken from the rule data; the published
frontier (the most compute of any model whose weights were published by that date) is a step line.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from html import escape

from markupsafe import Markup

from chipclear.palette import INK, MUTED, status_colour, verdict_colour
from chipclear.web.charts import Axis, _place_labels

PUBLISHED = status_colour("not_controlled")  # weights anyone may download
CLOSED = status_colour("controlled")
LINE = verdict_colour("CONTROLLED")


@dataclass
class ModelPoint:
    id: str
    name: str
    released: dt.date
    operations: float
    published_from: dt.date | None  # weights published (734.7(a)) from this date; None = not published/unknown
    low_confidence: bool


def published_frontier(points: list[ModelPoint], end: dt.date) -> list[tuple[dt.date, float]]:
    """(date, operations) steps: the largest training compute among models whose weights were published by then."""
    steps: list[tuple[dt.date, float]] = []
    best = 0.0
    for p in sorted((p for p in points if p.published_from), key=lambda p: p.published_from or end):
        assert p.published_from is not None
        if p.operations > best and p.published_from <= end:
            best = p.operations
            steps.append((p.published_from, best))
    return steps


def compute_chart(points: list[ModelPoint], threshold: float | None, threshold_label: str, end: dt.date) -> Markup:
    width, height = 1000, 520
    left, right, top, bottom = 80, 30, 20, 60
    start = dt.date(min([p.released for p in points], default=end).year, 1, 1)
    values = [p.operations for p in points] + ([threshold] if threshold else [])
    lo = 10 ** math.floor(math.log10(min(values, default=1e23)))
    hi = 10 ** math.ceil(math.log10(max(values, default=1e26) * 1.5))
    span = max((end - start).days, 1)

    def x(day: dt.date) -> float:
        return left + (min(max(day, start), end) - start).days / span * (width - left - right)

    y_raw = Axis(lo, hi, 0, height - top - bottom)

    def y(v: float) -> float:
        return height - bottom - y_raw(v)

    out = [
        f'<svg class="chart" id="compute-chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="AI models: training compute versus release date, with the 4E091 threshold" '
        'xmlns="http://www.w3.org/2000/svg">',
        f'<rect x="{left}" y="{top}" width="{width - left - right}" height="{height - top - bottom}" fill="#fff" '
        'stroke="#c9d0da"/>',
    ]
    exp = round(math.log10(lo))
    while 10.0**exp <= hi:
        py = y(10.0**exp)
        out.append(
            f'<line x1="{left}" y1="{py:.1f}" x2="{width - right}" y2="{py:.1f}" stroke="#000" stroke-opacity="0.07"/>'
        )
        out.append(
            f'<text x="{left - 8}" y="{py + 4:.1f}" font-size="12" text-anchor="end" fill="{MUTED}">1e{exp}</text>'
        )
        exp += 1
    for year in range(start.year, end.year + 1):
        px = x(dt.date(year, 1, 1))
        out.append(
            f'<line x1="{px:.1f}" y1="{top}" x2="{px:.1f}" y2="{height - bottom}" stroke="#000" stroke-opacity="0.07"/>'
        )
        out.append(f'<text x="{px + 4:.1f}" y="{height - bottom + 18}" font-size="12" fill="{MUTED}">{year}</text>')
    if threshold:
        py = y(threshold)
        out.append(
            f'<line id="threshold-line" x1="{left}" y1="{py:.1f}" x2="{width - right}" y2="{py:.1f}" stroke="{LINE}" '
            f'stroke-width="2" stroke-dasharray="6 4"><title>{escape(threshold_label)}</title></line>'
        )
        out.append(
            f'<text x="{width - right - 6}" y="{py - 6:.1f}" font-size="13" font-weight="700" text-anchor="end" '
            f'fill="{LINE}">{escape(threshold_label)}</text>'
        )
    steps = published_frontier(points, end)
    if steps:
        path = []
        for i, (day, ops) in enumerate(steps):
            nxt = steps[i + 1][0] if i + 1 < len(steps) else end
            path.append(f"{'M' if i == 0 else 'L'}{x(day):.1f},{y(ops):.1f} L{x(nxt):.1f},{y(ops):.1f}")
        out.append(
            f'<path id="published-frontier" d="{" ".join(path)}" fill="none" stroke="{PUBLISHED}" stroke-width="2.5" '
            'stroke-opacity="0.7"><title>published frontier: the most training compute of any model whose weights '
            "were published by that date</title></path>"
        )
        last_ops = steps[-1][1]
        out.append(
            f'<text x="{width - right - 6}" y="{y(last_ops) + 16:.1f}" font-size="12" font-weight="700" '
            f'text-anchor="end" fill="{PUBLISHED}">published frontier</text>'
        )
    dots = [(x(p.released), y(p.operations)) for p in points]
    for p, (px, py) in zip(points, dots, strict=True):
        colour = PUBLISHED if p.published_from else CLOSED
        fill = "#fff" if p.low_confidence else colour
        state = f"weights published {p.published_from}" if p.published_from else "weights not published"
        est = " (low-confidence estimate)" if p.low_confidence else ""
        title = escape(f"{p.name}: {p.operations:.2g} operations{est}, released {p.released}, {state}")
        out.append(
            f'<a href="/models#{escape(p.id)}"><circle class="model" data-id="{escape(p.id)}" cx="{px:.1f}" '
            f'cy="{py:.1f}" r="5.5" fill="{fill}" stroke="{colour}" stroke-width="2"><title>{title}</title>'
            "</circle></a>"
        )
    anchors = [(px, py, p.name) for p, (px, py) in zip(points, dots, strict=True)]
    for lx, ly, anchor, text in _place_labels(
        anchors, (left + 2, top + 2, width - right - 2, height - bottom - 2), dots
    ):
        out.append(
            f'<text class="model-label" x="{lx:.1f}" y="{ly:.1f}" font-size="12" font-weight="600" '
            f'text-anchor="{anchor}" fill="{INK}" paint-order="stroke" stroke="#fff" stroke-width="3">'
            f"{escape(text)}</text>"
        )
    out.append(
        f'<text x="{left + (width - left - right) / 2}" y="{height - 18}" font-size="13" text-anchor="middle" '
        f'fill="{INK}">Release date</text>'
    )
    out.append(
        f'<text transform="translate(22 {top + (height - top - bottom) / 2}) rotate(-90)" font-size="13" '
        f'text-anchor="middle" fill="{INK}">Training operations, log scale</text>'
    )
    out.append("</svg>")
    return Markup("".join(out))


__all__ = ["ModelPoint", "compute_chart", "published_frontier"]
