"""Load and validate model catalog files (bundled, ``CHIPCLEAR_MODELS`` and ``--model-spec`` files) through one path.

Errors name the file, the model and the field, as for the chip catalog.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from functools import lru_cache
from importlib import resources
from pathlib import Path

from pydantic import ValidationError

from chipclear.catalog import Catalog, load_catalog
from chipclear.datafiles import NameIndex, bundled_texts, expand, first_error, read_user_file, read_yaml
from chipclear.errors import DataFileError, InputError, UnknownItemError
from chipclear.models.schema import AIModel, Developer, ModelCatalogFile
from chipclear.settings import get_settings
from chipclear.snapshot import cached

_DATA = resources.files("chipclear.models") / "data"


def parse_model_catalog_text(text: str, path: str) -> ModelCatalogFile:
    """One developer file: ``developer: {name, headquarters, sources}`` and ``models: [...]``."""
    raw = read_yaml(text, path)
    if not isinstance(raw, dict) or "developer" not in raw:
        raise DataFileError(f"{path}: expected a mapping with 'developer' and 'models'")
    unknown = set(raw) - {"developer", "models"}
    if unknown:
        raise DataFileError(f"{path}: unknown top-level key(s) {sorted(unknown)}; expected 'developer', 'models'")
    try:
        developer = Developer.model_validate(raw["developer"])
    except ValidationError as exc:
        raise DataFileError(f"{path}: developer: {first_error(exc)}") from None
    entries = raw.get("models") or []
    if not isinstance(entries, list):
        raise DataFileError(f"{path}: 'models' must be a list")
    models = []
    for i, entry in enumerate(entries):
        label = f"model {entry.get('id')!r}" if isinstance(entry, dict) and entry.get("id") else f"model #{i + 1}"
        if isinstance(entry, dict):
            entry = {"developer": developer.name, "headquarters": developer.headquarters, **entry, "origin": path}
        try:
            models.append(AIModel.model_validate(entry))
        except ValidationError as exc:
            raise DataFileError(f"{path}: {label}: {_model_error(exc, entry)}") from None
    return ModelCatalogFile(developer=developer, models=models)


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9.]+", "-", name.casefold()).strip("-.") or "model"


def parse_model_spec_text(text: str, path: str) -> AIModel:
    """A ``--model-spec`` file: one mapping with at least name, developer, training_operations and
    weights_published (a date, or null when not published); optionally derived_from and
    additional_training_operations. A missing figure is unknown (the classification names it)."""
    raw = read_yaml(text, path)
    if not isinstance(raw, dict):
        raise DataFileError(f"{path}: a model spec is a mapping with name, developer, training_operations ...")
    for key in ("name", "developer"):
        if not raw.get(key):
            raise DataFileError(f"{path}: model spec: field {key}: required")
    entry = {"id": _slug(str(raw["name"])), "sources": [f"model spec {path}"], **raw, "origin": path}
    if "training_operations" not in entry and "compute" not in entry:
        entry["compute"] = {"method": "unknown"}
    try:
        return AIModel.model_validate(entry)
    except ValidationError as exc:
        raise DataFileError(f"{path}: model {entry['id']!r}: {_model_error(exc, entry)}") from None


def _model_error(exc: ValidationError, entry: object) -> str:
    """The first error, naming ``training_operations`` as the file wrote it (the shorthand for compute.operations)."""
    text = first_error(exc)
    if isinstance(entry, dict) and "training_operations" in entry:
        text = text.replace("field compute.operations:", "field training_operations:", 1)
    return text


def load_model_spec(path: Path) -> AIModel:
    return parse_model_spec_text(read_user_file(path, "model spec", "model-spec"), str(path))


class ModelCatalog:
    """All models, with lookup by id, name or alias (case-, space- and punctuation-tolerant)."""

    def __init__(self, files: Iterable[ModelCatalogFile], extra: Iterable[AIModel] = ()) -> None:
        self.models: dict[str, AIModel] = {}
        for model in [m for f in files for m in f.models] + list(extra):
            if model.id in self.models:
                raise DataFileError(
                    f"{model.origin}: duplicate model id {model.id!r} (already in {self.models[model.id].origin})"
                )
            self.models[model.id] = model
        for model in self.models.values():
            if model.derived_from is not None and model.derived_from not in self.models:
                raise DataFileError(
                    f"{model.origin}: model {model.id!r}: field derived_from: unknown model {model.derived_from!r}"
                )
        self._index = NameIndex()
        for m in self.models.values():
            self._index.add(m.id, {m.id, m.name, *m.aliases, f"{m.developer} {m.name}"})

    def with_model(self, model: AIModel, chips: Catalog | None = None) -> ModelCatalog:
        """This catalog plus one user model (a ``--model-spec``); its derived_from must name a catalog model, and
        none of its names may be a model's of this catalog or an item's of the chip catalog ``chips`` (default: the
        loaded one)."""
        if model.derived_from is not None and model.derived_from not in self.models:
            raise InputError(
                f"{model.origin}: field derived_from: unknown model {model.derived_from!r}"
                + _hint(self.suggest(model.derived_from)),
                field="derived_from",
            )
        # A spec is another model than the catalog's: one that takes a catalog model's id or one of its names is
        # refused, as a chip spec naming a catalog chip is (a door audit, 2026-12-07: a spec named "Grok 3" with
        # 1e20 operations replaced the catalog's Grok 3 and its weights to China came out NLR).
        for name in {model.id, model.name, *model.aliases}:
            taken = self._index.ids(name)
            if taken:
                raise InputError(
                    f"{model.origin}: {name!r} is the catalog's model {', '.join(sorted(taken))}: a model spec describes"
                    " another model (give it a name of its own; to decide the catalog's model, name it without a spec)",
                    field="name",
                )
        # Nor a chip's: an order line names its item, and a model spec named "H100" (or aliased H20) took the
        # catalog chip's line and decided it as weights of 1e20 operations, NLR (the 4E091 audit, 2026-12-07).
        chip_catalog = chips or load_catalog()
        for name in sorted({model.id, model.name, *model.aliases}):
            try:
                chip = chip_catalog.find(name)
            except InputError:  # ambiguous among chips: a chip's name all the same
                raise InputError(
                    f"{model.origin}: {name!r} names items of the chip catalog: a model spec describes a model (give"
                    " it a name of its own)",
                    field="name",
                ) from None
            if chip is not None:
                raise InputError(
                    f"{model.origin}: {name!r} is the chip catalog's item {chip.id}: a model spec describes a model"
                    " (give it a name of its own; to decide the chip, name it without a spec)",
                    field="name",
                )
        base = self.models.get(model.derived_from) if model.derived_from else None
        stated, under = model.compute.operations, base.training_operations if base is not None else None
        if base is not None and stated is not None and under is not None and stated < under:
            raise InputError(
                f"{model.origin}: field training_operations: {stated:.3g} is less than its base model {base.id}'s"
                f" {under:.3g}; a model derived from another includes the base's training (give"
                " additional_training_operations instead)",
                field="training_operations",
            )
        return ModelCatalog([], [*self.models.values(), model])

    def find(self, name: str) -> AIModel | None:
        ids = self._index.ids(name)
        if len(ids) > 1:
            raise InputError(f"model {name!r} is ambiguous: {', '.join(sorted(ids))}", field="model")
        return self.models[next(iter(ids))] if ids else None

    def get(self, name: str) -> AIModel:
        found = self.find(name)
        if found is None:
            raise UnknownItemError(name, self.suggest(name))
        return found

    def suggest(self, name: str, limit: int = 3) -> list[str]:
        return self._index.suggest(name, limit)

    def suggest_scored(self, name: str, limit: int = 3) -> list[tuple[str, float]]:
        return self._index.suggest_scored(name, limit)

    def all(self) -> list[AIModel]:
        return sorted(self.models.values(), key=lambda m: (m.release_date or _FAR, m.id))


def require_spec_named(spec: AIModel, item: str, field: str) -> None:
    """An order line's (or ``classify --model``'s) item given with a ``--model-spec`` must name the spec's model:
    a catalog item with a spec is refused, as ITEM with a chip ``--spec`` is (the 4E091 audit, 2026-12-07: the
    catalog's grok-3 was decided and the spec silently ignored)."""
    index = NameIndex()
    index.add(spec.id, {spec.id, spec.name, *spec.aliases, f"{spec.developer} {spec.name}"})
    if not index.ids(item):
        raise InputError(
            f"{field}: {item!r} is not the --model-spec model {spec.id!r}: give either a catalog item without"
            f" --model-spec or the spec's model ({spec.id})",
            field=field,
        )


def _hint(suggestions: list[str]) -> str:
    return f"; did you mean {', '.join(repr(s) for s in suggestions)}?" if suggestions else ""


@lru_cache(maxsize=8)
def _load(extra: tuple[Path, ...]) -> ModelCatalog:
    texts = bundled_texts(_DATA, "models/data")
    texts += [(str(p), read_user_file(p, "model catalog file", "models")) for p in expand(extra)]
    return cached(
        "models",
        [(name, text.encode()) for name, text in texts],
        lambda: ModelCatalog([parse_model_catalog_text(text, name) for name, text in texts]),
        ModelCatalog,
    )


def load_models(extra_paths: Iterable[Path] | None = None) -> ModelCatalog:
    """The bundled model catalog plus ``CHIPCLEAR_MODELS`` files plus ``extra_paths`` (cached per path set)."""
    return _load(tuple(get_settings().model_paths) + tuple(extra_paths or ()))


_FAR = dt.date.max

__all__ = [
    "ModelCatalog",
    "load_model_spec",
    "load_models",
    "parse_model_catalog_text",
    "parse_model_spec_text",
    "require_spec_named",
]
