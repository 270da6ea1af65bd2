"""Control regions as rectangles in the (TPP, performance density) plane, derived from the rule data in force.

One function for every picture (the console's chip map and the what-if plots): each clause (``any_of`` entry) of
each paragraph that applies to accelerators becomes one rectangle; tests on other metrics cannot be drawn in the
plane and are kept as text in ``other``. A side with no test is open (``None``): the caller clips it to its axes.
No threshold is written here: every bound comes from a rule file.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from chipclear.rules import RuleSet
from chipclear.rules.schema import OP_SYMBOL, Layer, Test

PLANE = ("tpp", "performance_density")
KIND = "accelerator"  # the catalog kind the plane is drawn for


@dataclass
class Region:
    """One clause of a paragraph: TPP and density bounds (None = open) and the tests the plane cannot show."""

    paragraph: str
    tpp_lo: float | None = None
    tpp_hi: float | None = None
    dens_lo: float | None = None
    dens_hi: float | None = None
    other: list[str] = field(default_factory=list)

    @property
    def in_plane(self) -> bool:
        """Whether any side is bounded (a clause testing only other metrics covers the whole plane)."""
        return any(v is not None for v in (self.tpp_lo, self.tpp_hi, self.dens_lo, self.dens_hi))

    def tpp_span(self, full: tuple[float, float]) -> tuple[float, float]:
        return _clip(self.tpp_lo, self.tpp_hi, full)

    def density_span(self, full: tuple[float, float]) -> tuple[float, float]:
        return _clip(self.dens_lo, self.dens_hi, full)


def _clip(lo: float | None, hi: float | None, full: tuple[float, float]) -> tuple[float, float]:
    return (full[0] if lo is None else max(lo, full[0]), full[1] if hi is None else min(hi, full[1]))


def describe_test(test: Test) -> str:
    """A test as the rule states it, e.g. ``io_bandwidth_gbs >= 600``."""
    value = test.value
    shown = ("yes" if value else "no") if isinstance(value, bool) else f"{float(value):,.2f}".rstrip("0").rstrip(".")
    return f"{test.metric} {OP_SYMBOL[test.op]} {shown}"


def _tighten(region: Region, test: Test) -> None:
    value = float(test.value)
    lo_name, hi_name = ("tpp_lo", "tpp_hi") if test.metric == "tpp" else ("dens_lo", "dens_hi")
    if test.op in ("ge", "gt"):
        current = getattr(region, lo_name)
        setattr(region, lo_name, value if current is None else max(current, value))
    elif test.op in ("le", "lt"):
        current = getattr(region, hi_name)
        setattr(region, hi_name, value if current is None else min(current, value))


def clause_region(paragraph: str, clause: list[Test]) -> Region:
    region = Region(paragraph)
    for t in clause:
        if t.metric in PLANE and not isinstance(t.value, bool) and t.op != "eq":
            _tighten(region, t)
        else:
            region.other.append(describe_test(t))
    return region


def regions(rules: RuleSet, on: dt.date, layer: Layer = "enforced", only_from: set[str] | None = None) -> list[Region]:
    """The accelerator paragraphs in force on ``on``, one rectangle per clause, in paragraph order.

    ``only_from``: keep only paragraphs set by these action ids (a what-if draft's own regions).
    """
    merged = rules.classification_at(on, layer)
    out: list[Region] = []
    for para, action in sorted(merged.paragraphs.values(), key=lambda pa: pa[0].id):
        if KIND not in para.applies_to or (only_from is not None and action.id not in only_from):
            continue
        out.extend(clause_region(para.id, clause) for clause in para.any_of)
    return out


__all__ = ["Region", "clause_region", "describe_test", "regions"]
