"""Audit finding D9 (4E091): a model line's decision shows the cited steps of its classification. The notes that
take weights out of 4E091 (Note 1 published, Note 1 derived, Note 2 capability) are its named carve-outs and are
carried into the decision's reasons as a chip's are (Note 2 to 3A090), word for word with their citations, as are
the steps resting on a low-confidence figure and the conclusion. The compiled table answers the same."""

from __future__ import annotations

import datetime as dt

import pytest

from chipclear.decision import Decision, OrderLine
from chipclear.determination.compiled import DecisionTable
from chipclear.determination.engine import determine
from chipclear.rules import load_rules

NOTES = ("4E091 Note 1 (published)", "4E091 Note 1 (derived)", "4E091 Note 2 (capability)")


def _steps(d: Decision) -> list[tuple[str, str, str, str | None]]:
    return [(r["rule"], r["citation"], r["detail"], r["confidence"]) for r in d.classification["trace"]]


def _reasons(d: Decision) -> list[tuple[str, str, str, str | None]]:
    return [(r.rule, r.citation, r.detail, r.confidence) for r in d.reasons]


@pytest.mark.parametrize(
    ("item", "verdict"),
    [("grok-3", "LICENSE_REQUIRED"), ("llama-3.1-405b", "NLR"), ("gpt-4", "HOLD")],
)
def test_each_note_of_4e091_is_a_reason(item: str, verdict: str) -> None:
    """Controlled (Grok 3), published (Llama 3.1 405B: Note 1 applies, and the note the NLR rests on is shown)
    and indeterminate (GPT-4), to China in the codified layer."""
    d = determine(OrderLine(item=item, destination="CN", ship_date=dt.date(2025, 3, 3)), layer="codified")
    assert d.verdict.value == verdict
    steps, reasons = _steps(d), _reasons(d)
    notes = [s for s in steps if s[0].split("#", 1)[-1] in NOTES]
    assert len(notes) == 3 and all(s[1] and s[3] == "H" for s in notes)  # cited steps
    for step in notes:
        assert step in reasons, step
    # every low-confidence step and the conclusion, as for a chip
    assert all(s in reasons for s in steps if s[3] == "L") and steps[-1] in reasons


def test_llama_nlr_cites_the_note_that_excludes_it() -> None:
    d = determine(OrderLine(item="llama-3.1-405b", destination="CN", ship_date=dt.date(2025, 3, 3)), layer="codified")
    published = [r for r in d.reasons if r.rule.endswith("#4E091 Note 1 (published)")]
    assert len(published) == 1 and "734.7(a)" in published[0].citation
    assert published[0].detail.endswith("exclusion applies")


def test_the_notes_are_not_reasons_where_4e091_is_not_in_force() -> None:
    """Before 2025-01-13 there is no 4E091: no note is stated (the trace has none either)."""
    d = determine(OrderLine(item="grok-3", destination="CN", ship_date=dt.date(2024, 6, 3)), layer="codified")
    assert not [r for r in d.reasons if r.rule.split("#", 1)[-1] in NOTES]


def test_compiled_table_carries_the_notes_as_the_engine_does() -> None:
    rules = load_rules()
    table = DecisionTable.for_current(layer="codified", cache=False)
    for item in ("grok-3", "llama-3.1-405b", "gpt-4"):
        for day in (dt.date(2025, 1, 12), dt.date(2025, 1, 13), dt.date(2025, 3, 3), dt.date(2026, 6, 1)):
            line = OrderLine(item=item, destination="DE", ship_date=day)
            want = determine(line, layer="codified", rules=rules).model_dump(mode="json", exclude={"decided_at"})
            assert table.decide(line).model_dump(mode="json", exclude={"decided_at"}) == want, (item, day)
