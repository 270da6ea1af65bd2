"""Load and validate catalog files (bundled, ``CHIPCLEAR_CATALOG`` and ``--spec`` files) through one path."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from chipclear.catalog.models import CatalogFile, Item, Part, System
from chipclear.datafiles import (
    NameIndex,
    bundled,
    bundled_texts,
    expand,
    first_error,
    read_user_file,
    read_yaml,
    safe_load,
)
from chipclear.errors import DataFileError, InputError, UnknownItemError
from chipclear.settings import get_settings
from chipclear.snapshot import cached

_DATA = resources.files("chipclear.catalog") / "data"


@lru_cache(maxsize=1)  # read-only; classify() asks for it on every call
def load_precisions() -> dict[str, Any]:
    text = (resources.files("chipclear.catalog") / "precisions.yaml").read_text(encoding="utf-8")
    data: dict[str, Any] = safe_load(text)
    return data


def _describe(entry: Any, index: int, key: str) -> str:
    ident = entry.get("id") if isinstance(entry, dict) else None
    return f"{key[:-1]} {ident!r}" if ident else f"{key[:-1]} #{index + 1}"


def _error_line(path: str, entry: Any, index: int, key: str, exc: ValidationError) -> str:
    return f"{path}: {_describe(entry, index, key)}: {first_error(exc)}"


def parse_catalog_text(text: str, path: str) -> CatalogFile:
    """Validate one catalog document. A bare mapping is read as a single part (``--spec`` files)."""
    raw = read_yaml(text, path)
    if isinstance(raw, dict) and "parts" not in raw and "systems" not in raw:
        raw = {"systems": [raw]} if raw.get("kind") == "system" or "components" in raw else {"parts": [raw]}
    if not isinstance(raw, dict):
        raise DataFileError(f"{path}: expected a mapping with 'parts' and/or 'systems' lists")
    unknown = set(raw) - {"parts", "systems"}
    if unknown:
        raise DataFileError(f"{path}: unknown top-level key(s) {sorted(unknown)}; expected 'parts', 'systems'")
    precisions = set(load_precisions()["precisions"])
    parts: list[Part] = []
    systems: list[System] = []
    for key, model, out in (("parts", Part, parts), ("systems", System, systems)):
        entries = raw.get(key) or []
        if not isinstance(entries, list):
            raise DataFileError(f"{path}: '{key}' must be a list")
        for i, entry in enumerate(entries):
            if isinstance(entry, dict):
                entry = {**entry, "origin": path}
            try:
                obj = model.model_validate(entry)
            except ValidationError as exc:
                raise DataFileError(_error_line(path, entry, i, key, exc)) from None
            if isinstance(obj, Part):
                for field in ("dense_throughput", "unpublished_precisions"):
                    bad = set(getattr(obj, field)) - precisions
                    if bad:
                        raise DataFileError(
                            f"{path}: part {obj.id!r}: field {field}: unknown precision(s) {sorted(bad)};"
                            f" valid: {sorted(precisions)}"
                        )
            out.append(obj)  # type: ignore[arg-type]
    return CatalogFile(parts=parts, systems=systems)


def load_catalog_file(path: Path) -> CatalogFile:
    return parse_catalog_text(read_user_file(path, "catalog file", "spec"), str(path))


class Catalog:
    """All parts and systems, with lookup by id or alias (case-, space- and punctuation-tolerant)."""

    def __init__(self, files: Iterable[CatalogFile]) -> None:
        self.parts: dict[str, Part] = {}
        self.systems: dict[str, System] = {}
        for f in files:
            for part in f.parts:
                self._add(part, self.parts)
            for system in f.systems:
                self._add(system, self.systems)
        for system in self.systems.values():
            for comp in system.components:
                if comp.part not in self.parts:
                    raise DataFileError(
                        f"{system.origin}: system {system.id!r}: field components.part: unknown part {comp.part!r}"
                    )
        self._index = NameIndex()
        for item in self.items():
            keys = {item.id, item.name, *item.aliases, f"{item.vendor} {item.name}"}
            self._index.add(item.id, keys | {f"{item.vendor} {a}" for a in item.aliases})

    def _add(self, item: Any, into: dict[str, Any]) -> None:
        if item.id in self.parts or item.id in self.systems:
            existing = self.parts.get(item.id) or self.systems[item.id]
            raise DataFileError(f"{item.origin}: duplicate id {item.id!r} (already defined in {existing.origin})")
        into[item.id] = item

    def items(self) -> list[Item]:
        return [*self.parts.values(), *self.systems.values()]

    def find(self, name: str) -> Item | None:
        """The item ``name`` names, or None (no near-name suggestions: ``get`` works them out for an error)."""
        ids = self._index.ids(name)
        if len(ids) > 1:
            raise InputError(f"item {name!r} is ambiguous: {', '.join(sorted(ids))}", field="item")
        if not ids:
            return None
        (only,) = ids
        return self.parts.get(only) or self.systems[only]

    def get(self, name: str) -> Item:
        found = self.find(name)
        if found is None:
            raise UnknownItemError(name, self.suggest(name))
        return found

    def suggest(self, name: str, limit: int = 3) -> list[str]:
        return self._index.suggest(name, limit)

    def suggest_scored(self, name: str, limit: int = 3) -> list[tuple[str, float]]:
        return self._index.suggest_scored(name, limit)

    def component_parts(self, system: System) -> list[tuple[Part, int]]:
        return [(self.parts[c.part], c.count) for c in system.components]


def bundled_files() -> list[CatalogFile]:
    return bundled(_DATA, "catalog/data", parse_catalog_text)


@lru_cache(maxsize=8)
def _load(extra: tuple[Path, ...]) -> Catalog:
    texts = bundled_texts(_DATA, "catalog/data")
    texts += [(str(p), read_user_file(p, "catalog file", "spec")) for p in expand(extra)]
    precisions = (resources.files("chipclear.catalog") / "precisions.yaml").read_bytes()
    sources = [("catalog/precisions.yaml", precisions), *((name, text.encode()) for name, text in texts)]
    return cached(
        "catalog", sources, lambda: Catalog([parse_catalog_text(text, name) for name, text in texts]), Catalog
    )


def load_catalog(extra_paths: Iterable[Path] | None = None) -> Catalog:
    """The bundled catalog plus ``CHIPCLEAR_CATALOG`` files plus ``extra_paths`` (cached per path set)."""
    paths = tuple(get_settings().catalog_paths) + tuple(extra_paths or ())
    return _load(paths)
