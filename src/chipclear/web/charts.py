"""Charts as inline SVG, drawn on the server: no chart library, nothing fetched by the browser.

``chip_map`` places parts on TPP (x) versus performance density (y), both log scales, over the control regions
(chipclear.regions) in force on the chosen date. ``verdict_timeline`` draws one bar per destination
group, coloured by verdict over time.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from html import escape

from markupsafe import Markup

from chipclear.palette import INK, MUTED, region_colours, status_colour, verdict_colour
from chipclear.regions import Region


@dataclass
class MapPoint:
    id: str
    name: str
    tpp: float
    density: float
    status: str
    eccn: str | None
    label: bool = False
    short: str = ""  # the label drawn next to the dot


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


def _decade_ticks(lo: float, hi: float) -> list[float]:
    """1-2-5 ticks between ``lo`` and ``hi``."""
    ticks = []
    exp = math.floor(math.log10(lo))
    while 10**exp <= hi:
        for m in (1, 2, 5):
            v = m * 10.0**exp
            if lo <= v <= hi:
                ticks.append(v)
        exp += 1
    return ticks


def _axis_range(values: list[float]) -> tuple[float, float]:
    lo, hi = min(values) / 1.5, max(values) * 1.5
    steps = [m * 10.0**e for e in range(-3, 7) for m in (1, 2, 5)]
    return max(v for v in steps if v <= lo), min(v for v in steps if v >= hi)


def _place_labels(
    anchors: list[tuple[float, float, str]], box: tuple[float, float, float, float], avoid: list[tuple[float, float]]
) -> list[tuple[float, float, str, str]]:
    """Greedy label placement: try eight spots around each dot, keep the first that overlaps nothing placed."""
    placed: list[tuple[float, float, float, float]] = []
    out = []
    x_min, y_min, x_max, y_max = box
    for px, py, text in anchors:
        w = 7.0 * len(text) + 4
        best = None
        for dx, dy, anchor in (
            (9, -8, "start"),
            (9, 14, "start"),
            (-9, -8, "end"),
            (-9, 14, "end"),
            (9, -22, "start"),
            (-9, -22, "end"),
            (9, 28, "start"),
            (-9, 28, "end"),
        ):
            x0 = px + dx if anchor == "start" else px + dx - w
            rect = (x0, py + dy - 12, x0 + w, py + dy + 3)
            inside = rect[0] >= x_min and rect[2] <= x_max and rect[1] >= y_min and rect[3] <= y_max
            clash = any(not (rect[2] < r[0] or rect[0] > r[2] or rect[3] < r[1] or rect[1] > r[3]) for r in placed)
            dots = any(rect[0] - 4 <= ax <= rect[2] + 4 and rect[1] - 4 <= ay <= rect[3] + 4 for ax, ay in avoid)
            if inside and not clash and not dots:
                best = (px + dx, py + dy, anchor, rect)
                break
            if inside and not clash and best is None:
                best = (px + dx, py + dy, anchor, rect)
        if best is None:
            continue
        placed.append(best[3])
        out.append((best[0], best[1], best[2], text))
    return out


def chip_map(points: list[MapPoint], regions: list[Region], *, as_of: dt.date) -> Markup:
    width, height = 1000, 600
    left, right, top, bottom = 80, 30, 20, 60
    thresholds_x = [v for r in regions for v in (r.tpp_lo, r.tpp_hi) if v]
    thresholds_y = [v for r in regions for v in (r.dens_lo, r.dens_hi) if v]
    x_lo, x_hi = _axis_range([p.tpp for p in points] + thresholds_x or [100.0, 10_000.0])
    y_lo, y_hi = _axis_range([p.density for p in points] + thresholds_y or [1.0, 10.0])
    x = Axis(x_lo, x_hi, left, width - left - right)
    y_raw = Axis(y_lo, y_hi, 0, height - top - bottom)

    def y(v: float) -> float:
        return height - bottom - y_raw(v)

    out: list[str] = [
        f'<svg class="chart" id="chip-map" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="Chip map: TPP versus performance density as of {as_of}" xmlns="http://www.w3.org/2000/svg">',
        f'<rect x="{left}" y="{top}" width="{width - left - right}" height="{height - top - bottom}" fill="#fff" '
        'stroke="#c9d0da"/>',
    ]
    # Later paragraphs first, earlier ones over them on an opaque underlay: where 3A090.a and .b overlap, .a is what
    # applies (a paragraph's colour is its place in paragraph order, the same in every picture).
    colours = region_colours(r.paragraph for r in regions)
    ordered = sorted(regions, key=lambda r: r.paragraph, reverse=True)
    region_labels: dict[str, tuple[str, float, float, float]] = {}
    for r in ordered:
        x0, x1 = x(r.tpp_lo or x.lo), x(r.tpp_hi or x.hi)
        y0, y1 = y(r.dens_hi or y_raw.hi), y(r.dens_lo or y_raw.lo)
        colour = colours[r.paragraph]
        extra = f" and {'; '.join(r.other)}" if r.other else ""
        title = escape(
            f"{r.paragraph}: {_range('TPP', r.tpp_lo, r.tpp_hi)}, {_range('density', r.dens_lo, r.dens_hi)}{extra}"
        )
        dash = ' stroke-dasharray="5 4"' if r.other else ""
        w, h = max(x1 - x0, 0), max(y1 - y0, 0)
        out.append(f'<rect x="{x0:.1f}" y="{y0:.1f}" width="{w:.1f}" height="{h:.1f}" fill="#fff"/>')
        out.append(
            f'<rect class="region" data-paragraph="{escape(r.paragraph)}" x="{x0:.1f}" y="{y0:.1f}" '
            f'width="{w:.1f}" height="{h:.1f}" fill="{colour}" fill-opacity="0.18" '
            f'stroke="{colour}" stroke-opacity="0.8"{dash}><title>{title}</title></rect>'
        )
        if w * h > region_labels.get(r.paragraph, ("", 0, 0, 0))[3]:
            text = r.paragraph + (f" (only if also {'; '.join(r.other)})" if r.other else "")
            region_labels[r.paragraph] = (text, x1 - 6, y0 + 16, w * h)
    for tick in _decade_ticks(x.lo, x.hi):
        px = x(tick)
        out.append(
            f'<line x1="{px:.1f}" y1="{top}" x2="{px:.1f}" y2="{height - bottom}" stroke="#000" stroke-opacity="0.07"/>'
        )
        out.append(
            f'<text x="{px:.1f}" y="{height - bottom + 18}" font-size="12" text-anchor="middle" '
            f'fill="{MUTED}">{_fmt_tick(tick)}</text>'
        )
    for ytick in _decade_ticks(y_raw.lo, y_raw.hi):
        py = y(ytick)
        out.append(
            f'<line x1="{left}" y1="{py:.1f}" x2="{width - right}" y2="{py:.1f}" stroke="#000" stroke-opacity="0.07"/>'
        )
        out.append(
            f'<text x="{left - 8}" y="{py + 4:.1f}" font-size="12" text-anchor="end" '
            f'fill="{MUTED}">{_fmt_tick(ytick)}</text>'
        )
    for paragraph, (text, lx, ly, _) in region_labels.items():
        colour = colours[paragraph]
        out.append(
            f'<text x="{lx:.1f}" y="{ly:.1f}" font-size="13" font-weight="700" text-anchor="end" '
            f'fill="{colour}">{escape(text)}</text>'
        )
    out.append(
        f'<text x="{left + (width - left - right) / 2}" y="{height - 18}" font-size="13" text-anchor="middle" '
        f'fill="{INK}">Total processing performance (TPP), log scale</text>'
    )
    out.append(
        f'<text transform="translate(22 {top + (height - top - bottom) / 2}) rotate(-90)" font-size="13" '
        f'text-anchor="middle" fill="{INK}">Performance density (TPP / mm²), log scale</text>'
    )
    dots = [(x(p.tpp), y(p.density)) for p in points]
    for p, (px, py) in sorted(zip(points, dots, strict=True), key=lambda pd: pd[0].label):
        colour = status_colour(p.status)
        title = escape(f"{p.name}: TPP {p.tpp:,.0f}, density {p.density:.2f}, {p.eccn or p.status.replace('_', ' ')}")
        out.append(
            f'<a href="/items/{escape(p.id)}"><circle class="chip" data-id="{escape(p.id)}" cx="{px:.1f}" '
            f'cy="{py:.1f}" r="{6 if p.label else 4.5}" fill="{colour}" fill-opacity="0.9" stroke="#fff" '
            f'stroke-width="1.2"><title>{title}</title></circle></a>'
        )
    anchors = [(px, py, p.short or p.name) for p, (px, py) in zip(points, dots, strict=True) if p.label]
    box = (left + 2, top + 2, width - right - 2, height - bottom - 2)
    for lx, ly, anchor, text in _place_labels(anchors, box, dots):
        out.append(
            f'<text class="chip-label" x="{lx:.1f}" y="{ly:.1f}" font-size="12" font-weight="600" '
            f'text-anchor="{anchor}" fill="{INK}" paint-order="stroke" stroke="#fff" stroke-width="3">'
            f"{escape(text)}</text>"
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
    left, right, row_h, top = 300, 20, 30, 10
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
            f'<text x="{px:.1f}" y="{height - 12}" font-size="12" text-anchor="middle" fill="{MUTED}">{year}</text>'
        )
    for i, row in enumerate(rows):
        ty = top + i * row_h
        out.append(
            f'<text x="{left - 10}" y="{ty + row_h / 2 + 4:.1f}" font-size="13" text-anchor="end" fill="{INK}">'
            f"{escape(row.label)}</text>"
        )
        for seg in row.segments:
            x0, x1 = x(seg.start), x(seg.end)
            colour = verdict_colour(seg.verdict)
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
