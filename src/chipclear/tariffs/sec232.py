"""Section 232 semiconductors: the note 39(b) performance windows, tested on an item's specs.

The engine works on ``ItemSpecs`` (plain numbers) so it stays pure; ``specs_from_part`` turns a catalog part or
system into specs through ``chipclear.metrics`` (TPP and total DRAM bandwidth in GB/s of each logic IC).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from chipclear.provenance import Mark
from chipclear.tariffs.models import PerformanceWindow

WindowOutcome = Literal["meets", "not_met", "unknown"]


@dataclass(frozen=True)
class IcSpecs:
    """One logic IC: its TPP under each reading of the catalog (usually one) and its total DRAM bandwidth."""

    name: str
    tpp: tuple[float, ...]
    dram_bandwidth_gbs: float | None


@dataclass(frozen=True)
class ItemSpecs:
    """What the duty engine needs to know about an item: the logic ICs it is or contains."""

    name: str
    ics: tuple[IcSpecs, ...]
    datacenter: bool | None = None
    confidence: Mark | None = None
    """Confidence of the catalog specs (H / M / L)."""

    @classmethod
    def single(
        cls,
        name: str,
        tpp: float | None,
        dram_bandwidth_gbs: float | None,
        datacenter: bool | None = None,
        confidence: Mark | None = None,
    ) -> ItemSpecs:
        ic = IcSpecs(name, () if tpp is None else (tpp,), dram_bandwidth_gbs)
        return cls(name, (ic,), datacenter, confidence)


@dataclass(frozen=True)
class WindowTest:
    outcome: WindowOutcome
    window: PerformanceWindow | None
    explanation: str


def _inside(window: PerformanceWindow, tpp: float, bandwidth: float) -> bool:
    return (window.tpp_above < tpp < window.tpp_below) and (
        window.dram_bandwidth_gbs_above < bandwidth < window.dram_bandwidth_gbs_below
    )


def _ic_test(ic: IcSpecs, windows: list[PerformanceWindow]) -> WindowTest:
    if not ic.tpp or ic.dram_bandwidth_gbs is None:
        missing = [n for n, v in (("TPP", ic.tpp), ("total DRAM bandwidth", ic.dram_bandwidth_gbs)) if not v]
        return WindowTest("unknown", None, f"{ic.name}: {' and '.join(missing)} not known from the catalog")
    bandwidth = ic.dram_bandwidth_gbs
    hits = [next((w for w in windows if _inside(w, tpp, bandwidth)), None) for tpp in ic.tpp]
    readings = ", ".join(f"{t:g}" for t in ic.tpp)
    if all(h is not None for h in hits):
        window = hits[0]
        assert window is not None
        return WindowTest(
            "meets",
            window,
            f"{ic.name}: TPP {readings} in ({window.tpp_above:g}, {window.tpp_below:g}) and DRAM bandwidth "
            f"{bandwidth:g} GB/s in ({window.dram_bandwidth_gbs_above:g}, {window.dram_bandwidth_gbs_below:g})"
            f" - {window.name}",
        )
    if all(h is None for h in hits):
        return WindowTest(
            "not_met", None, f"{ic.name}: TPP {readings}, DRAM bandwidth {bandwidth:g} GB/s is in no note 39(b) window"
        )
    return WindowTest("unknown", None, f"{ic.name}: the TPP readings {readings} fall on both sides of a window")


def check_windows(specs: ItemSpecs, windows: list[PerformanceWindow]) -> WindowTest:
    """Note 39(b): the item is, or contains, a logic IC whose TPP and DRAM bandwidth are inside one window."""
    if not specs.ics:
        return WindowTest("unknown", None, f"{specs.name}: no logic IC known in the catalog")
    tests = [_ic_test(ic, windows) for ic in specs.ics]
    met = next((t for t in tests if t.outcome == "meets"), None)
    if met is not None:
        return met
    explanation = "; ".join(t.explanation for t in tests)
    if any(t.outcome == "unknown" for t in tests):
        return WindowTest("unknown", None, explanation)
    bounds = "; ".join(
        f"TPP ({w.tpp_above:g}, {w.tpp_below:g}) with bandwidth ({w.dram_bandwidth_gbs_above:g}, "
        f"{w.dram_bandwidth_gbs_below:g}) GB/s"
        for w in windows
    )
    return WindowTest("not_met", None, f"{explanation} ({bounds})")


def _ic_from_part(part: Any) -> IcSpecs:
    from chipclear import metrics  # the catalog and metrics sit at the edge of this engine

    candidates = getattr(metrics, "tpp_candidates", None)
    readings: list[float] = list(candidates(part)) if candidates is not None else []
    if not readings:
        tpp = metrics.total_processing_performance(part)
        readings = [] if tpp is None else [float(tpp)]
    bandwidth = metrics.total_dram_bandwidth_gbs(part)
    return IcSpecs(str(part.name), tuple(float(r) for r in readings), None if bandwidth is None else float(bandwidth))


DUTY_ITEM_KINDS = ("accelerator", "hbm", "system")
"""Catalog kinds whose specs decide the Section 232 windows: parts, and systems through their accelerator parts."""


def duty_item(item: Any) -> Any:
    """The item ``duty()`` is given for a line: a catalog part or system (or ItemSpecs); None for anything else (an
    AI model's weights are not an import line's goods). Every door calls this, so check, the API, the console and
    ``chipclear duty`` test the same item."""
    if isinstance(item, ItemSpecs) or getattr(item, "kind", None) in DUTY_ITEM_KINDS:
        return item
    return None


def specs_from_part(item: Any) -> ItemSpecs:
    """Specs of a catalog part or system (its accelerator components); ItemSpecs pass through unchanged."""
    if isinstance(item, ItemSpecs):
        return item
    name = str(getattr(item, "name", None) or getattr(item, "id", "item"))
    confidence = getattr(item, "confidence", None)
    datacenter = getattr(item, "datacenter", None)
    components = getattr(item, "components", None)
    if components is not None:
        from chipclear.catalog import load_catalog

        parts = [part for part, _count in load_catalog().component_parts(item)]
        ics = tuple(_ic_from_part(p) for p in parts if getattr(p, "kind", "accelerator") == "accelerator")
        if any(getattr(p, "confidence", None) == "L" for p in parts):
            confidence = "L"
    else:
        ics = (_ic_from_part(item),)
    return ItemSpecs(
        name=name,
        ics=ics,
        datacenter=None if datacenter is None else bool(datacenter),
        confidence=confidence,
    )
