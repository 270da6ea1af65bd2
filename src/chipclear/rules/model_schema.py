"""Schema of the ``model_classification`` section of a rule file: the ECCN for AI model weights (4E091) as data.

The heading's compute threshold, the 'operations' definition, and each note that takes weights out of the entry
(published weights, models derived from published weights, the capability exclusion) are named, cited values; the
code in ``chipclear.models.classify`` only evaluates them.
"""

from __future__ import annotations

from typing import Literal

from chipclear.provenance import Cited as Provenance
from chipclear.provenance import Confidence


class Cited(Provenance):
    """A named, cited statement of the entry (a definition, a note)."""

    id: str
    text: str


class ComputeThreshold(Cited):
    """The heading: weights of a model trained with ``op value`` 'operations' (e.g. ge 1e26)."""

    op: Literal["ge", "gt"]
    value: float


class DerivedExclusion(Cited):
    """Weights derived from published weights are excluded unless the derivation's additional operations exceed
    the higher of ``absolute_operations`` and ``share_of_training`` x the model's training operations."""

    absolute_operations: float
    share_of_training: float
    # "25 percent of the training 'operations'": of the derived model's own (base plus additional) or of the base
    # model's; where the two readings give different answers the model is indeterminate, naming this reading
    share_reading: str = ""
    share_reading_confidence: Confidence = "UNCONFIRMED"


class ModelClassificationSection(Provenance):
    eccn: str
    heading: str
    threshold: ComputeThreshold
    operations_definition: Cited
    published_exclusion: Cited
    derived_exclusion: DerivedExclusion
    capability_exclusion: Cited
    notes: str = ""

    def carve_outs(self) -> tuple[str, ...]:
        """The notes that take weights out of the entry, by id (a decision carries their steps, as it carries a
        chip's named carve-outs such as Note 2 to 3A090: ``determination.engine.dated_notes``)."""
        return (self.published_exclusion.id, self.derived_exclusion.id, self.capability_exclusion.id)


__all__ = ["ComputeThreshold", "DerivedExclusion", "ModelClassificationSection"]
