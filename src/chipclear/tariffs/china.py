"""China's additional (retaliatory) duties on US-origin goods, and its wafer-fab origin rule for ICs.

Only the additional duties of the State Council Tariff Commission announcements are in the data; China's own
MFN rates are not, so the result is the *additional* rate. Origin stays the user's input: for an IC, China
takes the wafer-fabrication country as origin (CSIA notice of 2025-04-11), so the user may give ``wafer_fab``
and chipclear says which origin China would apply, never guessing it.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from chipclear.errors import InputError
from chipclear.tariffs import hts as hts_mod
from chipclear.tariffs.countries import normalize_country
from chipclear.tariffs.data import TariffData, bundled_data
from chipclear.tariffs.dates import entry_day
from chipclear.tariffs.result import DutyLine, Unknown

_HS = re.compile(r"^[0-9]{4,10}$")


@dataclass
class ChinaDutyResult:
    hs: str
    declared_origin: str
    china_origin: str
    entry_date: dt.date
    lines: list[DutyLine]
    unknowns: list[Unknown]
    notes: list[str] = field(default_factory=list)

    @property
    def additional_low(self) -> float:
        return sum(line.low or 0.0 for line in self.lines)

    @property
    def additional_high(self) -> float | None:
        highs = [line.high for line in self.lines]
        return None if any(h is None for h in highs) else sum(h or 0.0 for h in highs)

    @property
    def status(self) -> str:
        return "determined" if self.additional_high == self.additional_low else "indeterminate"

    def to_json(self) -> dict[str, Any]:
        determined = self.status == "determined"
        return {
            "importing_country": "CN",
            "hs": self.hs,
            "declared_origin": self.declared_origin,
            "china_origin": self.china_origin,
            "entry_date": self.entry_date.isoformat(),
            "status": self.status,
            "additional_rate": self.additional_low if determined else None,
            "additional_rate_range": {"low": self.additional_low, "high": self.additional_high},
            "lines": [line.to_json() for line in self.lines],
            "unknowns": [u.to_json() for u in self.unknowns],
            "notes": self.notes,
        }


def _check_coverage(tariff: TariffData, dotted: str, entry_date: dt.date) -> None:
    """Goods and dates outside the China data are refused, saying what the data covers (never 0%)."""
    cover = tariff.china_coverage
    if cover is None:
        return
    if not any(hts_mod.overlaps(p, dotted) for p in cover.hs):
        raise InputError(f"hs: {dotted} is outside the China data: {cover.text} [{cover.citation}]", field="hs")
    if entry_date < cover.start:
        raise InputError(
            f"entry_date: {entry_date} is before {cover.start}, outside the China data: {cover.text}"
            f" [{cover.citation}]",
            field="entry_date",
        )


def _stack(tariff: TariffData, origin: str, dotted: str, entry_date: dt.date) -> tuple[list[DutyLine], list[Unknown]]:
    """China's additional-duty lines for goods of ``origin`` (China's origin), with the open questions."""
    lines: list[DutyLine] = []
    unknowns: list[Unknown] = []
    for measure in tariff.china.values():
        if not measure.applies_to_origin(origin):
            continue
        period = next((p for p in measure.periods if p.covers(entry_date)), None)
        if period is None:
            continue
        line = DutyLine(
            measure.measure,
            measure.id,
            measure.instrument,
            period.rate,
            period.citation,
            period.sources,
            period.confidence,
            period.note,
            rate_low=period.rate_low,
            rate_high=period.rate_high,
        )
        if period.rate is None:
            unknowns.append(
                Unknown(
                    f"{measure.id}-rate",
                    period.question or "",
                    period.citation,
                    period.sources,
                    period.confidence,
                    measure.measure,
                    low=period.rate_low,
                    high=period.rate_high,
                )
            )
        lines.append(line)
    waiver = next(
        (
            m.ic_waiver
            for m in tariff.china.values()
            if m.ic_waiver is not None
            and m.applies_to_origin(origin)
            and any(hts_mod.covers(p, dotted) for p in m.ic_waiver.prefixes)
            and not any(hts_mod.covers(p, dotted) for p in m.ic_waiver.except_prefixes)
            and m.ic_waiver.start <= entry_date
            and (m.ic_waiver.end is None or entry_date < m.ic_waiver.end)
        ),
        None,
    )
    if waiver is not None and lines:
        high = _open(lines)
        unknowns.append(
            Unknown(
                "cn-ic-waiver-2025-04",
                waiver.question,
                waiver.citation,
                waiver.sources,
                waiver.confidence,
                "China retaliation",
                low=0.0,
                high=high,
            )
        )
    return lines, unknowns


def _open(lines: list[DutyLine]) -> float | None:
    """Turn lines into open ones (0 to their rate, UNCONFIRMED); the sum of their highs (None if unbounded)."""
    highs = [line.high for line in lines]
    for line in lines:
        line.rate_low, line.rate_high, line.rate = 0.0, line.high, None
        line.confidence = "UNCONFIRMED"
    return None if any(h is None for h in highs) else sum(h or 0.0 for h in highs)


def china_duty(
    hs: str,
    origin: str,
    entry_date: dt.date,
    wafer_fab: str | None = None,
    *,
    data: TariffData | None = None,
) -> ChinaDutyResult:
    """China's additional duty on one import line (Beijing dates)."""
    tariff = data or bundled_data()
    entry_date = entry_day(entry_date)
    code = hts_mod.digits(hs.strip())
    if not _HS.match(code):
        raise InputError(f"hs: {hs!r} is not an HS number (4 to 10 digits)", field="hs")
    dotted = hts_mod.dotted(code)
    _check_coverage(tariff, dotted, entry_date)
    declared = normalize_country(origin)
    fab = normalize_country(wafer_fab, field="wafer_fab") if wafer_fab else None
    notes: list[str] = []
    china_origin = declared
    rule = next(
        (r for r in tariff.origin_rules.rules if r.jurisdiction == "CN" and code.startswith(r.applies_to)), None
    )
    fab_open = False
    if rule is not None:
        cite = f"{rule.citation} [{', '.join(rule.sources)}]"
        if fab is not None and fab != declared:
            china_origin = fab
            notes.append(f"China takes the wafer-fab country {fab} as origin of this IC, not {declared}: {cite}")
        elif fab is None:
            notes.append(f"For ICs China takes the wafer-fab country as origin; give wafer_fab to apply it: {cite}")
            fab_open = True
    elif fab is not None:
        notes.append("The wafer-fab origin rule concerns ICs (8542): the declared origin is kept for this line.")
    lines, unknowns = _stack(tariff, china_origin, dotted, entry_date)
    if fab_open and rule is not None and not lines:
        # No duty on the declared origin, but China would take the (unknown) wafer-fab country: a die fabricated in a
        # country China retaliates against pays that country's rate. Open, 0 to that rate.
        for target in sorted({o for m in tariff.china.values() for o in m.origins if o != declared and o != "*"}):
            target_lines, target_unknowns = _stack(tariff, target, dotted, entry_date)
            if not target_lines:
                continue
            high = _open(target_lines)
            for line in target_lines:
                line.note = f"Applies only if the wafer was fabricated in {target}. {line.note}".strip()
            lines.extend(target_lines)
            unknowns.extend(target_unknowns)
            unknowns.append(
                Unknown(
                    f"cn-wafer-fab-origin-{target.lower()}",
                    f"China takes the wafer-fab country as the origin of an IC, packaged or not; the wafer-fab"
                    f" country of this IC (declared origin {declared}) is not given: was the wafer fabricated in"
                    f" {target}? Give wafer_fab.",
                    rule.citation,
                    rule.sources,
                    "UNCONFIRMED",
                    "China retaliation",
                    low=0.0,
                    high=high,
                )
            )
    notes.append("China's MFN (column) rate is not in chipclear's data: the result is the additional duty only.")
    return ChinaDutyResult(dotted, declared, china_origin, entry_date, lines, unknowns, notes)
