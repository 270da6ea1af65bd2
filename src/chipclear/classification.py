"""Dated ECCN classification of a catalog item (the ECCNs the rule data defines), with a trace of every test applied.

The tests themselves are data (rule files); this module only evaluates them with three-valued logic: a test on an
unknown metric is unknown, and a classification that depends on an unknown is ``indeterminate`` naming the field
to fill in, never a guess.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from chipclear import metrics
from chipclear.catalog import Catalog, Item, Part, System, load_catalog
from chipclear.catalog.loader import load_precisions
from chipclear.decision import Reason
from chipclear.logic import Tri
from chipclear.provenance import weakest
from chipclear.rules import MergedClassification, RuleSet, load_rules
from chipclear.rules.schema import OP_SYMBOL, Layer, RuleAction, Test

Status = Literal["controlled", "not_controlled", "indeterminate"]


class Classification(BaseModel):
    model_config = ConfigDict(arbitrary_types_allowed=True)

    item: Any = Field(exclude=True)  # Part | System
    as_of: dt.date
    layer: str
    tpp: float | None
    tpp_alternatives: list[float] = Field(default_factory=list)
    performance_density: float | None
    # the density under the other readings of the die area the reference gives (``die_area_alternatives_mm2``)
    performance_density_alternatives: list[float] = Field(default_factory=list)
    eccn: str | None
    status: Status
    candidates: list[str] = Field(default_factory=list)
    missing: list[str] = Field(default_factory=list)
    trace: list[Reason] = Field(default_factory=list)
    rules_version: str
    components: list[dict[str, Any]] = Field(default_factory=list)
    # the low-confidence figures a decided classification rests on (empty: none): shown on its result step
    low_confidence: list[str] = Field(default_factory=list)

    def low_confidence_fields(self) -> list[str]:
        """Which of the shown figures rest on low-confidence (L) facts, to be flagged wherever they are listed:
        ``tpp`` and ``performance_density`` when the part's spec data is graded L, ``performance_density`` when its
        die area is, ``eccn`` when a decided classification rests on such a figure (``low_confidence``)."""
        item = self.item
        fields: list[str] = []
        if isinstance(item, Part | System):
            if item.confidence == "L" and self.tpp is not None:
                fields.append("tpp")
            area_low = isinstance(item, Part) and item.die_area_confidence == "L"
            if (item.confidence == "L" or area_low) and self.performance_density is not None:
                fields.append("performance_density")
        if self.low_confidence:
            fields.append("eccn")
        return fields

    def to_json(self) -> dict[str, Any]:
        data = self.model_dump(mode="json")
        data["low_confidence_fields"] = self.low_confidence_fields()
        item = self.item
        data["item"] = {"id": item.id, "name": item.name, "vendor": item.vendor, "kind": item.kind}
        if isinstance(item, Part):
            data["precision_table"] = [
                {"precision": r.precision, "dense_tops": r.dense_tops, "bits": r.bits, "tpp": r.tpp}
                for r in metrics.precision_table(item)
            ]
        return data


def _fmt(value: float | bool | None, places: int = 2) -> str:
    if value is None:
        return "unknown"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return f"{value:,.{places}f}".rstrip("0").rstrip(".")


def _fmt_against(value: float | bool | None, threshold: float | bool) -> str:
    """``value`` with enough decimals to tell it from ``threshold`` (2.002 against 2 is not written "2")."""
    places = 2
    while (
        places < 9
        and isinstance(value, float | int)
        and not isinstance(value, bool)
        and value != threshold
        and _fmt(value, places) == _fmt(threshold, places)
    ):
        places += 1
    return _fmt(value, places)


def _compare(op: str, left: float | bool, right: float | bool) -> bool:
    if op == "eq":
        return left == right
    lf, rf = float(left), float(right)
    return {"ge": lf >= rf, "gt": lf > rf, "le": lf <= rf, "lt": lf < rf}[op]


def _eval_test(test: Test, values: dict[str, Any], missing: set[str]) -> tuple[Tri, str]:
    value = values.get(test.metric)
    text = f"{test.metric} {_fmt_against(value, test.value)} {OP_SYMBOL[test.op]} {_fmt(test.value)}"
    if value is None:
        # the trace names the catalog field the missing list names (io_bandwidth_gbs is read from interconnect_gbs)
        field = metrics.METRIC_FIELDS.get(test.metric, test.metric)
        missing.add(field)
        unknown = "unknown" if field == test.metric else f"unknown (no {field} in the catalog)"
        return None, f"{test.metric} {unknown} {OP_SYMBOL[test.op]} {_fmt(test.value)}: unknown"
    result = _compare(test.op, value, test.value)
    # A density computed from a lower-bound die area is an upper bound: only the answers it cannot overturn stand.
    density_bound = test.metric == "performance_density" and values.get("_density_is_upper_bound")
    if density_bound and ((test.op in ("ge", "gt") and result) or (test.op in ("lt", "le") and not result)):
        missing.add("die_area_mm2 (published area is a lower bound)")
        return None, f"{text}: undecided (die area is a lower bound)"
    # A TPP from some precisions only (others supported but not published) is a lower bound, and so is the density
    # computed from it: only the answers a higher value cannot overturn stand.
    unpublished: list[str] = values.get("_unpublished_precisions") or []
    tpp_bound = bool(unpublished) and test.metric in ("tpp", "performance_density")
    if tpp_bound and ((test.op in ("ge", "gt") and not result) or (test.op in ("lt", "le") and result)):
        missing.add(f"dense_throughput {', '.join(unpublished)} (not published: TPP is a lower bound)")
        return None, f"{text}: undecided (TPP is a lower bound: {', '.join(unpublished)} not published)"
    return result, f"{text}: {'yes' if result else 'no'}"


def _all(tests: list[Test], values: dict[str, Any], missing: set[str]) -> tuple[Tri, list[str]]:
    results, texts = zip(*(_eval_test(t, values, missing) for t in tests), strict=True)
    if any(r is False for r in results):
        return False, list(texts)
    return (None if any(r is None for r in results) else True), list(texts)


def _any(clauses: list[list[Test]], values: dict[str, Any], missing: set[str]) -> tuple[Tri, str]:
    outcomes = [_all(c, values, missing) for c in clauses]
    detail = " OR ".join("(" + " AND ".join(texts) + ")" for _, texts in outcomes)
    results = [r for r, _ in outcomes]
    if any(r is True for r in results):
        return True, detail
    return (None if any(r is None for r in results) else False), detail


def _reason(action: RuleAction, ref: str, citation: str | None, detail: str, confidence: str | None) -> Reason:
    return Reason(
        rule=f"{action.id}#{ref}",
        citation=citation or action.citation,
        detail=detail,
        confidence=confidence or action.confidence,
    )


def _definition(merged: MergedClassification, metric: str, as_of: dt.date) -> tuple[str, str, str, str]:
    """(citation, confidence, formula, note) of ``metric`` as defined by the ECCN version in force on ``as_of`` (rule
    data ``classification.metrics``); with no version in force, the current definition, saying so."""
    precisions = load_precisions()
    found = merged.metrics.get(metric)
    if found is None:
        key = "tpp_citation" if metric == "tpp" else "performance_density_citation"
        note = "" if merged.actions else f"no ECCN 3A090 in force on {as_of}: the definition as later codified is cited"
        return precisions[key], precisions["confidence"], "2 x MacTOPS x bit length", note
    definition, _ = found
    note = definition.note if not definition.parameter else ""
    if definition.parameter and metric == "tpp" and not definition.term.startswith("total"):
        note = f"the ECCN in force on {as_of} words it as {definition.term}"
    return definition.citation, definition.confidence, definition.formula or "2 x MacTOPS x bit length", note


def _metric_reasons(
    part: Part, tpp: float | None, density: float | None, merged: MergedClassification, as_of: dt.date
) -> list[Reason]:
    tpp_citation, tpp_confidence, formula, tpp_note = _definition(merged, "tpp", as_of)
    note = Reason(
        rule="metrics#tpp",
        citation=tpp_citation,
        detail="TPP unknown: no dense throughput figure in the catalog (field dense_throughput)",
        confidence=tpp_confidence,
    )
    out = []
    if tpp is not None:
        winners = [r for r in metrics.precision_table(part) if r.tpp == tpp]
        products = "; ".join(f"{r.label} {_fmt(r.dense_tops)} x {r.bits} bits = {_fmt(r.tpp)}" for r in winners)
        detail = f"TPP {_fmt(tpp)} = {formula}, set by {products}"
        if part.unpublished_precisions:
            detail += (
                f"; a lower bound: dense rates for {', '.join(part.unpublished_precisions)} are not published"
                " (TPP is the highest over all precisions)"
            )
        if tpp_note:
            detail += f" ({tpp_note})"
        # the step is only as sure as the least sure of its figures: the rule text and the part's spec data
        confidence = weakest([tpp_confidence, part.confidence])
        if confidence == "L":
            detail += " [LOW CONFIDENCE spec data]"
        note = note.model_copy(update={"detail": detail, "confidence": confidence})
    out.append(note)
    pd_citation, pd_confidence, _, pd_note = _definition(merged, "performance_density", as_of)
    area = part.die_area_mm2
    pd_detail = (
        f"performance density {_fmt(density)} = TPP {_fmt(tpp)} / applicable die area {_fmt(area)} mm2"
        if density is not None
        else f"performance density unknown (TPP {_fmt(tpp)}, die_area_mm2 {_fmt(area)})"
    )
    for alt in metrics.die_area_readings(part)[1:]:
        pd_detail += f" (or {_fmt(metrics.performance_density(part, tpp, alt))} at {_fmt(alt)} mm2)"
    if part.die_area_confidence == "L":
        pd_detail += " [LOW CONFIDENCE die area]"
    if part.die_area_note:
        pd_detail += f"; die area: {part.die_area_note}"
    if pd_note:
        pd_detail += f" ({pd_note})"
    out.append(
        Reason(
            rule="metrics#performance_density",
            citation=pd_citation,
            detail=pd_detail,
            confidence=weakest([pd_confidence, part.confidence, part.die_area_confidence]),
        )
    )
    if part.confidence == "L":
        out.append(
            Reason(
                rule="catalog#confidence",
                citation=f"catalog {part.origin}: " + "; ".join(part.sources[:2]),
                detail=f"LOW CONFIDENCE spec data for {part.name}: {part.notes[:160]}",
                confidence="L",
            )
        )
    return out


def _decide_part(
    part: Part, values: dict[str, Any], merged: MergedClassification
) -> tuple[str | None, Status, list[str], set[str], list[Reason]]:
    """Apply the merged paragraphs and exclusions to one set of metric values."""
    trace: list[Reason] = []
    missing: set[str] = set()
    excluded: set[str] = set()
    undecided_exclusions: dict[str, set[str]] = {}
    for excl, action in merged.exclusions.values():
        local: set[str] = set()
        result, texts = _all(excl.all_of, values, local)
        verdict = {True: "applies", False: "does not apply", None: "undecided"}[result]
        detail = f"{excl.id}: {' AND '.join(texts)} -> {verdict}"
        trace.append(_reason(action, excl.id, excl.citation, detail, excl.confidence))
        if result is True:
            excluded |= set(excl.paragraphs)
        elif result is None:
            for pid in excl.paragraphs:
                undecided_exclusions.setdefault(pid, set()).update(local)
    paragraphs = sorted(
        (p for p in merged.paragraphs.values() if part.kind in p[0].applies_to), key=lambda pa: pa[0].id
    )
    matched: list[str] = []
    unknown: list[str] = []
    for para, action in paragraphs:
        local = set()
        result, detail = _any(para.any_of, values, local)
        if para.id in excluded:
            trace.append(_reason(action, para.id, para.citation, f"{para.id} not applied (excluded): {detail}", None))
            continue
        outcome = {True: "met", False: "not met", None: "undecided"}[result]
        trace.append(_reason(action, para.id, para.citation, f"{para.id}: {detail} -> {outcome}", para.confidence))
        if result is True:
            matched.append(para.id)
        elif result is None:
            unknown.append(para.id)
            missing |= local
    if matched:
        first = matched[0]
        earlier_unknown = [u for u in unknown if u < first]
        if earlier_unknown or first in undecided_exclusions:
            missing |= undecided_exclusions.get(first, set())
            return None, "indeterminate", [*earlier_unknown, first], missing, trace
        return first, "controlled", [], missing, trace
    if unknown:
        return None, "indeterminate", unknown, missing, trace
    return None, "not_controlled", [], set(), trace


def _caveats(merged: MergedClassification) -> list[Reason]:
    """What the versions in force leave open, each said once per classification."""
    return [_reason(action, c.id, c.citation, c.text, c.confidence) for c, action in merged.caveats.values()]


def _no_rules_reason(rules: RuleSet, as_of: dt.date) -> Reason:
    first = next((a for a in rules.actions if a.classification is not None), None)
    if first is None:
        return Reason(rule="rules#none", citation="chipclear rule data", detail="no classification rules loaded")
    return Reason(
        rule=f"{first.id}#not-yet-in-force",
        citation=first.citation,
        detail=f"no ECCN {_scope(rules)} test in force on {as_of}: first created effective {first.effective}",
        confidence=first.confidence,
    )


Readings = list[tuple[tuple[float | None, float | None], Any]]  # ((TPP, die area), what _decide_part gave)


def _reading_split(outcomes: Readings, axis: int) -> bool:
    """Whether readings that differ only on ``axis`` (0: TPP, 1: die area) give different classifications."""
    groups: dict[float | None, set[tuple[str | None, str]]] = {}
    for reading, o in outcomes:
        groups.setdefault(reading[1 - axis], set()).add((o[0], o[1]))
    return any(len(g) > 1 for g in groups.values())


def _split_reasons(part: Part, outcomes: Readings, tpp_citation: str) -> tuple[list[Reason], set[str]]:
    """The steps and missing fields for a classification its readings (TF32 bit length, die area) disagree on."""
    trace: list[Reason] = []
    missing: set[str] = set()
    if _reading_split(outcomes, 0):
        alternatives = ", ".join(f"TPP {_fmt(r[0])} -> {o[0] or o[1]}" for r, o in outcomes)
        trace.append(
            Reason(
                rule="metrics#tf32-bit-length",
                citation=tpp_citation,
                detail=f"the classification depends on the TF32 bit length (19 or 32 bits): {alternatives}",
                confidence="UNCONFIRMED",
            )
        )
        missing.add("bit length of TF32 operations (19 or 32)")
    if _reading_split(outcomes, 1):
        areas = " or ".join(f"{_fmt(a)} mm2" for a in metrics.die_area_readings(part))
        alternatives = ", ".join(
            f"{_fmt(r[1])} mm2 (density {_fmt(metrics.performance_density(part, r[0], r[1]))}) -> {o[0] or o[1]}"
            for r, o in outcomes
        )
        trace.append(
            Reason(
                rule="metrics#die-area-reading",
                citation=f"catalog {part.origin}: " + "; ".join(part.sources[:2]),
                detail=(
                    f"the classification depends on which reading of the die area holds ({areas}): {alternatives};"
                    f" die area: {part.die_area_note or 'readings differ'}"
                ),
                confidence=weakest([part.confidence, part.die_area_confidence]),
            )
        )
        missing.add(f"die_area_mm2 (the reference gives {areas}; low-confidence figures)")
    return trace, missing


def _low_confidence_basis(part: Part, values: dict[str, Any], merged: MergedClassification, decided: Any) -> list[str]:
    """The low-confidence figures a decided classification rests on: the part's spec data if it is graded L, and
    its die area if graded L and the answer changes when the density is taken as unknown."""
    basis = []
    if part.confidence == "L":
        basis.append(f"{part.name} spec data (graded low confidence)")
    if part.die_area_confidence == "L" and values.get("performance_density") is not None:
        blind = _decide_part(part, {**values, "performance_density": None}, merged)
        if (blind[0], blind[1]) != (decided[0], decided[1]):
            basis.append(
                f"die area {_fmt(part.die_area_mm2)} mm2 (low confidence: {part.die_area_note or 'see notes'})"
            )
    return basis


def _classify_part(part: Part, as_of: dt.date, layer: Layer, rules: RuleSet) -> Classification:
    merged = rules.classification_at(as_of, layer)
    candidates_tpp = metrics.tpp_candidates(part)
    tpp = candidates_tpp[0] if candidates_tpp else None
    density = metrics.performance_density(part, tpp)
    areas = metrics.die_area_readings(part)
    base = {"item": part, "as_of": as_of, "layer": layer, "tpp": tpp, "tpp_alternatives": candidates_tpp[1:]}
    base |= {"performance_density": density, "rules_version": rules.version}
    base["performance_density_alternatives"] = [
        d for a in areas[1:] if (d := metrics.performance_density(part, tpp, a)) is not None
    ]
    trace = _metric_reasons(part, tpp, density, merged, as_of)
    if not merged.paragraphs:
        trace.append(_no_rules_reason(rules, as_of))
        return Classification(**base, eccn=None, status="not_controlled", trace=trace)
    outcomes: Readings = []
    first_values: dict[str, Any] = {}
    tpp_readings: list[float | None] = [*candidates_tpp] or [None]
    for reading in [(t, a) for t in tpp_readings for a in areas]:
        values: dict[str, Any] = metrics.metric_values(part, *reading)
        values["_density_is_upper_bound"] = part.die_area_is_lower_bound
        values["_unpublished_precisions"] = part.unpublished_precisions
        first_values = first_values or values
        outcomes.append((reading, _decide_part(part, values, merged)))
    (_, (eccn, status, cands, missing, steps)) = outcomes[0]
    trace += steps
    trace += _caveats(merged)
    low: list[str] = []
    if len({(o[1][0], o[1][1]) for o in outcomes}) > 1:
        split_trace, missing = _split_reasons(part, outcomes, _definition(merged, "tpp", as_of)[0])
        trace += split_trace
        eccn, status = None, "indeterminate"
        cands = sorted({o[0] or "none" for _, o in outcomes})
    elif status != "indeterminate":
        low = _low_confidence_basis(part, first_values, merged, outcomes[0][1])
    return Classification(
        **base, eccn=eccn, status=status, candidates=cands, missing=sorted(missing), trace=trace, low_confidence=low
    )


def _classify_system(system: System, as_of: dt.date, layer: Layer, rules: RuleSet, cat: Catalog) -> Classification:
    merged = rules.classification_at(as_of, layer)
    parts = cat.component_parts(system)
    results = [(part, count, _classify_part(part, as_of, layer, rules)) for part, count in parts]
    tpps = [r.tpp for _, _, r in results]
    total = sum(count * t for (_, count, _), t in zip(results, tpps, strict=True) if t) if all(tpps) else None
    components = [{"part": p.id, "count": n, "eccn": r.eccn, "status": r.status, "tpp": r.tpp} for p, n, r in results]
    trace: list[Reason] = []
    for part, count, res in results:
        trace.append(
            Reason(
                rule=f"catalog#{system.id}",
                citation=f"catalog {system.origin}: " + "; ".join(system.sources[:2]),
                detail=f"contains {count} x {part.name}: {res.eccn or res.status} (TPP {_fmt(res.tpp)})",
                confidence=system.confidence,
            )
        )
    base = {"item": system, "as_of": as_of, "layer": layer, "tpp": total, "performance_density": None}
    base |= {"rules_version": rules.version, "components": components}
    if not merged.systems:
        trace.append(_no_rules_reason(rules, as_of))
        return Classification(**base, eccn=None, status="not_controlled", trace=trace)
    component_eccns = {r.eccn for _, _, r in results}
    undecided = [r for _, _, r in results if r.status == "indeterminate"]
    trace += _caveats(merged)
    for sys_para, action in sorted(merged.systems.values(), key=lambda s: s[0].id):
        hit = sys_para.contains in component_eccns
        detail = f"{sys_para.id}: contains an IC meeting {sys_para.contains}? {'yes' if hit else 'no'}"
        trace.append(_reason(action, sys_para.id, sys_para.citation, detail, sys_para.confidence))
        if hit:
            return Classification(**base, eccn=sys_para.id, status="controlled", trace=trace)
        if undecided:
            missing = sorted({f"{r.item.id}: {m}" for r in undecided for m in r.missing})
            cands = [s[0].id for s in merged.systems.values()]
            return Classification(
                **base, eccn=None, status="indeterminate", candidates=cands, missing=missing, trace=trace
            )
    return Classification(**base, eccn=None, status="not_controlled", trace=trace)


def _scope(rules: RuleSet) -> str:
    """The ECCNs the loaded rules define tests for ("3A090/4A090")."""
    ids: set[str] = set()
    for action in rules.actions:
        if action.classification is not None:
            ids.update(p.id.split(".")[0] for p in action.classification.paragraphs)
            ids.update(p.id.split(".")[0] for p in action.classification.systems)
    return "/".join(sorted(ids)) or "no ECCN"


def _conclusion(result: Classification, rules: RuleSet) -> Reason:
    scope = _scope(rules)
    others = ", ".join(load_precisions()["not_assessed_eccns"])
    if result.status == "controlled":
        detail = f"classified {result.eccn} as of {result.as_of} ({result.layer} rules)"
    elif result.status == "indeterminate":
        detail = (
            f"indeterminate as of {result.as_of}: could be {' or '.join(result.candidates) or 'several'};"
            f" missing {', '.join(result.missing) or 'data'}"
        )
    else:
        detail = f"not in {scope} as of {result.as_of}; other ECCNs (e.g. {others}) are not assessed here"
    if result.low_confidence:
        detail += f" [LOW CONFIDENCE: rests on {'; '.join(result.low_confidence)}]"
        return Reason(rule="classify#result", citation=result.rules_version, detail=detail, confidence="L")
    return Reason(rule="classify#result", citation=result.rules_version, detail=detail)


def classify(
    item: Item | str,
    as_of: dt.date | None = None,
    layer: Layer = "enforced",
    rules: RuleSet | None = None,
    catalog: Catalog | None = None,
) -> Classification:
    """Classify ``item`` (a catalog id/alias or a Part/System) under the rules in force on ``as_of``."""
    cat = catalog or load_catalog()
    rules = rules or load_rules()
    as_of = as_of or dt.date.today()
    resolved = cat.get(item) if isinstance(item, str) else item
    if isinstance(resolved, System):
        result = _classify_system(resolved, as_of, layer, rules, cat)
    else:
        result = _classify_part(resolved, as_of, layer, rules)
    result.trace.append(_conclusion(result, rules))
    return result


__all__ = ["Classification", "classify"]
