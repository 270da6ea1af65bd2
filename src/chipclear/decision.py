"""The decision contract shared by the engine, the ledger and every interface.

A ``Decision`` records the input, the verdict, the reasons (each with rule id, citation and the numbers or names
compared), the rules-data version, the list version, the time and the actor, so it can be reproduced from its
record. JSON field names here are the ones the CLI, the API, the console and batch output use.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

from chipclear.bounds import (
    MAX_LIST,
    MAX_PARTIES,
    Day,
    Flag,
    Identifier,
    ItemId,
    Name,
    Note,
    Percent,
    Quantity,
    ValueUSD,
)
from chipclear.geography import CountryCode, PartyCountryCode
from chipclear.provenance import Confidence

# Input models refuse unknown fields: a misspelled "date" or "end_user" must be an error naming it, never a line
# decided for another date or without its parties. Their values are not converted either: dates, numbers and flags
# are typed with chipclear.bounds (Day, Quantity, ValueUSD, Flag), so 1798761600 is no ship date and true no
# quantity.
STRICT = ConfigDict(extra="forbid")

# A party's role on a line, as the EAR name them (15 CFR 748.5). Only these: the headquartered rule (744.23(a)(3))
# looks at the end user, the ultimate consignee and the purchaser, so a role spelled otherwise ("End User") must be
# an error naming it, never a party the rule does not look at.
PartyRole = Literal["end_user", "ultimate_consignee", "intermediate_consignee", "purchaser"]
PARTY_ROLES: tuple[str, ...] = get_args(PartyRole)


class Verdict(StrEnum):
    NLR = "NLR"  # no license required
    LICENSE_EXCEPTION = "LICENSE_EXCEPTION"  # names the exception and its conditions
    LICENSED = "LICENSED"  # a valid license on file covers the line
    LICENSE_REQUIRED = "LICENSE_REQUIRED"  # with a review policy
    PROHIBITED = "PROHIBITED"  # no path (e.g. embargo)
    HOLD = "HOLD"  # cannot decide: missing data, possible party match, unknown fact


class ReviewPolicy(StrEnum):
    PRESUMPTION_OF_DENIAL = "presumption_of_denial"
    CASE_BY_CASE = "case_by_case"
    PRESUMPTION_OF_APPROVAL = "presumption_of_approval"
    POLICY_OF_DENIAL = "policy_of_denial"


class Reason(BaseModel):
    """One step of the reasoning: which rule, its citation, and what was compared."""

    model_config = ConfigDict(frozen=True)

    rule: str
    citation: str
    detail: str
    # how sure the cited source is (H / M / L, UNCONFIRMED: unknown); None for a step that cites no graded fact
    confidence: Confidence | None = None


class LicenseExceptionUse(BaseModel):
    model_config = ConfigDict(frozen=True)

    code: str  # e.g. "NAC", "ACA"
    conditions: list[str] = Field(default_factory=list)
    citation: str = ""


class Party(BaseModel):
    """A party to an order line. ``parents`` is the ownership chain, nearest parent first; ``owners`` is the set of
    the party's direct owners with their shares (the affiliates rule adds the shares of listed owners)."""

    model_config = STRICT

    name: Name
    role: PartyRole = "end_user"
    country: PartyCountryCode | None = None  # ISO 3166-1 alpha-2 where the party is located (a name is resolved)
    headquarters_country: CountryCode | None = None
    parents: list[ParentLink] = Field(default_factory=list, max_length=MAX_LIST)
    owners: list[ParentLink] = Field(default_factory=list, max_length=MAX_LIST)


class ParentLink(BaseModel):
    model_config = STRICT

    name: Name
    share: Percent | None = None  # 0..100 percent
    headquarters_country: CountryCode | None = None


class EndUse(BaseModel):
    model_config = STRICT

    text: Note = ""
    supercomputer: Flag = False
    advanced_node_ic_production: Flag = False
    military: Flag = False


class ImportEntry(BaseModel):
    """A US import of the item on this line (e.g. boards made abroad entering the US): what duty it pays.

    Country of origin is the importer's determination; chipclear explains the rules but never guesses it."""

    model_config = STRICT

    hts: ItemId
    origin: CountryCode  # ISO 3166-1 alpha-2 country of origin (a name is resolved)
    entry_date: Day | None = None  # default: the line's ship date
    value_usd: ValueUSD | None = None  # customs value; default: the line's value
    end_use: Identifier | None = None  # Section 232 end-use exemption key, e.g. us_datacenter
    claims: list[Identifier] = Field(default_factory=list, max_length=MAX_LIST)  # e.g. 9903.88.69, usmca
    entry_type: Identifier | None = None  # section321 (de minimis), formal or informal; None: not stated


class OrderLine(BaseModel):
    """One line of an order: what goes where, to whom, when."""

    model_config = STRICT

    item: ItemId  # catalog id or alias (or the id of a user spec)
    quantity: Quantity = 1  # bounds (here and below): chipclear.bounds
    destination: CountryCode  # ISO 3166-1 alpha-2 (or listed ISO 3166-2 region); a country name is resolved
    ship_date: Day | None = None  # YYYY-MM-DD only (chipclear.bounds.Day): never a number of seconds
    parties: list[Party] = Field(default_factory=list, max_length=MAX_PARTIES)
    end_use: EndUse = Field(default_factory=EndUse)
    value_usd: ValueUSD | None = None
    export_from: CountryCode | None = None  # ISO alpha-2 of the exporting country (R10 case-by-case needs "US")
    # conditions the exporter certifies, e.g. r10-conditions
    certifications: list[Identifier] = Field(default_factory=list, max_length=MAX_LIST)
    import_entry: ImportEntry | None = None  # set for import lines: the duty is computed and reported
    order_id: Identifier | None = None
    line_id: Identifier | None = None


class Decision(BaseModel):
    """The result of ``determine``; ``to_json`` gives the stable JSON contract."""

    verdict: Verdict
    review_policy: ReviewPolicy | None = None
    license_exceptions: list[LicenseExceptionUse] = Field(default_factory=list)
    classification: dict[str, Any] = Field(default_factory=dict)  # the classify JSON
    reasons: list[Reason] = Field(default_factory=list)
    missing: list[str] = Field(default_factory=list)  # what a HOLD waits for
    screening: list[dict[str, Any]] = Field(default_factory=list)  # screening hits considered
    license: dict[str, Any] | None = None  # the license relied on (LICENSED)
    duty: dict[str, Any] | None = None  # import lines: the duty stack (chipclear.tariffs DutyResult JSON)
    rules_version: str = ""
    list_version: str | None = None
    as_of: dt.date
    layer: str = "enforced"
    input: dict[str, Any] = Field(default_factory=dict)
    decided_at: dt.datetime | None = None
    actor: str | None = None

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


Party.model_rebuild()

__all__ = [
    "PARTY_ROLES",
    "Decision",
    "EndUse",
    "ImportEntry",
    "LicenseExceptionUse",
    "OrderLine",
    "ParentLink",
    "Party",
    "PartyRole",
    "Reason",
    "ReviewPolicy",
    "Verdict",
]
