"""Load and validate the bundled tariff data files (one per legal measure). Loaded once per process."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, TypeAdapter, ValidationError

from chipclear.datafiles import YAML_ERRORS, safe_load, yaml_problem
from chipclear.errors import DataFileError, validation_text
from chipclear.tariffs.models import (
    ChinaCoverage,
    ChinaRetaliation,
    Column1,
    Measure,
    MeasureBase,
    Notice,
    OriginRule,
)

DATA_DIR = Path(__file__).parent / "data"

_MEASURE = TypeAdapter(Measure)


@dataclass(frozen=True, eq=False)
class TariffData:
    """Everything the duty engine needs, validated; ``measures`` keyed by id in file order."""

    column1: Column1
    measures: dict[str, MeasureBase]
    china: dict[str, ChinaRetaliation]
    origin_rules: OriginRule
    notices: dict[str, Notice]
    sources: dict[str, str]
    research_cutoff_approx: dt.date
    files: dict[str, str]
    """measure id -> data file name (relative to the data directory), for citations and audits."""
    china_coverage: ChinaCoverage | None = None
    """The goods and dates the China data covers (``cn/coverage.yaml``)."""

    def measure(self, measure_id: str) -> MeasureBase:
        return self.measures[measure_id]


def _read(path: Path) -> Any:
    try:
        with path.open(encoding="utf-8") as handle:
            return safe_load(handle)
    except YAML_ERRORS as exc:
        raise DataFileError(f"{path.name}: not valid YAML: {yaml_problem(exc)}") from None


def _validation_message(path: Path, exc: ValidationError, family: object = None) -> str:
    first = exc.errors()[0]
    loc = list(first["loc"])
    if len(loc) > 1 and loc[0] == family:
        loc = loc[1:]  # the discriminator tag (family) pydantic puts first
    where = ".".join(str(p) for p in loc)
    return f"{path.name}: field {where}: {validation_text(first)}"


def load_tariff_data(data_dir: Path | None = None) -> TariffData:
    """Read every data file under ``data_dir`` (default: the bundled data) and check cross-references."""
    root = data_dir or DATA_DIR
    sources_doc = _read(root / "sources.yaml")
    sources = {str(k): str(v) for k, v in sources_doc["sources"].items()}
    column1: Column1 | None = None
    origin_rules: OriginRule | None = None
    measures: dict[str, MeasureBase] = {}
    china: dict[str, ChinaRetaliation] = {}
    notices: dict[str, Notice] = {}
    china_coverage: ChinaCoverage | None = None
    files: dict[str, str] = {}
    for path in sorted(root.rglob("*.yaml")):
        if path.name == "sources.yaml":
            continue
        raw = _read(path)
        family = raw.get("family") if isinstance(raw, dict) else None
        try:
            if family == "column1":
                column1 = Column1.model_validate(raw)
                continue
            if family == "origin_rule":
                origin_rules = OriginRule.model_validate(raw)
                continue
            if family == "china_coverage":
                china_coverage = ChinaCoverage.model_validate(raw)
                continue
            if family == "notice":
                notice = Notice.model_validate(raw)
                notices[notice.id] = notice
                files[notice.id] = str(path.relative_to(root))
                continue
            measure = _MEASURE.validate_python(raw)
        except ValidationError as exc:
            raise DataFileError(_validation_message(path, exc, family)) from None
        if measure.id in measures or measure.id in china:
            raise DataFileError(f"{path.name}: field id: duplicate measure id {measure.id!r}")
        files[measure.id] = str(path.relative_to(root))
        if isinstance(measure, ChinaRetaliation):
            china[measure.id] = measure
        else:
            measures[measure.id] = measure
    if column1 is None or origin_rules is None:
        raise DataFileError(f"{root}: the column 1 rates file or the origin rules file is missing")
    data = TariffData(
        column1=column1,
        measures=measures,
        china=china,
        origin_rules=origin_rules,
        notices=notices,
        sources=sources,
        research_cutoff_approx=sources_doc["research_cutoff_approx"],
        files=files,
        china_coverage=china_coverage,
    )
    _check_references(data)
    return data


def _cited_sources(obj: Any) -> list[str]:
    """Every S-number mentioned anywhere in a validated model (walks nested models and lists)."""
    found: list[str] = []
    if isinstance(obj, list | tuple):
        for item in obj:
            found.extend(_cited_sources(item))
    elif isinstance(obj, BaseModel):
        for name in type(obj).model_fields:
            value = getattr(obj, name)
            if name == "sources" and isinstance(value, list):
                found.extend(value)
            else:
                found.extend(_cited_sources(value))
    elif isinstance(obj, dict):
        for value in obj.values():
            found.extend(_cited_sources(value))
    return found


def _check_references(data: TariffData) -> None:
    known = set(data.measures)
    for measure in data.measures.values():
        refs: list[str] = []
        for field in ("replaces", "replaced_by", "exempts"):
            refs.extend(getattr(measure, field, []) or [])
        for field in ("displaces", "stacks_with"):
            block = getattr(measure, field, None)
            if block is not None:
                refs.extend(block.measures)
        for alt in getattr(measure, "alternatives", []):
            refs.extend(alt.exclusions.measures if alt.exclusions is not None else [])
        for ref in refs:
            if ref not in known:
                raise DataFileError(f"{data.files[measure.id]}: measure {measure.id}: unknown measure id {ref!r}")
    for notice in data.notices.values():
        for ref in notice.concerns:
            if ref not in known:
                raise DataFileError(f"{data.files[notice.id]}: notice {notice.id}: unknown measure id {ref!r}")
    everything: list[Any] = [
        data.column1,
        data.origin_rules,
        *data.measures.values(),
        *data.china.values(),
        *data.notices.values(),
        data.china_coverage,
    ]
    for obj in everything:
        for key in _cited_sources(obj):
            if key not in data.sources:
                name = getattr(obj, "id", "?")
                raise DataFileError(f"tariff data {name}: source key {key!r} is not in sources.yaml")


@lru_cache(maxsize=1)
def bundled_data() -> TariffData:
    """The bundled data, parsed once per process (``duty()`` stays cheap to call)."""
    return load_tariff_data()
