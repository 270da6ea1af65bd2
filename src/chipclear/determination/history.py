"""Verdicts over time: ``timeline`` (one item to one destination, period by period, each change with its cause)
and ``diff`` (which catalog items change verdict for which destination groups between two dates, and why)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from chipclear.catalog import Catalog, load_catalog
from chipclear.decision import Decision, OrderLine, Party
from chipclear.determination.compiled import DecisionTable
from chipclear.determination.merge import change_dates
from chipclear.errors import InputError
from chipclear.geography import Geography, load_geography
from chipclear.models import AIModel, ModelCatalog, load_models
from chipclear.rules import RuleSet, load_rules
from chipclear.rules.schema import Layer

TIMELINE_START = dt.date(2022, 1, 1)  # display start, before the first advanced-computing rule (not a legal date)
# One representative destination per kind of country-group position (the groups are looked up on each date).
DIFF_DESTINATIONS = ["CN", "HK", "MO", "VE", "VN", "SA", "AE", "DE", "SG", "BR", "IR", "RU"]


class NoScreening:
    """Timelines and diffs describe rules, not parties: the placeholder end user is not screened."""

    list_version = None

    def search(self, name: str, country: str | None = None, reviews: Any = None) -> Any:
        return self

    @property
    def hits(self) -> tuple[()]:
        return ()


NO_SCREENING = NoScreening()


class _Screened:
    """One party's screening, done once for a whole timeline; every date sees the same hits (the engine applies
    each hit only from its listing date)."""

    def __init__(self, found: Any) -> None:
        self.found = found
        self.list_version = getattr(found, "list_version", None)

    def search(self, name: str, country: str | None = None, reviews: Any = None) -> Any:
        return self.found  # screened once, with the reviews already applied


def _summary(d: Decision) -> tuple[str, str | None, tuple[str, ...]]:
    return (
        d.verdict.value,
        d.review_policy.value if d.review_policy else None,
        tuple(e.code for e in d.license_exceptions),
    )


def _applied(d: Decision) -> list[str]:
    return [r.rule for r in d.reasons if "#" in r.rule and not r.rule.startswith(("classify", "review-policy"))]


def _cited(reasons: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """The rules a period's reasons cite (its classification's date aside), as ``_applied`` names them, each with
    the paragraph it is cited as (a rule renumbered on a day starts a period there: ``renumbered``); a dated
    statement that does not lift the requirement (``#event-``) is one of the period's ``events`` instead."""
    return [
        (r["rule"], r["citation"])
        for r in reasons
        if "#" in r["rule"] and not r["rule"].startswith(("classify", "review-policy")) and "#event-" not in r["rule"]
    ]


@dataclass
class Period:
    start: dt.date
    end: dt.date | None  # inclusive last day; None = still in force
    verdict: str
    review_policy: str | None
    license_exceptions: list[str]
    caused_by: list[dict[str, str]]
    reasons: list[dict[str, Any]]
    missing: list[str] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)  # dated statements inside the period

    def to_json(self) -> dict[str, Any]:
        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat() if self.end else None,
            "verdict": self.verdict,
            "review_policy": self.review_policy,
            "license_exceptions": self.license_exceptions,
            "caused_by": self.caused_by,
            "reasons": self.reasons,
            "missing": self.missing,
            "events": self.events,
        }


@dataclass
class TimelineResult:
    item: str
    destination: str
    end_user_headquarters: str | None
    layer: str
    rules_version: str
    periods: list[Period]
    end_user: str | None = None  # the end user screened (its listings are dated causes), as given
    end_user_country: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "item": self.item,
            "destination": self.destination,
            "end_user_headquarters": self.end_user_headquarters,
            "end_user": self.end_user,
            "end_user_country": self.end_user_country,
            "layer": self.layer,
            "rules_version": self.rules_version,
            "periods": [p.to_json() for p in self.periods],
        }


def _boundaries(rules: RuleSet, geo: Geography) -> dict[dt.date, list[dict[str, str]]]:
    """Dates on which something may change, each with what changes then."""
    causes: dict[dt.date, list[dict[str, str]]] = {}

    def add(day: dt.date, rule: str, citation: str, what: str) -> None:
        causes.setdefault(day, []).append({"rule": rule, "citation": citation, "what": what})

    licensing_dates = set(change_dates(rules))
    for a in rules.actions:
        if a.effective in licensing_dates or a.classification is not None:
            add(a.effective, a.id, a.citation, f"{a.kind} effective: {a.title}")
        for p in a.enforcement:
            add(p.start, a.id, p.citation, f"{'enforced' if p.enforced else 'not enforced'} from {p.start}: {p.note}")
            if p.end:
                add(p.end, a.id, p.citation, f"enforcement period ends {p.end}")
        for sus in a.licensing.suspend if a.licensing else []:
            if sus.until:
                add(sus.until, a.id, sus.citation, f"suspension of {', '.join(sus.ids)} ends")
        for r in a.licensing.requirements if a.licensing else []:
            if r.since:
                add(r.since, f"{a.id}#{r.id}", r.citation, f"{r.id} takes effect")
            if r.until:
                add(r.until, f"{a.id}#{r.id}", r.citation, f"{r.id} ends (superseded)")
    for name, group in geo.groups.items():
        for m in group.members:
            if m.status == "unknown":
                words = ((m.start, "membership of {g} becomes unknown"), (m.end, "membership of {g} known again"))
            else:
                words = ((m.start, "joins {g}"), (m.end, "leaves {g}"))
            for day, word in words:
                if day and day >= TIMELINE_START:
                    what = f"{m.country} {word.format(g=name)}" + (f" ({m.note})" if m.note else "")
                    add(day, f"country-groups#{name}", m.citation or group.citation, what)
    return causes


def _model_boundaries(model: AIModel, models: ModelCatalog) -> dict[dt.date, list[dict[str, str]]]:
    """The dates an AI model's own data changes its 4E091 classification: the day its weights, or its base model's
    (a derived model's exclusion looks at them), were published (734.7(a))."""
    causes: dict[dt.date, list[dict[str, str]]] = {}
    base = models.find(model.derived_from) if model.derived_from else None
    for m in (model, base):
        if m is not None and isinstance(m.weights_published, dt.date) and m.weights_published >= TIMELINE_START:
            what = f"weights of {m.name} published" + (f" ({m.weights_note})" if m.weights_note else "")
            causes.setdefault(m.weights_published, []).append(
                {"rule": f"models#{m.id}", "citation": "; ".join(m.sources), "what": what}
            )
    return causes


def _resolve_item(item: str, cat: Catalog, models: ModelCatalog) -> tuple[str, AIModel | None]:
    """The item's id and, for AI model weights (ECCN 4E091), the model, in the order ``determine`` looks them up:
    the model catalog first, then the chip catalog (whose error, with its suggestions, an unknown name gets)."""
    model = models.find(item)
    return (model.id, model) if model is not None else (cat.get(item).id, None)


def _relevant(causes: list[dict[str, str]], reasons: list[dict[str, Any]]) -> list[dict[str, str]]:
    """The causes on a change date that concern the rules cited before or after the change (all when none do)."""
    cited = {str(r["rule"]).split("#", 1)[0] for r in reasons}
    own = ("country-groups", "lists#", "models#")
    kept = [c for c in causes if c["rule"].split("#", 1)[0] in cited or c["rule"].startswith(own)]
    return kept or causes


def _table(rules: RuleSet, cat: Catalog, geo: Geography, layer: Layer) -> DecisionTable:
    """The compiled decision table (answers as ``determine`` does; kept in memory, not read from disk, so a
    one-off timeline does not pay for loading a large cache)."""
    return DecisionTable.for_current(rules, cat, geo, layer, cache=False)


def _line(
    item: str, destination: str, on: dt.date, hq: str | None, name: str | None = None, country: str | None = None
) -> OrderLine:
    parties = []
    if hq or name:
        party = Party(name=name or "end user", role="end_user", country=country, headquarters_country=hq)
        parties = [party]
    return OrderLine(item=item, destination=destination, ship_date=on, parties=parties)


def timeline(
    item: str,
    destination: str,
    end_user_hq: str | None = None,
    start: dt.date = TIMELINE_START,
    end: dt.date | None = None,
    layer: Layer = "enforced",
    rules: RuleSet | None = None,
    catalog: Catalog | None = None,
    end_user: str | None = None,
    end_user_country: str | None = None,
    screener: Any = None,
    reviews: Any = None,
) -> TimelineResult:
    """Dated periods with their verdicts from ``start`` to ``end`` (default today: the last period is then open,
    ``end`` None; given, the last period ends on it, never "today"), each with its cause. With
    ``end_user`` the party is screened once and each hit's listing date (from the list's own citations) is a dated
    cause, so a party's listing shows as the change it is. The item is a chip or system from the catalog or an AI
    model (its weights, ECCN 4E091) from the model catalog, as ``determine`` takes it. ``reviews`` (the ledger's,
    given by the door): a hit a reviewer cleared for the end user is suppressed, a confirmed one is a match, as in a
    check."""
    rules = rules or load_rules()
    cat = catalog or load_catalog()
    geo = load_geography()
    dest = geo.normalize(destination, field="destination")
    hq = geo.normalize(end_user_hq, field="end_user_hq") if end_user_hq else None
    models = load_models()
    resolved_item, model = _resolve_item(item, cat, models)
    if end is not None and end < start:
        raise InputError(f"until: {end} is before the timeline's first day ({start})", field="until")
    last = end or dt.date.today()
    causes = _boundaries(rules, geo)
    for day, found in (_model_boundaries(model, models) if model is not None else {}).items():
        causes.setdefault(day, []).extend(found)
    party_screener: Any = NoScreening()
    if end_user_country and not end_user:
        # the country only qualifies the screened name: without one it would be dropped, and the answer not say so
        raise InputError(
            "end_user_country: given without end_user (the end user's name to screen); give both, or neither",
            field="end_user_country",
        )
    country = geo.normalize(end_user_country, field="end_user_country") if end_user_country else None
    if end_user:
        if screener is None:
            from chipclear.screening import default_screener

            screener = default_screener()
        # unknown unless given: no country discount
        found = (
            screener.search(end_user, country=country, reviews=reviews)
            if reviews
            else screener.search(end_user, country=country)
        )
        party_screener = _Screened(found)
        for hit in found.hits:
            dates = {d for d in (getattr(hit, "listed_on", None), getattr(hit, "effective_on", None)) if d}
            if getattr(hit, "listed_on", None) and not getattr(hit, "effective_on", None):
                # unconfirmed effective date: lines are held from ``listing_lag`` before the publication
                from chipclear.determination.parties import listing_lag

                dates.add((dt.date.fromisoformat(hit.listed_on) - listing_lag()).isoformat())
            for day in sorted(dates):
                causes.setdefault(dt.date.fromisoformat(day), []).append(
                    {
                        "rule": f"lists#{hit.source}",
                        "citation": hit.listing,
                        "what": f"{hit.source} entry {hit.name!r} listed ({hit.listing}); {end_user} scores"
                        f" {hit.score:.2f} against it",
                    }
                )
    days = [start, *sorted(d for d in causes if start < d <= last)]
    table = _table(rules, cat, geo, layer)
    periods: list[Period] = []
    for day in days:
        line = _line(resolved_item, dest, day, hq, end_user, country)
        d = table.decide(line, screener=party_screener, reviews=reviews)
        summary = _summary(d)
        # A period is one answer: its verdict, policy and exceptions, and what it is missing (a doors audit,
        # 2026-12-07: a period that began before the GP10 guidance showed nothing missing for a day the check said
        # "review under gp10-huawei-ascend").
        # Nor does a period hide a change of the rules it cites: its reasons are those of each of its days (a door
        # audit, 2026-12-07: H100 to Cuba cited only 746.2 from 2022 on, while a check on 2024-01-01 also cites
        # 742.6(a)(6)(iii) and (b)(10)(ii)).
        reasons = [r.model_dump(mode="json") for r in d.reasons]
        if periods and (
            (periods[-1].verdict, periods[-1].review_policy, tuple(periods[-1].license_exceptions)) == summary
            and periods[-1].missing == d.missing
            and _cited(periods[-1].reasons) == _cited(reasons)
        ):
            continue
        caused: list[dict[str, str]] = []
        if periods:
            periods[-1].end = day - dt.timedelta(days=1)
            caused = _relevant(causes.get(day, []), periods[-1].reasons + reasons)
        periods.append(
            Period(
                start=day,
                end=None,
                verdict=summary[0],
                review_policy=summary[1],
                license_exceptions=list(summary[2]),
                caused_by=caused,
                reasons=reasons,
                missing=d.missing,
            )
        )
    if end is not None:
        periods[-1].end = end  # ``--until 2025-01-01`` was shown as "2022-01-01 | today" (an audit, 2026-12-07)
    _attach_events(rules, periods, last)
    return TimelineResult(resolved_item, dest, hq, layer, rules.version, periods, end_user, country)


def _attach_events(rules: RuleSet, periods: list[Period], last: dt.date) -> None:
    """Statements and assurances dated inside a period that concern a requirement applied in it (e.g. 'licenses
    will be granted' for H20): shown with the period, marked as not lifting the requirement."""
    for period in periods:
        applied = {r["rule"].split("#", 1)[1] for r in period.reasons if "#" in r["rule"]}
        end = period.end or last
        for action in rules.actions:
            for event in action.licensing.events if action.licensing else []:
                if period.start <= event.date <= end and applied & set(event.affects):
                    period.events.append(
                        {
                            "date": event.date.isoformat(),
                            "rule": action.id,
                            "text": event.text,
                            "citation": event.citation,
                            "confidence": event.confidence,
                            "lifts_requirement": event.lifts_requirement,
                        }
                    )
        period.events.sort(key=lambda e: e["date"])


@dataclass
class VerdictChange:
    item: str
    destination: str
    groups: list[str]
    before: dict[str, Any]
    after: dict[str, Any]
    why: list[dict[str, str]]

    def to_json(self) -> dict[str, Any]:
        return {
            "item": self.item,
            "destination": self.destination,
            "groups": self.groups,
            "before": self.before,
            "after": self.after,
            "why": self.why,
        }


def _groups_of(geo: Geography, code: str, on: dt.date) -> list[str]:
    resolved, _ = geo.resolve(code, on)
    return [g for g in geo.groups if geo.member(resolved, g, on).value is True]


def diff(
    date_from: dt.date,
    date_to: dt.date,
    items: list[str] | None = None,
    destinations: list[str] | None = None,
    layer: Layer = "enforced",
    rules: RuleSet | None = None,
    catalog: Catalog | None = None,
) -> dict[str, Any]:
    """Catalog items whose verdict changes between two dates, per representative destination, with the reasons.

    The end user is taken to be headquartered in the destination country (the headquartered rule is covered by
    ``timeline --end-user-hq``)."""
    if date_to < date_from:
        raise InputError(f"to: {date_to} is before from: {date_from}", field="to")
    rules = rules or load_rules()
    cat = catalog or load_catalog()
    geo = load_geography()
    dests = [geo.normalize(d, field="destination") for d in (destinations or DIFF_DESTINATIONS)]
    ids = [cat.get(i).id for i in items] if items else [i.id for i in cat.items()]
    causes = _boundaries(rules, geo)
    why_dates = [c for day, cs in sorted(causes.items()) if date_from < day <= date_to for c in cs]
    changes: list[VerdictChange] = []
    table = _table(rules, cat, geo, layer)
    for item in ids:
        for dest in dests:
            hq = geo.country_of(dest)
            before = table.decide(_line(item, dest, date_from, hq), screener=NO_SCREENING)
            after = table.decide(_line(item, dest, date_to, hq), screener=NO_SCREENING)
            if _summary(before) == _summary(after):
                continue
            old, new = set(_applied(before)), set(_applied(after))
            why = [
                {"rule": r.rule, "citation": r.citation, "detail": r.detail}
                for r in after.reasons
                if r.rule in new - old
            ]
            why += [
                {"rule": r.rule, "citation": r.citation, "detail": "no longer applies: " + r.detail}
                for r in before.reasons
                if r.rule in old - new
            ]
            changes.append(
                VerdictChange(
                    item=item,
                    destination=dest,
                    groups=_groups_of(geo, dest, date_to),
                    before={
                        "verdict": before.verdict.value,
                        "review_policy": _summary(before)[1],
                        "license_exceptions": list(_summary(before)[2]),
                    },
                    after={
                        "verdict": after.verdict.value,
                        "review_policy": _summary(after)[1],
                        "license_exceptions": list(_summary(after)[2]),
                    },
                    why=why,
                )
            )
    return {
        "from": date_from.isoformat(),
        "to": date_to.isoformat(),
        "layer": layer,
        "rules_version": rules.version,
        "destinations": dests,
        "actions_between": why_dates,
        "changes": [c.to_json() for c in changes],
    }


__all__ = ["NoScreening", "Period", "TimelineResult", "VerdictChange", "diff", "timeline"]
