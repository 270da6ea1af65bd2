"""Schema of the ``licensing`` section of a rule file: license requirements, review policies, license exceptions,
restricted-party treatment and dated events, each with its citation and confidence.

Written Catala-style: a base requirement (e.g. 742.6(a)(6)(iii) to D:1/D:4/D:5 less A:5/A:6) plus named, explicit
exceptions (NAC, ACA) and policy overrides (R10 case-by-case). Items are merged by id over the sections of earlier
actions (``remove`` deletes an earlier id), so a new action states only what it changes.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, PositiveFloat, model_validator

from chipclear.bounds import Day
from chipclear.provenance import Cited, IsoDestination, Period, Test, refuse_renamed_keys

PolicyName = Literal[
    "presumption_of_denial", "case_by_case", "presumption_of_approval", "policy_of_denial", "UNCONFIRMED"
]
EndUseFlag = Literal["supercomputer", "advanced_node_ic_production", "military"]
MetricTest = Test  # one comparison on a named metric of the item: ``metric op value`` (e.g. tpp lt N)


class DestinationSet(BaseModel):
    """A set of destinations: ``worldwide``, or groups/countries, less the ``except_`` groups/countries."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, frozen=True)

    worldwide: bool = False
    groups: list[str] = Field(default_factory=list)
    countries: list[IsoDestination] = Field(default_factory=list)
    except_groups: list[str] = Field(default_factory=list)
    except_countries: list[IsoDestination] = Field(default_factory=list)

    def label(self) -> str:
        base = "any destination" if self.worldwide else " or ".join([*self.countries, *self.groups]) or "(none)"
        less = [*self.except_groups, *self.except_countries]
        return f"{base} (excluding {', '.join(less)})" if less else base


class FractionSum(BaseModel):
    """The sum of the item's metrics, each as a fraction of a reference figure, compared with ``value``: e.g. memory
    bandwidth / 4,000 GB/s + interconnect / 900 GB/s >= 1 (a circuit whose figures together reach a reference
    part's). ``reference`` names where the figures come from (catalog id and its confidence)."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, frozen=True)

    of: dict[str, PositiveFloat]  # metric -> reference figure
    op: Literal["ge", "gt", "le", "lt"]
    value: float
    reference: str


class Condition(BaseModel):
    """Facts about an order line; every field given must hold (AND). Evaluated with three-valued logic."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, frozen=True)

    destination_in: DestinationSet | None = None
    destination_not_in: DestinationSet | None = None
    headquartered_in: DestinationSet | None = None  # a party (or its ultimate parent) headquartered in the set
    not_headquartered_in: DestinationSet | None = None  # no party nor ultimate parent headquartered in the set
    all_headquartered_in: DestinationSet | None = None  # every party and ultimate parent headquartered in the set
    # every recipient (end user, ultimate consignee, intermediate consignee) located in / not in the set, where its
    # country is given and is not the destination (which ``destination_in`` / ``destination_not_in`` test)
    located_in: DestinationSet | None = None
    located_not_in: DestinationSet | None = None
    eccn_in: list[str] | None = None  # the item's classification (3A090.a, 4A090.b ...)
    items: list[str] | None = None  # catalog ids named by a notice (e.g. an is-informed letter)
    datacenter: bool | None = None  # designed or marketed for use in datacenters
    tests: list[MetricTest] = Field(default_factory=list)  # metric tests (tpp, total_dram_bandwidth_gbs ...)
    end_use_any: list[EndUseFlag] | None = None  # at least one of these end uses is declared
    end_use_none: list[EndUseFlag] | None = None  # none of these end uses is declared
    export_from_us: bool | None = None
    certified: list[str] | None = None  # certification codes the exporter must state (e.g. R10 conditions)
    any_of: list[Condition] | None = None  # at least one of these holds
    # the tests read a system per contained IC only (a text about "circuits", or a requirement that reaches a
    # computer through the ICs it contains, as 4A090 does); otherwise a system is read per IC and as a whole
    per_ic: bool = False
    vendor_in: list[str] | None = None  # the item's vendor, or a contained IC's (a notice to one vendor)
    fraction_sum: FractionSum | None = None
    # a fact the sources leave open (the reach of a notice): never True nor False, so where it decides the line the
    # answer is HOLD naming this text
    unconfirmed: str | None = None


class Renumbered(Period, Cited):
    """Where a requirement or a review policy stands in the regulation from a later date, for the items ``when``
    names: one kept in force (in the enforced layer) after an action that is not enforced there moved it to another
    paragraph, cited as the paragraph then in force (e.g. the headquartered rule for .a items under
    742.6(a)(6)(iii)(A) from 2025-01-13, and its review policy under 742.6(b)(10)(iii)(A)(1)). ``source`` says where
    the reference gives it."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, frozen=True, populate_by_name=True)

    when: Condition = Field(default_factory=Condition)
    source: str


class PolicyRule(Cited):
    """A review policy for license applications under the listed requirements, when ``when`` holds."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, frozen=True)

    id: str
    applies_to: list[str]  # requirement ids
    policy: PolicyName
    when: Condition = Field(default_factory=Condition)
    text: str
    note: str = ""
    renumbered: list[Renumbered] = Field(default_factory=list)  # the paragraph that holds it from a later date


class LicenseRequirement(Cited):
    """A license requirement: when ``when`` holds, a license is needed (or the export is prohibited)."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, frozen=True, populate_by_name=True)

    id: str
    kind: Literal["destination", "headquarters", "end_use", "product_notice", "embargo", "acceleration", "party"]
    text: str
    when: Condition
    # In force [from, until) like every period (chipclear.provenance.Period): ``from`` for a provision that took
    # effect later than the action (staggered), ``until`` (exclusive) when superseded (the 2023-10-23 acceleration).
    since: Day | None = Field(default=None, alias="from")
    until: Day | None = None
    outcome: Literal["LICENSE_REQUIRED", "PROHIBITED", "HOLD"] = "LICENSE_REQUIRED"
    policy: PolicyName | None = None  # a policy stated with the requirement itself (e.g. 746.8 policy of denial)
    note: str = ""
    renumbered: list[Renumbered] = Field(default_factory=list)  # the paragraph that holds it from a later date

    @model_validator(mode="before")
    @classmethod
    def _renamed(cls, data: object) -> object:
        return refuse_renamed_keys(data)


class Exclusion(BaseModel):
    """A named exclusion from a license exception (e.g. military end use)."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, frozen=True)

    id: str
    text: str
    when: Condition
    citation: str | None = None


class LicenseExceptionRule(Cited):
    """A license exception (740.8 NAC/ACA ...): overcomes the listed requirements when eligible and in scope."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, frozen=True)

    id: str
    code: str  # NAC, ACA ...
    text: str
    overcomes: list[str]  # requirement ids
    eligible: Condition  # which items
    scope: Condition = Field(default_factory=Condition)  # which destinations / parties
    exclusions: list[Exclusion] = Field(default_factory=list)
    conditions: list[str] = Field(default_factory=list)  # what the exporter must do (e.g. 25-day notification)
    note: str = ""


class PartyListTreatment(Cited):
    """What a match on a restricted-party list source (EL, MEU, DPL, UVL, SDN ...) means for the line."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, frozen=True)

    source: str
    outcome: Literal["LICENSE_REQUIRED", "PROHIBITED", "HOLD"]
    policy: PolicyName | None = None  # default when the entry states none
    use_entry_policy: bool = True
    license_exceptions: bool = False  # whether any license exception can overcome it
    text: str


class AffiliatesRule(Cited):
    """The affiliates rule: entities owned at least ``threshold_percent`` by listed parties inherit the listing."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, frozen=True)

    id: str
    sources: list[str]
    threshold_percent: float
    text: str


class Event(Cited):
    """A dated event shown on timelines (a statement, an assurance) that does not change the requirement."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, frozen=True)

    date: Day
    text: str
    lifts_requirement: bool = False
    affects: list[str] = Field(default_factory=list)


class Suspension(Cited):
    """Items of earlier actions (by id) that do not apply from this action's effective date until ``until``."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, frozen=True)

    ids: list[str]
    until: dt.date | None = None  # exclusive; None = until a later action says otherwise
    text: str


class LicensingSection(Cited):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, frozen=True)

    requirements: list[LicenseRequirement] = Field(default_factory=list)
    review_policies: list[PolicyRule] = Field(default_factory=list)
    license_exceptions: list[LicenseExceptionRule] = Field(default_factory=list)
    party_lists: list[PartyListTreatment] = Field(default_factory=list)
    affiliates: list[AffiliatesRule] = Field(default_factory=list)
    events: list[Event] = Field(default_factory=list)
    remove: list[str] = Field(default_factory=list)  # ids of earlier requirements/policies/exceptions
    suspend: list[Suspension] = Field(default_factory=list)
    notes: str = ""


Condition.model_rebuild()

__all__ = [
    "AffiliatesRule",
    "Condition",
    "DestinationSet",
    "Event",
    "Exclusion",
    "FractionSum",
    "LicenseExceptionRule",
    "LicenseRequirement",
    "LicensingSection",
    "MetricTest",
    "PartyListTreatment",
    "PolicyRule",
    "Renumbered",
    "Suspension",
]
