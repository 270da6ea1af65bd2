"""The examples in docs/whatif.md run, so the guide cannot rot."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from chipclear.rules import RuleSet
from chipclear.whatif import parse_draft

DOC = Path(__file__).resolve().parents[2] / "docs" / "whatif.md"


def _blocks(lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)


def test_python_examples_run() -> None:
    blocks = _blocks("python")
    assert blocks
    for code in blocks:
        exec(compile(code, str(DOC), "exec"), {})


def test_yaml_draft_example_is_a_valid_draft(rules: RuleSet) -> None:
    (text,) = _blocks("yaml")
    draft = parse_draft(text, "docs/whatif.md", rules)
    assert draft.ids == [yaml.safe_load(text)["id"]]
    draft.apply(rules)
