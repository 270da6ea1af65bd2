"""Charts as inline SVG, drawn on the server: no chart library, nothing fetched by the browser.

``chip_map`` places parts on TPP (x) versus performance density (y), both log scales, over the 3A090.a/.b regions
derived from the rule data in force on the chosen date. ``verdict_timeline`` draws one bar per destination
group, coloured by verdict over time.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from html import escape

from markupsafe import Markup

VERDICT_COLOURS = {
    "NLR": "#3f9e63",
    "LICENSE_EXCEPTION": "#2a98a5",
    "LICENSED": "#3c6fb6",
    "LICENSE_REQUIRED": "#d9782d",
    "PROHIBITED": "#b83232",
    "HOLD": "#e0b43a",
    "CONTROLLED": "#c2410c",
    "NOT_CONTROLLED": "#2f855a",
}
STATUS_COLOURS = {"controlled": "#c2410c", "not_controlled": "#2f855a", "indeterminate": "#b7791f"}
REGION_COLOURS = {"3A090.a": "#e4572e", "3A090.b": "#f2a541"}


@dataclass
class MapPoint:
    id: str
    name: str
    tpp: float
    density: float
    status: str
    eccn: str | None
    label: bool = False


@dataclass
class Region:
    paragraph: str
    tpp_lo: float | None
    tpp_hi: float | None
    dens_lo: float | None
    dens_hi: float | None
    extra: list[str] = field(default_factory=list)  # conditions on other metrics (not drawable)


@dataclass
class Axis:
    lo: float
    hi: float
    start: float
    length: float

    def __call__(self, value: float) -> float:
        value = min(max(value, self.lo), self.hi)
        return (
            self.start
            + (math.log10(value) - math.log10(self.lo)) / (math.log10(self.hi) - math.log10(self.lo)) * self.length
        )


def _fmt_tick(v: float) -> str:
    return f"{v:,.0f}" if v >= 1 else f"{v:g}"


def chip_map(points: list[MapPoint], regions: list[Region], *, as_of: dt.date) -> Markup:
    width, height = 1000, 620
    left, right, top, bottom = 80, 30, 20, 60
    x = Axis(10, 100_000, left, width - left - right)
    y_raw = Axis(0.05, 100, 0, height - top - bottom)

    def y(v: float) -> float:
        return height - bottom - y_raw(v)

    out: list[str] = [
        f'<svg class="chart" id="chip-map" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="Chip map: TPP versus performance density as of {as_of}" xmlns="http://www.w3.org/2000/svg">',
        f'<rect x="{left}" y="{top}" width="{width - left - right}" height="{height - top - bottom}" fill="#fff" '
        'stroke="#c9d0da"/>',
    ]
    for r in regions:
        x0, x1 = x(r.tpp_lo or x.lo), x(r.tpp_hi or x.hi)
        y0, y1 = y(r.dens_hi or y_raw.hi), y(r.dens_lo or y_raw.lo)
        colour = REGION_COLOURS.get(r.paragraph, "#999")
        extra = f" and {'; '.join(r.extra)}" if r.extra else ""
        title = escape(
            f"{r.paragraph}: {_range('TPP', r.tpp_lo, r.tpp_hi)}, {_range('density', r.dens_lo, r.dens_hi)}{extra}"
        )
        dash = ' stroke-dasharray="5 4"' if r.extra else ""
        out.append(
            f'<rect class="region" data-paragraph="{escape(r.paragraph)}" x="{x0:.1f}" y="{y0:.1f}" '
            f'width="{max(x1 - x0, 0):.1f}" height="{max(y1 - y0, 0):.1f}" fill="{colour}" fill-opacity="0.16" '
            f'stroke="{colour}" stroke-opacity="0.7"{dash}><title>{title}</title></rect>'
        )
    for tick in (10.0, 100.0, 1000.0, 10_000.0, 100_000.0):
        px = x(tick)
        out.append(f'<line x1="{px:.1f}" y1="{top}" x2="{px:.1f}" y2="{height - bottom}" stroke="#e6e9ee"/>')
        out.append(
            f'<text x="{px:.1f}" y="{height - bottom + 18}" font-size="12" text-anchor="middle" fill="#5b6472">{_fmt_tick(tick)}</text>'
        )
    for ytick in (0.1, 1.0, 10.0, 100.0):
        py = y(ytick)
        out.append(f'<line x1="{left}" y1="{py:.1f}" x2="{width - right}" y2="{py:.1f}" stroke="#e6e9ee"/>')
        out.append(
            f'<text x="{left - 8}" y="{py + 4:.1f}" font-size="12" text-anchor="end" fill="#5b6472">{_fmt_tick(ytick)}</text>'
        )
    out.append(
        f'<text x="{left + (width - left - right) / 2}" y="{height - 18}" font-size="13" text-anchor="middle" '
        'fill="#1d2430">Total processing performance (TPP), log scale</text>'
    )
    out.append(
        f'<text transform="translate(22 {top + (height - top - bottom) / 2}) rotate(-90)" font-size="13" '
        'text-anchor="middle" fill="#1d2430">Performance density (TPP / mm²), log scale</text>'
    )
    for p in sorted(points, key=lambda p: p.label):
        px, py = x(p.tpp), y(p.density)
        colour = STATUS_COLOURS.get(p.status, "#666")
        title = escape(f"{p.name}: TPP {p.tpp:,.0f}, density {p.density:.2f}, {p.eccn or p.status.replace('_', ' ')}")
        out.append(
            f'<a href="/items/{escape(p.id)}"><circle class="chip" data-id="{escape(p.id)}" cx="{px:.1f}" cy="{py:.1f}" '
            f'r="{6 if p.label else 4.5}" fill="{colour}" fill-opacity="0.9" stroke="#fff" stroke-width="1.2">'
            f"<title>{title}</title></circle></a>"
        )
        if p.label:
            out.append(
                f'<text class="chip-label" x="{px + 8:.1f}" y="{py - 7:.1f}" font-size="12" font-weight="600" '
                f'fill="#1d2430" paint-order="stroke" stroke="#fff" stroke-width="3">{escape(p.name)}</text>'
            )
    out.append("</svg>")
    return Markup("".join(out))


def _range(name: str, lo: float | None, hi: float | None) -> str:
    if lo is not None and hi is not None:
        return f"{lo:g} <= {name} < {hi:g}"
    if lo is not None:
        return f"{name} >= {lo:g}"
    if hi is not None:
        return f"{name} < {hi:g}"
    return f"any {name}"


@dataclass
class Segment:
    start: dt.date
    end: dt.date
    verdict: str
    note: str = ""


@dataclass
class TimelineRow:
    label: str
    segments: list[Segment]


def verdict_timeline(rows: list[TimelineRow], start: dt.date, end: dt.date) -> Markup:
    width = 1000
    left, right, row_h, top = 250, 20, 30, 10
    height = top + row_h * len(rows) + 40
    span = max((end - start).days, 1)

    def x(day: dt.date) -> float:
        return left + (min(max((day - start).days, 0), span) / span) * (width - left - right)

    out = [
        f'<svg class="chart" id="verdict-timeline" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="Verdict timeline {start} to {end}" xmlns="http://www.w3.org/2000/svg">'
    ]
    for year in range(start.year, end.year + 1):
        day = dt.date(year, 1, 1)
        if day < start:
            continue
        px = x(day)
        out.append(f'<line x1="{px:.1f}" y1="{top}" x2="{px:.1f}" y2="{height - 30}" stroke="#e6e9ee"/>')
        out.append(
            f'<text x="{px:.1f}" y="{height - 12}" font-size="12" text-anchor="middle" fill="#5b6472">{year}</text>'
        )
    for i, row in enumerate(rows):
        ty = top + i * row_h
        out.append(
            f'<text x="{left - 10}" y="{ty + row_h / 2 + 4:.1f}" font-size="13" text-anchor="end" fill="#1d2430">'
            f"{escape(row.label)}</text>"
        )
        for seg in row.segments:
            x0, x1 = x(seg.start), x(seg.end)
            colour = VERDICT_COLOURS.get(seg.verdict, "#999")
            title = escape(
                f"{row.label}: {seg.verdict} from {seg.start} to {seg.end}" + (f" ({seg.note})" if seg.note else "")
            )
            out.append(
                f'<rect class="segment" data-verdict="{escape(seg.verdict)}" x="{x0:.1f}" y="{ty + 5}" '
                f'width="{max(x1 - x0, 1):.1f}" height="{row_h - 10}" fill="{colour}" rx="3"><title>{title}</title></rect>'
            )
    out.append("</svg>")
    return Markup("".join(out))


__all__ = ["MapPoint", "Region", "Segment", "TimelineRow", "chip_map", "verdict_timeline"]
