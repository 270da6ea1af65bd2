"""Verdict impact of a draft: per destination for every catalog item, and per line of an order book.

Both worlds are decided as ``chipclear.determine`` decides them (from each world's compiled decision table,
``chipclear.determination.compiled``, which answers identically) on the same date, one with the rules in force and
one with the draft added, so a change can only come from the draft. Parties are not screened here: a draft changes rules, not
restricted-party lists (``chipclear batch`` screens an order book).
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from chipclear.catalog import Catalog
from chipclear.decision import Decision, EndUse, OrderLine, Party, Reason, Verdict
from chipclear.determination.compiled import DecisionTable
from chipclear.determination.history import DIFF_DESTINATIONS, NoScreening
from chipclear.determination.merge import validate
from chipclear.geography import Geography, load_geography
from chipclear.rules import RuleAction, RuleSet
from chipclear.rules.schema import Layer

SCREENING_NOTE = (
    "parties are not screened in a what-if (a draft changes rules, not lists); run chipclear batch to screen"
)


def summary(d: Decision) -> dict[str, Any]:
    return {
        "verdict": d.verdict.value,
        "review_policy": d.review_policy.value if d.review_policy else None,
        "license_exceptions": [e.code for e in d.license_exceptions],
    }


def _applied(d: Decision) -> dict[str, Reason]:
    skip = ("classify", "review-policy", "rules-data", "nlr")
    return {r.rule: r for r in d.reasons if "#" in r.rule and not r.rule.startswith(skip) and "#event-" not in r.rule}


def why(before: Decision, after: Decision, draft_ids: set[str]) -> list[dict[str, str]]:
    """What the draft changed for this line: the reasons that cite the draft, the requirements that now apply,
    and those that no longer do."""
    old, new = _applied(before), _applied(after)
    out: list[dict[str, str]] = []
    draft_cls = [r for r in after.classification.get("trace", []) if r["rule"].split("#", 1)[0] in draft_ids]
    for step in draft_cls:
        out.append({"rule": step["rule"], "citation": step["citation"], "detail": "classification: " + step["detail"]})
    if before.classification.get("eccn") != after.classification.get("eccn"):
        out.append(
            {
                "rule": "classify#result",
                "citation": after.rules_version,
                "detail": f"ECCN {before.classification.get('eccn') or before.classification.get('status')} ->"
                f" {after.classification.get('eccn') or after.classification.get('status')} under the draft",
            }
        )
    for rule, r in new.items():
        if rule not in old or rule.split("#", 1)[0] in draft_ids:
            out.append({"rule": rule, "citation": r.citation, "detail": r.detail})
    for rule, r in old.items():
        if rule not in new:
            out.append({"rule": rule, "citation": r.citation, "detail": "no longer applies: " + r.detail})
    return out


def _decide(line: OrderLine, on: dt.date, table: DecisionTable) -> Decision:
    return table.decide(line, as_of=on, screener=NO_SCREENING)


def _table(rules: RuleSet, cat: Catalog, geo: Geography, layer: Layer) -> DecisionTable:
    """The compiled decision table of one world (a draft overlay is another rules version: its own table); the
    rules in force come from the disk cache once compiled."""
    return DecisionTable.for_current(rules, cat, geo, layer)


NO_SCREENING = NoScreening()


def destination_impact(
    base: RuleSet,
    drafted: RuleSet,
    draft_actions: Iterable[RuleAction],
    catalog: Catalog,
    on: dt.date,
    layer: Layer = "enforced",
    destinations: list[str] | None = None,
    geography: Geography | None = None,
) -> dict[str, Any]:
    """Every catalog item to one representative destination per country-group position (end user headquartered
    in the destination), decided with and without the draft; the lines whose verdict changes, with reasons."""
    geo = geography or load_geography()
    validate(drafted, geo)
    tables = (_table(base, catalog, geo, layer), _table(drafted, catalog, geo, layer))
    ids = {a.id for a in draft_actions}
    dests = [geo.normalize(d, field="destination") for d in (destinations or DIFF_DESTINATIONS)]
    changes: list[dict[str, Any]] = []
    per_destination: Counter[str] = Counter()
    for item in catalog.items():
        for dest in dests:
            hq = geo.country_of(dest)
            line = OrderLine(
                item=item.id,
                destination=dest,
                ship_date=on,
                parties=[Party(name="end user", role="end_user", country=dest, headquarters_country=hq)],
            )
            before = _decide(line, on, tables[0])
            after = _decide(line, on, tables[1])
            if summary(before) == summary(after):
                continue
            per_destination[dest] += 1
            changes.append(
                {
                    "item": {"id": item.id, "name": item.name, "vendor": item.vendor},
                    "destination": dest,
                    "end_user_headquarters": hq,
                    "before": summary(before),
                    "after": summary(after),
                    "why": why(before, after, ids),
                }
            )
    transitions = Counter(f"{c['before']['verdict']} -> {c['after']['verdict']}" for c in changes)
    return {
        "as_of": on.isoformat(),
        "layer": layer,
        "destinations": dests,
        "assumption": "end user headquartered in the destination country; parties not screened",
        "lines_assessed": len(dests) * len(catalog.items()),
        "changed": len(changes),
        "changed_by_destination": dict(per_destination),
        "transitions": dict(transitions),
        "changes": changes,
    }


def _flag(value: Any) -> bool:
    return bool(value)


def order_lines(
    path: Path, catalog: Catalog, geo: Geography
) -> tuple[list[tuple[int, OrderLine]], list[dict[str, Any]]]:
    """Read an order book (CSV or Parquet) with the batch reader: valid lines (row, OrderLine) and bad rows."""
    from chipclear.batch.io import read_orders
    from chipclear.batch.io import validate as validate_rows

    good, bad = validate_rows(read_orders(path), catalog, geo)
    lines: list[tuple[int, OrderLine]] = []
    for row in good.iter_rows(named=True):
        parties = []
        if row["end_user_name"] or row["end_user_country"] or row["end_user_headquarters_country"]:
            parties.append(
                Party(
                    name=row["end_user_name"] or "end user",
                    role="end_user",
                    country=row["end_user_country"] or row["destination"],
                    headquarters_country=row["end_user_headquarters_country"],
                )
            )
        end_use = EndUse(
            text=row["end_use"],
            supercomputer=_flag(row["supercomputer"]),
            advanced_node_ic_production=_flag(row["advanced_node_ic_production"]),
            military=_flag(row["military"]),
        )
        line = OrderLine(
            item=row["item_id"],
            quantity=row["quantity"],
            destination=row["destination"],
            ship_date=row["ship_date"],
            parties=parties,
            end_use=end_use,
            value_usd=row["value_usd"],
            order_id=row["order_id"],
            line_id=row["line_id"],
        )
        lines.append((int(row["row"]), line))
    return lines, [{"row": r["row"], "reason": r["reason"]} for r in bad.iter_rows(named=True)]


def decision_dates(rule_sets: Iterable[RuleSet], geo: Geography) -> list[dt.date]:
    """Every date on which a decision can change: rule effective dates, enforcement periods, requirement start/end
    dates, country-group membership changes and 'treated as' dates (Hong Kong as China). Between two of these dates
    every decision is the same, so an order book is decided once per period, not once per ship date."""
    days: set[dt.date] = set()
    for rules in rule_sets:
        for action in rules.actions:
            days.add(action.effective)
            for period in action.enforcement:
                days |= {d for d in (period.start, period.end) if d}
            for req in action.licensing.requirements if action.licensing else []:
                days |= {d for d in (getattr(req, "since", None), req.until) if d}
    for group in geo.groups.values():
        for member in group.members:
            days |= {d for d in (member.start, member.end) if d}
    days |= {c.treated_as_from for c in geo.countries.values() if c.treated_as_from}
    return sorted(days)


def period_of(day: dt.date, dates: list[dt.date]) -> dt.date:
    """The first day of the period (between two decision dates) that contains ``day``."""
    i = bisect.bisect_right(dates, day)
    return dates[i - 1] if i else dates[0] - dt.timedelta(days=1) if dates else day


def _decision_key(line: OrderLine, when: dt.date) -> tuple[Any, ...]:
    parties = tuple(
        (p.role, p.country, p.headquarters_country, tuple((q.headquarters_country, q.share) for q in p.parents))
        for p in line.parties
    )
    flags = (line.end_use.supercomputer, line.end_use.advanced_node_ic_production, line.end_use.military)
    return (line.item, line.destination, when, parties, flags, line.export_from, tuple(line.certifications))


def order_book_impact(
    base: RuleSet,
    drafted: RuleSet,
    draft_actions: Iterable[RuleAction],
    catalog: Catalog,
    orders: Path,
    layer: Layer = "enforced",
    on: dt.date | None = None,
    geography: Geography | None = None,
) -> dict[str, Any]:
    """Each order line decided on its ship date (or ``on``) with and without the draft: the lines that change,
    with counts and value (USD) by transition."""
    geo = geography or load_geography()
    validate(drafted, geo)
    tables = (_table(base, catalog, geo, layer), _table(drafted, catalog, geo, layer))
    draft_actions = list(draft_actions)
    ids = {a.id for a in draft_actions}
    effective = min((a.effective for a in draft_actions), default=None)
    before_effective = 0
    lines, bad = order_lines(orders, catalog, geo)
    changed: list[dict[str, Any]] = []
    value_by: dict[str, float] = {}
    count_by: Counter[str] = Counter()
    unpriced = 0
    total_value = 0.0
    # Lines differing only in names, ids, quantity, value or ship date within one period between decision dates get
    # the same decisions (parties are not screened here), so each distinct key is decided once, on its period's date.
    dates = decision_dates([base, drafted], geo)
    decided: dict[tuple[Any, ...], tuple[Decision, Decision]] = {}
    for row, line in lines:
        when = on or line.ship_date or dt.date.today()
        if effective is not None and when < effective:
            before_effective += 1
        period = period_of(when, dates)
        key = _decision_key(line, period)
        if key not in decided:
            decided[key] = (
                _decide(line, period, tables[0]),
                _decide(line, period, tables[1]),
            )
        before, after = decided[key]
        total_value += line.value_usd or 0.0
        if summary(before) == summary(after):
            continue
        move = f"{before.verdict.value} -> {after.verdict.value}"
        count_by[move] += 1
        if line.value_usd is None:
            unpriced += 1
        else:
            value_by[move] = value_by.get(move, 0.0) + line.value_usd
        changed.append(
            {
                "row": row,
                "order_id": line.order_id,
                "line_id": line.line_id,
                "item": line.item,
                "quantity": line.quantity,
                "destination": line.destination,
                "ship_date": when.isoformat(),
                "value_usd": line.value_usd,
                "before": summary(before),
                "after": summary(after),
                "why": why(before, after, ids),
            }
        )
    tables[0].save()  # the world in force is compiled once for every draft
    blocked = {Verdict.LICENSE_REQUIRED.value, Verdict.PROHIBITED.value, Verdict.HOLD.value}
    newly_blocked = [c for c in changed if c["after"]["verdict"] in blocked and c["before"]["verdict"] not in blocked]
    return {
        "file": str(orders),
        "layer": layer,
        "lines": len(lines),
        "distinct_decisions": len(decided),
        "bad_rows": bad,
        "total_value_usd": round(total_value, 2),
        "changed": len(changed),
        "changed_value_usd": round(sum(value_by.values()), 2),
        "changed_unpriced_lines": unpriced,
        "newly_needing_license_or_hold": len(newly_blocked),
        "newly_needing_license_or_hold_value_usd": round(sum(c["value_usd"] or 0 for c in newly_blocked), 2),
        "transitions": {
            k: {"lines": count_by[k], "value_usd": round(value_by.get(k, 0.0), 2)} for k in sorted(count_by)
        },
        "changes": changed,
        "lines_before_draft_effective": before_effective,
        "explanation": explain_order_changes(len(lines), len(bad), len(changed), before_effective, effective, on),
        "note": SCREENING_NOTE,
    }


def explain_order_changes(
    lines: int, bad: int, changed: int, before_effective: int, effective: dt.date | None, on: dt.date | None
) -> list[str]:
    """Why fewer lines change than a reader may expect, above all why none do: a zero is never left unexplained."""
    out: list[str] = []
    if lines == 0:
        out.append(f"no line of the order book could be assessed ({bad} bad rows): nothing can change")
        return out
    dated = f"decided as of {on}" if on else "decided on its ship date"
    if effective is not None and before_effective == lines:
        out.append(
            f"every line ({lines}) is {dated}, before the draft takes effect on {effective}: the draft applies to "
            "none of them, so no line can change; lines shipping on or after that date would be assessed under it"
        )
    elif effective is not None and before_effective:
        out.append(
            f"{before_effective} of {lines} lines are {dated.replace('its', 'their')}, before the draft takes effect"
            f" on {effective}: the draft cannot change them"
        )
    if changed == 0 and before_effective < lines:
        out.append(
            f"the draft is in force for {lines - before_effective} lines but changes none of their decisions (their "
            "items, destinations and parties are not ones the draft's tests decide differently)"
        )
    return out


def china_counts(rules: RuleSet, catalog: Catalog, day: dt.date, layer: Layer, geo: Geography) -> dict[str, Any]:
    """How many catalog parts need a license (or an exception, or are prohibited) for China on ``day``: the
    end user is in China and headquartered there."""
    counts: Counter[str] = Counter()
    table = _table(rules, catalog, geo, layer)
    parts = list(catalog.parts.values())
    for part in parts:
        line = OrderLine(
            item=part.id,
            destination="CN",
            ship_date=day,
            parties=[Party(name="end user", role="end_user", country="CN", headquarters_country="CN")],
        )
        counts[_decide(line, day, table).verdict.value] += 1
    return {
        "date": day.isoformat(),
        "license": sum(counts[v] for v in ("LICENSE_REQUIRED", "PROHIBITED", "LICENSE_EXCEPTION", "LICENSED")),
        "undecided": counts["HOLD"],
        "total": len(parts),
        "by_verdict": dict(counts),
        "basis": "determination to CN, end user headquartered in CN (not NLR; HOLD shown as undecided)",
    }


__all__ = [
    "china_counts",
    "destination_impact",
    "explain_order_changes",
    "order_book_impact",
    "order_lines",
    "summary",
    "why",
]
