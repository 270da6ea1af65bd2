"""Load rule data files and answer "which rules were in force on date D" in the codified or enforced layer."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

from pydantic import ValidationError

from chipclear.datafiles import read_user_file, read_yaml
from chipclear.errors import DataFileError, InputError, validation_text
from chipclear.rules.schema import (
    Caveat,
    ClassificationSection,
    Exclusion,
    Layer,
    MetricDefinition,
    Paragraph,
    RuleAction,
    SystemParagraph,
)
from chipclear.settings import get_settings
from chipclear.snapshot import cached

_DATA = resources.files("chipclear.rules") / "data"


def parse_rule_text(text: str, origin: str) -> RuleAction:
    raw = read_yaml(text, origin)  # an impossible date (2027-02-30) included
    if not isinstance(raw, dict):
        raise DataFileError(f"{origin}: a rule file is a mapping with id, title, citation, effective ...")
    try:
        return RuleAction.model_validate({**raw, "origin": origin})
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(file)"
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        raise DataFileError(
            f"{origin}: rule {raw.get('id', '?')!r}: field {where}: {validation_text(first)}{more}"
        ) from None


@dataclass
class MergedClassification:
    """The ECCN tests in force on one date, each paragraph with the action that set it."""

    paragraphs: dict[str, tuple[Paragraph, RuleAction]] = field(default_factory=dict)
    exclusions: dict[str, tuple[Exclusion, RuleAction]] = field(default_factory=dict)
    systems: dict[str, tuple[SystemParagraph, RuleAction]] = field(default_factory=dict)
    caveats: dict[str, tuple[Caveat, RuleAction]] = field(default_factory=dict)
    metrics: dict[str, tuple[MetricDefinition, RuleAction]] = field(default_factory=dict)
    actions: list[RuleAction] = field(default_factory=list)

    def apply(self, action: RuleAction, section: ClassificationSection) -> None:
        for removed in section.remove:
            self.paragraphs.pop(removed, None)
            self.exclusions.pop(removed, None)
            self.systems.pop(removed, None)
            self.caveats.pop(removed, None)
            self.metrics.pop(removed, None)
        for m in section.metrics:
            self.metrics[m.id] = (m, action)
        for c in section.caveats:
            self.caveats[c.id] = (c, action)
        for p in section.paragraphs:
            self.paragraphs[p.id] = (p, action)
        for e in section.exclusions:
            self.exclusions[e.id] = (e, action)
        for s in section.systems:
            self.systems[s.id] = (s, action)
        self.actions.append(action)


class RuleSet:
    """All rule actions, ordered by effective date, with a content-hash version."""

    def __init__(self, actions: Iterable[RuleAction], texts: Iterable[str] = ()) -> None:
        self.actions = sorted(actions, key=lambda a: (a.effective, a.id))
        seen: dict[str, str] = {}
        for a in self.actions:
            if a.id in seen:
                raise DataFileError(f"{a.origin}: duplicate rule id {a.id!r} (already in {seen[a.id]})")
            seen[a.id] = a.origin
        digest = hashlib.sha256("\n".join(sorted(texts)).encode()).hexdigest()[:12]
        self.data_date: dt.date = max(
            (max(d for d in (a.effective, a.published) if d) for a in self.actions), default=dt.date.min
        )
        self.version = f"rules-{self.data_date.isoformat()}-{digest}"
        # The earliest date the data speaks for: before it, a decision would rest on rules chipclear lacks (the
        # latest baseline: the law as it stood when the data starts; else the earliest action).
        baselines = [a.effective for a in self.actions if a.baseline]
        self.coverage_start: dt.date = (
            max(baselines) if baselines else min((a.effective for a in self.actions), default=dt.date.min)
        )

    def get(self, rule_id: str) -> RuleAction:
        for a in self.actions:
            if a.id == rule_id:
                return a
        raise InputError(f"unknown rule id {rule_id!r}", field="rule")

    def in_force(self, on: dt.date, section: str, layer: Layer = "enforced") -> list[RuleAction]:
        """Actions whose ``section`` is law on ``on`` in ``layer``, oldest first."""
        return [
            a for a in self.actions if getattr(a, section, None) is not None and a.section_in_force(section, on, layer)
        ]

    def classification_at(self, on: dt.date, layer: Layer = "enforced") -> MergedClassification:
        merged = MergedClassification()
        for action in self.in_force(on, "classification", layer):
            assert action.classification is not None
            merged.apply(action, action.classification)
        return merged

    def with_overlay(self, overlay: Iterable[RuleAction], texts: Iterable[str] = ()) -> RuleSet:
        """A new RuleSet with draft actions added (what-if analysis); ids must not collide."""
        return RuleSet([*self.actions, *overlay], [self.version, *texts])


def _bundled() -> list[tuple[str, str]]:
    out = []
    for entry in sorted(_DATA.iterdir(), key=lambda e: e.name):
        if entry.name.endswith((".yaml", ".yml")):
            out.append((f"rules/data/{entry.name}", entry.read_text(encoding="utf-8")))
    return out


def _read(path: Path) -> tuple[str, str]:
    return str(path), read_user_file(path, "rule file", "rules")


def _expand(paths: Iterable[Path]) -> list[Path]:
    out: list[Path] = []
    for p in paths:
        out.extend(sorted(p.glob("*.y*ml")) if p.is_dir() else [p])
    return out


@lru_cache(maxsize=8)
def _load(extra: tuple[Path, ...]) -> RuleSet:
    sources = _bundled() + [_read(p) for p in _expand(extra)]
    return cached("rules", [(origin, text.encode()) for origin, text in sources], lambda: _build(sources), RuleSet)


def _build(sources: list[tuple[str, str]]) -> RuleSet:
    actions = [parse_rule_text(text, origin) for origin, text in sources]
    for action in actions:
        # A draft is an analyst's assumption, never law: it reaches decisions only through `chipclear whatif`.
        if action.kind == "draft":
            raise DataFileError(
                f"{action.origin}: rule {action.id!r}: field kind: 'draft' files are not loaded as rules;"
                " assess them with `chipclear whatif FILE`"
            )
    return RuleSet(actions, [t for _, t in sources])


def load_rules(extra_paths: Iterable[Path] | None = None) -> RuleSet:
    """Bundled rule files plus ``CHIPCLEAR_RULES`` overlays plus ``extra_paths`` (cached per path set)."""
    return _load(tuple(get_settings().rules_paths) + tuple(extra_paths or ()))
