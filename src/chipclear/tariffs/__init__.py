"""Import duties on AI hardware by HTS number, country of origin and entry date.

``duty()`` returns the whole stack (column 1 rate and every Chapter 99 layer) with a citation per line, the
stacking rules that applied, the open questions and the range of outcomes. The tariff facts live in the data
files under ``chipclear/tariffs/data`` (one per legal measure); this package only decides which apply.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from chipclear.errors import InputError
from chipclear.tariffs import engine
from chipclear.tariffs.china import ChinaDutyResult, china_duty
from chipclear.tariffs.countries import normalize_country
from chipclear.tariffs.data import TariffData, bundled_data, load_tariff_data
from chipclear.tariffs.dates import entry_day
from chipclear.tariffs.hts import resolve
from chipclear.tariffs.result import DutyLine, DutyResult, StackingRule, Unknown
from chipclear.tariffs.sec232 import ItemSpecs, specs_from_part

__all__ = [
    "ChinaDutyResult",
    "DutyLine",
    "DutyResult",
    "ItemSpecs",
    "StackingRule",
    "TariffData",
    "TimelineSegment",
    "Unknown",
    "bundled_data",
    "china_duty",
    "duty",
    "end_use_keys",
    "entry_type_keys",
    "known_claims",
    "load_tariff_data",
    "timeline",
    "timeline_json",
]


def known_claims(data: TariffData | None = None) -> list[str]:
    """Claims ``duty()`` understands: exclusion headings, 'sec301-exclusion', 'usmca', 9903.79.01/.02 ..."""
    return engine.all_claims(data or bundled_data())


def end_use_keys(data: TariffData | None = None) -> list[str]:
    """Section 232 end-use exemption keys accepted as ``end_use``."""
    return engine.end_use_keys(data or bundled_data())


def entry_type_keys(data: TariffData | None = None) -> list[str]:
    """Entry types accepted as ``entry_type`` (``section321`` claims the de minimis exemption)."""
    return engine.entry_type_keys(data or bundled_data())


def _check_specs(specs: ItemSpecs) -> None:
    """Specs given to the library door are numbers the window test can compare: finite and not negative."""
    for ic in specs.ics:
        for name, values in (("tpp", ic.tpp), ("dram_bandwidth_gbs", (ic.dram_bandwidth_gbs,))):
            for v in values:
                if v is not None and (not math.isfinite(v) or v < 0):
                    raise InputError(
                        f"item.{name}: {v!r} for {ic.name} must be a finite, non-negative number", field=f"item.{name}"
                    )


def _request(
    data: TariffData,
    hts: str,
    origin: str,
    entry_date: dt.date,
    value: float | None,
    item: Any,
    end_use: str | None,
    claims: Sequence[str],
    entry_type: str | None = None,
) -> engine.Request:
    code, line = resolve(hts, data.column1)
    country = normalize_country(origin)
    entry_date = entry_day(entry_date)
    if entry_date < data.column1.coverage_from:
        raise InputError(
            f"entry_date: {entry_date} is before {data.column1.coverage_from}, the start of chipclear's tariff data",
            field="entry_date",
        )
    if value is not None and (not math.isfinite(value) or value < 0):
        raise InputError(f"value: {value!r} must be a non-negative customs value", field="value")
    keys = engine.end_use_keys(data)
    if end_use is not None:
        end_use = end_use.strip().lower().replace("-", "_").replace(" ", "_")
        if end_use not in keys:
            raise InputError(
                f"end_use: {end_use!r} is not a Section 232 end-use key ({', '.join(keys)})", field="end_use"
            )
    valid = engine.all_claims(data)
    if isinstance(claims, str):
        claims = [claims]
    normalized = []
    for claim in claims:
        c = claim.strip().lower()
        if c not in valid:
            raise InputError(f"claims: {claim!r} is not a claim chipclear knows ({', '.join(valid)})", field="claims")
        normalized.append(c)
    for a, b in engine.contradictory_claims(data):
        if a in normalized and b in normalized:
            raise InputError(f"claims: {a} and {b} contradict each other (parameters met / not met)", field="claims")
    if entry_type is not None:
        entry_type = entry_type.strip().lower().replace("-", "_")
        types = engine.entry_type_keys(data)
        if entry_type not in types:
            raise InputError(
                f"entry_type: {entry_type!r} is not an entry type ({', '.join(types)})", field="entry_type"
            )
        if value is None and entry_type in engine.value_tested_entry_types(data):
            raise InputError(f"value: entry type {entry_type} needs the customs value (the value test)", field="value")
    specs = specs_from_part(item) if item is not None else None
    if specs is not None:
        _check_specs(specs)
        conflict = engine.claim_contradicting_specs(data, frozenset(normalized), specs)
        if conflict is not None:
            raise InputError(
                f"claims: {conflict}; drop the claim, or give no item if the catalog figures are wrong", field="claims"
            )
    return engine.Request(
        code, line, country, entry_date, value, specs, end_use, frozenset(normalized), entry_type=entry_type
    )


def duty(
    hts: str,
    origin: str,
    entry_date: dt.date,
    value: float | None = None,
    item: Any = None,
    end_use: str | None = None,
    claims: Sequence[str] = (),
    *,
    entry_type: str | None = None,
    data: TariffData | None = None,
) -> DutyResult:
    """The duty stack for one import line.

    ``item`` is a catalog ``Part`` (or ``ItemSpecs``): its TPP and DRAM bandwidth decide the Section 232
    windows. ``end_use`` is a Section 232 end-use exemption key (see ``end_use_keys()``). ``claims`` are what
    the importer claims (``known_claims()``): a Section 301 exclusion heading or 'sec301-exclusion',
    'usmca', '9903.88.09', '9903.01.23', or a 9903.79.01 / 9903.79.02 declaration. ``entry_type`` is an entry
    type (``entry_type_keys()``): ``section321`` claims the de minimis exemption, which needs ``value``. Origin is
    the importer's input: chipclear never guesses it.
    """
    tariff = data or bundled_data()
    req = _request(tariff, hts, origin, entry_date, value, item, end_use, claims, entry_type)
    return engine.calculate(tariff, req)


@dataclass
class TimelineSegment:
    start: dt.date
    end: dt.date | None
    result: DutyResult

    def to_json(self) -> dict[str, Any]:
        r = self.result
        return {
            "from": self.start.isoformat(),
            "to": self.end.isoformat() if self.end else None,
            "status": r.status,
            "total_rate": r.total_rate,
            "total_rate_range": {"low": r.total_low, "high": r.total_high},
            "lines": [
                {
                    "measure": ln.measure,
                    "heading": ln.heading,
                    "rate": ln.rate,
                    "rate_range": None if ln.rate is not None else {"low": ln.rate_low, "high": ln.rate_high},
                    "citation": ln.to_json()["citation"],
                    "confidence": ln.confidence,
                }
                for ln in r.lines
            ],
            "unknowns": [u.id for u in r.unknowns if u.changes_total],
            "headings_to_file": r.headings_to_file,
            "headings_unknown": r.headings_unknown,
        }


def _signature(result: DutyResult) -> tuple[Any, ...]:
    """What makes two timeline rows the same: the lines, the totals and the open questions (a period whose
    questions differ, e.g. from the 2026-11-10 expiry of 9903.88.69, is its own row even at equal totals)."""
    return (
        tuple((ln.measure_id, ln.heading, ln.rate, ln.rate_low, ln.rate_high) for ln in result.lines),
        result.total_low,
        result.total_high,
        tuple(sorted(u.id for u in result.unknowns)),
    )


def timeline_json(hts: str, origin: str, segments: list[TimelineSegment]) -> dict[str, Any]:
    """A duty timeline as every door prints it (``tariffs.views.DutyTimelineView``)."""
    return {"hts": hts, "origin": origin.upper(), "segments": [s.to_json() for s in segments]}


def timeline(
    hts: str,
    origin: str,
    item: Any = None,
    end_use: str | None = None,
    claims: Sequence[str] = (),
    *,
    value: float | None = None,
    entry_type: str | None = None,
    data: TariffData | None = None,
) -> list[TimelineSegment]:
    """How the stack for one HTS line and origin changed over the dates the data covers."""
    tariff = data or bundled_data()
    segments: list[TimelineSegment] = []
    for day in engine.boundaries(tariff):
        result = duty(
            hts, origin, day, value, item=item, end_use=end_use, claims=claims, entry_type=entry_type, data=tariff
        )
        if segments and _signature(segments[-1].result) == _signature(result):
            continue
        if segments:
            segments[-1].end = day
        segments.append(TimelineSegment(day, None, result))
    return segments
