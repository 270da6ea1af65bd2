"""Model catalog schema: AI models and what is public about them (parameters, training compute, weights).

Declared once as pydantic models; the bundled developer files and users' ``--model-spec`` files load through the
same models, so a user's model is validated exactly like a bundled one. A figure nobody published stays ``None``
(unknown): the classification then names it as missing instead of guessing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, computed_field, field_validator, model_validator

from chipclear.bounds import Day, Flag, PositiveNumber
from chipclear.provenance import Confidence

UNKNOWN: Literal["unknown"] = "unknown"
# A count (operations, parameters, tokens): a positive, finite number (1e999 or NaN in a spec file is an error) and
# never converted from true, "yes" or a string such as "1e27" (``chipclear.bounds``).
PositiveFloat = PositiveNumber


class Compute(BaseModel):
    """Training compute in 'operations' and how the figure was obtained.

    ``reported``: stated by the developer. ``six_n_d``: 6 x parameters x training tokens (the worked example of
    Technical Note 2 to 4E091), from ``parameters_used`` and ``tokens`` with their sources. ``estimate``: a third
    party's estimate (e.g. Epoch AI), marked with its confidence. ``unknown``: nobody published a figure.
    """

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, frozen=True)

    method: Literal["reported", "six_n_d", "estimate", "unknown"]
    operations: PositiveFloat | None = None
    parameters_used: PositiveFloat | None = None  # N in 6ND (the activated parameters of a mixture of experts)
    tokens: PositiveFloat | None = None  # D in 6ND
    confidence: Confidence = "M"  # H / M / L as in every data file; high/medium/low are refused by name
    sources: list[str] = Field(default_factory=list)
    note: str = ""

    @model_validator(mode="after")
    def _consistent(self) -> Compute:
        if self.method == "six_n_d":
            if self.parameters_used is None or self.tokens is None:
                raise ValueError("method six_n_d needs parameters_used and tokens")
            product = 6 * self.parameters_used * self.tokens
            if self.operations is None:
                object.__setattr__(self, "operations", product)
            elif abs(self.operations - product) > 0.01 * product:
                raise ValueError(
                    f"operations {self.operations:.3g} is not 6 x parameters_used x tokens ({product:.3g})"
                )
        elif self.method == "unknown" and self.operations is not None:
            raise ValueError("method unknown must not give operations")
        elif self.method in ("reported", "estimate") and self.operations is None:
            raise ValueError(f"method {self.method} needs operations")
        if self.method != "unknown" and self.confidence == "UNCONFIRMED":
            raise ValueError("an UNCONFIRMED compute figure is method unknown (say why in note), not a figure")
        if self.method != "unknown" and not self.sources:
            raise ValueError("a compute figure needs its sources")
        return self


class AIModel(BaseModel):
    """One AI model (its weights are the item: ECCN 4E091 'parameters')."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, frozen=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9.-]*$")
    name: str
    developer: str
    headquarters: str | None = None  # ISO 3166-1 alpha-2 of the developer's headquarters; None = unknown
    aliases: list[str] = Field(default_factory=list)
    release_date: Day | None = None
    parameters: PositiveFloat | None = None  # total learned parameters
    active_parameters: PositiveFloat | None = None  # per token, for a mixture of experts
    compute: Compute
    # The date the weights were published (734.7(a)), None when they are not, "unknown" when nobody knows.
    weights_published: Day | Literal["unknown"] | None = UNKNOWN
    weights_note: str = ""
    derived_from: str | None = None  # catalog id of the base model it was fine-tuned (derived) from
    additional_training_operations: PositiveFloat | None = None  # operations of the derivation (fine-tuning)
    # 4E091 Note 2 (less capable than the most advanced published model) as determined by BIS guidance, a technical
    # opinion or a classification request: True/False with its basis; None = not established.
    capability_exclusion: Flag | None = None
    capability_exclusion_basis: str = Field(default="", validate_default=True)
    sources: list[str] = Field(min_length=1)
    notes: str = ""
    origin: str = Field(default="", exclude=True)  # the file it came from

    kind: Literal["model"] = "model"

    @field_validator("capability_exclusion_basis")
    @classmethod
    def _capability_basis(cls, basis: str, info: ValidationInfo) -> str:
        # 4E091 Note 2.a: the exclusion is established by BIS guidance, a technical opinion or a classification
        # request; a determination without the one it rests on is not one (docs/models.md)
        if info.data.get("capability_exclusion") is not None and not basis.strip():
            raise ValueError(
                "required with capability_exclusion: the BIS guidance, technical opinion or classification request"
                " result that establishes it (4E091 Note 2.a)"
            )
        return basis

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        """``training_operations: 3.0e26`` (the spec-file form) is a compute figure stated by the file's author."""
        if isinstance(data, dict) and "training_operations" in data:
            data = dict(data)
            ops = data.pop("training_operations")
            if "compute" in data:
                raise ValueError("give either training_operations or compute, not both")
            source = data.get("training_operations_source") or f"stated in {data.get('origin') or 'the spec'}"
            data.pop("training_operations_source", None)
            data["compute"] = (
                {"method": "unknown"}
                if ops is None
                else {"method": "reported", "operations": ops, "confidence": "H", "sources": [source]}
            )
        return data

    @model_validator(mode="after")
    def _derivation(self) -> AIModel:
        add, total = self.additional_training_operations, self.compute.operations
        if add is not None and self.derived_from is None:
            raise ValueError("additional_training_operations needs derived_from (the base model)")
        if add is not None and total is not None and add > total:
            raise ValueError(
                f"additional_training_operations {add:.3g} exceed the model's training operations {total:.3g}"
                " (training_operations counts pre-training plus the additional training)"
            )
        return self

    @computed_field  # type: ignore[prop-decorator]
    @property
    def vendor(self) -> str:  # the name interfaces show beside an item (chips have a vendor)
        return self.developer

    @property
    def datacenter(self) -> bool | None:  # a chip property; not a fact about model weights
        return None

    @property
    def training_operations(self) -> float | None:
        return self.compute.operations

    def published_on(self, on: dt.date) -> bool | None:
        """Were the weights "published" (734.7(a)) on ``on``? None = unknown."""
        if self.weights_published == UNKNOWN:
            return None
        if self.weights_published is None:
            return False
        assert isinstance(self.weights_published, dt.date)
        return self.weights_published <= on


class Developer(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, frozen=True)

    name: str
    headquarters: str  # ISO 3166-1 alpha-2
    sources: list[str] = Field(min_length=1)


class ModelCatalogFile(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    developer: Developer
    models: list[AIModel] = Field(default_factory=list)


__all__ = ["UNKNOWN", "AIModel", "Compute", "Developer", "ModelCatalogFile"]
