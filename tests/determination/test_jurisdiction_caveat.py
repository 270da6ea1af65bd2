"""A line exported from outside the United States says what its verdict rests on (a facts audit, 2026-12-07):
chipclear treats every item as subject to the EAR; whether an item made and shipped abroad is (US content, the
foreign direct product rules of 734.9 with the Entity List footnotes) is not determined, and the decision says so.
The verdict is unchanged (fail closed), and the compiled table gives the same reasons as the engine."""

from __future__ import annotations

import datetime as dt

import pytest

from chipclear.decision import OrderLine, Party
from chipclear.determination import determine
from chipclear.determination.compiled import DecisionTable
from chipclear.determination.history import NO_SCREENING

RULE = "jurisdiction#subject-to-ear"


def _line(export_from: str | None) -> OrderLine:
    party = Party(name="Example Co", role="end_user", country="CN", headquarters_country="CN")
    return OrderLine(
        item="nvidia-a10", destination="CN", ship_date=dt.date(2025, 6, 1), parties=[party], export_from=export_from
    )


@pytest.mark.parametrize(("export_from", "said"), [("TW", True), ("Taiwan", True), ("US", False), (None, False)])
def test_a_line_shipped_from_abroad_says_the_item_is_treated_as_subject_to_the_ear(
    export_from: str | None, said: bool
) -> None:
    engine = determine(_line(export_from), screener=NO_SCREENING)
    table = DecisionTable.for_current(cache=False).decide(_line(export_from), screener=NO_SCREENING)
    assert engine.model_dump(exclude={"decided_at"}) == table.model_dump(exclude={"decided_at"})
    found = [r for r in engine.reasons if r.rule == RULE]
    assert bool(found) is said
    if said:
        assert found[0].detail.startswith("exported from TW: the item is treated as subject to the EAR")
        assert "734.9" in found[0].citation
    assert engine.verdict == determine(_line("US"), screener=NO_SCREENING).verdict
