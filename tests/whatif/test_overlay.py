"""Draft files are validated like bundled rule files, plus what a draft must also get right."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from chipclear.errors import DataFileError, InputError
from chipclear.rules import RuleSet
from chipclear.rules.loader import _DATA
from chipclear.whatif import bundled_drafts, load_draft

GOOD = """
id: my-draft
kind: draft
title: "HYPOTHETICAL: 3A090.a.1 at TPP 3000"
citation: "DRAFT (not law): test"
effective: 2027-01-01
confidence: L
source: test
classification:
  citation: "DRAFT (not law)"
  confidence: L
  paragraphs:
  - id: 3A090.a
    text: hypothetical
    any_of:
    - - {metric: tpp, op: ge, value: 3000}
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "draft.yaml"
    path.write_text(text)
    return path


def test_every_bundled_draft_loads_and_says_it_is_hypothetical(rules: RuleSet) -> None:
    names = set(bundled_drafts())
    assert {"ai-diffusion-as-codified", "h20-class-bandwidth", "tpp-threshold-2400"} <= names
    for name in names:
        draft = load_draft(name, rules)
        for action in draft.actions:
            assert action.kind == "draft"
            assert "HYPOTHETICAL" in action.title and "not law" in action.citation
            assert action.confidence == "L"  # a hypothesis carries the visible low-confidence flag
        draft.apply(rules)  # ids do not collide with rule ids


def test_user_draft_file_loads(tmp_path: Path, rules: RuleSet) -> None:
    draft = load_draft(write(tmp_path, GOOD), rules)
    assert draft.ids == ["my-draft"] and draft.name.endswith("draft.yaml")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("kind: draft", "kind: rule"), "field kind: 'rule'; a what-if overlay must say kind: draft"),
        (("metric: tpp", "metric: tops"), "unknown metric 'tops'; valid:"),
        (("op: ge", "op: gte"), "field classification.paragraphs.0.any_of.0.0.op"),
        (("effective: 2027-01-01", "effective: someday"), "field effective"),
        (("  paragraphs:", "  remove: [3A090.x]\n  paragraphs:"), "'3A090.x' is not a paragraph"),
        (("title:", "titel:"), "rule 'my-draft'"),
    ],
)
def test_bad_draft_is_one_line_naming_file_and_field(
    tmp_path: Path, rules: RuleSet, change: tuple[str, str], message: str
) -> None:
    path = write(tmp_path, GOOD.replace(*change))
    with pytest.raises(DataFileError) as err:
        load_draft(path, rules)
    text = str(err.value)
    assert "\n" not in text and str(path) in text and message in text


def test_draft_id_colliding_with_a_rule_is_refused(tmp_path: Path, rules: RuleSet) -> None:
    path = write(tmp_path, GOOD.replace("id: my-draft", "id: 2023-11-17_88FR73458_ac-s-ifr"))
    with pytest.raises(DataFileError, match="already a rule id"):
        load_draft(path, rules).apply(rules)


def test_unknown_draft_name_lists_the_bundled_ones() -> None:
    with pytest.raises(InputError, match=r"neither a file nor a bundled draft; bundled: .*tpp-threshold-2400"):
        load_draft("no-such-draft")


def test_diffusion_draft_is_an_unchanged_copy_of_the_rule_file() -> None:
    """The 'as codified' draft copies the model_classification (4E091) and licensing sections of the AI Diffusion
    rule file; if that file changes, the draft must be copied again (only the effective date and kind are the
    analyst's)."""
    rule = yaml.safe_load((_DATA / "2025-01-13_90FR4544_ai-diffusion.yaml").read_text(encoding="utf-8"))
    draft = yaml.safe_load(bundled_drafts()["ai-diffusion-as-codified"])
    assert draft["licensing"] == rule["licensing"]
    assert draft["model_classification"] == rule["model_classification"]
    assert draft["kind"] == "draft" and draft["effective"].isoformat() == rule["compliance"].isoformat()


LICENSING_DRAFT = """
id: my-licensing-draft
kind: draft
title: "HYPOTHETICAL: a policy"
citation: "DRAFT (not law): test"
effective: 2027-01-01
confidence: L
source: test
licensing:
  citation: "DRAFT (not law)"
  confidence: L
  review_policies:
  - id: my-policy
    applies_to: ["742.6(a)(6)(iii)"]
    policy: case_by_case
    text: hypothetical
    citation: "DRAFT (not law)"
    confidence: L
"""


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (
            ('applies_to: ["742.6(a)(6)(iii)"]', 'applies_to: ["742.6(a)(6)(iv)"]'),
            "licensing.review_policies[my-policy].applies_to",
        ),
        (("  review_policies:", "  remove: [no-such-id]\n  review_policies:"), "licensing.remove"),
    ],
)
def test_licensing_ids_a_draft_refers_to_must_exist(
    tmp_path: Path, rules: RuleSet, change: tuple[str, str], field: str
) -> None:
    assert load_draft(write(tmp_path, LICENSING_DRAFT), rules).ids == ["my-licensing-draft"]
    with pytest.raises(DataFileError, match=rf"field {re.escape(field)}: .* is not an id of any rule or of the draft"):
        load_draft(write(tmp_path, LICENSING_DRAFT.replace(*change)), rules)
