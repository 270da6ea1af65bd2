"""Export-control metrics as pure functions of a part's spec.

'Total processing performance' (TPP) = 2 x MacTOPS x bit length, where 2 x MacTOPS is the dense datasheet TOPS or
FLOPS figure (15 CFR 774 Supp. 1, ECCN 3A090 Technical Notes 1-3: dense only, the highest TPP over the bit lengths
the IC supports). Performance density = TPP / applicable die area (Technical Note 4). Memory-bandwidth density
(3A090.c) = memory bandwidth in GB/s / package or stack area. None means unknown, never zero.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from chipclear.catalog.loader import load_precisions
from chipclear.catalog.models import Part

GB_PER_TB = 1000  # unit conversion, not a regulatory value


@dataclass(frozen=True)
class PrecisionTPP:
    """One row of the per-precision table: which precision, at which bit length, gives which TPP."""

    precision: str
    label: str
    dense_tops: float
    bits: int
    tpp: float
    ambiguous_bits: bool = False


@lru_cache(maxsize=1)
def _precisions() -> dict[str, Any]:
    data: dict[str, Any] = load_precisions()["precisions"]
    return data


def precision_table(part: Part) -> list[PrecisionTPP]:
    """Every (precision, bit length) the part has a dense figure for, highest TPP first."""
    rows: list[PrecisionTPP] = []
    for precision, tops in part.dense_throughput.items():
        spec = _precisions()[precision]
        bit_options: list[int] = spec["bits"]
        for bits in bit_options:
            rows.append(
                PrecisionTPP(
                    precision=precision,
                    label=spec["label"],
                    dense_tops=tops,
                    bits=bits,
                    tpp=round(tops * bits, 6),
                    ambiguous_bits=len(bit_options) > 1,
                )
            )
    return sorted(rows, key=lambda r: (-r.tpp, r.precision))


def tpp_candidates(part: Part) -> list[float]:
    """TPP under each reading of an ambiguous bit length: the first-listed bits for every precision, then the
    last-listed. One value unless an ambiguous precision (TF32) decides the maximum."""
    readings: set[float] = set()
    for pick in (0, -1):
        values = [tops * _precisions()[p]["bits"][pick] for p, tops in part.dense_throughput.items()]
        if values:
            readings.add(round(max(values), 6))
    return sorted(readings, reverse=True)


def total_processing_performance(part: Part) -> float | None:
    """TPP: the highest dense TPP over the part's precisions (the conservative reading when ambiguous)."""
    candidates = tpp_candidates(part)
    return candidates[0] if candidates else None


def deciding_precisions(part: Part) -> list[PrecisionTPP]:
    """The rows that set TPP (ties included), so a user sees which precision wins."""
    table = precision_table(part)
    tpp = total_processing_performance(part)
    return [r for r in table if tpp is not None and r.tpp == tpp]


def performance_density(part: Part, tpp: float | None = None, area: float | None = None) -> float | None:
    """TPP / applicable die area; ``area`` is one of the part's readings of its die area (default: the catalog's
    ``die_area_mm2``; ``die_area_readings`` lists them all)."""
    tpp = total_processing_performance(part) if tpp is None else tpp
    area = part.die_area_mm2 if area is None else area
    if tpp is None or area is None:
        return None
    return tpp / area


def die_area_readings(part: Part) -> list[float | None]:
    """The applicable die area under each reading the reference gives: the catalog's figure first, then its
    ``die_area_alternatives_mm2``; [None] when the area is unknown."""
    if part.die_area_mm2 is None:
        return [None]
    return [part.die_area_mm2, *(a for a in part.die_area_alternatives_mm2 if a != part.die_area_mm2)]


def total_dram_bandwidth_gbs(part: Part) -> float | None:
    return None if part.memory_bandwidth_tbs is None else part.memory_bandwidth_tbs * GB_PER_TB


def memory_bandwidth_density(part: Part) -> float | None:
    """GB/s per mm2 of package or stack: defined for HBM (3A090.c)."""
    if part.kind != "hbm" or part.memory_bandwidth_tbs is None or part.package_area_mm2 is None:
        return None
    return part.memory_bandwidth_tbs * GB_PER_TB / part.package_area_mm2


def metric_values(part: Part, tpp: float | None, area: float | None = None) -> dict[str, float | bool | None]:
    """The named metrics a rule file can test, for one reading of TPP (and of the die area)."""
    return {
        "tpp": tpp,
        "performance_density": performance_density(part, tpp, area),
        "io_bandwidth_gbs": part.interconnect_gbs,
        "total_dram_bandwidth_gbs": total_dram_bandwidth_gbs(part),
        "memory_bandwidth_density": memory_bandwidth_density(part),
        "datacenter": part.datacenter,
    }


# Which catalog field each metric needs, so an unknown metric names the field to fill in.
METRIC_FIELDS: dict[str, str] = {
    "tpp": "dense_throughput",
    "performance_density": "die_area_mm2",
    "io_bandwidth_gbs": "interconnect_gbs",
    "total_dram_bandwidth_gbs": "memory_bandwidth_tbs",
    "memory_bandwidth_density": "package_area_mm2",
    "datacenter": "datacenter",
}

__all__ = [
    "METRIC_FIELDS",
    "PrecisionTPP",
    "deciding_precisions",
    "die_area_readings",
    "memory_bandwidth_density",
    "metric_values",
    "performance_density",
    "precision_table",
    "total_dram_bandwidth_gbs",
    "total_processing_performance",
    "tpp_candidates",
]
