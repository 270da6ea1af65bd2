"""Verdict timelines for the item page: one row per example destination, 2022 to today.

The rows come from ``chipclear.determination.timeline`` (the same service as ``chipclear timeline``): verdicts on every
date where the rule data changes, each change with the action that caused it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from chipclear.classification import classify
from chipclear.web.charts import Segment, TimelineRow

START = dt.date(2022, 1, 1)  # display start, before the first advanced-computing rule (not a legal date)
# Example destinations, one per kind of treatment in the rules (their groups are read from the geography data),
# plus one row for the headquartered rule: an end user in Singapore whose parent is headquartered in China.
EXAMPLE_DESTINATIONS: list[tuple[str, str | None]] = [
    ("CN", None),
    ("MO", None),
    ("VN", None),
    ("SA", None),
    ("AE", None),
    ("SG", None),
    ("SG", "CN"),
    ("DE", None),
    ("IR", None),
    ("RU", None),
]
GROUPS_SHOWN = ["A:1", "A:5", "A:6", "D:1", "D:4", "D:5", "E:1", "E:2"]


def destination_label(code: str, hq: str | None, on: dt.date) -> str:
    from chipclear.geography import load_geography

    geo = load_geography()
    if hq:
        return f"{geo.name(code)} ({code}), end user HQ {hq}"
    groups = [g for g in GROUPS_SHOWN if g in geo.groups and geo.member(code, g, on).value is True]
    return f"{geo.name(code)} ({code})" + (f" · {' '.join(groups)}" if groups else "")


def _dates(end: dt.date) -> list[dt.date]:
    from chipclear.rules import load_rules

    days = {START}
    for action in load_rules().actions:
        days.update(d for d in (action.effective, action.compliance) if d)
        for period in action.enforcement:
            days.update(d for d in (period.start, period.end) if d)
    return sorted(d for d in days if START <= d <= end)


def classification_row(item: str, end: dt.date) -> TimelineRow:
    """The item's ECCN over time (no destination involved)."""
    dates = _dates(end)
    segments: list[Segment] = []
    for i, day in enumerate(dates):
        c = classify(item, day)
        verdict = {"controlled": "CONTROLLED", "indeterminate": "HOLD"}.get(c.status, "NOT_CONTROLLED")
        stop = dates[i + 1] if i + 1 < len(dates) else end
        if segments and segments[-1].verdict == verdict:
            segments[-1].end = stop
            continue
        segments.append(Segment(day, stop, verdict, c.eccn or c.status.replace("_", " ")))
    return TimelineRow("ECCN 3A090 / 4A090", segments)


@dataclass
class Current:
    label: str
    verdict: str
    note: str  # review policy and license exceptions, or what a HOLD is missing


@dataclass
class Change:
    start: dt.date
    label: str
    verdict: str
    note: str
    causes: list[dict[str, str]]


def verdict_rows(item: str, end: dt.date) -> tuple[list[TimelineRow], list[Change], list[Current]] | None:
    """One row per example destination and the dated changes with their causes; None when the determination
    engine is not installed."""
    try:
        from chipclear.determination import timeline
    except ModuleNotFoundError:
        return None
    rows = []
    changes: list[Change] = []
    current: list[Current] = []
    for code, hq in EXAMPLE_DESTINATIONS:
        result = timeline(item, code, end_user_hq=hq, start=START, end=end)
        segments = []
        for period in result.periods:
            stop = (period.end + dt.timedelta(days=1)) if period.end else end
            note = " ".join(
                x
                for x in [
                    (period.review_policy or "").replace("_", " "),
                    " ".join(period.license_exceptions),
                    "; ".join(c.get("rule", "") for c in period.caused_by[:2]),
                ]
                if x
            )
            segments.append(Segment(period.start, stop, period.verdict, note))
        label = destination_label(code, hq, end)
        rows.append(TimelineRow(label, segments))
        if result.periods:
            last = result.periods[-1]
            policy = (last.review_policy or "").replace("_", " ")
            note = " ".join(x for x in [policy, " ".join(last.license_exceptions)] if x)
            if last.verdict == "HOLD" and last.missing:
                note = "missing: " + "; ".join(last.missing[:2])
            current.append(Current(label, last.verdict, note))
        for period in result.periods[1:]:
            policy = (period.review_policy or "").replace("_", " ")
            note = " ".join(x for x in [policy, " ".join(period.license_exceptions)] if x)
            changes.append(Change(period.start, label, period.verdict, note, period.caused_by))
    changes.sort(key=lambda c: c.start)
    return rows, changes, current


__all__ = [
    "EXAMPLE_DESTINATIONS",
    "START",
    "Change",
    "Current",
    "classification_row",
    "destination_label",
    "verdict_rows",
]
