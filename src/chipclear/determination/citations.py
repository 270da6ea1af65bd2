"""The citations of the reasons the engine states on its own (``data/engine-citations.yaml``)."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

from pydantic import BaseModel, ConfigDict, ValidationError

from chipclear.datafiles import first_error, read_yaml
from chipclear.errors import DataFileError
from chipclear.provenance import Confidence

_FILE = "determination/data/engine-citations.yaml"


class EngineCitation(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    citation: str
    confidence: Confidence | None = None
    percent: float | None = None  # a share the engine's reading turns on (e.g. an owner's control of a party)


@lru_cache(maxsize=1)
def _load() -> dict[str, EngineCitation]:
    text = (resources.files("chipclear.determination") / "data" / "engine-citations.yaml").read_text(encoding="utf-8")
    raw = read_yaml(text, _FILE)
    if not isinstance(raw, dict):
        raise DataFileError(f"{_FILE}: expected a mapping of reason -> citation, confidence")
    out = {}
    for key, value in raw.items():
        try:
            out[str(key)] = EngineCitation.model_validate(value)
        except ValidationError as exc:
            raise DataFileError(f"{_FILE}: {key}: {first_error(exc)}") from None
    return out


def engine_citation(key: str) -> EngineCitation:
    """The citation and confidence of the engine's own reason ``key`` (a missing key is a broken installation)."""
    found = _load().get(key)
    if found is None:
        raise DataFileError(f"{_FILE}: no entry {key!r}")
    return found


__all__ = ["EngineCitation", "engine_citation"]
