"""A reason's ``confidence`` is one of the marks the data uses (H, M, L, UNCONFIRMED) or none, not free text
(door audit 5, 2026-12-07): the schema says so and a wrong mark is refused."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from chipclear.decision import Decision, Reason


def test_a_reason_takes_only_the_marks_of_the_data() -> None:
    for mark in ("H", "M", "L", "UNCONFIRMED", None):
        assert Reason(rule="r", citation="c", detail="d", confidence=mark).confidence == mark
    for wrong in ("high", "LOW", "", "X"):
        with pytest.raises(ValidationError):
            Reason(rule="r", citation="c", detail="d", confidence=wrong)


def test_the_schema_lists_the_marks() -> None:
    schema = Decision.model_json_schema()
    confidence = schema["$defs"]["Reason"]["properties"]["confidence"]
    enums = [branch.get("enum") for branch in confidence["anyOf"] if "enum" in branch]
    assert enums == [["H", "M", "L", "UNCONFIRMED"]]
