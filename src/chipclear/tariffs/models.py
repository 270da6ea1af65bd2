"""Schemas of the tariff data files (one file per legal measure, proclamation or notice).

Every value that comes from a regulation or tariff schedule carries its citation (S-number of the tariff
reference plus the FR / proclamation / CSMS reference), a confidence mark and its effective dates. A value
marked UNCONFIRMED is never used as a fact: its ``rate`` is null and ``question`` / ``rate_low`` /
``rate_high`` describe the open question and the range of outcomes.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from chipclear import provenance
from chipclear.provenance import IsoCountry


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)


class Cited(provenance.Cited):
    """Citation block carried by every fact: the citation, the S-numbers of the tariff reference, the confidence."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)

    citation: str = Field(min_length=3)
    sources: list[str] = Field(min_length=1)

    @field_validator("sources")
    @classmethod
    def _s_numbers(cls, value: list[str]) -> list[str]:
        for key in value:
            if not key.startswith("S"):
                raise ValueError(f"source key {key!r} is not an S-number of the tariff reference")
        return value


class Period(Cited, provenance.Period):
    """A dated rate: in force for entries on or after ``from`` and before ``until`` (``[from, until)``)."""

    start: dt.date = Field(alias="from")
    heading: str | None = None
    rate: float | None = None
    rate_low: float | None = None
    rate_high: float | None = None
    question: str | None = None
    note: str = ""
    hts: list[str] | None = None
    """Narrower HTS scope for this period only (defaults to the measure's scope)."""

    @model_validator(mode="after")
    def _check(self) -> Period:
        if self.confidence == "UNCONFIRMED":
            if self.rate is not None:
                raise ValueError("an UNCONFIRMED period must not state a rate as fact (use rate_low/rate_high)")
            if not self.question:
                raise ValueError("an UNCONFIRMED period needs the open `question`")
        elif self.rate is None and not (self.question and self.rate_high is not None):
            # a known value whose timing the source gives only at M (e.g. the hour of SCTC No. 5) may be a range
            raise ValueError("a period with confidence H/M/L needs a rate, or a `question` and rate_low/rate_high")
        return self


class HtsScope(Cited):
    """Which HTS lines a measure covers (prefixes of the dotted HTS number)."""

    prefixes: list[str] = Field(min_length=1)
    except_prefixes: list[str] = Field(default_factory=list)
    """Statistical reporting numbers carved out of the prefixes (e.g. 'except 8517.62.0090', note 20(g))."""


class MeasureBase(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9.-]*$")
    title: str
    measure: str
    """Short name shown in the duty line, e.g. 'Section 301 (China) List 3'."""
    instrument: str
    """The legal instrument: FR citation, proclamation, executive order or CSMS message."""
    origins: list[IsoCountry | Literal["*"]] = Field(min_length=1)
    """ISO 3166-1 alpha-2 codes, or ['*'] for every origin."""
    except_origins: list[IsoCountry] = Field(default_factory=list)
    scope: HtsScope
    periods: list[Period] = Field(min_length=1)
    notes: list[str] = Field(default_factory=list)

    def applies_to_origin(self, origin: str) -> bool:
        if origin in self.except_origins:
            return False
        return "*" in self.origins or origin in self.origins


class Column1(_Strict):
    """Column 1 general (MFN) and column 2 rates of the HTS lines chipclear knows."""

    family: Literal["column1"]
    id: str
    title: str
    coverage_from: dt.date
    """Earliest entry date the tariff data covers (the reference covers 2018-2026)."""
    column2_countries: list[IsoCountry]
    column2_dates_unconfirmed: list[str] = Field(default_factory=list)
    column2_citation: Cited
    lines: list[HtsLine]


class HtsLine(_Strict):
    hts: str = Field(pattern=r"^\d{4}\.\d{2}\.\d{2}(\.?\d{2})?$")
    description: str
    use: str = ""
    stat_suffixes: dict[str, str] = Field(default_factory=dict)
    require_stat_suffix: bool = False
    """The Chapter 99 lists split this line by statistical suffix: only the 10-digit numbers of ``stat_suffixes``
    (every suffix the lists name) are accepted; another suffix is refused, never given a guessed list."""
    general: Period
    column2: Period | None = None


class Sec301List(MeasureBase):
    family: Literal["sec301_list"]
    replaced_by: list[str] = Field(default_factory=list)
    """Ids of measures that replace this one for the same goods from their start date."""
    alternatives: list[Alternative] = Field(default_factory=list)


class Alternative(_Strict):
    """A claimable alternative heading that replaces the list rate (e.g. 9903.88.09 for goods in transit)."""

    claim: str
    description: str
    period: Period
    exclusions: Displacement | None = None
    """Exclusion measures (ids) that still apply to goods entered under this heading (note 20(l) for 9903.88.09)."""


class Sec301Exclusion(MeasureBase):
    family: Literal["sec301_exclusion"]
    claim: str
    """What the importer claims (the Chapter 99 heading of the exclusion)."""
    replaces: list[str]
    descriptions: list[str]
    datacenter_scope_question: OpenFact | None = None


class Sec301Increase(MeasureBase):
    """A Section 301 heading that replaces an earlier list heading for certain lines (e.g. 9903.91.05)."""

    family: Literal["sec301_increase"]
    replaces: list[str]


class IeepaDuty(MeasureBase):
    family: Literal["ieepa_fentanyl"]
    usmca_exempt: bool = False
    alternatives: list[Alternative] = Field(default_factory=list)
    """Claimable headings that replace the duty (e.g. 9903.01.23 for goods in transit)."""


class EntryType(_Strict):
    key: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    description: str


class DeMinimis(MeasureBase):
    """Section 321 administrative exemption: an entry of low value pays no duty while the exemption is available."""

    family: Literal["de_minimis"]
    entry_type: str
    """The entry type that claims the exemption (the key given as ``entry_type``)."""
    entry_types: list[EntryType]
    value_limit: float
    value_limit_citation: Cited


class UsmcaExemption(MeasureBase):
    family: Literal["usmca_exemption"]
    claim: str
    headings: dict[str, str] = Field(default_factory=dict)
    exempts: list[str]


class ExemptionList(Cited, provenance.Period):
    heading: str
    prefixes: list[str]
    description: str
    start: dt.date = Field(alias="from")


class IeepaReciprocal(MeasureBase):
    family: Literal["ieepa_reciprocal"]
    exemption: ExemptionList


class Sec122(MeasureBase):
    family: Literal["sec122"]
    exemption: ExemptionList
    sec232_heading: Cited
    """Heading reported for Section 232 articles that the surcharge does not reach (9903.03.06)."""
    sec232_heading_number: str
    usmca_exempt: bool
    unconfirmed: list[OpenFact] = Field(default_factory=list)


class OpenFact(Cited):
    """An UNCONFIRMED fact kept only as a note (it changes no total for the lines covered)."""

    text: str


class PerformanceWindow(Cited):
    """Note 39(b): TPP and total DRAM bandwidth both strictly inside the bounds."""

    name: str
    tpp_above: float
    tpp_below: float
    dram_bandwidth_gbs_above: float
    dram_bandwidth_gbs_below: float


class EndUseExemption(Cited):
    key: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    description: str
    heading: str


class Displacement(Cited):
    """Measures not imposed on articles that pay this duty (note 39(a))."""

    measures: list[str]
    text: str


class Sec232Semiconductors(MeasureBase):
    family: Literal["sec232_semiconductors"]
    windows: list[PerformanceWindow]
    not_met: Period
    """9903.79.02: in scope headings but the parameters are not met."""
    end_uses: list[EndUseExemption]
    displaces: Displacement
    stacks_with: Displacement
    """Measures explicitly imposed in addition (Section 301)."""
    lower_rate_claim_bar: OpenFact
    end_use_displacement_question: OpenFact
    fta_note: Cited


class Sec301ForcedLabor(MeasureBase):
    family: Literal["sec301_forced_labor"]


class ChinaRetaliation(MeasureBase):
    """China's additional duties on US-origin goods (applied by China on imports into China)."""

    family: Literal["china_retaliation"]
    ic_waiver: IcWaiver | None = None


class ChinaCoverage(Cited):
    """What chipclear's data on China's duties covers: goods (HS prefixes) and dates (from ``from``).

    Outside it ``china_duty`` refuses the line naming the coverage, never answering 0% for measures it lacks."""

    family: Literal["china_coverage"]
    id: str
    start: dt.date = Field(alias="from")
    hs: list[str] = Field(min_length=1)
    text: str


class IcWaiver(Cited, provenance.Period):
    """A reported, unpublished waiver for some IC codes: modelled as an open question, never as fact."""

    prefixes: list[str]
    except_prefixes: list[str] = Field(default_factory=list)
    """Codes the reports exclude from the waiver (memory, HS 8542.32): the additional duty stands for them."""
    start: dt.date = Field(alias="from")
    question: str


class Notice(Cited):
    """A court ruling or agency notice that does not set a rate but concerns measures on the stack."""

    family: Literal["notice"]
    id: str
    title: str
    text: str
    concerns: list[str]


class OriginRule(_Strict):
    family: Literal["origin_rule"]
    id: str
    title: str
    rules: list[OriginStatement]


class OriginStatement(Cited):
    jurisdiction: str
    applies_to: str
    text: str


Measure = Annotated[
    Sec301List
    | Sec301Exclusion
    | Sec301Increase
    | IeepaDuty
    | DeMinimis
    | UsmcaExemption
    | IeepaReciprocal
    | Sec122
    | Sec232Semiconductors
    | Sec301ForcedLabor
    | ChinaRetaliation,
    Field(discriminator="family"),
]


for _model in (Column1, Alternative, Sec301List, Sec301Exclusion, IeepaDuty, Sec122, ChinaRetaliation, OriginRule):
    _model.model_rebuild()
