"""Restricted-party checks for an order line: each party (and, under the affiliates rule, each 50 % owner) is
screened; a certain match applies the list source's treatment, a possible match holds the line naming the entry."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from chipclear.decision import Party, ReviewPolicy
from chipclear.determination.merge import MergedLicensing
from chipclear.rules.licensing_schema import PartyListTreatment


class _Hit(Protocol):
    source: str
    name: str
    score: float
    determination: str
    license_requirement: str | None
    license_policy: str | None
    federal_register_notice: str | None


class Screener(Protocol):
    def search(self, name: str, country: str | None = None) -> Any: ...


_POLICY_WORDS = [
    ("policy of denial", ReviewPolicy.POLICY_OF_DENIAL),
    ("presumption of denial", ReviewPolicy.PRESUMPTION_OF_DENIAL),
    ("case-by-case", ReviewPolicy.CASE_BY_CASE),
    ("case by case", ReviewPolicy.CASE_BY_CASE),
    ("presumption of approval", ReviewPolicy.PRESUMPTION_OF_APPROVAL),
]


def entry_policy(text: str | None) -> ReviewPolicy | None:
    """The review policy an entry states (the strictest phrase found), or None when it states none we know."""
    low = (text or "").lower()
    for phrase, policy in _POLICY_WORDS:
        if phrase in low:
            return policy
    return None


@dataclass
class PartyFinding:
    outcome: str  # LICENSE_REQUIRED | PROHIBITED | HOLD
    rule: str
    citation: str
    detail: str
    confidence: str
    policy: ReviewPolicy | None = None
    missing: str | None = None
    hit: dict[str, Any] = field(default_factory=dict)


@dataclass
class PartyCheck:
    findings: list[PartyFinding] = field(default_factory=list)
    hits: list[dict[str, Any]] = field(default_factory=list)
    list_version: str | None = None


def _treatment(merged: MergedLicensing, source: str) -> tuple[PartyListTreatment, str] | None:
    found = merged.party_lists.get(source) or merged.party_lists.get("*")
    return (found[0], found[1].id) if found else None


def _hit_json(party: str, hit: _Hit, via: str | None) -> dict[str, Any]:
    return {
        "party": party,
        "via_owner": via,
        "source": hit.source,
        "entry": hit.name,
        "score": hit.score,
        "determination": hit.determination,
        "license_requirement": hit.license_requirement,
        "license_policy": hit.license_policy,
        "federal_register_notice": hit.federal_register_notice,
    }


def _finding(
    merged: MergedLicensing, party: Party, hit: _Hit, via: str | None, sources: list[str] | None
) -> PartyFinding | None:
    if sources is not None and hit.source not in sources:
        return None
    treated = _treatment(merged, hit.source)
    who = f"{party.name} ({party.role})" + (f" via its owner {via}" if via else "")
    entry = f"{hit.source} entry {hit.name!r} (score {hit.score:.2f}"
    entry += f", {hit.federal_register_notice})" if hit.federal_register_notice else ")"
    if treated is None:
        return PartyFinding(
            "HOLD",
            "parties",
            "Consolidated Screening List",
            f"{who} matches {entry}",
            "L",
            missing=f"review of {entry} for {party.name}",
        )
    treatment, action_id = treated
    rule = f"{action_id}#{treatment.source}"
    if hit.determination != "match":
        return PartyFinding(
            "HOLD",
            rule,
            treatment.citation,
            f"{who} is a possible match for {entry}: review before shipping",
            treatment.confidence,
            missing=f"review of possible match {entry} for {party.name}",
        )
    policy = entry_policy(hit.license_policy) if treatment.use_entry_policy else None
    policy = policy or (
        ReviewPolicy(treatment.policy) if treatment.policy and treatment.policy != "UNCONFIRMED" else None
    )
    detail = f"{who} matches {entry}. {treatment.text}"
    if hit.license_requirement:
        detail += f" Entry license requirement: {hit.license_requirement}."
    if hit.license_policy:
        detail += f" Entry policy: {hit.license_policy}."
    return PartyFinding(treatment.outcome, rule, treatment.citation, detail, treatment.confidence, policy=policy)


def check_parties(parties: list[Party], merged: MergedLicensing, screener: Screener) -> PartyCheck:
    result = PartyCheck()
    affiliates = list(merged.affiliates.values())
    for party in parties:
        screened = screener.search(party.name, country=party.country)
        result.list_version = getattr(screened, "list_version", result.list_version)
        for hit in screened.hits:
            result.hits.append(_hit_json(party.name, hit, None))
            found = _finding(merged, party, hit, None, None)
            if found:
                result.findings.append(found)
        for rule, action in affiliates:
            for parent in party.parents:
                if parent.share is None:
                    result.findings.append(
                        PartyFinding(
                            "HOLD",
                            f"{action.id}#{rule.id}",
                            rule.citation,
                            f"{party.name}: ownership share of {parent.name} unknown; the affiliates rule "
                            f"({rule.threshold_percent:g} % owned by listed parties) cannot be checked",
                            rule.confidence,
                            missing=f"ownership share of {parent.name} in {party.name}",
                        )
                    )
                    continue
                if parent.share < rule.threshold_percent:
                    continue
                owner = screener.search(parent.name)
                for hit in owner.hits:
                    found = _finding(merged, party, hit, parent.name, rule.sources)
                    if found:
                        result.hits.append(_hit_json(party.name, hit, parent.name))
                        found.rule = f"{action.id}#{rule.id}"
                        found.citation = f"{rule.citation}; {found.citation}"
                        found.detail = (
                            f"{parent.name} owns {parent.share:g} % (>= {rule.threshold_percent:g} %) "
                            f"of {party.name}: {found.detail}"
                        )
                        result.findings.append(found)
    return result


__all__ = ["PartyCheck", "PartyFinding", "Screener", "check_parties", "entry_policy"]
