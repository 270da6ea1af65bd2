"""The licensing rules in force on one date and layer: every action's ``licensing`` section merged by id.

Codified layer = the CFR text (notices, letters and guidance are not codified text and are left out); enforced layer
= what the government enforces (e.g. the January 2025 diffusion rule is switched off by its enforcement periods).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from chipclear.errors import DataFileError
from chipclear.geography import Geography
from chipclear.rules import RuleAction, RuleSet
from chipclear.rules.licensing_schema import (
    AffiliatesRule,
    DestinationSet,
    Event,
    LicenseExceptionRule,
    LicenseRequirement,
    LicensingSection,
    PartyListTreatment,
    PolicyRule,
    Suspension,
)
from chipclear.rules.schema import Layer

NOT_CODIFIED = ("notice", "letter", "guidance")


@dataclass
class MergedLicensing:
    """Requirements, policies, exceptions, party-list treatments and events in force, each with its action."""

    requirements: dict[str, tuple[LicenseRequirement, RuleAction]] = field(default_factory=dict)
    policies: dict[str, tuple[PolicyRule, RuleAction]] = field(default_factory=dict)
    exceptions: dict[str, tuple[LicenseExceptionRule, RuleAction]] = field(default_factory=dict)
    party_lists: dict[str, tuple[PartyListTreatment, RuleAction]] = field(default_factory=dict)
    affiliates: dict[str, tuple[AffiliatesRule, RuleAction]] = field(default_factory=dict)
    events: list[tuple[Event, RuleAction]] = field(default_factory=list)
    suspensions: list[tuple[Suspension, RuleAction]] = field(default_factory=list)
    actions: list[RuleAction] = field(default_factory=list)

    def apply(self, action: RuleAction, section: LicensingSection) -> None:
        for removed in section.remove:
            for table in (self.requirements, self.policies, self.exceptions):
                table.pop(removed, None)
        for r in section.requirements:
            self.requirements[r.id] = (r, action)
        for p in section.review_policies:
            self.policies[p.id] = (p, action)
        for e in section.license_exceptions:
            self.exceptions[e.id] = (e, action)
        for t in section.party_lists:
            self.party_lists[t.source] = (t, action)
        for a in section.affiliates:
            self.affiliates[a.id] = (a, action)
        self.events.extend((ev, action) for ev in section.events)
        self.suspensions.extend((sus, action) for sus in section.suspend)
        self.actions.append(action)

    def policies_for(self, req_id: str) -> list[tuple[PolicyRule, RuleAction]]:
        """The review policies for applications under ``req_id``, the most recent first (the first that holds
        wins: ``engine._policy_for``)."""
        found = [(p, a) for p, a in self.policies.values() if req_id in p.applies_to]
        return sorted(found, key=lambda pa: pa[1].effective, reverse=True)

    def drop_suspended(self, on: dt.date) -> None:
        for suspension, _ in self.suspensions:
            if suspension.until is None or on < suspension.until:
                for key in suspension.ids:
                    self.requirements.pop(key, None)
                    self.policies.pop(key, None)
                    self.exceptions.pop(key, None)
                    self.affiliates.pop(key, None)


DESTINATION_FIELDS = ("destination_in", "destination_not_in")  # condition fields testing the destination
HQ_FIELDS = ("headquartered_in", "not_headquartered_in", "all_headquartered_in")  # ... a headquarters country
LOCATION_FIELDS = ("located_in", "located_not_in")  # ... a recipient's country (a line with one: the engine's)


def _sets(
    section: LicensingSection, fields: tuple[str, ...] = DESTINATION_FIELDS + HQ_FIELDS + LOCATION_FIELDS
) -> list[DestinationSet]:
    """The country sets in ``fields`` of every condition of ``section`` (``any_of`` included)."""
    found: list[DestinationSet] = []

    def walk(cond: object) -> None:
        for name in fields:
            value = getattr(cond, name, None)
            if isinstance(value, DestinationSet):
                found.append(value)
        for sub in getattr(cond, "any_of", None) or []:
            walk(sub)

    for r in section.requirements:
        walk(r.when)
    for p in section.review_policies:
        walk(p.when)
    for e in section.license_exceptions:
        walk(e.eligible)
        walk(e.scope)
        for x in e.exclusions:
            walk(x.when)
    return found


def country_sets(rules: RuleSet) -> dict[str, list[DestinationSet]]:
    """Every country set the rules test a destination against (``"destination"``), every set they test a
    headquarters country against (``"hq"``), and every set a recipient's location is tested against
    (``"located"``: the location fields, and the destination fields, which the engine's location conflicts test
    the location against as if it were the destination), each set once."""
    found: dict[str, dict[int, DestinationSet]] = {"destination": {}, "hq": {}, "located": {}}
    roles = (("destination", DESTINATION_FIELDS), ("hq", HQ_FIELDS), ("located", DESTINATION_FIELDS + LOCATION_FIELDS))
    for action in rules.actions:
        if action.licensing is not None:
            for role, fields in roles:
                found[role].update((id(s), s) for s in _sets(action.licensing, fields))
    return {role: list(sets.values()) for role, sets in found.items()}


_VALIDATED: set[tuple[str, int]] = set()


def validate(rules: RuleSet, geo: Geography) -> None:
    """Every country code and group named by a licensing section exists (one clear line naming the file).
    Checked once per rules-data version and geography."""
    key = (rules.version, id(geo))
    if key in _VALIDATED:
        return
    _check(rules, geo)
    _VALIDATED.add(key)


def _check(rules: RuleSet, geo: Geography) -> None:
    for action in rules.actions:
        if action.licensing is None:
            continue
        for s in _sets(action.licensing):
            for code in [*s.countries, *s.except_countries]:
                if code not in geo.countries and code not in geo.regions:
                    raise DataFileError(f"{action.origin}: licensing: unknown country code {code!r}")
            for group in [*s.groups, *s.except_groups]:
                if group not in geo.groups:
                    raise DataFileError(f"{action.origin}: licensing: unknown country group {group!r}")


_CODES: dict[str, frozenset[str]] = {}


def certification_codes(rules: RuleSet) -> frozenset[str]:
    """Every certification code a rule condition can ask for (e.g. r10-conditions, hbm-740.25-conditions)."""
    if rules.version not in _CODES:
        _CODES[rules.version] = frozenset(_collect_codes(rules))
    return _CODES[rules.version]


def _collect_codes(rules: RuleSet) -> set[str]:
    codes: set[str] = set()

    def walk(cond: object) -> None:
        codes.update(getattr(cond, "certified", None) or [])
        for sub in getattr(cond, "any_of", None) or []:
            walk(sub)

    for action in rules.actions:
        lic = action.licensing
        if lic is None:
            continue
        for r in lic.requirements:
            walk(r.when)
        for p in lic.review_policies:
            walk(p.when)
        for e in lic.license_exceptions:
            walk(e.eligible)
            walk(e.scope)
    return codes


def licensing_at(rules: RuleSet, on: dt.date, layer: Layer = "enforced") -> MergedLicensing:
    merged = MergedLicensing()
    for action in rules.in_force(on, "licensing", layer):
        if layer == "codified" and action.kind in NOT_CODIFIED:
            continue
        assert action.licensing is not None
        merged.apply(action, action.licensing)
        for key in action.not_enforced_ids(on, layer):  # items whose compliance date is later (e.g. HBM 2024)
            for table in (merged.requirements, merged.policies, merged.exceptions):
                if key in table and table[key][1] is action:
                    del table[key]
    merged.drop_suspended(on)
    return merged


def change_dates(rules: RuleSet) -> list[dt.date]:
    """Every date on which the licensing rules (or their enforcement) may change, oldest first."""
    dates: set[dt.date] = set()
    for action in rules.actions:
        if action.licensing is None:
            continue
        dates.add(action.effective)
        for period in action.enforcement:
            dates.add(period.start)
            if period.end:
                dates.add(period.end)
        for sus in action.licensing.suspend:
            if sus.until:
                dates.add(sus.until)
        for r in action.licensing.requirements:
            if r.since:
                dates.add(r.since)
            if r.until:
                dates.add(r.until)
    return sorted(dates)


__all__ = [
    "DESTINATION_FIELDS",
    "HQ_FIELDS",
    "MergedLicensing",
    "certification_codes",
    "change_dates",
    "country_sets",
    "licensing_at",
    "validate",
]
