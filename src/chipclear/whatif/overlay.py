"""Draft rule overlays: files in the rule-data format with ``kind: draft``, loaded and validated like bundled rules.

A draft states the analyst's hypothesis ("what if 3A090.a.1 moved to TPP 2400?"). It is parsed by the same
``parse_rule_text`` as the bundled rule files, then checked for what a draft must also get right: it says it is a
draft, it tests only metrics chipclear computes, and what it removes exists. A draft is never law: every reason
that cites it carries its id, and its citation says "DRAFT".
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from chipclear import metrics
from chipclear.datafiles import read_user_file
from chipclear.errors import DataFileError, InputError
from chipclear.rules import RuleAction, RuleSet, parse_rule_text
from chipclear.userfiles import input_file

_DRAFTS = resources.files("chipclear.whatif") / "drafts"


@dataclass(frozen=True)
class Draft:
    """One or more draft actions read from one file (or bundled name), with their source texts."""

    name: str
    actions: tuple[RuleAction, ...]
    texts: tuple[str, ...]

    @property
    def ids(self) -> list[str]:
        return [a.id for a in self.actions]

    @property
    def title(self) -> str:
        return "; ".join(a.title for a in self.actions)

    def apply(self, base: RuleSet) -> RuleSet:
        """The rule set with this draft added. An id that collides with a rule is named, not merged."""
        clash = sorted(set(self.ids) & {a.id for a in base.actions})
        if clash:
            raise DataFileError(f"{self.name}: draft id {clash[0]!r} is already a rule id; give the draft its own id")
        return base.with_overlay(self.actions, self.texts)


def _tests(action: RuleAction) -> Iterator[tuple[str, str]]:
    """(where, metric) for every metric test in the draft, classification and licensing alike."""
    section = action.classification
    if section is not None:
        for p in section.paragraphs:
            for i, clause in enumerate(p.any_of):
                for test in clause:
                    yield f"classification.paragraphs[{p.id}].any_of[{i}]", test.metric
        for e in section.exclusions:
            for test in e.all_of:
                yield f"classification.exclusions[{e.id}].all_of", test.metric
    if action.licensing is not None:
        yield from _licensing_tests(action.licensing.model_dump(), "licensing")


def _licensing_tests(node: Any, where: str) -> Iterator[tuple[str, str]]:
    if isinstance(node, dict):
        here = f"{where}[{node['id']}]" if isinstance(node.get("id"), str) else where
        for key, value in node.items():
            if key == "tests" and isinstance(value, list):
                for test in value:
                    yield f"{here}.tests", test["metric"]
            else:
                yield from _licensing_tests(value, f"{here}.{key}")
    elif isinstance(node, list):
        for child in node:
            yield from _licensing_tests(child, where)


def check_draft(action: RuleAction, base: RuleSet | None = None) -> RuleAction:
    """Checks a draft must pass on top of the rule-file schema; raises DataFileError naming file and field."""
    where = action.origin or action.id
    if action.kind != "draft":
        raise DataFileError(
            f"{where}: rule {action.id!r}: field kind: {action.kind!r}; a what-if overlay must say kind: draft"
            " (it is the analyst's hypothesis, not law)"
        )
    if action.classification is None and action.licensing is None:
        raise DataFileError(f"{where}: rule {action.id!r}: a draft must change classification or licensing")
    for field, metric in _tests(action):
        if metric not in metrics.METRIC_FIELDS:
            valid = ", ".join(sorted(metrics.METRIC_FIELDS))
            raise DataFileError(
                f"{where}: rule {action.id!r}: field {field}: unknown metric {metric!r}; valid: {valid}"
            )
    if base is not None and action.classification is not None:
        known: set[str] = set()
        for a in base.actions:
            if a.classification is not None:
                sec = a.classification
                known |= {p.id for p in sec.paragraphs} | {e.id for e in sec.exclusions} | {y.id for y in sec.systems}
        for removed in action.classification.remove:
            if removed not in known:
                raise DataFileError(
                    f"{where}: rule {action.id!r}: field classification.remove: {removed!r} is not a paragraph,"
                    " exclusion or system paragraph of any rule"
                )
    if base is not None and action.licensing is not None:
        _check_licensing_ids(action, base, where)
    return action


def _check_licensing_ids(action: RuleAction, base: RuleSet, where: str) -> None:
    """Ids a draft's licensing section refers to must exist: a typo would silently change nothing."""
    assert action.licensing is not None
    known: set[str] = set()
    requirements: set[str] = set()
    for a in [*base.actions, action]:
        if a.licensing is not None:
            requirements |= {r.id for r in a.licensing.requirements}
            known |= {p.id for p in a.licensing.review_policies} | {e.id for e in a.licensing.license_exceptions}
    known |= requirements
    section = action.licensing
    refs = [("licensing.remove", x, known) for x in section.remove]
    refs += [
        (f"licensing.review_policies[{p.id}].applies_to", x, requirements)
        for p in section.review_policies
        for x in p.applies_to
    ]
    refs += [
        (f"licensing.license_exceptions[{e.id}].overcomes", x, requirements)
        for e in section.license_exceptions
        for x in e.overcomes
    ]
    for field, ref, pool in refs:
        if ref not in pool:
            raise DataFileError(
                f"{where}: rule {action.id!r}: field {field}: {ref!r} is not an id of any rule or of the draft"
            )


def parse_draft(text: str, origin: str, base: RuleSet | None = None) -> Draft:
    action = check_draft(parse_rule_text(text, origin), base)
    return Draft(name=origin, actions=(action,), texts=(text,))


def bundled_drafts() -> dict[str, str]:
    """Bundled example drafts: name (file stem) -> YAML text."""
    out: dict[str, str] = {}
    for entry in sorted(_DRAFTS.iterdir(), key=lambda e: e.name):
        if entry.name.endswith((".yaml", ".yml")):
            out[entry.name.rsplit(".", 1)[0]] = entry.read_text(encoding="utf-8")
    return out


def load_draft(ref: str | Path | Draft, base: RuleSet | None = None) -> Draft:
    """A draft file path, the name of a bundled example draft (see ``bundled_drafts``), or a draft already parsed
    (e.g. from the text an API request carries)."""
    if isinstance(ref, Draft):
        return ref
    path = input_file(Path(ref), "draft")
    if path.is_file():
        return parse_draft(read_user_file(path, "draft file", "draft"), str(path), base)
    bundled = bundled_drafts()
    if str(ref) in bundled:
        return parse_draft(bundled[str(ref)], f"whatif/drafts/{ref}.yaml", base)
    raise InputError(
        f"draft: {str(ref)!r} is neither a file nor a bundled draft; bundled: {', '.join(bundled)}", field="draft"
    )


def merge_drafts(drafts: Iterable[Draft]) -> Draft:
    items = list(drafts)
    return Draft(
        name=" + ".join(d.name for d in items),
        actions=tuple(a for d in items for a in d.actions),
        texts=tuple(t for d in items for t in d.texts),
    )


__all__ = ["Draft", "bundled_drafts", "check_draft", "load_draft", "merge_drafts", "parse_draft"]
