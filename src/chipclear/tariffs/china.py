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
    declared = normalize_country(origin)
    fab = normalize_country(wafer_fab, field="wafer_fab") if wafer_fab else None
    notes: list[str] = []
    china_origin = declared
    rule = next(
        (r for r in tariff.origin_rules.rules if r.jurisdiction == "CN" and code.startswith(r.applies_to)), None
    )
    if rule is not None:
        cite = f"{rule.citation} [{', '.join(rule.sources)}]"
        if fab is not None and fab != declared:
            china_origin = fab
            notes.append(f"China takes the wafer-fab country {fab} as origin of this IC, not {declared}: {cite}")
        elif fab is None:
            notes.append(f"For ICs China takes the wafer-fab country as origin; give wafer_fab to apply it: {cite}")
    elif fab is not None:
        notes.append("The wafer-fab origin rule concerns ICs (8542): the declared origin is kept for this line.")
    lines: list[DutyLine] = []
    unknowns: list[Unknown] = []
    for measure in tariff.china.values():
        if not measure.applies_to_origin(china_origin):
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
                    "UNCONFIRMED",
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
            and m.applies_to_origin(china_origin)
            and any(hts_mod.covers(p, dotted) for p in m.ic_waiver.prefixes)
            and not any(hts_mod.covers(p, dotted) for p in m.ic_waiver.except_prefixes)
            and m.ic_waiver.start <= entry_date
            and (m.ic_waiver.end is None or entry_date < m.ic_waiver.end)
        ),
        None,
    )
    if waiver is not None and lines:
        high = sum(line.high or 0.0 for line in lines)
        for line in lines:
            line.rate_low, line.rate_high, line.rate = 0.0, line.high, None
            line.confidence = "UNCONFIRMED"
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
    notes.append("China's MFN (column) rate is not in chipclear's data: the result is the additional duty only.")
    return ChinaDutyResult(dotted, declared, china_origin, entry_date, lines, unknowns, notes)
