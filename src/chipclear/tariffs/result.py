"""The duty stack returned by ``chipclear.tariffs.duty``: lines, stacking rules, open questions, totals."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any, Literal

Status = Literal["determined", "indeterminate"]

_SINGLE_HEADING = re.compile(r"^99\d{2}\.\d{2}\.\d{2}$")


def rate_text(rate: float | None, low: float | None = None, high: float | None = None) -> str:
    """A rate as people read it: '25%', or its open range '27.5% to no known upper bound' (high None = unbounded).

    Every door (CLI, API summary reason, console) words a rate or range through this one function."""
    if rate is not None:
        return f"{rate:g}%"
    low_text = "unknown" if low is None else f"{low:g}%"
    high_text = "no known upper bound" if high is None else f"{high:g}%"
    return f"{low_text} to {high_text}"


def line_rate_text(line: dict[str, Any]) -> str:
    """The rate of one duty line as serialised (``DutyLine.to_json``): its rate, or its open ``rate_range``."""
    rng = line.get("rate_range") or {}
    return rate_text(line.get("rate"), rng.get("low"), rng.get("high"))


def cite(citation: str, sources: list[str]) -> str:
    """One citation string: the legal reference followed by the S-numbers of the tariff reference."""
    return f"{citation} [{', '.join(sources)}]" if sources else citation


@dataclass
class DutyLine:
    """One layer of the stack: a measure, the Chapter 99 (or HTS) heading reported, its rate in percent."""

    measure: str
    measure_id: str
    heading: str | None
    rate: float | None
    citation: str
    sources: list[str]
    confidence: str
    note: str = ""
    rate_low: float | None = None
    rate_high: float | None = None
    """Range of the rate when ``rate`` is unknown (``rate_high`` None = no known upper bound)."""
    amount: float | None = None

    @property
    def low(self) -> float | None:
        return self.rate if self.rate is not None else self.rate_low

    @property
    def high(self) -> float | None:
        return self.rate if self.rate is not None else self.rate_high

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "measure": self.measure,
            "measure_id": self.measure_id,
            "heading": self.heading,
            "rate": self.rate,
            "amount": self.amount,
            "citation": cite(self.citation, self.sources),
            "sources": self.sources,
            "confidence": self.confidence,
            "low_confidence": self.confidence in ("L", "UNCONFIRMED"),
            "note": self.note,
        }
        if self.rate is None:
            data["rate_range"] = {"low": self.rate_low, "high": self.rate_high}
        return data


@dataclass
class StackingRule:
    rule: str
    citation: str
    sources: list[str]
    confidence: str = "H"

    def to_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "citation": cite(self.citation, self.sources),
            "confidence": self.confidence,
        }


@dataclass
class Unknown:
    """An open (UNCONFIRMED) question and the range of the total rate over its possible answers."""

    id: str
    question: str
    citation: str
    sources: list[str]
    confidence: str
    affects: str
    outcomes: list[dict[str, Any]] = field(default_factory=list)
    low: float | None = None
    high: float | None = None
    changes_total: bool = True

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "question": self.question,
            "affects": self.affects,
            "citation": cite(self.citation, self.sources),
            "confidence": self.confidence,
            "range": {"low": self.low, "high": self.high},
            "outcomes": self.outcomes,
            "changes_total": self.changes_total,
        }


@dataclass
class DutyResult:
    hts: str
    origin: str
    entry_date: dt.date
    value: float | None
    lines: list[DutyLine]
    stacking: list[StackingRule]
    unknowns: list[Unknown]
    notes: list[str]
    total_low: float | None
    total_high: float | None
    available_claims: list[dict[str, str]] = field(default_factory=list)
    item: str | None = None
    end_use: str | None = None
    claims: list[str] = field(default_factory=list)
    entry_type: str | None = None

    @property
    def headings_to_file(self) -> list[str]:
        """The Chapter 99 headings the entry line reports, in stack order (column 1 is the HTS line itself).

        Only single headings: an open choice ('9903.79.01 or 9903.79.02') or a range of headings is an open
        question shown on its line, not something a broker can file yet."""
        found = [ln.heading for ln in self.lines if ln.heading and _SINGLE_HEADING.match(ln.heading)]
        return list(dict.fromkeys(found))

    @property
    def headings_unknown(self) -> list[str]:
        """Measures on the stack whose Chapter 99 heading the data does not confirm (the broker must look it up)."""
        return [
            ln.measure
            for ln in self.lines
            if not ln.heading and ln.measure_id != "us-hts-column1" and ln.rate != 0  # a 0 line files nothing
        ]

    @property
    def status(self) -> Status:
        if self.total_high is not None and self.total_low == self.total_high:
            return "determined"
        return "indeterminate"

    @property
    def total_rate(self) -> float | None:
        """The total additional + column 1 rate; None unless determined (never a guess)."""
        return self.total_low if self.status == "determined" else None

    def _amount(self, rate: float | None) -> float | None:
        if rate is None or self.value is None:
            return None
        return round(self.value * rate / 100.0, 2)

    @property
    def total_amount(self) -> float | None:
        return self._amount(self.total_rate)

    def to_json(self) -> dict[str, Any]:
        return {
            "hts": self.hts,
            "origin": self.origin,
            "entry_date": self.entry_date.isoformat(),
            "value": self.value,
            "item": self.item,
            "end_use": self.end_use,
            "claims": self.claims,
            "entry_type": self.entry_type,
            "status": self.status,
            "lines": [line.to_json() for line in self.lines],
            "total_rate": self.total_rate,
            "total_rate_range": {"low": self.total_low, "high": self.total_high},
            "total_amount": self.total_amount,
            "total_amount_range": {"low": self._amount(self.total_low), "high": self._amount(self.total_high)},
            "stacking": [rule.to_json() for rule in self.stacking],
            "unknowns": [unknown.to_json() for unknown in self.unknowns],
            "available_claims": self.available_claims,
            "headings_to_file": self.headings_to_file,
            "headings_unknown": self.headings_unknown,
            "notes": self.notes,
        }
