"""``determine``: one order line -> Decision with cited reasons, as the law stood on the ship date.

Order of reasoning (each step a named rule from the data files):
1. embargoes (Part 746)                      -> LICENSE_REQUIRED with the stated policy (PROHIBITED if so worded)
2. restricted parties (EL, MEU, DPL, SDN ...) -> PROHIBITED / LICENSE_REQUIRED / HOLD (possible match)
3. license requirements (742.6, 744.23, notices) evaluated three-valued on the classification, destination,
   headquarters and end use
4. named license exceptions (NAC, ACA, HBM, AIA) that overcome every requirement that applies -> LICENSE_EXCEPTION
5. review policy: the most recent matching policy for each requirement; the strictest across requirements.
Anything unknown that the answer depends on -> HOLD naming it. Never NLR on an unknown.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
from dataclasses import dataclass, field
from typing import Any

from chipclear import metrics
from chipclear.catalog import Catalog, Part, System, load_catalog
from chipclear.classification import Classification, classify
from chipclear.decision import Decision, LicenseExceptionUse, OrderLine, Party, Reason, ReviewPolicy, Verdict
from chipclear.determination.certified import CertificationSource, Read, certification_reasons, certification_sources
from chipclear.determination.citations import engine_citation
from chipclear.determination.conditions import CodeLabels, Evaluator, Facts, Outcome, OwnersGroup, PartyHQ
from chipclear.determination.duty import import_duty
from chipclear.determination.merge import MergedLicensing, certification_codes, licensing_at, validate
from chipclear.determination.parties import PartyCheck, Reviews, Screener, check_parties
from chipclear.errors import InputError, UnknownItemError
from chipclear.geography import Geography, load_geography
from chipclear.models import AIModel, ModelCatalog, load_models
from chipclear.models.classify import ModelClassification, classify_model
from chipclear.provenance import weakest
from chipclear.rules import RuleSet, load_rules
from chipclear.rules.licensing_schema import Condition, LicenseExceptionRule, LicenseRequirement, PolicyRule
from chipclear.rules.schema import EnforcementPeriod, Layer, RuleAction

STRICTNESS = [
    ReviewPolicy.PRESUMPTION_OF_APPROVAL,
    ReviewPolicy.CASE_BY_CASE,
    ReviewPolicy.PRESUMPTION_OF_DENIAL,
    ReviewPolicy.POLICY_OF_DENIAL,
]
PARTY_ROLES_FOR_HQ = ("end_user", "ultimate_consignee", "purchaser")
STALE_LISTS_RULE = "screening#stale"  # the reason a decision on stale lists carries (the ledger holds on it)
UNSCREENED = "unscreened"  # the list version of a check whose parties were not screened (batch --no-screening)
UNSCREENED_RULE = "screening#not-screened"
COVERAGE_NOTE = "rules-data#coverage"  # the note on dates before the first 3A090/4A090 action (chips only)


@dataclass
class State:
    reasons: list[Reason] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    prohibited: bool = False
    hold: bool = False  # cannot decide whatever else applies (possible party match, review outcome)
    unknown: bool = False  # a license requirement may apply (unknown fact)
    required: list[tuple[LicenseRequirement, str]] = field(default_factory=list)  # (requirement, action id)
    policies: list[ReviewPolicy | None] = field(default_factory=list)
    deferred: tuple[str, ...] = ()  # codified requirements that would catch the line but are not enforced (_deferred)
    overcome_by: tuple[str, ...] = ()  # the license exceptions overcoming every requirement that applies (_verdict)

    def need(self, what: str) -> None:
        if what not in self.missing:
            self.missing.append(what)


def _party_hq(party: Party, index: int, geo: Geography) -> PartyHQ:
    """The headquarters the headquartered rule looks at: the party's own and its ultimate parent's (last in the
    chain, which is given nearest parent first). Without parents, an owner holding more than the control share is
    read as the parent, and owners none of whom controls the party alone are read together (``OwnersGroup``):
    engine-citations ``owner-as-parent``. Codes are validated: a bad one is an input error, not a guess."""

    def code(value: str | None, field: str) -> str | None:
        return geo.normalize(value, field=field) if value else None

    where = f"parties[{index}]"
    heads: list[tuple[str, str | None]] = [
        (party.name, code(party.headquarters_country, f"{where}.headquarters_country"))
    ]
    if party.country:
        code(party.country, f"{where}.country")
    owners = [
        (o.name, o.share, code(o.headquarters_country, f"{where}.owners[{k}].headquarters_country"))
        for k, o in enumerate(party.owners)
    ]
    if party.parents:
        top = party.parents[-1]
        field = f"{where}.parents[{len(party.parents) - 1}].headquarters_country"
        heads.append((f"{top.name} (ultimate parent of {party.name})", code(top.headquarters_country, field)))
        return PartyHQ(party.name, tuple(heads), role=party.role)
    control = owner_control()
    controlling = [o for o in owners if o[1] is not None and o[1] > control]
    if controlling:
        name, share, hq = controlling[0]
        whose = f"{name} (ultimate parent of {party.name}: owns {share:g} %, more than {control:g} %)"
        heads.append((whose, hq))
        return PartyHQ(party.name, tuple(heads), role=party.role)
    group = OwnersGroup(party.name, tuple(owners), control) if owners else None
    return PartyHQ(party.name, tuple(heads), owners=group, role=party.role)


def owner_control() -> float:
    """The share above which an owner controls a party (engine-citations ``owner-as-parent``)."""
    found = engine_citation("owner-as-parent").percent
    assert found is not None
    return found


def owners_read(line: OrderLine) -> list[Reason]:
    """What the parties' owners were read as for the headquarters tests (a reason per party with owners and no
    parent given): the controlling owner read as its parent, or the owners read together."""
    cited = engine_citation("owner-as-parent")
    control = owner_control()
    out = []
    for party in line.parties:
        if party.parents or not party.owners:
            continue
        top = next((o for o in party.owners if o.share is not None and o.share > control), None)
        if top is not None:
            detail = (
                f"{top.name} owns {top.share:g} % of {party.name} (more than {control:g} %: it controls it) and no"
                f" parent is given: read as its ultimate parent for the headquarters tests"
                f" (headquarters {top.headquarters_country or 'not given'})"
            )
        else:
            detail = (
                f"no parent of {party.name} given and no owner holds more than {control:g} % alone: its owners are"
                f" read together; those headquartered where a rule looks (or whose headquarters is not given) holding"
                f" {control:g} % or more together leave its ultimate parent unknown"
            )
        out.append(
            Reason(rule="parties#owner-as-parent", citation=cited.citation, detail=detail, confidence=cited.confidence)
        )
    return out


def _metrics_of(
    item: Part | System | AIModel, cls: Classification | ModelClassification, cat: Catalog
) -> dict[str, float | bool | None]:
    if isinstance(item, AIModel):  # AI model weights: the figures a model rule can test
        assert isinstance(cls, ModelClassification)
        return cls.metric_values()
    assert isinstance(cls, Classification)
    if isinstance(item, Part):
        values = metrics.metric_values(item, cls.tpp)
    else:
        # A system: the highest value of any contained IC. TPP is defined per integrated circuit (3A090 Technical
        # Note: aggregated over the processing units "on the integrated circuit"), so a rule testing TPP sees the
        # per-IC TPP of the chips inside (as 4A090 does), never the sum over the system's chips.
        per_ic = [c.get("tpp") for c in cls.components]
        tpp = max(per_ic) if per_ic and all(t is not None for t in per_ic) else None  # type: ignore[type-var]
        values = {"tpp": tpp, "datacenter": item.datacenter}
        parts = [cat.get(c.part) for c in item.components]
        dram = [metrics.total_dram_bandwidth_gbs(p) for p in parts]  # type: ignore[arg-type]
        values["total_dram_bandwidth_gbs"] = max((d for d in dram if d is not None), default=None)
        links = [p.interconnect_gbs for p in parts]  # type: ignore[union-attr]
        values["io_bandwidth_gbs"] = max((x for x in links if x is not None), default=None)
    return values


def _system_totals(
    item: Part | System | AIModel, cls: Classification | ModelClassification, cat: Catalog
) -> dict[str, float | None]:
    """A system's TPP and DRAM bandwidth summed over all its ICs (the whole-system reading of a test)."""
    if not isinstance(item, System):
        return {}
    assert isinstance(cls, Classification)
    dram = [(metrics.total_dram_bandwidth_gbs(cat.get(c.part)), c.count) for c in item.components]  # type: ignore[arg-type]
    total_dram = None if any(d is None for d, _ in dram) else sum(d * n for d, n in dram if d is not None)
    return {"tpp": cls.tpp, "total_dram_bandwidth_gbs": total_dram}


def _vendors(item: Part | System | AIModel, cat: Catalog) -> frozenset[str]:
    found = {getattr(item, "vendor", "") or ""}
    if isinstance(item, System):
        found |= {cat.get(c.part).vendor for c in item.components}
    return frozenset(v.lower() for v in found if v)


def build_facts(
    line: OrderLine,
    as_of: dt.date,
    geo: Geography,
    cls: Classification | ModelClassification,
    cat: Catalog,
    labels: CodeLabels | None = None,
) -> Facts:
    item = cls.item
    ids = {item.id}
    if isinstance(item, System):
        ids |= {c.part for c in item.components}
    parties = tuple(_party_hq(p, i, geo) for i, p in enumerate(line.parties) if p.role in PARTY_ROLES_FOR_HQ)
    others = tuple(_party_hq(p, i, geo) for i, p in enumerate(line.parties) if p.role not in PARTY_ROLES_FOR_HQ)
    destination = geo.normalize(line.destination, field="destination")
    flags = {
        name for name in ("supercomputer", "advanced_node_ic_production", "military") if getattr(line.end_use, name)
    }
    return Facts(
        as_of=as_of,
        destination=destination,
        item_ids=frozenset(ids),
        eccn=cls.eccn,
        status=cls.status,
        candidates=tuple(cls.candidates),
        classification_missing=tuple(cls.missing),
        datacenter=item.datacenter,
        metrics=_metrics_of(item, cls, cat),
        parties=parties,
        end_use=frozenset(flags),
        export_from=geo.normalize(line.export_from, field="export_from") if line.export_from else None,
        certifications=frozenset(line.certifications),
        system=isinstance(item, System),
        labels=labels,
        tpp_alternatives=tuple(getattr(cls, "tpp_alternatives", ()) or ()) if isinstance(item, Part) else (),
        model=isinstance(item, AIModel),
        vendors=_vendors(item, cat),
        unpublished_precisions=tuple(item.unpublished_precisions) if isinstance(item, Part) else (),
        system_totals=_system_totals(item, cls, cat),
        other_parties=others,
        locations=locations(line, destination, geo),
    )


RECIPIENT_ROLES = ("end_user", "ultimate_consignee", "intermediate_consignee")  # the parties that receive the item
ULTIMATE_ROLES = ("end_user", "ultimate_consignee")  # where they are located is the ultimate destination


def locations(line: OrderLine, destination: str, geo: Geography) -> tuple[tuple[str, str], ...]:
    """(who, country) of each recipient located somewhere other than ``destination`` (codes normalised)."""
    out = []
    for i, p in enumerate(line.parties):
        if p.role in RECIPIENT_ROLES and p.country:
            country = geo.normalize(p.country, field=f"parties[{i}].country")
            if country != destination:
                out.append((f"{p.name} ({p.role.replace('_', ' ')})", country))
    return tuple(out)


def _facts_key(facts: Facts) -> tuple[Any, ...]:
    """Every field of ``facts`` as a hashable value (its dicts as sorted items)."""
    values = (getattr(facts, f.name) for f in dataclasses.fields(facts))
    return tuple(tuple(sorted(v.items())) if isinstance(v, dict) else v for v in values)


def _requirements_to(
    merged: MergedLicensing, ev: Evaluator, facts: Facts, memo: dict[tuple[object, ...], Any] | None
) -> tuple[frozenset[str], list[tuple[LicenseRequirement, str]]]:
    """The requirements (their ids as reasons cite them) and the license requirements a line of ``facts`` would meet
    (``_location_conflicts``: the line decided to where a recipient is located). A pure function of the licensing
    rules, the geography and the facts, so a compiled table's ``memo`` keeps it per facts: the lines to every
    destination of one located recipient ask the same."""
    key = ("requirements-to", id(merged), _facts_key(facts)) if memo is not None else ()
    found = memo.get(key) if memo is not None else None
    if found is not None and found[0] is merged:  # the same rules object (an id is reused only once it is gone)
        return found[1], found[2]
    there = State()
    _requirements(merged, Evaluator(facts, ev.geo), facts.as_of, there)
    rules = frozenset(r.rule.split("#", 1)[-1] for r in there.reasons)
    if memo is not None:
        memo[key] = (merged, rules, there.required)
    return rules, there.required


def _location_conflicts(
    line: OrderLine,
    merged: MergedLicensing,
    ev: Evaluator,
    st: State,
    memo: dict[tuple[object, ...], Any] | None = None,
) -> None:
    """An end user or ultimate consignee located in a country other than the destination: where the line would be
    decided more strictly to that country (a license or a prohibition the destination does not need, or no license
    exception where the destination has one), the country of ultimate destination is open: the line may not come out
    NLR or under an exception (engine-citations ``location-conflict``). A requirement the line has stands."""
    facts = ev.facts
    # the destination as the texts write it (a compiled table's placeholder: ``conditions.CodeLabels``)
    shown = (facts.labels.destination if facts.labels is not None else None) or facts.destination
    here = {r.rule.split("#", 1)[-1] for r in st.reasons}
    here_exc: list[LicenseExceptionUse] | None = None
    k = -1  # the party's place in ``facts.locations`` (``locations``: every recipient located elsewhere, in order)
    for i, p in enumerate(line.parties):
        if p.role not in RECIPIENT_ROLES or not p.country:
            continue
        country = ev.geo.normalize(p.country, field=f"parties[{i}].country")
        if country == facts.destination:
            continue
        k += 1
        if p.role not in ULTIMATE_ROLES:
            continue
        written = ev.located_shown(k) or country  # as the texts write it (a compiled table's placeholder)
        alt_facts = dataclasses.replace(facts, destination=country, labels=None)
        there_rules, there_required = _requirements_to(merged, ev, alt_facts, memo)
        extra = sorted(there_rules - here)
        why = f"to {written} the line would also be subject to {', '.join(extra)}" if extra else ""
        if not extra and st.required:
            if here_exc is None:
                here_exc = _exceptions(merged, ev, State(required=list(st.required))) or []
            alt = Evaluator(alt_facts, ev.geo)
            if here_exc and not _exceptions(merged, alt, State(required=list(there_required))):
                why = f"to {written} no license exception ({', '.join(u.code for u in here_exc)}) would apply"
        if not why:
            continue
        cited = engine_citation("location-conflict")
        who = f"{p.role.replace('_', ' ')} {p.name}"
        st.unknown = True
        st.need(f"country of ultimate destination ({who} located in {written}, destination {shown})")
        st.reasons.append(
            Reason(
                rule="parties#location-conflict",
                citation=cited.citation,
                detail=f"{who} located in {written}, destination {shown}: give the country of ultimate"
                f" destination; {why}",
                confidence=cited.confidence,
            )
        )


def _reason(action_id: str, ref: str, citation: str, detail: str, confidence: str | None) -> Reason:
    flag = " [LOW CONFIDENCE]" if confidence == "L" else ""
    return Reason(rule=f"{action_id}#{ref}", citation=citation, detail=detail + flag, confidence=confidence)


def _cited_as(rule: LicenseRequirement | PolicyRule, ev: Evaluator, on: dt.date) -> tuple[str, str | None]:
    """The citation and confidence of a requirement or review policy on ``on`` for the line's item: the paragraph
    that then holds it (``renumbered``: each that could, for an item whose tier is not known), else its own."""
    found = [r for r in rule.renumbered if r.covers(on) and ev.evaluate(r.when).value is not False]
    if not found:
        return rule.citation, rule.confidence
    return "; ".join(dict.fromkeys(r.citation for r in found)), weakest(
        [rule.confidence, *(r.confidence for r in found)]
    )


def _requirements(merged: MergedLicensing, ev: Evaluator, as_of: dt.date, st: State) -> None:
    for req, action in merged.requirements.values():
        if (req.since and as_of < req.since) or (req.until and as_of >= req.until):
            continue
        out = ev.evaluate(req.when)
        if out.value is False:
            continue
        citation, confidence = _cited_as(req, ev, as_of)
        facts = "; ".join(dict.fromkeys(out.details))
        if out.value is None:
            if req.outcome == "LICENSE_REQUIRED":
                st.unknown = True  # a license may be needed: HOLD unless another requirement already needs one
            else:
                st.hold = True
            for m in sorted(out.missing):
                st.need(f"{m} (for {req.id})")
            st.reasons.append(
                _reason(
                    action.id,
                    req.id,
                    citation,
                    f"may apply, cannot decide: missing {', '.join(sorted(out.missing))}. {req.text}",
                    confidence,
                )
            )
            continue
        detail = f"{req.text} Applies: {facts}" if facts else f"{req.text} Applies."
        st.reasons.append(_reason(action.id, req.id, citation, detail, confidence))
        if req.outcome == "PROHIBITED":
            st.prohibited = True
            st.policies.append(ReviewPolicy(req.policy) if req.policy and req.policy != "UNCONFIRMED" else None)
        elif req.outcome == "HOLD":
            st.hold = True
            st.need(f"review under {req.id}")
        else:
            st.required.append((req, action.id))


def _facts_text(details: list[str]) -> str:
    return f" Applies: {'; '.join(dict.fromkeys(details))}" if details else ""


def _policy_for(req: LicenseRequirement, merged: MergedLicensing, ev: Evaluator, st: State) -> ReviewPolicy | None:
    if req.policy:
        return None if req.policy == "UNCONFIRMED" else ReviewPolicy(req.policy)
    candidates = merged.policies_for(req.id)  # the most recent policy wins
    on = ev.facts.as_of  # a policy is cited as the paragraph that holds it on the day (``_cited_as``)
    undecided: list[tuple[PolicyRule, set[str]]] = []  # policies that may apply, for want of facts
    for policy, action in candidates:
        out = ev.evaluate(policy.when)
        if out.value is None:
            undecided.append((policy, set(out.missing)))
        if out.value is True:
            note = f" ({policy.note})" if policy.note else ""
            citation, confidence = _cited_as(policy, ev, on)
            st.reasons.append(
                _reason(
                    action.id,
                    policy.id,
                    citation,
                    f"review policy for {req.id}: {policy.policy}{note}. {policy.text}{_facts_text(out.details)}",
                    confidence,
                )
            )
            return None if policy.policy == "UNCONFIRMED" else ReviewPolicy(policy.policy)
        if out.value is None and policy.policy in ("case_by_case", "presumption_of_approval"):
            citation, confidence = _cited_as(policy, ev, on)
            st.reasons.append(
                _reason(
                    action.id,
                    policy.id,
                    citation,
                    f"a more favourable review policy ({policy.policy}) could apply to {req.id} "
                    f"given {', '.join(sorted(out.missing))}",
                    confidence,
                )
            )
    if undecided:
        # The policies are known; what is not is a fact they turn on (e.g. the end user's headquarters, not given):
        # say so with the policies' own mark. The fact is not added to ``missing`` (a license is required whatever
        # the policy turns out to be) and the review policy stays unknown (None).
        wanted = sorted(set().union(*(m for _, m in undecided)))
        options = " or ".join(dict.fromkeys(f"{p.policy} ({p.id})" for p, _ in undecided))
        cited = [_cited_as(p, ev, on) for p, _ in undecided]
        st.reasons.append(
            Reason(
                rule=f"review-policy#{req.id}",
                citation="; ".join(dict.fromkeys(c for c, _ in cited)),
                detail=f"the review policy for {req.id} depends on {', '.join(wanted)}, which is not given:"
                f" {options}; a license is required either way",
                confidence=weakest(c for _, c in cited),  # only as sure as the least sure
            )
        )
        return None
    st.reasons.append(
        Reason(
            rule=f"review-policy#{req.id}",
            citation=_cited_as(req, ev, on)[0],
            detail=f"no review policy for {req.id} is known for this line",
            confidence="UNCONFIRMED",
        )
    )
    return None


def _uncertified(exc: LicenseExceptionRule, action_id: str, req_id: str, ev: Evaluator, st: State) -> None:
    """An exception out of scope only for want of the exporter's certifications (the facts chipclear cannot see,
    e.g. NAC's 25-day notification): say what would make it apply, so the answer does not hide it."""
    wanted = set(exc.scope.certified or ()) - ev.facts.certifications
    if not wanted:
        return
    certified = Evaluator(
        dataclasses.replace(ev.facts, certifications=ev.facts.certifications | wanted), ev.geo, ev.assume
    )
    if certified.evaluate(exc.scope).value is not True:
        return
    if any(certified.evaluate(x.when).value is not False for x in exc.exclusions):
        return
    st.reasons.append(
        _reason(
            action_id,
            exc.id,
            exc.citation,
            f"{exc.code} would overcome {req_id} once the exporter certifies {', '.join(sorted(wanted))}"
            f" ({'; '.join(exc.conditions) or exc.text}); not certified, so a license is required",
            exc.confidence,
        )
    )


def _located_out(exc: LicenseExceptionRule, action_id: str, ev: Evaluator, st: State) -> None:
    """An exception out of scope only because a recipient is located where its text does not reach (AIA: located
    in a Supp. 5 para. (a) destination, or outside Macau/D:5 for 4E091): say so."""
    if not ev.facts.locations:
        return
    anywhere = Evaluator(dataclasses.replace(ev.facts, locations=()), ev.geo, ev.assume)
    if anywhere.evaluate(exc.scope).value is not True:
        return
    where = Outcome(None)
    for k, (who, country) in enumerate(ev.facts.locations):
        for dset in (exc.scope.located_in, exc.scope.located_not_in):
            if dset is not None:
                ev.country_in(country, dset, where, f"location of {who}", ev.located_shown(k))
    st.reasons.append(
        _reason(
            action_id, exc.id, exc.citation, f"{exc.code} not available: {'; '.join(where.details)}", exc.confidence
        )
    )


def _exceptions(merged: MergedLicensing, ev: Evaluator, st: State) -> list[LicenseExceptionUse] | None:
    """The exceptions overcoming every requirement that applies, or None when some requirement is not overcome."""
    used: dict[str, LicenseExceptionUse] = {}
    for req, _ in st.required:
        overcome = False
        for exc, action in merged.exceptions.values():
            if req.id not in exc.overcomes:
                continue
            eligible = ev.evaluate(exc.eligible)
            scope = ev.evaluate(exc.scope)
            if eligible.value is False or scope.value is False:
                if eligible.value is True and scope.value is False:
                    _uncertified(exc, action.id, req.id, ev, st)
                    _located_out(exc, action.id, ev, st)
                continue
            excluded = [x for x in exc.exclusions if ev.evaluate(x.when).value is not False]
            if excluded:
                st.reasons.append(
                    _reason(
                        action.id,
                        exc.id,
                        exc.citation,
                        f"{exc.code} not available: {'; '.join(x.text for x in excluded)}",
                        exc.confidence,
                    )
                )
                continue
            if eligible.value is None or scope.value is None or exc.confidence == "UNCONFIRMED":
                missing = sorted(eligible.missing | scope.missing) or [f"the text of {exc.code} for this date"]
                st.reasons.append(
                    _reason(
                        action.id,
                        exc.id,
                        exc.citation,
                        f"{exc.code} may be available but cannot be confirmed (missing "
                        f"{', '.join(missing)}); a license is required unless it is. {exc.text}",
                        exc.confidence,
                    )
                )
                continue
            overcome = True
            st.reasons.append(
                _reason(action.id, exc.id, exc.citation, f"{exc.code} overcomes {req.id}. {exc.text}", exc.confidence)
            )
            use = used.get(exc.code) or LicenseExceptionUse(code=exc.code, conditions=[], citation=exc.citation)
            conditions = list(dict.fromkeys([*use.conditions, *exc.conditions]))
            used[exc.code] = LicenseExceptionUse(code=exc.code, conditions=conditions, citation=use.citation)
            break
        if not overcome:
            return None
    return list(used.values())


MAX_CASE_SPLIT = 3  # unknown group memberships split into cases (2**3 branches at most)


def _exceptions_by_case(merged: MergedLicensing, ev: Evaluator, st: State) -> list[LicenseExceptionUse] | None:
    """Three-valued logic through the exceptions: when no exception is certain only because a group membership is
    unknown (e.g. Cambodia in D:5 between the ITAR and EAR changes), decide each case of the unknown memberships. If
    every case gives an exception, the answer is those exceptions, each with the case it needs stated as a condition.
    The requirements are already known (True), and Kleene logic keeps a known value in every case."""
    unknowns = sorted(ev.unknown_members)
    if not unknowns or len(unknowns) > MAX_CASE_SPLIT:
        return None
    cases: list[tuple[str, list[LicenseExceptionUse], list[Reason]]] = []
    for values in itertools.product([True, False], repeat=len(unknowns)):
        assume = dict(zip(unknowns, values, strict=True))
        label = " and ".join(f"{c} {'in' if v else 'not in'} {g}" for (c, g), v in assume.items())
        branch = State(required=list(st.required))
        got = _exceptions(merged, Evaluator(ev.facts, ev.geo, assume), branch)
        if not got:
            return None
        cases.append((label, got, branch.reasons))
    used: dict[str, LicenseExceptionUse] = {}
    labels: dict[str, list[str]] = {}
    for label, got, reasons in cases:
        st.reasons.extend(r.model_copy(update={"detail": f"[case {label}] {r.detail}"}) for r in reasons)
        for use in got:
            labels.setdefault(use.code, []).append(label)
            prev = used.get(use.code)
            conditions = list(dict.fromkeys([*(prev.conditions if prev else []), *use.conditions]))
            used[use.code] = LicenseExceptionUse(code=use.code, conditions=conditions, citation=use.citation)
    out = []
    for code, use in used.items():
        if len(labels[code]) < len(cases):
            only = f"applies only if {' or '.join(labels[code])} (membership unknown on this date)"
            use = LicenseExceptionUse(code=code, conditions=[only, *use.conditions], citation=use.citation)
        out.append(use)
    unknown_text = ", ".join(f"{c} in {g}" for c, g in unknowns)
    st.reasons.append(
        Reason(
            rule="exceptions#case-split",
            citation="; ".join(dict.fromkeys(u.citation for u in out)),
            detail=f"unknown: {unknown_text}; every case gives a license exception: "
            + "; ".join(f"if {label}: {', '.join(u.code for u in got)}" for label, got, _ in cases),
            confidence=None,
        )
    )
    return out


def _events(merged: MergedLicensing, as_of: dt.date, st: State, not_enforced: frozenset[str] = frozenset()) -> None:
    applied = {r.id for r, _ in st.required}
    for event, action in merged.events:
        if event.date <= as_of and not_enforced & set(event.affects) and not applied & set(event.affects):
            st.reasons.append(
                _reason(
                    action.id,
                    f"event-{event.date}",
                    event.citation,
                    f"{event.date}: {event.text} (concerns the non-enforcement of {', '.join(sorted(not_enforced & set(event.affects)))})",
                    event.confidence,
                )
            )
        elif event.date <= as_of and applied & set(event.affects):
            lifted = "lifts" if event.lifts_requirement else "does not lift"
            st.reasons.append(
                _reason(
                    action.id,
                    f"event-{event.date}",
                    event.citation,
                    f"{event.date}: {event.text} ({lifted} the license requirement)",
                    event.confidence,
                )
            )


def _strictest(policies: list[ReviewPolicy | None]) -> ReviewPolicy | None:
    known = [p for p in policies if p is not None]
    return max(known, key=STRICTNESS.index) if known else None


def determine(
    line: OrderLine,
    as_of: dt.date | None = None,
    layer: Layer = "enforced",
    rules: RuleSet | None = None,
    catalog: Catalog | None = None,
    screener: Screener | None = None,
    geography: Geography | None = None,
    models: ModelCatalog | None = None,
    reviews: Reviews | None = None,
) -> Decision:
    """Decide one order line on ``as_of`` (default: its ship date, else today) in ``layer``. The item is a chip or
    system from the catalog, or an AI model (its weights, ECCN 4E091) from the model catalog. With ``reviews``
    (reviewers' calls on screening hits), a hit cleared as not a match is suppressed (and named in the reasons),
    a possible match confirmed as a match is treated as a match."""
    rules = rules or load_rules()
    cat = catalog or load_catalog()
    geo = geography or load_geography()
    validate(rules, geo)
    unknown = sorted(set(line.certifications) - certification_codes(rules))
    if unknown:
        known = ", ".join(sorted(certification_codes(rules))) or "none"
        raise InputError(f"certifications: unknown code {unknown[0]!r} (known: {known})", field="certifications")
    on = as_of or line.ship_date or dt.date.today()
    prep = prepare(line, on, layer, rules, cat, geo, models)
    check = screen(line, prep.merged, screener, on, reviews)
    return conclude(line, prep, check, geo)


@dataclass
class Prepared:
    """Everything a decision needs before restricted-party screening: the classification, the facts, the rules in
    force and the reasons found so far (rule-data notes, classification, license requirements). A compiled decision
    table (``chipclear.determination.compiled``) stores these per key; ``conclude`` finishes them."""

    on: dt.date
    layer: Layer
    rules_version: str
    cls: Classification | ModelClassification
    facts: Facts
    merged: MergedLicensing
    st: State
    memo: dict[tuple[object, ...], Any] | None = None  # the Evaluator's memo (compiled tables)
    # a model line: the license requirements for its weights in the codified text that this layer does not enforce
    # (their dated events are shown, as for a requirement that applies: ``_events``)
    not_enforced: frozenset[str] = frozenset()
    # every rule of the data asking for one of the line's certifications (``certified.sources``)
    asked_for: tuple[CertificationSource, ...] = ()


def classify_item(
    item: str, on: dt.date, layer: Layer, rules: RuleSet, cat: Catalog, models: ModelCatalog | None = None
) -> Classification | ModelClassification:
    """The classification ``prepare`` starts from: an AI model's (ECCN 4E091) or a catalog item's, on ``on``."""
    models = models or load_models()
    model = models.find(item)
    if model is not None:
        return classify_model(model, on, layer=layer, rules=rules, catalog=models)
    if cat.find(item) is None:
        # neither a chip nor a model: suggest the nearest names of both catalogs (a misspelled model named chips)
        near = sorted([*cat.suggest_scored(item), *models.suggest_scored(item)], key=lambda ns: -ns[1])
        raise UnknownItemError(item, list(dict.fromkeys(name for name, _ in near))[:3])
    return classify(cat.get(item), on, layer=layer, rules=rules, catalog=cat)


def prepare(
    line: OrderLine,
    on: dt.date,
    layer: Layer,
    rules: RuleSet,
    cat: Catalog,
    geo: Geography,
    models: ModelCatalog | None = None,
    cls: Classification | ModelClassification | None = None,
    merged: MergedLicensing | None = None,
    memo: dict[tuple[object, ...], Any] | None = None,
    labels: CodeLabels | None = None,
) -> Prepared:
    """The part of ``determine`` that does not depend on screening (inputs already validated). A compiled table
    passes the classification of the item and the licensing rules on ``on`` it already has, an evaluator memo and
    the placeholders its texts write the line's country codes as (``labels``)."""
    if cls is None:
        cls = classify_item(line.item, on, layer, rules, cat, models)
    facts = build_facts(line, on, geo, cls, cat, labels)
    merged = merged or licensing_at(rules, on, layer)
    ev = Evaluator(facts, geo, memo=memo)
    st = State()
    notes, carve_outs = dated_notes(rules, on, layer, memo)
    if isinstance(cls, ModelClassification):  # the note on 3A090/4A090 coverage concerns chips only
        notes = tuple(n for n in notes if n.rule != COVERAGE_NOTE)
    st.reasons.extend(notes)
    if on < rules.coverage_start:  # said in the notes (rules-data#before-coverage): any requirement may apply
        st.unknown = True
        st.need(f"the rules in force on {on} (chipclear's data starts {rules.coverage_start})")
    # Named carve-outs of the ECCN (e.g. Note 2 to 3A090) and the classification conclusion; the full trace is in
    # ``classification``.
    st.reasons.extend(r for r in cls.trace[:-1] if r.rule.split("#", 1)[-1] in carve_outs)
    # A figure the catalog marks low confidence (a spec sheet not found, an estimated die area) is flagged in the
    # decision's own reasons, not only in its classification trace: an NLR 1 % under a threshold on one published
    # precision must say what it rests on.
    st.reasons.extend(r for r in cls.trace[:-1] if r.confidence == "L" and r.rule.split("#", 1)[-1] not in carve_outs)
    st.reasons.extend(cls.trace[-1:])
    not_enforced = _not_enforced(rules, on, layer, cls, st)
    if facts.export_from is not None and facts.export_from != "US":
        st.reasons.append(_jurisdiction(facts.export_from))
    st.reasons.extend(owners_read(line))
    _requirements(merged, ev, on, st)
    not_enforced |= _deferred(on, layer, cls, rules, merged, memo, ev, st)
    _location_conflicts(line, merged, ev, st, memo)
    asked = certification_sources(rules, line.certifications)
    return Prepared(on, layer, rules.version, cls, facts, merged, st, memo, not_enforced, asked)


def _not_enforced(
    rules: RuleSet, on: dt.date, layer: Layer, cls: Classification | ModelClassification, st: State
) -> frozenset[str]:
    """Weights the codified text classifies 4E091 (or could) in a layer that does not enforce its license
    requirement: a reason per such requirement, citing the enforcement period (and weakened to the confidence of the
    dated events since that put the non-enforcement in doubt, e.g. the GAO decision of 2026-05-12, M), so that the
    requirement and its events show on the line and its timeline (docs/models.md)."""
    if layer == "codified" or not isinstance(cls, ModelClassification) or cls.codified_text is None:
        return frozenset()
    sections = rules.in_force(on, "model_classification", "codified")
    if not sections:
        return frozenset()
    eccn = sections[-1].model_classification.eccn  # type: ignore[union-attr]
    enforced = {r.id for a in rules.in_force(on, "licensing", layer) for r in a.licensing.requirements}  # type: ignore[union-attr]
    events = [(e, a) for a in rules.in_force(on, "licensing", layer) for e in a.licensing.events if e.date <= on]  # type: ignore[union-attr]
    found: set[str] = set()
    for action in rules.in_force(on, "licensing", "codified"):
        assert action.licensing is not None
        for req in action.licensing.requirements:
            if req.id in enforced or not any(eccn == w or eccn.startswith(w + ".") for w in req.when.eccn_in or []):
                continue
            period = next((p for p in reversed(action.enforcement) if p.covers(on) and not p.enforced), None)
            if period is None:
                continue
            doubts = [e for e, _ in events if req.id in e.affects and e.date >= period.start]
            confidence = weakest([period.confidence, *(e.confidence for e in doubts)])
            st.reasons.append(
                _reason(
                    action.id,
                    req.id,
                    period.citation,
                    f"{req.id} (the license requirement for {eccn}) is in the codified text but not enforced on {on}"
                    f" ({layer} layer): {period.note.rstrip('.')}"
                    + (
                        f"; marked {confidence} as the dated events since {period.start} are (listed below)"
                        if confidence != period.confidence
                        else ""
                    ),
                    confidence,
                )
            )
            found.add(req.id)
    return frozenset(found)


def deferred_requirements(
    rules: RuleSet,
    on: dt.date,
    layer: Layer,
    merged: MergedLicensing,
    memo: dict[tuple[object, ...], Any] | None = None,
) -> list[tuple[LicenseRequirement, RuleAction, list[EnforcementPeriod]]]:
    """The codified text's license requirements in force on ``on`` that ``layer`` (whose licensing is ``merged``)
    does not enforce because of an enforcement period, each with its action and the periods covering the day
    (a compiled table keys its periods on them too)."""
    if layer == "codified":
        return []
    if not any(not p.enforced and p.covers(on) for a in rules.actions if a.licensing for p in a.enforcement):
        return []
    key = ("codified-licensing", id(rules), on)
    codified = memo.get(key) if memo is not None else None
    if codified is None:
        codified = licensing_at(rules, on, "codified")
        if memo is not None:
            memo[key] = codified
    found = []
    for req, action in codified.requirements.values():
        if req.id in merged.requirements or (req.since and on < req.since) or (req.until and on >= req.until):
            continue
        periods = [p for p in action.enforcement if p.covers(on) and not p.enforced and (not p.ids or req.id in p.ids)]
        if periods:
            found.append((req, action, periods))
    return found


def _deferred(
    on: dt.date,
    layer: Layer,
    cls: Classification | ModelClassification,
    rules: RuleSet,
    merged: MergedLicensing,
    memo: dict[tuple[object, ...], Any] | None,
    ev: Evaluator,
    st: State,
) -> frozenset[str]:
    """A chip line no enforced requirement catches, that a requirement of the codified text would catch on ``on``
    but for an enforcement period (``deferred``: a compliance date later than the effective date, BIS's
    non-enforcement of the diffusion rule): the step that decides its NLR. A reason names the codified requirement
    and one per enforcement period covering the day cites why it is not enforced (weakened to the confidence of the
    dated events since that put it in doubt, e.g. the GAO decision of 2026-05-12, M), so the timeline shows each
    period's dates; the requirement's events follow (``_events``). Nothing is required of the line: this says why
    not (an audit, 2026-12-07: an H100 to Brazil in 2025, or an HBM stack to China in December 2024, was NLR citing
    nothing)."""
    if not isinstance(cls, Classification) or st.required or st.prohibited:
        return frozenset()
    # worked out only here: a line a requirement already catches does not pay for the codified text's merge
    deferred = deferred_requirements(rules, on, layer, merged, memo)
    if not deferred:
        return frozenset()
    found: set[str] = set()
    for req, action, periods in deferred:
        out = ev.evaluate(req.when)
        if out.value is False:
            continue
        facts = "; ".join(dict.fromkeys(out.details))
        would = (
            f"would apply ({facts})"
            if out.value
            else f"may apply (cannot decide: missing {', '.join(sorted(out.missing))})"
        )
        st.reasons.append(
            _reason(
                action.id,
                req.id,
                req.citation,
                f"{req.id} is in the codified text (from {action.effective}) and {would}, but is not enforced on"
                f" {on} ({layer} layer), as the reasons below say. {req.text}",
                req.confidence,
            )
        )
        for period in periods:
            doubts = [e for e, _ in merged.events if req.id in e.affects and period.start <= e.date <= on]
            confidence = weakest([period.confidence, *(e.confidence for e in doubts)])
            span = f"from {period.start}" + (f" until {period.end} (exclusive)" if period.end else "")
            reason = _reason(
                action.id,
                f"not-enforced-{period.start}",
                period.citation,
                f"not enforced {span}: {period.note.rstrip('.')}"
                + (
                    f"; marked {confidence} as the dated events since {period.start} are (listed below)"
                    if confidence != period.confidence
                    else ""
                ),
                confidence,
            )
            if reason not in st.reasons:
                st.reasons.append(reason)
        found.add(req.id)
    st.deferred = tuple(sorted(found))
    return frozenset(found)


def _jurisdiction(export_from: str) -> Reason:
    """What a line exported from outside the United States rests on: chipclear treats every item as subject to the
    EAR (docs/rules/restricted-parties.md, "Limits"); whether an item made and shipped abroad is, is not determined
    (a facts audit, 2026-12-07: such lines were decided with no word of it)."""
    cited = engine_citation("subject-to-ear")
    return Reason(
        rule="jurisdiction#subject-to-ear",
        citation=cited.citation,
        detail=f"exported from {export_from}: the item is treated as subject to the EAR; whether an item made and"
        " shipped outside the United States is (US origin, US content over the de minimis level, or a foreign direct"
        " product under 734.9, such as the Entity List footnote 1, 4 and 5 rules or the advanced-computing rule of"
        " 734.9(h)) is not determined here: a verdict below rests on it",
        confidence=cited.confidence,
    )


def conclude_state(
    line: OrderLine, prep: Prepared, geo: Geography
) -> tuple[Verdict, ReviewPolicy | None, list[LicenseExceptionUse]]:
    """After the party findings (if any) are in ``prep.st``: military end use, the verdict and the dated events."""
    st = prep.st
    _military(line, st)
    # An indeterminate classification holds the line only where a requirement depends on it (three-valued above).
    ev = Evaluator(prep.facts, geo, memo=prep.memo)
    verdict, review, exceptions = _verdict(prep.merged, ev, st)
    _events(prep.merged, prep.on, st, prep.not_enforced)
    if prep.facts.certifications:
        read = Read(tuple(r for r, _ in st.required), st.prohibited, st.unknown, st.overcome_by, verdict)
        st.reasons.extend(
            certification_reasons(prep.facts.certifications, prep.asked_for, prep.merged, ev, read, prep.on, prep.layer)
        )
    return verdict, review, exceptions


def conclude(line: OrderLine, prep: Prepared, check: PartyCheck | None, geo: Geography) -> Decision:
    """Finish a prepared determination with the screening result ``check`` (``screen``); mutates ``prep``."""
    apply_parties(check, prep.st)
    verdict, review, exceptions = conclude_state(line, prep, geo)
    return decision_of(
        line,
        prep.on,
        prep.layer,
        prep.rules_version,
        prep.cls.item,
        (verdict, review, exceptions),
        check,
        prep.cls.to_json(),
        prep.st.reasons,
        prep.st.missing,
    )


def unscreened(
    outcome: tuple[Verdict, ReviewPolicy | None, list[LicenseExceptionUse]],
    missing: list[str],
    check: PartyCheck | None,
) -> tuple[tuple[Verdict, ReviewPolicy | None, list[LicenseExceptionUse]], list[str]]:
    """The outcome of a line whose parties were not screened (``UNSCREENED``: a batch run with screening off): each
    party's screening is missing, and what it could change is held, as the verdict ordering holds an open question
    (``_verdict``): NLR and a license exception become HOLD; a license requirement, a prohibition or a HOLD stands.
    Other lines are returned as they are. (A door audit, 2026-12-07: such a line came out NLR, its reason saying
    the party had been screened with no hits.)"""
    if check is None or check.list_version != UNSCREENED or not check.screened_names:
        return outcome, missing
    need = [
        f"restricted-party screening of {name} (this run did not screen its parties)" for name in check.screened_names
    ]
    missing = list(dict.fromkeys([*missing, *need]))
    if outcome[0] in (Verdict.NLR, Verdict.LICENSE_EXCEPTION):
        return (Verdict.HOLD, None, []), missing
    return outcome, missing


def kept_missing(verdict: Verdict, missing: list[str]) -> list[str]:
    """What a decision lists as missing: the open questions of a HOLD or a LICENSE_REQUIRED (none otherwise)."""
    return missing if verdict in (Verdict.HOLD, Verdict.LICENSE_REQUIRED) else []


def decision_of(
    line: OrderLine,
    on: dt.date,
    layer: Layer,
    rules_version: str,
    item: Any,
    outcome: tuple[Verdict, ReviewPolicy | None, list[LicenseExceptionUse]],
    check: PartyCheck | None,
    classification: dict[str, Any],
    reasons: list[Reason],
    missing: list[str],
) -> Decision:
    """The Decision: ``reasons`` plus the line's import duty; ``missing`` kept only for HOLD and LICENSE_REQUIRED."""
    outcome, missing = unscreened(outcome, missing, check)
    verdict, review, exceptions = outcome
    duty_json, duty_reasons = import_duty(line, item, on)
    return Decision(
        verdict=verdict,
        review_policy=review,
        license_exceptions=exceptions,
        classification=classification,
        reasons=[*reasons, *duty_reasons],
        missing=kept_missing(verdict, missing),
        screening=check.hits if check else [],
        rules_version=rules_version,
        list_version=check.list_version if check else None,
        as_of=on,
        layer=layer,
        input=line.model_dump(mode="json"),
        decided_at=dt.datetime.now(dt.UTC),
        duty=duty_json,
    )


def dated_notes(
    rules: RuleSet, on: dt.date, layer: Layer, memo: dict[tuple[object, ...], Any] | None = None
) -> tuple[tuple[Reason, ...], frozenset[str]]:
    """(the reasons that say what the rule data covers on ``on``, the named carve-outs of the ECCN on ``on``).
    They depend only on the rules and the date, so a compiled table's ``memo`` keeps them per (rules, date, layer)."""
    key = ("dated", id(rules), on, layer)
    found = memo.get(key) if memo is not None else None
    if found is None:
        found = _dated_notes(rules, on, layer)
        if memo is not None:
            memo[key] = found
    return found


def _dated_notes(rules: RuleSet, on: dt.date, layer: Layer) -> tuple[tuple[Reason, ...], frozenset[str]]:
    st = State()
    if on > rules.data_date:
        st.reasons.append(
            Reason(
                rule="rules-data",
                citation=rules.version,
                detail=f"rules as known on {rules.data_date}: {on} is after the newest rule data",
                confidence=None,
            )
        )
    _coverage_note(rules, on, st)
    if on < rules.coverage_start:
        # Before the data's baseline (the embargoes, the lists and the country groups as of 2019-01-01) chipclear
        # holds no rules: an embargoed destination would come out NLR. Held, at every door.
        st.reasons.append(
            Reason(
                rule="rules-data#before-coverage",
                citation=rules.version,
                detail=f"{on} is before the start of chipclear's rule and country-group data ({rules.coverage_start}):"
                " the embargoes, restricted-party rules and country groups in force then are not in the data, so no"
                " answer can rest on them",
                confidence=None,
            )
        )
    merged = rules.classification_at(on, layer)  # carve-outs and caveats: said in the decision's own reasons
    # 4E091's notes are the carve-outs of model weights (published, derived, capability): an audit of 4E091 (D9)
    # found its classification's cited steps missing from the decision's reasons
    sections = [a.model_classification for a in rules.in_force(on, "model_classification", layer)]
    weights = [n for sec in sections if sec is not None for n in sec.carve_outs()]
    return tuple(st.reasons), frozenset([*merged.exclusions, *merged.caveats, *weights])


def _coverage_note(rules: RuleSet, on: dt.date, st: State) -> None:
    """Before the first ECCN 3A090/4A090 action, say what the rule data covers, so an early NLR is never silent."""
    first = min((a for a in rules.actions if a.classification is not None), key=lambda a: a.effective, default=None)
    if first is None or on >= first.effective:
        return
    with_licensing = [a for a in rules.actions if a.licensing is not None and a.licensing.requirements]
    earliest = min((a.effective for a in with_licensing), default=first.effective)
    before = [a for a in with_licensing if a.effective <= on]
    st.reasons.append(
        Reason(
            rule=COVERAGE_NOTE,
            citation=rules.version,
            detail=f"{on} is before the first ECCN 3A090/4A090 action in the rule data ({first.effective}, "
            f"{first.citation}); for that date the data covers only {len(before)} earlier action(s) (the earliest "
            f"from {earliest}: embargoes and special controls, restricted parties); other ECCNs (3A991, 4A994, "
            "5A992 ...) and their license requirements are not assessed",
            confidence=None,
        )
    )


def screen(
    line: OrderLine,
    merged: MergedLicensing,
    screener: Screener | None,
    on: dt.date,
    reviews: Reviews | None = None,
) -> PartyCheck | None:
    """Screen every party (and owners under the affiliates rule); None for a line without parties."""
    if not line.parties:
        return None
    if screener is None:
        from chipclear.screening import default_screener

        screener = default_screener()
    return check_parties(line.parties, merged, screener, on, reviews)


def _list_date_caveat(check: PartyCheck) -> str:
    """What the lists' date leaves out: listings published after it, and entries removed from a list before it (the
    lists hold no removed entry; entries added after the decision date are set aside). The same words whatever the
    decision date, so every day a compiled row or a batch epoch stands for reads alike."""
    if not check.list_date:
        return ""
    listed = check.list_date
    return (
        f"; the lists are dated {listed}: a listing published after {listed} is not in them, nor an entry removed"
        f" from a list before {listed}"
    )


def apply_parties(check: PartyCheck | None, st: State) -> None:
    """Each screening finding becomes a reason and an outcome (a check without findings adds reasons only)."""
    if check is None:
        return
    if check.list_version == UNSCREENED:
        # Not screened (a batch run with screening off): say so; ``decision_of`` holds the line (``unscreened``).
        st.reasons.append(
            Reason(
                rule=UNSCREENED_RULE,
                citation="restricted-party lists (not consulted)",
                detail=f"not screened: {', '.join(check.screened_names)}: this run was told not to screen its parties"
                " (--no-screening), so whether a party is on a restricted list is unknown; the line holds until they"
                " are screened (a license requirement that holds whatever they are stands)",
                confidence=None,
            )
        )
    elif check.list_version is not None:
        # Say what was screened, so a clean result is never silent; a stale list is flagged. The list version and
        # date are in the decision's ``list_version``.
        stale = " [STALE LISTS: older than the configured age; see list_version]" if check.stale_reason else ""
        st.reasons.append(
            Reason(
                rule="screening#lists",
                citation="restricted-party lists (version in list_version)",
                detail=f"screened {', '.join(check.screened_names)}: {len(check.hits)} hit(s) at or above the"
                f" review threshold{stale}{_list_date_caveat(check)}",
                confidence=None,
            )
        )
        if check.stale_reason:
            st.reasons.append(
                Reason(
                    rule=STALE_LISTS_RULE,
                    citation="restricted-party lists (version in list_version)",
                    detail=f"the lists are stale ({check.stale_reason}); update them with `chipclear lists update`",
                    confidence=None,
                )
            )
    for text in check.suppressed:
        st.reasons.append(
            Reason(rule="screening#review", citation="screening review (ledger)", detail=text, confidence=None)
        )
    for later in check.not_yet_listed:
        # Lists as they stood on the decision date: an entry added after it does not apply (its listing action
        # and date come from the list's own Federal Register citations, chipclear.screening.listing).
        st.reasons.append(
            Reason(rule="screening#listing-date", citation="restricted-party lists", detail=later, confidence=None)
        )
    for finding in check.findings:
        flag = " [LOW CONFIDENCE]" if finding.confidence == "L" else ""
        st.reasons.append(
            Reason(
                rule=finding.rule,
                citation=finding.citation,
                detail=finding.detail + flag,
                confidence=finding.confidence,
            )
        )
        if finding.outcome == "PROHIBITED":
            st.prohibited = True
        elif finding.outcome == "HOLD":
            st.hold = True
            st.need(finding.missing or finding.detail)
        else:
            st.policies.append(finding.policy)
            if finding.missing:  # e.g. what the entry's review policy on the date depends on (entity_history)
                st.need(finding.missing)
            listed = LicenseRequirement(
                id=f"party:{finding.rule}",
                kind="party",
                text=finding.detail,
                citation=finding.citation,
                confidence=finding.confidence,
                when=Condition(),
                policy=finding.policy.value if finding.policy else "UNCONFIRMED",
            )
            st.required.append((listed, finding.rule))


def _military(line: OrderLine, st: State) -> None:
    if line.end_use.military and not st.prohibited:
        st.hold = True
        st.need("military end use/user review (744.21/744.22 are not modelled)")
        st.reasons.append(
            Reason(
                rule="end-use#military",
                citation=engine_citation("military-end-use").citation,
                detail="military end use or user flagged: chipclear does not model 744.21/744.22",
                confidence=engine_citation("military-end-use").confidence,
            )
        )


def _verdict(
    merged: MergedLicensing, ev: Evaluator, st: State
) -> tuple[Verdict, ReviewPolicy | None, list[LicenseExceptionUse]]:
    """Order of outcomes (docs/determination.md, "Verdict ordering"): what is known stands.

    1. a prohibition that applies -> PROHIBITED;
    2. a license requirement that applies and that no license exception overcomes -> LICENSE_REQUIRED, whatever
       the open questions (they can only add requirements or a prohibition) are; they stay in ``missing``;
    3. open questions left (a possible match, an unknown fact, a review) -> HOLD: they could change the outcome
       (e.g. an exception overcoming every known requirement may not overcome one the unknowns would add);
    4. requirements all overcome -> LICENSE_EXCEPTION; none -> NLR.
    """
    if st.prohibited:
        return Verdict.PROHIBITED, _strictest(st.policies), []  # only a policy the data states
    open_questions = st.hold or st.unknown
    exceptions = _exceptions(merged, ev, st) if st.required else None
    if exceptions is None and st.required and not st.unknown:
        exceptions = _exceptions_by_case(merged, ev, st)
    st.overcome_by = tuple(u.code for u in exceptions or ())
    if st.required and not exceptions:
        policies = list(st.policies)
        for req, _ in st.required:
            if not req.id.startswith("party:"):
                policies.append(_policy_for(req, merged, ev, st))
        if open_questions:
            st.reasons.append(
                Reason(
                    rule="verdict#known-requirement",
                    citation="docs/determination.md (verdict ordering)",
                    detail="a license is required whatever the open questions turn out to be; they are listed in"
                    " missing and must be answered before the line ships, even under a license",
                    confidence=None,
                )
            )
        return Verdict.LICENSE_REQUIRED, _strictest(policies), []
    if open_questions:
        return Verdict.HOLD, None, []
    if exceptions:
        return Verdict.LICENSE_EXCEPTION, None, exceptions
    st.reasons.append(
        Reason(
            rule="nlr",
            citation=engine_citation("nlr").citation,
            detail="no license requirement in force applies to this line"
            + (
                f" ({', '.join(st.deferred)} of the codified text would, but is not enforced on this date: reasons above)"
                if st.deferred
                else ""
            ),
            confidence=engine_citation("nlr").confidence,
        )
    )
    return Verdict.NLR, None, []


__all__ = [
    "STALE_LISTS_RULE",
    "UNSCREENED",
    "UNSCREENED_RULE",
    "Prepared",
    "State",
    "apply_parties",
    "build_facts",
    "classify_item",
    "conclude",
    "conclude_state",
    "dated_notes",
    "decision_of",
    "deferred_requirements",
    "determine",
    "kept_missing",
    "prepare",
    "screen",
    "unscreened",
]
