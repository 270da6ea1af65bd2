"""The JSON shapes of a catalog item (the catalog's own models, plus ``origin``) and of its classification
(``Classification.to_json()``), as pydantic models for the HTTP API's schema."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from chipclear.catalog.models import Part, System
from chipclear.decision import Reason


class View(BaseModel):
    model_config = ConfigDict(extra="allow")


class PartView(Part):
    """A part as in its catalog file (specs with their sources and confidence), plus the file it came from."""

    origin: str = Field(description="The catalog file the part came from")


class SystemView(System):
    """A system as in its catalog file (its components), plus the file it came from."""

    origin: str = Field(description="The catalog file the system came from")


# ``GET /api/catalog/{item}``: every spec field typed, a part (accelerator / hbm) or a system (``kind`` tells which).
# A plain union (``anyOf`` in the schema): the two models share no valid document, so either reads one way only.
CatalogItemView = PartView | SystemView


class ItemRef(View):
    id: str
    name: str
    vendor: str
    kind: str


class PrecisionRow(View):
    precision: str
    dense_tops: float | None
    bits: int | None
    tpp: float | None


class ComponentView(View):
    """One kind of IC a system contains: how many, and its own classification on the date."""

    part: str
    count: int
    eccn: str | None
    status: str
    tpp: float | None


class ClassificationView(View):
    """An item's ECCN status on a date, with the metrics compared and the trace (rule, citation, comparison)."""

    item: ItemRef
    as_of: str
    layer: str
    tpp: float | None
    tpp_alternatives: list[float]
    performance_density: float | None
    performance_density_alternatives: list[float] = Field(
        default_factory=list, description="The density under the other readings of the die area the reference gives"
    )
    eccn: str | None
    status: str
    candidates: list[str]
    missing: list[str]
    trace: list[Reason]
    rules_version: str
    components: list[ComponentView] = Field(description="A system's ICs (empty for a part)")
    low_confidence: list[str] = Field(
        default_factory=list, description="The low-confidence figures a decided classification rests on"
    )
    low_confidence_fields: list[str] = Field(
        default_factory=list,
        description="Which of tpp, performance_density, eccn rest on low-confidence (L) facts: show them flagged",
    )
    precision_table: list[PrecisionRow] | None = None


__all__ = [
    "CatalogItemView",
    "ClassificationView",
    "ComponentView",
    "ItemRef",
    "PartView",
    "PrecisionRow",
    "SystemView",
]
