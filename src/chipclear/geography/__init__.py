"""Countries (ISO 3166-1 alpha-2) and EAR country groups by date, as data with citations.

Membership is three-valued: a country is in a group on a date (True), is not (False), or the data cannot say (None:
a window where the sources conflict or a membership was never confirmed). A decision that depends on None is HOLD.
Hong Kong is resolved to China from 2020-12-23 (FR Doc 2020-28101); Macau is its own destination, never in D:5.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from chipclear.errors import DataFileError, InputError

_DATA = resources.files("chipclear.geography") / "data"
Confidence = Literal["H", "M", "L", "UNCONFIRMED"]


class Country(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str = Field(pattern=r"^[A-Z]{2}$")
    name: str
    ear_name: str | None = None
    treated_as: str | None = None  # Hong Kong -> CN
    treated_as_from: dt.date | None = None
    treated_as_citation: str | None = None
    treated_as_confidence: Confidence | None = None


class Region(BaseModel):
    """A sub-national destination that some rules name (ISO 3166-2), e.g. the Crimea region of Ukraine."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str = Field(pattern=r"^[A-Z]{2}-[0-9A-Z]{1,3}$")
    name: str
    country: str


class Membership(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    country: str
    status: Literal["member", "unknown"] = "member"
    start: dt.date | None = Field(default=None, alias="from")
    end: dt.date | None = Field(default=None, alias="until")  # exclusive
    confidence: Confidence | None = None
    citation: str | None = None
    note: str = ""

    def covers(self, on: dt.date) -> bool:
        return (self.start is None or self.start <= on) and (self.end is None or on < self.end)


class CountryGroup(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str
    citation: str
    confidence: Confidence
    default_note: str = ""
    notes: str = ""
    members: list[Membership]


class GroupsFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    source: str
    as_of_data: dt.date
    coverage_from: dt.date
    semantics: str
    groups: dict[str, CountryGroup]


@dataclass(frozen=True)
class MembershipAnswer:
    """Is ``country`` in ``group`` on a date: True / False / None (unknown), with the evidence."""

    country: str
    group: str
    value: bool | None
    citation: str
    confidence: str
    note: str = ""

    def describe(self) -> str:
        word = {True: "in", False: "not in", None: "membership unknown for"}[self.value]
        text = f"{self.country} {word} {self.group}"
        return f"{text} ({self.note})" if self.note else text


def _load_yaml(name: str) -> Any:
    try:
        return yaml.safe_load((_DATA / name).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise DataFileError(f"geography/data/{name}: cannot read: {exc}".replace("\n", " ")) from None


class Geography:
    """Countries and country groups loaded from the bundled data files."""

    def __init__(self, countries: dict[str, Country], regions: dict[str, Region], groups: GroupsFile) -> None:
        self.countries = countries
        self.regions = regions
        self.groups_file = groups
        self.groups = groups.groups

    # -- countries ------------------------------------------------------------------------------------------
    def normalize(self, code: str | None, *, field: str = "country") -> str:
        """Validate and upper-case an ISO 3166-1 alpha-2 code (or a listed ISO 3166-2 region code)."""
        if code is None or not str(code).strip():
            raise InputError(f"{field}: a country code is required (ISO 3166-1 alpha-2, e.g. CN)", field=field)
        value = str(code).strip().upper()
        if value in self.countries or value in self.regions:
            return value
        raise InputError(
            f"{field}: unknown country code {code!r} (use ISO 3166-1 alpha-2, e.g. CN, HK, MO, DE)", field=field
        )

    def name(self, code: str) -> str:
        if code in self.regions:
            return f"{self.regions[code].name}, {self.name(self.regions[code].country)}"
        country = self.countries.get(code)
        return country.name if country else code

    def country_of(self, code: str) -> str:
        """The ISO country of a destination code (a region maps to its country)."""
        return self.regions[code].country if code in self.regions else code

    def resolve(self, code: str, on: dt.date) -> tuple[str, str | None]:
        """The destination the EAR sees on ``on`` (Hong Kong -> CN from 2020-12-23) and the reason text."""
        base = self.country_of(code)
        country = self.countries.get(base)
        if country and country.treated_as and country.treated_as_from and on >= country.treated_as_from:
            note = (
                f"{country.name} ({base}) is treated as {self.name(country.treated_as)} ({country.treated_as}) "
                f"since {country.treated_as_from} [{country.treated_as_citation}; {country.treated_as_confidence}]"
            )
            return country.treated_as, note
        return base, None

    # -- groups ---------------------------------------------------------------------------------------------
    def member(self, code: str, group: str, on: dt.date) -> MembershipAnswer:
        if group not in self.groups:
            raise DataFileError(f"unknown country group {group!r} (known: {', '.join(sorted(self.groups))})")
        cg = self.groups[group]
        resolved, _ = self.resolve(code, on)
        rows = [m for m in cg.members if m.country == resolved and m.covers(on)]
        if on < self.groups_file.coverage_from:
            return MembershipAnswer(
                resolved,
                group,
                None,
                cg.citation,
                "UNCONFIRMED",
                f"no group data before {self.groups_file.coverage_from}",
            )
        if not rows:
            return MembershipAnswer(resolved, group, False, cg.citation, cg.confidence)
        row = rows[-1]
        confidence = row.confidence or cg.confidence
        citation = row.citation or cg.citation
        note = row.note
        if row.status == "unknown" or confidence == "UNCONFIRMED":
            return MembershipAnswer(resolved, group, None, citation, confidence, note or "membership not confirmed")
        if confidence == "L":
            note = (note + "; " if note else "") + "LOW CONFIDENCE"
        return MembershipAnswer(resolved, group, True, citation, confidence, note)

    def members_on(self, group: str, on: dt.date) -> list[str]:
        """Countries certainly in ``group`` on ``on``."""
        codes = {m.country for m in self.groups[group].members}
        return sorted(c for c in codes if self.member(c, group, on).value is True)


@lru_cache(maxsize=1)
def load_geography() -> Geography:
    raw_countries = _load_yaml("countries.yaml")
    raw_groups = _load_yaml("country-groups.yaml")
    try:
        countries = {c["code"]: Country.model_validate(c) for c in raw_countries["countries"]}
        regions = {r["code"]: Region.model_validate(r) for r in raw_countries.get("regions", [])}
        groups = GroupsFile.model_validate(raw_groups)
    except (ValidationError, KeyError, TypeError) as exc:
        raise DataFileError(f"geography/data: invalid country data: {exc}".replace("\n", " ")) from None
    for name, group in groups.groups.items():
        for m in group.members:
            if m.country not in countries:
                raise DataFileError(f"geography/data/country-groups.yaml: group {name}: unknown country {m.country}")
    return Geography(countries, regions, groups)


__all__ = ["Country", "CountryGroup", "Geography", "Membership", "MembershipAnswer", "Region", "load_geography"]
