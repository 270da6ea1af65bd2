"""Catalog schema: accelerators (and HBM stacks) and the systems built from them.

Declared once as pydantic models; the bundled vendor files and users' own files load through the same models,
so a user's part is validated exactly like a bundled one. Every figure is bounded (``chipclear.bounds.SpecFigure``):
what is computed from a part is always a finite number.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from chipclear.bounds import SpecArea, SpecCount, SpecFigure
from chipclear.provenance import Mark as Confidence  # H / M / L (L: shown as LOW CONFIDENCE)


class Part(BaseModel):
    """One integrated circuit as sold (a GPU package, an accelerator card's chip, an HBM stack)."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, frozen=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    vendor: str
    name: str
    aliases: list[str] = Field(default_factory=list)
    # Drawn beside the dot on chip maps: set for parts whose place explains the rules (reference points, designs
    # made to sit just under a threshold); None = a dot without a label.
    chart_label: str | None = None
    kind: Literal["accelerator", "hbm"] = "accelerator"
    form_factor: str | None = None
    launch: str | None = None
    datacenter: bool | None = None  # designed or marketed for use in datacenters; None = unknown
    datacenter_note: str | None = None
    dense_throughput: dict[str, SpecFigure] = Field(default_factory=dict)  # TFLOPS / TOPS, dense
    # precisions the part supports whose dense rate is not published: the TPP of the published ones is then only a
    # lower bound (TPP is the highest over all precisions), and a test it cannot settle is undecided
    unpublished_precisions: list[str] = Field(default_factory=list)
    die_area_mm2: SpecArea | None = None  # all logic dies on non-planar process nodes
    die_area_is_lower_bound: bool = False
    die_area_confidence: Confidence | None = None
    die_area_note: str | None = None
    # other readings of the same applicable die area that the reference gives (a source recording the figure for
    # another scope, e.g. per die vs per package): each is classified, and a test the readings answer differently
    # is undecided (never settled by picking one)
    die_area_alternatives_mm2: list[SpecArea] = Field(default_factory=list)
    logic_dies: SpecCount | None = None
    memory_gb: SpecFigure | None = None
    memory_bandwidth_tbs: SpecFigure | None = None
    interconnect_gbs: SpecFigure | None = None  # aggregate bidirectional chip-to-chip I/O
    package_area_mm2: SpecArea | None = None  # HBM: package or stack area
    tdp_w: SpecFigure | None = None
    sources: list[str] = Field(min_length=1)
    confidence: Confidence
    notes: str = ""
    origin: str = Field(default="", exclude=True)  # the file it came from

    @field_validator("launch", mode="before")
    @classmethod
    def _launch_as_text(cls, value: object) -> object:
        return None if value is None else str(value)


class Component(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, frozen=True)

    part: str
    count: SpecCount


class System(BaseModel):
    """A computer, baseboard or assembly: classified from the ICs it contains (ECCN 4A090)."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, frozen=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    vendor: str
    name: str
    aliases: list[str] = Field(default_factory=list)
    kind: Literal["system"] = "system"
    form_factor: str | None = None
    datacenter: bool | None = None
    components: list[Component] = Field(min_length=1)
    sources: list[str] = Field(min_length=1)
    confidence: Confidence
    notes: str = ""
    origin: str = Field(default="", exclude=True)


Item = Part | System


class CatalogFile(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    parts: list[Part] = Field(default_factory=list)
    systems: list[System] = Field(default_factory=list)
