"""Impact of a draft on the catalog: which items change ECCN (or become undecidable) as of a date, and why.

Pure: takes the baseline rule set, the rule set with the draft added, the catalog and a date, classifies every
item under both with ``chipclear.classify`` and reports the differences. Every change carries the reasons that
cite the draft (the draft's tests with the numbers compared) next to the baseline reason it replaces.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any, Literal

from pydantic import BaseModel, Field

from chipclear import metrics
from chipclear.catalog import Catalog, Item, Part, System
from chipclear.classification import Classification, classify
from chipclear.decision import Reason
from chipclear.rules import RuleAction, RuleSet
from chipclear.rules.schema import Layer

ChangeKind = Literal["newly_controlled", "decontrolled", "eccn_changed", "now_indeterminate", "now_decided"]


class Outcome(BaseModel):
    """An item's classification in one world (baseline or draft)."""

    eccn: str | None
    status: str
    candidates: list[str] = Field(default_factory=list)
    missing: list[str] = Field(default_factory=list)

    @classmethod
    def of(cls, c: Classification) -> Outcome:
        return cls(eccn=c.eccn, status=c.status, candidates=c.candidates, missing=c.missing)

    def label(self) -> str:
        if self.status == "controlled":
            return self.eccn or "controlled"
        if self.status == "indeterminate":
            return "indeterminate (" + " or ".join(self.candidates) + ")" if self.candidates else "indeterminate"
        return "not 3A090/4A090"


class ItemChange(BaseModel):
    item: dict[str, str]
    kind: ChangeKind
    before: Outcome
    after: Outcome
    figures: dict[str, float | bool | None]  # the metrics the tests compare
    reasons: list[Reason]


class DraftInfo(BaseModel):
    ids: list[str]
    title: str
    citation: str
    effective: dt.date
    confidence: str
    notes: str = ""

    @classmethod
    def of(cls, actions: tuple[RuleAction, ...] | list[RuleAction]) -> DraftInfo:
        return cls(
            ids=[a.id for a in actions],
            title="; ".join(a.title for a in actions),
            citation="; ".join(a.citation for a in actions),
            effective=min(a.effective for a in actions),
            confidence=min((a.confidence for a in actions), key=["UNCONFIRMED", "L", "M", "H"].index),
            notes="\n".join(a.notes for a in actions if a.notes),
        )


class ClassificationImpact(BaseModel):
    draft: DraftInfo
    as_of: dt.date
    layer: str
    draft_in_force: bool
    rules_version_before: str
    rules_version_after: str
    items_assessed: int
    counts: dict[str, int]
    changes: list[ItemChange]


def _kind(before: Outcome, after: Outcome) -> ChangeKind:
    if after.status == "indeterminate":
        return "now_indeterminate"
    if before.status == "indeterminate":
        return "now_decided"
    if before.status == "controlled" and after.status == "controlled":
        return "eccn_changed"
    return "newly_controlled" if after.status == "controlled" else "decontrolled"


def _figures(item: Item, c: Classification) -> dict[str, float | bool | None]:
    out: dict[str, float | bool | None] = {"tpp": c.tpp, "performance_density": c.performance_density}
    if isinstance(item, Part):
        values = metrics.metric_values(item, c.tpp)
        out |= {k: values[k] for k in ("total_dram_bandwidth_gbs", "io_bandwidth_gbs", "datacenter")}
    return out


def _cites(step: Reason, ids: set[str]) -> bool:
    return step.rule.split("#", 1)[0] in ids


def _reasons(
    item: Item, base: Classification, new: Classification, ids: set[str], parts: dict[str, ItemChange]
) -> list[Reason]:
    """Why the item changed: the steps of the draft world that cite the draft, then the baseline step replaced."""
    reasons = [s for s in new.trace if _cites(s, ids)]
    if isinstance(item, System):
        for comp in item.components:
            change = parts.get(comp.part)
            if change is not None:
                reasons.append(
                    Reason(
                        rule=f"catalog#{item.id}",
                        citation=f"catalog {item.origin}",
                        detail=f"contains {comp.count} x {change.item['name']}: {change.before.label()} ->"
                        f" {change.after.label()} under the draft",
                    )
                )
                reasons += [r for r in change.reasons if _cites(r, ids)]
    if base.eccn:
        reasons += [s for s in base.trace if s.rule.endswith(f"#{base.eccn}") and not _cites(s, ids)]
    return list(dict.fromkeys(reasons))


def classification_impact(
    base: RuleSet,
    drafted: RuleSet,
    draft_actions: tuple[RuleAction, ...] | list[RuleAction],
    catalog: Catalog,
    as_of: dt.date,
    layer: Layer = "enforced",
) -> ClassificationImpact:
    """Classify every catalog item under ``base`` and ``drafted`` as of ``as_of``; report the differences."""
    ids = {a.id for a in draft_actions}
    changes: list[ItemChange] = []
    by_part: dict[str, ItemChange] = {}
    before_count: Counter[str] = Counter()
    after_count: Counter[str] = Counter()
    items: list[Item] = [
        *catalog.parts.values(),
        *catalog.systems.values(),
    ]  # parts first: systems cite their components
    for item in items:
        b = classify(item, as_of, layer, rules=base, catalog=catalog)
        n = classify(item, as_of, layer, rules=drafted, catalog=catalog)
        before_count[b.status] += 1
        after_count[n.status] += 1
        before, after = Outcome.of(b), Outcome.of(n)
        if (before.eccn, before.status) == (after.eccn, after.status):
            continue
        change = ItemChange(
            item={"id": item.id, "name": item.name, "vendor": item.vendor, "kind": item.kind},
            kind=_kind(before, after),
            before=before,
            after=after,
            figures=_figures(item, n),
            reasons=[],
        )
        change.reasons = _reasons(item, b, n, ids, by_part) or [_fallback_reason(draft_actions)]
        changes.append(change)
        if isinstance(item, Part):
            by_part[item.id] = change
    counts: dict[str, int] = {f"{k}_before": before_count[k] for k in ("controlled", "indeterminate")}
    counts |= {f"{k}_after": after_count[k] for k in ("controlled", "indeterminate")}
    counts["changed"] = len(changes)
    counts |= dict(Counter(c.kind for c in changes))
    return ClassificationImpact(
        draft=DraftInfo.of(draft_actions),
        as_of=as_of,
        layer=layer,
        draft_in_force=any(a.effective <= as_of for a in draft_actions),
        rules_version_before=base.version,
        rules_version_after=drafted.version,
        items_assessed=len(items),
        counts=counts,
        changes=changes,
    )


def _fallback_reason(actions: tuple[RuleAction, ...] | list[RuleAction]) -> Reason:
    """A change no test of the draft explains directly (e.g. the draft removed a paragraph)."""
    first = actions[0]
    removed = [r for a in actions if a.classification for r in a.classification.remove]
    detail = f"the draft removes {', '.join(removed)}" if removed else "the draft changes the rules in force"
    return Reason(rule=f"{first.id}#remove", citation=first.citation, detail=detail, confidence=first.confidence)


def status_counts(
    rules: RuleSet, catalog: Catalog, dates: list[dt.date], layer: Layer = "enforced"
) -> list[dict[str, Any]]:
    """For each date, how many catalog parts are controlled (3A090), indeterminate or not (timeline data)."""
    out = []
    for day in dates:
        counts: Counter[str] = Counter(
            classify(p, day, layer, rules=rules, catalog=catalog).status for p in catalog.parts.values()
        )
        out.append({"date": day, **{k: counts[k] for k in ("controlled", "indeterminate", "not_controlled")}})
    return out


__all__ = ["ClassificationImpact", "DraftInfo", "ItemChange", "Outcome", "classification_impact", "status_counts"]
