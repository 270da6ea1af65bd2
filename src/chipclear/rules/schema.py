"""Schema of a rule data file: one file per Federal Register action or official notice.

Every action carries its citation, dates and confidence. What it sets is in named sections; ``classification``
holds the ECCN tests (declarative comparisons of named metrics), other sections are added by the parts of
chipclear that use them. Each section is merged over the sections of earlier actions by id, so a new action
states only what it changes.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from chipclear.bounds import Day
from chipclear.provenance import OP_SYMBOL as OP_SYMBOL  # re-exported: the rules vocabulary
from chipclear.provenance import Cited, Period, Test
from chipclear.provenance import Confidence as ConfidenceMark
from chipclear.provenance import Op as Op
from chipclear.rules.licensing_schema import LicensingSection
from chipclear.rules.model_schema import ModelClassificationSection

Layer = Literal["enforced", "codified"]
ItemKind = Literal["accelerator", "hbm"]


class Paragraph(BaseModel):
    """An ECCN paragraph: met when any clause holds; a clause holds when all of its tests hold."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, frozen=True)

    id: str
    text: str
    applies_to: list[ItemKind] = Field(default_factory=lambda: list[ItemKind](["accelerator"]))
    any_of: list[list[Test]] = Field(min_length=1)
    citation: str | None = None
    confidence: ConfidenceMark | None = None


class Exclusion(BaseModel):
    """A carve-out (e.g. Note 2 to 3A090): when all tests hold, the listed paragraphs do not apply."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, frozen=True)

    id: str
    text: str
    paragraphs: list[str]
    all_of: list[Test] = Field(min_length=1)
    citation: str | None = None
    confidence: ConfidenceMark | None = None


class SystemParagraph(BaseModel):
    """A computer/assembly paragraph (4A090): met when any contained IC meets ``contains``."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, frozen=True)

    id: str
    text: str
    contains: str
    citation: str | None = None
    confidence: ConfidenceMark | None = None


class Caveat(BaseModel):
    """What the data of a version leaves open (e.g. a paragraph whose text was not found): stated in every
    classification trace while the version is in force, so an answer never rests on it silently."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, frozen=True)

    id: str
    text: str
    citation: str
    confidence: ConfidenceMark


class MetricDefinition(BaseModel):
    """How a version of the ECCN defines a metric the classification computes (``tpp``, ``performance_density``):
    the metric steps of a classification cite the definition in force on its date. ``parameter: false`` records that
    the version has no such parameter (the figure is then shown for information only, saying so)."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, frozen=True)

    id: Literal["tpp", "performance_density"]
    term: str  # the name the version gives it ("processing performance (bit length x TOPS)")
    formula: str = ""  # how the figure is computed under this version's wording
    citation: str
    confidence: ConfidenceMark
    parameter: bool = True
    note: str = ""


class ClassificationSection(Cited):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, frozen=True)

    metrics: list[MetricDefinition] = Field(default_factory=list)
    paragraphs: list[Paragraph] = Field(default_factory=list)
    exclusions: list[Exclusion] = Field(default_factory=list)
    systems: list[SystemParagraph] = Field(default_factory=list)
    caveats: list[Caveat] = Field(default_factory=list)
    remove: list[str] = Field(default_factory=list)  # ids of earlier paragraphs/exclusions/caveats this action deletes
    notes: str = ""


class EnforcementPeriod(Period, Cited):
    """Where enforcement differs from the text: ``from`` (``until``, exclusive) the listed sections (all when
    empty) are, or are not, enforced. Example: the Jan 2025 diffusion rule, not enforced from 2025-05-13."""

    start: Day = Field(alias="from")
    enforced: bool
    sections: list[str] = Field(default_factory=list)
    # Only these ids (license requirements, review policies, exceptions) of the ``licensing`` section are not
    # enforced; the rest of the section is (e.g. the Dec 2024 HBM requirements, whose compliance date was later than
    # the rule's effective date, while the rest of that rule applied at once). Empty = the whole sections.
    ids: list[str] = Field(default_factory=list)
    note: str = ""

    @model_validator(mode="after")
    def _ids_switch_off(self) -> EnforcementPeriod:
        if self.ids and (self.enforced or self.sections != ["licensing"]):
            raise ValueError(
                "enforcement: ids name licensing items not enforced: give enforced: false and sections: [licensing]"
            )
        return self


class RuleAction(BaseModel):
    """One legal action (Federal Register rule, notice, BIS guidance or letter) as data."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, frozen=True)

    id: str
    kind: Literal["rule", "notice", "guidance", "letter", "draft"] = "rule"
    title: str
    citation: str
    url: str | None = None
    published: Day | None = None
    effective: Day
    compliance: Day | None = None
    confidence: ConfidenceMark
    source: str  # where the fact was read (reference file section, document)
    notes: str = ""
    # The law as it stood on ``effective`` (e.g. the embargoes and list rules at the start of the country-group
    # data), not a change made that day: the data speaks for no date before the latest baseline (``coverage_start``).
    baseline: bool = False
    enforcement: list[EnforcementPeriod] = Field(default_factory=list)
    classification: ClassificationSection | None = None
    # Sections owned by other parts of chipclear (determination, duties ...) are validated by those parts.
    licensing: LicensingSection | None = None
    model_classification: ModelClassificationSection | None = None  # ECCN 4E091 (AI model weights)
    origin: str = Field(default="", exclude=True)

    @model_validator(mode="after")
    def _dates_in_order(self) -> RuleAction:
        if self.compliance and self.compliance < self.effective:
            raise ValueError("compliance date is before the effective date")
        named = {i for p in self.enforcement for i in p.ids}
        if named:
            lic = self.licensing
            known = (
                {r.id for r in lic.requirements}
                | {p.id for p in lic.review_policies}
                | {e.id for e in lic.license_exceptions}
                if lic
                else set()
            )
            if named - known:
                raise ValueError(f"enforcement: ids not in this action's licensing section: {sorted(named - known)}")
        return self

    def section_in_force(self, section: str, on: dt.date, layer: Layer = "enforced") -> bool:
        """Is ``section`` of this action law on ``on`` in ``layer``? Codified = effective; enforced = effective
        and not switched off by an enforcement period covering the date."""
        if on < self.effective:
            return False
        if layer == "codified":
            return True
        enforced = True
        for period in self.enforcement:
            # a period naming ids switches those items off, not the section (``not_enforced_ids``)
            if period.covers(on) and not period.ids and (not period.sections or section in period.sections):
                enforced = period.enforced
        return enforced

    def not_enforced_ids(self, on: dt.date, layer: Layer = "enforced") -> set[str]:
        """Ids of this action's licensing items that an enforcement period naming them switches off on ``on``."""
        if layer == "codified":
            return set()
        return {i for p in self.enforcement if p.ids and not p.enforced and p.covers(on) for i in p.ids}
