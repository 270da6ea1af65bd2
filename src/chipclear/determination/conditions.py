"""Facts about an order line and the three-valued evaluation of rule conditions against them.

Every test answers True, False or None (unknown); None names the missing fact, so a decision that depends on it can
be held. Kleene logic: AND is False if any part is False, OR is True if any part is True.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import NamedTuple

from chipclear.geography import Geography, MembershipAnswer
from chipclear.logic import Tri, t_and, t_not, t_or
from chipclear.rules.licensing_schema import Condition, DestinationSet, FractionSum, MetricTest

SYMBOL = {"ge": ">=", "gt": ">", "le": "<=", "lt": "<", "eq": "=="}


@dataclass(frozen=True)
class OwnersGroup:
    """A party's direct owners when no parent is given and none alone controls it: owners on the side that would
    change the answer (headquartered where a rule looks, or of unknown headquarters) that together hold ``control``
    percent or more leave the ultimate parent unknown (``engine._party_hq``, engine-citations ``owner-as-parent``)."""

    of: str  # the party's name
    owners: tuple[tuple[str, float | None, str | None], ...]  # (name, share or None = unknown, headquarters or None)
    control: float


@dataclass(frozen=True)
class PartyHQ:
    """One party and the headquarters that the headquartered rule looks at (its own and its ultimate parent's)."""

    label: str
    headquarters: tuple[tuple[str, str | None], ...]  # (whose, country or None = unknown)
    owners: OwnersGroup | None = None  # no parent given and no controlling owner: the owners read together
    role: str = "end_user"


class CodeLabels(NamedTuple):
    """How a compiled decision table has the evaluator write the country codes of a line in its texts: the
    destination's, and each party's headquarters (``Facts.parties`` order, own then ultimate parent's). A placeholder
    here is replaced by the code afterwards, so one row serves every country the rules cannot tell apart
    (``chipclear.determination.compiled``); without labels each code is written as itself."""

    destination: str | None  # None: written as itself
    hq: tuple[tuple[str | None, ...], ...]
    located: tuple[str | None, ...] = ()  # each of ``Facts.locations``' countries, in order (None: as itself)


@dataclass(frozen=True)
class Facts:
    as_of: dt.date
    destination: str  # as given (ISO alpha-2 or a listed ISO 3166-2 region)
    item_ids: frozenset[str]  # the item and, for a system, its component parts
    eccn: str | None
    status: str  # controlled | not_controlled | indeterminate
    candidates: tuple[str, ...]
    classification_missing: tuple[str, ...]
    datacenter: bool | None
    metrics: dict[str, float | bool | None]
    parties: tuple[PartyHQ, ...]
    end_use: frozenset[str]
    export_from: str | None
    certifications: frozenset[str]
    system: bool = False  # a computer or assembly: per-IC metrics are those of its most capable contained IC
    labels: CodeLabels | None = None  # the codes as written in texts (a compiled table's placeholders)
    # the other readings of the TPP where the catalog leaves a precision's bit length open (TF32: 19 or 32 bits;
    # ``metrics.tpp_candidates``): a TPP test that they answer otherwise is unknown, as it is for the ECCN
    tpp_alternatives: tuple[float, ...] = ()
    # AI model weights: an indeterminate model is one of its candidates (4E091) or not controlled, nothing else
    model: bool = False
    vendors: frozenset[str] = frozenset()  # the item's vendor and its contained ICs', lower case
    # a system's metrics summed over all its ICs (the whole-system reading); ``metrics`` holds the per-IC reading
    system_totals: dict[str, float | None] = field(default_factory=dict)
    # precisions the part supports whose rate is not published: its TPP (and density) is then a lower bound
    unpublished_precisions: tuple[str, ...] = ()
    # parties the headquartered rule does not look at (intermediate consignees): an exception's scope that every
    # party must meet (``all_headquartered_in``, AIA) reads them too
    other_parties: tuple[PartyHQ, ...] = ()
    # (who, country) of each recipient (end user, ultimate consignee, intermediate consignee) located somewhere other
    # than the destination; a recipient located in the destination is the destination's test
    locations: tuple[tuple[str, str], ...] = ()


@dataclass
class Outcome:
    value: Tri
    details: list[str] = field(default_factory=list)
    missing: set[str] = field(default_factory=set)


Membership = tuple[str, str]  # (country or region code, country group)


def _compare(op: str, left: float | bool, right: float | bool) -> bool:
    if op == "eq":
        return left == right
    lf, rf = float(left), float(right)
    return {"ge": lf >= rf, "gt": lf > rf, "le": lf <= rf, "lt": lf < rf}[op]


# the CCL product groups (an ECCN's second character) each kind of item can have: commodities, or technology
_PRODUCT_GROUPS = {False: frozenset("ABC"), True: frozenset("E")}


class Evaluator:
    """Evaluates conditions on the facts. ``assume`` fixes group memberships that the geography data leaves unknown
    (one branch of a case split); every unknown membership met is recorded in ``unknown_members``."""

    def __init__(
        self,
        facts: Facts,
        geo: Geography,
        assume: dict[Membership, bool] | None = None,
        memo: dict[tuple[object, ...], tuple[Outcome, set[Membership]]] | None = None,
    ) -> None:
        self.facts = facts
        self.geo = geo
        self.assume = assume or {}
        self.unknown_members: set[Membership] = set()
        # ``memo``: answers of ``country_in`` shared by evaluators over the same geography and rules (a compiled
        # decision table); it is a pure function of (code, set, date, wording), so replaying it is exact.
        self.memo = memo if not self.assume else None

    # -- destinations -----------------------------------------------------------------------------------------
    def country_in(self, code: str, dset: DestinationSet, out: Outcome, what: str, shown: str | None = None) -> Tri:
        """Is ``code`` in ``dset`` on the facts' date; ``shown``: how the texts write the code (default: itself)."""
        if self.memo is None:
            return self._country_in(code, dset, out, what, shown)
        key = (code, id(dset), self.facts.as_of, what, shown)
        found = self.memo.get(key)
        if found is None:
            alone = Evaluator(self.facts, self.geo)
            part = Outcome(None)
            part.value = alone._country_in(code, dset, part, what, shown)
            found = self.memo[key] = (part, alone.unknown_members)
        part, unknown = found
        out.details.extend(part.details)
        out.missing |= part.missing
        self.unknown_members |= unknown
        return part.value

    def located_shown(self, k: int) -> str | None:
        """How the texts write the country of the ``k``-th of ``Facts.locations`` (None: as itself)."""
        labels = self.facts.labels
        return labels.located[k] if labels is not None and k < len(labels.located) else None

    def answer(self, code: str, dset: DestinationSet, shown: str) -> tuple[Tri, tuple[str, ...], tuple[str, ...], bool]:
        """What ``country_in`` answers and writes for ``code`` written as ``shown``: the value, the details, what is
        missing, and whether a group membership was unknown (a compiled table compares countries by this)."""
        alone = Evaluator(self.facts, self.geo)
        part = Outcome(None)
        part.value = alone._country_in(code, dset, part, "", shown)
        return part.value, tuple(part.details), tuple(sorted(part.missing)), bool(alone.unknown_members)

    def _country_in(self, code: str, dset: DestinationSet, out: Outcome, what: str, shown: str | None = None) -> Tri:
        on = self.facts.as_of
        subject = shown or code
        resolved, note = self.geo.resolve(code, on)
        if note:
            out.details.append(note)
        names = {code, resolved, self.geo.country_of(code)}
        evidence: list[str] = []

        def describe(answer: MembershipAnswer) -> str:  # the answer's text, its country (if the code) as shown
            text = answer.describe()
            return subject + text[len(code) :] if answer.country == code else text

        def membership(groups: list[str], countries: list[str]) -> Tri:
            values: list[Tri] = [bool(names & set(countries))]
            for group in groups:
                answer = self.geo.member(code, group, on)
                if answer.value is None and (code, group) in self.assume:
                    assumed = self.assume[(code, group)]
                    values.append(assumed)
                    evidence.append(
                        f"{subject} {'in' if assumed else 'not in'} {group} (assumed: unknown on this date)"
                    )
                    continue
                values.append(answer.value)
                if answer.value is None:
                    self.unknown_members.add((code, group))
                    out.missing.add(f"{what}: {describe(answer)} [{answer.citation}]")
                elif answer.value or answer.note:
                    evidence.append(f"{describe(answer)} [{answer.confidence}]")
            return t_or(values)

        inside = True if dset.worldwide else membership(dset.groups, dset.countries)
        excluded = membership(dset.except_groups, dset.except_countries)
        result = t_and([inside, t_not(excluded)])
        word = {True: "in", False: "not in", None: "unknown whether in"}[result]
        because = f" ({'; '.join(evidence)})" if evidence else ""
        out.details.append(f"{what} {subject}: {word} {dset.label()}{because}")
        return result

    # -- parties ----------------------------------------------------------------------------------------------
    def hq_values(self, dset: DestinationSet, out: Outcome, every: bool = False) -> list[Tri]:
        """Per party: is it (or its ultimate parent) headquartered in ``dset``? With ``every``: are it and its
        ultimate parent both headquartered there (740.27(a): not if "the entity is headquartered outside of, or has
        an ultimate parent company headquartered outside of" the destinations)."""
        if not self.facts.parties:
            out.missing.add("end user (or ultimate consignee) and its headquarters country")
            return [None]
        per_party: list[Tri] = []
        labels = self.facts.labels
        parties = self.facts.parties + (self.facts.other_parties if every else ())
        for i, party in enumerate(parties):
            values: list[Tri] = []
            for j, (whose, country) in enumerate(party.headquarters):
                if country is None:
                    out.missing.add(f"headquarters country of {whose}")
                    values.append(None)
                else:
                    shown = labels.hq[i][j] if labels is not None and i < len(labels.hq) else None
                    values.append(self.country_in(country, dset, out, f"headquarters of {whose}", shown))
            if party.owners is not None:
                values.append(self._owners_in(party.owners, dset, out, every))
            per_party.append(t_and(values) if every else t_or(values))
        return per_party

    def _owners_in(self, group: OwnersGroup, dset: DestinationSet, out: Outcome, every: bool) -> Tri:
        """Is the ultimate parent of ``group.of`` (no parent given, no owner alone controlling it) headquartered in
        ``dset``? Unknown when the owners on the side that would change the answer (in ``dset``, or with
        ``every`` outside it, or of unknown headquarters; an unknown share counted whole) together hold
        ``group.control`` percent or more: they may control it together. Otherwise they do not change the answer
        (False, or True with ``every``)."""
        weight = 0.0
        named: list[str] = []
        for name, share, country in group.owners:
            inside = None if country is None else self.country_in(country, dset, out, f"headquarters of {name}")
            if inside is every:  # this owner cannot change the answer
                continue
            weight += 100.0 if share is None else share
            named.append(f"{name} ({'?' if share is None else f'{share:g}'} %, {country or 'headquarters unknown'})")
        if weight < group.control:
            return every
        side = "outside" if every else "in"
        what = f"headquarters country of the ultimate parent of {group.of}"
        out.details.append(
            f"{group.of}: no parent given; owners {side} {dset.label()} or of unknown headquarters hold"
            f" {min(weight, 100.0):g} % together ({'; '.join(named)}), none more than {group.control:g} % alone: the"
            " ultimate parent is not known"
        )
        out.missing.add(f"{what} (owners {side} {dset.label()} hold {group.control:g} % or more together)")
        return None

    # -- the condition ----------------------------------------------------------------------------------------
    def eccn_matches(self, wanted: list[str], out: Outcome) -> Tri:
        def hit(eccn: str) -> bool:
            return any(eccn == w or eccn.startswith(w + ".") for w in wanted)

        f = self.facts
        if f.status == "controlled" and f.eccn:
            return hit(f.eccn)
        if f.status == "not_controlled":
            return False
        # Indeterminate: the candidates name the ECCNs it could be, but "not controlled" may be possible too. A
        # model's candidates are all it can be, so a condition none of them meets (a chip ECCN) is not met.
        if f.model and f.candidates and not any(hit(c) for c in f.candidates):
            return False
        # Whatever is undecided, an item is never of another product group: a chip or a system is a commodity (an
        # ECCN's second character A, B or C), the weights of a model are technology (E), so a chip is never asked
        # whether it is 4E091 and a model never whether it is 3A090.
        if not any(w[1:2].upper() in _PRODUCT_GROUPS[f.model] for w in wanted):
            return False
        out.missing.add("classification (" + (", ".join(f.classification_missing) or "indeterminate") + ")")
        return None

    def metric(self, test: MetricTest, out: Outcome, per_ic: bool = False) -> Tri:
        value = self.facts.metrics.get(test.metric)
        if value is None:
            out.missing.add(f"metric {test.metric}")
            return None
        left, right = value, test.value
        result = _compare(test.op, left, right)
        if test.metric == "tpp" and self.facts.tpp_alternatives:
            readings = [left, *self.facts.tpp_alternatives]
            if len({_compare(test.op, r, right) for r in readings}) > 1:
                shown = " or ".join(f"{r:,.6g}" for r in readings)
                out.details.append(
                    f"tpp {shown} (TF32 read as 32 or 19 bits) {SYMBOL[test.op]} {right:,.6g}: unknown, the readings"
                    " disagree"
                )
                out.missing.add("bit length of TF32 operations (19 or 32)")
                return None
        bound = self.facts.unpublished_precisions
        if bound and test.metric in ("tpp", "performance_density") and (test.op in ("ge", "gt")) != result:
            out.details.append(
                f"{test.metric} {left:,.6g} {SYMBOL[test.op]} {right:,.6g}: undecided, a lower bound ({', '.join(bound)}"
                " not published)"
            )
            out.missing.add(f"dense_throughput {', '.join(bound)} (not published: TPP is a lower bound)")
            return None
        if self.facts.system and not per_ic and test.metric in self.facts.system_totals:
            return self._system_metric(test, left, result, out)
        out.details.append(f"{test.metric} {left:,.6g} {SYMBOL[test.op]} {right:,.6g}: {'yes' if result else 'no'}")
        if self.facts.system:
            out.details.append(f"{test.metric} of a system read per contained IC (its most capable)")
        return result

    def _system_metric(self, test: MetricTest, per_ic: float | bool, result: bool, out: Outcome) -> Tri:
        """A system's figure read two ways: per IC (its most capable contained IC, as the 3A090 Technical Note
        defines TPP per integrated circuit) and for the system as a whole (summed over its ICs). The rules' texts do
        not say which a test on a system means, so only an answer both readings give is decided."""
        whole = self.facts.system_totals[test.metric]
        shown = f"{test.metric} {SYMBOL[test.op]} {test.value:,.6g}"
        if whole is None:
            out.missing.add(f"{test.metric} of the system as a whole")
            out.details.append(f"{shown}: per IC {per_ic:,.6g}, whole system unknown: unknown")
            return None
        if _compare(test.op, whole, test.value) != result:
            out.details.append(
                f"{shown}: per IC {per_ic:,.6g} {'yes' if result else 'no'}, whole system {whole:,.6g}"
                f" {'no' if result else 'yes'}: UNCERTAIN, the rule's text does not say how the test applies to a"
                " system"
            )
            out.missing.add(f"how the {test.metric} test applies to a system (per IC or the system as a whole)")
            return None
        out.details.append(
            f"{shown}: {'yes' if result else 'no'} (per IC {per_ic:,.6g}, whole system {whole:,.6g}: both readings)"
        )
        return result

    def fraction_sum(self, test: FractionSum, out: Outcome) -> Tri:
        parts: list[str] = []
        total = 0.0
        for metric, scale in test.of.items():
            value = self.facts.metrics.get(metric)
            if value is None or isinstance(value, bool):
                out.missing.add(f"metric {metric}")
                return None
            total += float(value) / scale
            parts.append(f"{metric} {value:,.6g} / {scale:,.6g}")
        result = _compare(test.op, total, test.value)
        out.details.append(
            f"{' + '.join(parts)} = {total:,.4g} {SYMBOL[test.op]} {test.value:,.6g}: {'yes' if result else 'no'}"
            f" ({test.reference})"
        )
        return result

    def evaluate(self, cond: Condition) -> Outcome:
        out = Outcome(None)
        out.value = self._eval(cond, out)
        return out

    def _eval(self, cond: Condition, out: Outcome) -> Tri:
        f = self.facts
        parts: list[Tri] = []
        if cond.items is not None:
            named = sorted(f.item_ids & set(cond.items))
            parts.append(bool(named))
            if named:
                out.details.append(f"item {', '.join(named)} is named by the notice")
        if cond.eccn_in is not None:
            parts.append(self.eccn_matches(cond.eccn_in, out))
        if cond.datacenter is not None:
            if f.datacenter is None:
                out.missing.add("datacenter (designed or marketed for use in datacenters)")
                parts.append(None)
            else:
                parts.append(f.datacenter == cond.datacenter)
        if cond.tests:
            parts.extend([self.metric(t, out, cond.per_ic) for t in cond.tests])
        if cond.destination_in is not None or cond.destination_not_in is not None:
            shown = f.labels.destination if f.labels is not None else None
            if cond.destination_in is not None:
                parts.append(self.country_in(f.destination, cond.destination_in, out, "destination", shown))
            if cond.destination_not_in is not None:
                parts.append(t_not(self.country_in(f.destination, cond.destination_not_in, out, "destination", shown)))
        if cond.headquartered_in is not None:
            parts.append(t_or(self.hq_values(cond.headquartered_in, out)))
        if cond.not_headquartered_in is not None:
            parts.append(t_not(t_or(self.hq_values(cond.not_headquartered_in, out))))
        if cond.all_headquartered_in is not None:
            parts.append(t_and(self.hq_values(cond.all_headquartered_in, out, every=True)))
        if cond.located_in is not None:
            parts.extend(
                self.country_in(c, cond.located_in, out, f"location of {who}", self.located_shown(k))
                for k, (who, c) in enumerate(f.locations)
            )
        if cond.located_not_in is not None:
            parts.extend(
                t_not(self.country_in(c, cond.located_not_in, out, f"location of {who}", self.located_shown(k)))
                for k, (who, c) in enumerate(f.locations)
            )
        if cond.end_use_any is not None:
            parts.append(bool(f.end_use & set(cond.end_use_any)))
        if cond.end_use_none is not None:
            parts.append(not f.end_use & set(cond.end_use_none))
        if cond.export_from_us is not None:
            if f.export_from is None:
                out.missing.add("exporting country (export_from)")
                parts.append(None)
            else:
                parts.append((f.export_from == "US") == cond.export_from_us)
        if cond.certified is not None:
            parts.append(set(cond.certified) <= f.certifications)
        if cond.vendor_in is not None:
            wanted = {v.lower() for v in cond.vendor_in}
            parts.append(bool(f.vendors & wanted))
        if cond.fraction_sum is not None:
            parts.append(self.fraction_sum(cond.fraction_sum, out))
        if cond.any_of is not None:
            parts.append(t_or([self._eval(sub, out) for sub in cond.any_of]))
        if cond.unconfirmed is not None and t_and(parts) is not False:
            out.missing.add(cond.unconfirmed)
            parts.append(None)
        return t_and(parts)


__all__ = [
    "CodeLabels",
    "Evaluator",
    "Facts",
    "Membership",
    "Outcome",
    "OwnersGroup",
    "PartyHQ",
    "Tri",
    "t_and",
    "t_not",
    "t_or",
]
