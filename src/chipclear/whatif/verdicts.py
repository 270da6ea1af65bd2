"""Verdict impact of a draft: per destination for every catalog item, and per line of an order book.

Both worlds are decided as ``chipclear.determine`` decides them (from each world's compiled decision table,
``chipclear.determination.compiled``, which answers identically) on the same date, one with the rules in force and
one with the draft added, so a change can only come from the draft. An order line's parties are screened once, on
the current lists, with the screener ``chipclear check`` uses, and both worlds read the same answer: a draft changes
rules, not lists, so a listed party shows the same before and after, and "before" is what ``chipclear check`` says
of the line on its date. The catalog-wide views (``destination_impact``, ``china_counts``) assume an unnamed end user
headquartered in the destination: they name no party to screen.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from chipclear.catalog import Catalog
from chipclear.decision import Decision, OrderLine, ParentLink, Party, Reason, Verdict
from chipclear.determination.compiled import DecisionTable, Outcome
from chipclear.determination.history import DIFF_DESTINATIONS, NoScreening
from chipclear.determination.merge import validate
from chipclear.errors import ChipclearError
from chipclear.geography import Geography, load_geography
from chipclear.rules import RuleAction, RuleSet
from chipclear.rules.schema import Layer

SCREENING_NOTE = (
    "order lines' parties are screened once on the current lists, the same for both worlds (a draft changes rules,"
    " not lists); the verdict table per destination assumes an unnamed end user, not screened"
)


def summary(d: Decision | Outcome) -> dict[str, Any]:
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


def _decide(line: OrderLine, on: dt.date, table: DecisionTable, screener: Any = None) -> Decision:
    """``determine``'s decision from ``table``; without ``screener``, the unnamed end user of a catalog-wide view
    (``destination_impact``, ``china_counts``), which names no party to screen."""
    return table.decide(line, as_of=on, screener=screener or NO_SCREENING)


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
        "assumption": "an unnamed end user headquartered in the destination country (no party named, none screened)",
        "lines_assessed": len(dests) * len(catalog.items()),
        "changed": len(changes),
        "changed_by_destination": dict(per_destination),
        "transitions": dict(transitions),
        "changes": changes,
    }


def order_lines(
    path: Path, catalog: Catalog, geo: Geography
) -> tuple[list[tuple[int, OrderLine]], list[dict[str, Any]]]:
    """Read an order book (CSV or Parquet) with the batch reader: valid lines (row, OrderLine), each the line
    ``chipclear batch`` decides for the row (its end user, owners included, only where the row names one), and bad
    rows."""
    from chipclear.batch.engine import line_from_row
    from chipclear.batch.io import read_orders
    from chipclear.batch.io import validate as validate_rows

    good, bad = validate_rows(read_orders(path), catalog, geo)
    memo: dict[tuple[Any, ...], Any] = {}
    lines = [
        (int(row["row"]), line_from_row({**row, "item": row["item_id"]}, memo)) for row in good.iter_rows(named=True)
    ]
    return lines, [{"row": r["row"], "reason": r["reason"]} for r in bad.iter_rows(named=True)]


class _LazyDefaultScreener:
    """``chipclear check``'s screener (the active lists), built only when a line names a party."""

    @property
    def list_version(self) -> str | None:
        return getattr(self._screener(), "list_version", None)

    def search(self, name: str, country: str | None = None) -> Any:
        return self._screener().search(name, country=country)

    @staticmethod
    def _screener() -> Any:
        from chipclear.screening import default_screener

        return default_screener()


class ScreenedOnce:
    """The screener both worlds of a what-if decide with: each distinct (name, country) searched once on the
    current lists, the answer kept (the engine filters it by each decision's date). The lists are the same in both
    worlds, so a listed party is the same before and after and a change can only come from the draft."""

    def __init__(self, screener: Any) -> None:
        self.screener = screener
        self.found: dict[tuple[str, str | None], Any] = {}
        self.cleared: dict[tuple[Any, ...], bool] = {}

    @property
    def list_version(self) -> str | None:
        return getattr(self.screener, "list_version", None)

    def search(self, name: str, country: str | None = None) -> Any:
        found = self.found.get((name, country))
        if found is None:
            found = self.found[(name, country)] = self.screener.search(name, country=country)
        return found

    @staticmethod
    def _key(party: Party) -> tuple[Any, ...]:
        key: tuple[Any, ...] = (party.name, party.country)
        if party.owners or party.parents:
            key += (tuple(o.name for o in party.owners), tuple(p.name for p in party.parents))
        return key

    @staticmethod
    def _names(party: Party) -> list[tuple[str, str | None]]:
        """What is screened for ``party``: its name with its country, each owner's and parent's name alone."""
        names = [(party.name, party.country), *((o.name, None) for o in party.owners)]
        return names + [(p.name, None) for p in party.parents]

    def clean(self, party: Party) -> bool:
        """No list entry near the party or its owners, whatever the date (and none set aside by a review): its
        name cannot change a decision, so lines differing only in such names are decided once."""
        key = self._key(party)
        known = self.cleared.get(key)
        if known is None:
            known = self.cleared[key] = not any(self._found_any(name, country) for name, country in self._names(party))
        return known

    def _found_any(self, name: str, country: str | None) -> bool:
        found = self.search(name, country)
        return bool(found.hits or getattr(found, "suppressed", ()))


def screen_lines(
    lines: list[tuple[int, OrderLine]], screened: ScreenedOnce
) -> tuple[list[tuple[int, OrderLine]], list[dict[str, Any]]]:
    """Screen every party of the lines once; a line whose screening fails is a bad row (as in ``chipclear
    batch``), never decided as if its parties were clear."""
    kept: list[tuple[int, OrderLine]] = []
    bad: list[dict[str, Any]] = []
    for row, line in lines:
        try:
            for party in line.parties:
                screened.clean(party)
        except ChipclearError as exc:
            bad.append({"row": row, "reason": f"screening: {exc}"})
            continue
        kept.append((row, line))
    return kept, bad


def _links(links: Iterable[ParentLink]) -> tuple[tuple[str, float | None, str | None], ...]:
    """Parents or owners as a hashable part of a key (a ``ParentLink`` is a pydantic model: not hashable)."""
    return tuple((q.name, q.share, q.headquarters_country) for q in links)


def _decision_key(line: OrderLine, when: Any, clean: list[bool]) -> tuple[Any, ...]:
    """What a line's decisions depend on, on ``when``: a party the lists hold nothing near (``clean``) enters by its
    facts only, one with list entries near it by its name too (its screening findings are its own)."""
    parties = tuple(
        (
            p.role,
            p.country,
            p.headquarters_country,
            tuple((q.headquarters_country, q.share) for q in p.parents),
            tuple((q.headquarters_country, q.share) for q in p.owners),
            None if cleared else (p.name, _links(p.parents), _links(p.owners)),
        )
        for p, cleared in zip(line.parties, clean, strict=True)
    )
    flags = (line.end_use.supercomputer, line.end_use.advanced_node_ic_production, line.end_use.military)
    return (line.item, line.destination, when, parties, flags, line.export_from, tuple(line.certifications))


def draft_in_force_from(base: RuleSet, drafted: RuleSet) -> dt.date | None:
    """The first day the draft's world can decide differently from the world in force: its earliest action's
    effective date (every section of an action is law only from it: ``RuleAction.section_in_force``, through
    ``RuleSet.in_force``, which the classification, licensing and model-weights rules all read). Before it the two
    worlds differ only in texts (the newest rule data's date). None, so every line is decided in both worlds, where
    the draft moves the date the data speaks from (a draft marked ``baseline``)."""
    if drafted.coverage_start != base.coverage_start:
        return None
    known = {a.id for a in base.actions}
    return min((a.effective for a in drafted.actions if a.id not in known), default=None)


def decide_order_lines(
    lines: list[tuple[int, OrderLine]],
    tables: tuple[DecisionTable, DecisionTable],
    screened: ScreenedOnce,
    on: dt.date | None = None,
) -> tuple[list[tuple[int, OrderLine, dt.date, Decision | Outcome, Decision | Outcome]], int]:
    """Each line (row, line, date, before, after) decided on its own date with the rules in force and with the
    draft, its parties screened on the current lists in both (``screened``: the lines' parties already searched by
    ``screen_lines``), and how many distinct keys were decided. A line whose outcome (``summary``) is the same in
    both worlds gets the outcomes only (``DecisionTable.outcome``, no texts built); a line that changes gets both
    full decisions on its own date, so the texts of its "why" name its own day.

    Lines differing only in names, ids, quantity or value, and in their date within one period of both compiled
    tables (cut at every date of the rules, geography, catalogs and models), get the same verdicts, so such a key
    is decided once. A line whose party has list entries near it is keyed by its own date (its screening can
    change on any day). A line dated before the draft is in force (``draft_in_force_from``) is decided once, in the
    world in force. (Periods of this module's own, cut only at rule and geography dates, missed the catalogs'
    dates: a model's weights published mid-period.)"""

    def both(line: OrderLine, day: dt.date) -> tuple[Decision, Decision]:
        return _decide(line, day, tables[0], screened), _decide(line, day, tables[1], screened)

    draft_from = draft_in_force_from(tables[0].rules, tables[1].rules)
    decided: dict[tuple[Any, ...], tuple[Outcome, Outcome]] = {}
    full: dict[tuple[Any, ...], tuple[Decision, Decision]] = {}
    out: list[tuple[int, OrderLine, dt.date, Decision | Outcome, Decision | Outcome]] = []
    for row, line in lines:
        when = on or line.ship_date or dt.date.today()
        clean = [screened.clean(p) for p in line.parties]
        period = (tables[0].period_of(when), tables[1].period_of(when)) if all(clean) else when
        key = _decision_key(line, period, clean)
        outcomes = decided.get(key)
        if outcomes is None:
            before = tables[0].outcome(line, when, screener=screened)
            unchanged = draft_from is not None and when < draft_from  # the draft is not yet law: the same world
            after = before if unchanged else tables[1].outcome(line, when, screener=screened)
            outcomes = decided[key] = (before, after)
        if summary(outcomes[0]) == summary(outcomes[1]):
            out.append((row, line, when, *outcomes))
            continue
        dated = full.get((*key, when))
        if dated is None:
            dated = full[(*key, when)] = both(line, when)
        out.append((row, line, when, *dated))
    return out, len(decided)


def order_book_impact(
    base: RuleSet,
    drafted: RuleSet,
    draft_actions: Iterable[RuleAction],
    catalog: Catalog,
    orders: Path,
    layer: Layer = "enforced",
    on: dt.date | None = None,
    geography: Geography | None = None,
    screener: Any = None,
) -> dict[str, Any]:
    """Each order line decided on its ship date (or ``on``) with and without the draft, its parties screened on
    the current lists (``screener``, default the one ``chipclear check`` uses) the same in both: the lines that
    change, with counts and value (USD) by transition."""
    geo = geography or load_geography()
    validate(drafted, geo)
    tables = (_table(base, catalog, geo, layer), _table(drafted, catalog, geo, layer))
    draft_actions = list(draft_actions)
    ids = {a.id for a in draft_actions}
    effective = min((a.effective for a in draft_actions), default=None)
    before_effective = 0
    lines, bad = order_lines(orders, catalog, geo)
    screened = ScreenedOnce(screener if screener is not None else _LazyDefaultScreener())
    lines, unscreenable = screen_lines(lines, screened)
    bad = sorted([*bad, *unscreenable], key=lambda b: int(b["row"]))
    changed: list[dict[str, Any]] = []
    value_by: dict[str, float] = {}
    count_by: Counter[str] = Counter()
    unpriced = 0
    total_value = 0.0
    decisions, distinct = decide_order_lines(lines, tables, screened, on)
    for row, line, when, before, after in decisions:
        if effective is not None and when < effective:
            before_effective += 1
        total_value += line.value_usd or 0.0
        if summary(before) == summary(after):
            continue
        if not (isinstance(before, Decision) and isinstance(after, Decision)):  # decided in full when they differ
            raise RuntimeError(f"row {row}: a changed line was not decided in full")
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
        "distinct_decisions": distinct,
        "list_version": screened.list_version if screened.found else None,
        "parties_screened": len(screened.found),
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
