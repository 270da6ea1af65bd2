"""Countries (ISO 3166-1 alpha-2) and EAR country groups by date, as data with citations.

Membership is three-valued: a country is in a group on a date (True), is not (False), or the data cannot say (None:
a window where the sources conflict or a membership was never confirmed). A decision that depends on None is HOLD.
Hong Kong is resolved to China from 2020-12-23 (FR Doc 2020-28101); Macau is its own destination, never in D:5.
"""

from __future__ import annotations

import datetime as dt
import difflib
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Annotated, Any, Literal

import pycountry
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError
from pydantic_core import PydanticCustomError

from chipclear.bounds import Country as CountryText
from chipclear.datafiles import YAML_ERRORS, safe_load, yaml_problem
from chipclear.errors import DataFileError, InputError
from chipclear.provenance import Cited, Confidence, IsoCountry, Period
from chipclear.snapshot import cached

_DATA = resources.files("chipclear.geography") / "data"


class Country(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    code: IsoCountry
    name: str
    ear_name: str | None = None
    treated_as: IsoCountry | None = None  # Hong Kong -> CN
    treated_as_from: dt.date | None = None
    treated_as_citation: str | None = None
    treated_as_confidence: Confidence | None = None


class Region(BaseModel):
    """A sub-national destination that some rules name (ISO 3166-2), e.g. the Crimea region of Ukraine."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str = Field(pattern=r"^[A-Z]{2}-[0-9A-Z]{1,3}$")
    name: str
    country: IsoCountry


class Membership(Period):
    """A country in a group over ``[from, until)`` (both optional: open-ended)."""

    country: IsoCountry
    status: Literal["member", "unknown"] = "member"
    confidence: Confidence | None = None
    citation: str | None = None
    note: str = ""


class CountryGroup(Cited):
    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str
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
        return safe_load((_DATA / name).read_text(encoding="utf-8"))
    except OSError as exc:
        raise DataFileError(f"geography/data/{name}: cannot read: {exc}".replace("\n", " ")) from None
    except YAML_ERRORS as exc:
        raise DataFileError(f"geography/data/{name}: not valid YAML: {yaml_problem(exc)}") from None


class Geography:
    """Countries and country groups loaded from the bundled data files."""

    def __init__(
        self,
        countries: dict[str, Country],
        regions: dict[str, Region],
        groups: GroupsFile,
        names: dict[str, str] | None = None,
        ambiguous: dict[str, tuple[str, ...]] | None = None,
    ) -> None:
        self.countries = countries
        self.regions = regions
        self.groups_file = groups
        self.groups = groups.groups
        self.names = names or {}  # folded name -> code (see country_names())
        self.ambiguous = ambiguous or {}  # folded name -> the codes it could mean (see ambiguous_names())
        # group -> country -> its membership rows, in file order (``member`` reads one country's rows, not the
        # group's: the engine asks this some hundred thousand times in a batch's compile)
        self._rows: dict[str, dict[str, list[Membership]]] = {}
        self._changes: dict[str, tuple[dt.date, ...]] = {}  # ``change_dates`` per code

    # -- countries ------------------------------------------------------------------------------------------
    def normalize(self, code: str | None, *, field: str = "country") -> str:
        """The ISO 3166-1 alpha-2 code (or listed ISO 3166-2 region code) for a code or a country name.

        The one place every door (API, CLI, console, batch) resolves a country: "CN", "cn", "CHN", "China",
        "People's Republic of China" -> "CN". Anything else is refused, never truncated or guessed."""
        if code is None or not str(code).strip():
            raise InputError(f"{field}: a country is required (an ISO 3166-1 code such as CN, or a name)", field=field)
        # compatibility forms as the plain letters (fullwidth ＣＮ is CN): names were folded so, codes were not, and
        # ＣＮ was refused with "did you mean Pitcairn (PN)?" while ＵＳ and Ｃｈｉｎａ were read (an audit, 2026-12-07)
        value = unicodedata.normalize("NFKC", str(code)).strip()
        if value.upper() in self.countries or value.upper() in self.regions:
            return value.upper()
        found = self.names.get(fold_name(value))
        if found is not None:
            return found
        if (codes := self.ambiguous.get(fold_name(value))) is not None:
            meant = " or ".join(f"{self.name(c)} ({c})" for c in codes)
            raise InputError(
                f"{field}: {value!r} could mean {meant}; give the code ({' or '.join(codes)})", field=field
            )
        close = (
            difflib.get_close_matches(fold_name(value), list(self.names), n=1, cutoff=0.8) if len(value) < 60 else []
        )
        hint = f"; did you mean {self.name(self.names[close[0]])} ({self.names[close[0]]})?" if close else ""
        raise InputError(
            f"{field}: unknown country {value[:80]!r} (use an ISO 3166-1 code such as CN or a country name "
            f"such as China){hint}",
            field=field,
        )

    def party_country(self, code: str | None, *, field: str = "country") -> str:
        """A party's country (where it is located, as screening reads it): an ISO 3166-1 code or a country name.
        A listed ISO 3166-2 region (a destination some rules name, e.g. UA-43) is refused naming the field and the
        country to give: the lists, the reviews and the screening discount know countries only."""
        found = self.normalize(code, field=field)
        if found in self.regions:
            country = self.regions[found].country
            raise InputError(
                f"{field}: {found!r} is a region ({self.name(found)}); a party's country is an ISO 3166-1 country:"
                f" give {country} (a region is a destination: --to / destination)",
                field=field,
            )
        return found

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
    def _members_of(self, group: str) -> dict[str, list[Membership]]:
        """``group``'s membership rows by country, in file order."""
        by_country = self._rows.get(group)
        if by_country is None:
            by_country = {}
            for m in self.groups[group].members:
                by_country.setdefault(m.country, []).append(m)
            self._rows[group] = by_country
        return by_country

    def change_dates(self, code: str) -> tuple[dt.date, ...]:
        """The days on which what ``resolve`` and ``member`` answer for ``code`` may change, sorted: the start of
        the group data's coverage, the day the code's country is first treated as another, and the first and the
        end day of every membership row of either country. Between two of these days (and before the first, and
        from the last on) every answer is the same on every day. Kept per code."""
        found = self._changes.get(code)
        if found is None:
            found = self._changes[code] = self._change_dates(code)
        return found

    def _change_dates(self, code: str) -> tuple[dt.date, ...]:
        base = self.country_of(code)
        country = self.countries.get(base)
        days = {self.groups_file.coverage_from}
        seen = {base}
        if country and country.treated_as and country.treated_as_from:
            days.add(country.treated_as_from)
            seen.add(country.treated_as)
        for group in self.groups:
            rows = self._members_of(group)
            for c in seen:
                for m in rows.get(c, ()):
                    days.update(d for d in (m.start, m.end) if d is not None)
        return tuple(sorted(days))

    def member(self, code: str, group: str, on: dt.date) -> MembershipAnswer:
        if group not in self.groups:
            raise DataFileError(f"unknown country group {group!r} (known: {', '.join(sorted(self.groups))})")
        cg = self.groups[group]
        resolved, _ = self.resolve(code, on)
        rows = [m for m in self._members_of(group).get(resolved, ()) if m.covers(on)]
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


def fold_name(text: str) -> str:
    """A country name as compared: accents, case, curly quotes, dots and spacing do not matter."""
    text = unicodedata.normalize("NFKD", text.replace("\u2019", "'").replace("\u2018", "'"))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold().replace(".", "")
    return " ".join(text.split())


def country_names(countries: dict[str, Country], regions: dict[str, Region]) -> dict[str, str]:
    """Every name a user may type for a country: ISO names and alpha-3 codes (pycountry, the Debian iso-codes
    data), the EAR name (countries.yaml), the aliases in country-aliases.yaml, region names. A name that would
    mean two countries is a data error."""
    raw = _load_yaml("country-aliases.yaml") or {}
    pairs: list[tuple[str, str, str]] = []
    for code, country in countries.items():
        pairs.append((country.name, code, "countries.yaml"))
        if country.ear_name:
            pairs.append((country.ear_name, code, "countries.yaml ear_name"))
        iso = pycountry.countries.get(alpha_2=code)
        if iso is not None:
            for attr in ("name", "official_name", "common_name", "alpha_3"):
                if getattr(iso, attr, None):
                    pairs.append((getattr(iso, attr), code, f"ISO 3166-1 {attr}"))
    for code, aliases in (raw.get("aliases") or {}).items():
        if code not in countries:
            raise DataFileError(f"geography/data/country-aliases.yaml: unknown country code {code!r}")
        pairs.extend((alias, code, "country-aliases.yaml") for alias in aliases)
    pairs.extend((region.name, code, "countries.yaml regions") for code, region in regions.items())
    names: dict[str, str] = {}
    ambiguous = ambiguous_names(countries)
    for name, code, source in pairs:
        key = fold_name(name)
        if key in ambiguous:  # "Congo", the ISO name of CG: never read as one of the two
            continue
        if names.get(key, code) != code:
            raise DataFileError(f"geography/data: country name {name!r} ({source}) means both {names[key]} and {code}")
        names[key] = code
    return names


def ambiguous_names(countries: dict[str, Country]) -> dict[str, tuple[str, ...]]:
    """The names country-aliases.yaml lists as meaning more than one country (folded), each with its codes."""
    raw = _load_yaml("country-aliases.yaml") or {}
    out: dict[str, tuple[str, ...]] = {}
    for name, codes in (raw.get("ambiguous") or {}).items():
        if not isinstance(codes, list) or len(codes) < 2 or any(c not in countries for c in codes):
            raise DataFileError(f"geography/data/country-aliases.yaml: ambiguous {name!r}: give two or more codes")
        out[fold_name(str(name))] = tuple(codes)
    return out


def _resolved(value: Any, info: Any, party: bool) -> str:
    field = getattr(info, "field_name", None) or "country"
    geo = load_geography()
    resolve = geo.party_country if party else geo.normalize
    try:
        return resolve(value if isinstance(value, str) else None, field=field)
    except InputError as exc:
        raise PydanticCustomError("country", exc.message.removeprefix(f"{field}: ")) from None


def country_code(value: Any, info: Any = None) -> str:
    """Pydantic validator for a country field: the resolved code, or a validation error naming the value."""
    return _resolved(value, info, party=False)


def party_country_code(value: Any, info: Any = None) -> str:
    """Pydantic validator for a party's ``country``: a country, never a region (``Geography.party_country``)."""
    return _resolved(value, info, party=True)


CountryCode = Annotated[CountryText, AfterValidator(country_code)]
"""A country field of an input model: within the bounds of ``chipclear.bounds.Country``, an ISO code or a country
name; holds the resolved code."""

PartyCountryCode = Annotated[CountryText, AfterValidator(party_country_code)]
"""A party's country: as ``CountryCode``, but a listed ISO 3166-2 region is refused (it is a destination)."""


_FILES = ("countries.yaml", "country-groups.yaml", "country-aliases.yaml")


@lru_cache(maxsize=1)
def load_geography() -> Geography:
    try:
        sources = [(f"geography/data/{name}", (_DATA / name).read_bytes()) for name in _FILES]
    except OSError:
        return _build()  # names the file it cannot read
    # ISO names and alpha-3 codes come from pycountry's data: its version is part of the snapshot's name
    return cached("geography", sources, _build, Geography, extra=f"pycountry {getattr(pycountry, '__version__', '?')}")


def _build() -> Geography:
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
    return Geography(countries, regions, groups, country_names(countries, regions), ambiguous_names(countries))


__all__ = [
    "Country",
    "CountryCode",
    "CountryGroup",
    "Geography",
    "Membership",
    "MembershipAnswer",
    "PartyCountryCode",
    "Region",
    "country_code",
    "fold_name",
    "load_geography",
]
