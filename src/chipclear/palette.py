"""The one set of colours for every picture: console CSS, console charts, batch report and what-if plots.

Each verdict has an ``ink`` (text, bar and line colour, dark enough for text on white) and a ``tint`` (the light
background of a badge). The console stylesheet mirrors these values as CSS variables (``--hold``, ``--hold-bg``
...): ``css_variables()`` prints the block and tests/web/test_palette.py fails when the two disagree.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Swatch:
    css: str  # the CSS variable name without the leading dashes
    ink: str
    tint: str


VERDICTS: dict[str, Swatch] = {
    "NLR": Swatch("nlr", "#1e7d45", "#e5f4ea"),
    "LICENSE_EXCEPTION": Swatch("exc", "#0f6d78", "#e0f2f4"),
    "LICENSED": Swatch("lic", "#1f4e8c", "#e4ecf7"),
    "LICENSE_REQUIRED": Swatch("req", "#a3470b", "#fdeee2"),
    "PROHIBITED": Swatch("pro", "#9b1c1c", "#fbe4e4"),
    "HOLD": Swatch("hold", "#8a6100", "#fdf3d6"),
}
# The classification row of a verdict timeline (before any destination is considered).
CLASSIFICATION: dict[str, Swatch] = {
    "CONTROLLED": Swatch("controlled", "#6d3fc0", "#efe8fb"),
    "NOT_CONTROLLED": Swatch("not-controlled", "#8a94a3", "#eef0f3"),
}
# A classification status drawn like the verdict it leads to at worst.
STATUS: dict[str, Swatch] = {
    "controlled": VERDICTS["LICENSE_REQUIRED"],
    "not_controlled": VERDICTS["NLR"],
    "indeterminate": VERDICTS["HOLD"],
}
# Control regions in paragraph order (3A090's first paragraph gets the first colour), and a what-if draft's own.
REGIONS = ["#e4572e", "#f2a541", "#8c564b", "#e377c2"]
DRAFT = ["#1f4fd6", "#17becf", "#9467bd", "#2ca02c"]
# Text and rules of the charts, as the console's --ink, --muted and --line.
NEUTRAL: dict[str, str] = {"ink": "#1d2430", "muted": "#5b6472", "line": "#d9dee6"}
INK, MUTED = NEUTRAL["ink"], NEUTRAL["muted"]
UNKNOWN = "#8a94a3"  # a verdict or status this palette does not know


def verdict_colour(verdict: str) -> str:
    swatch = VERDICTS.get(verdict) or CLASSIFICATION.get(verdict)
    return swatch.ink if swatch else UNKNOWN


def status_colour(status: str) -> str:
    swatch = STATUS.get(status)
    return swatch.ink if swatch else UNKNOWN


def region_colour(index: int) -> str:
    return REGIONS[index % len(REGIONS)]


def region_colours(paragraphs: Iterable[str]) -> dict[str, str]:
    """Each paragraph's region colour: its place in paragraph order (the same in the map and its legend)."""
    return {p: region_colour(i) for i, p in enumerate(sorted(set(paragraphs)))}


def css_variables() -> dict[str, str]:
    """The CSS custom properties the console stylesheet must declare with these values."""
    out: dict[str, str] = {f"--{name}": value for name, value in NEUTRAL.items()}
    for swatch in (*VERDICTS.values(), *CLASSIFICATION.values()):
        out[f"--{swatch.css}"] = swatch.ink
        out[f"--{swatch.css}-bg"] = swatch.tint
    return out


__all__ = [
    "CLASSIFICATION",
    "DRAFT",
    "INK",
    "MUTED",
    "NEUTRAL",
    "REGIONS",
    "STATUS",
    "VERDICTS",
    "Swatch",
    "css_variables",
    "region_colour",
    "region_colours",
    "status_colour",
    "verdict_colour",
]
