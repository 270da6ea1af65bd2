"""A compiled table classifies an item once per state of the classification sections in force and dates that
classification anew for other days in the same state (``DecisionTable._classify``). Here every catalog item on the
representative day of every period of the data is compared with ``classify_item`` on that day, field by field and
text by text; the last test shows the comparison fails when the date is not put back."""

from __future__ import annotations

import pytest

from chipclear.catalog import load_catalog
from chipclear.determination import compiled, engine
from chipclear.determination.compiled import DecisionTable
from chipclear.geography import load_geography
from chipclear.models import load_models
from chipclear.rules import load_rules


def _table() -> DecisionTable:
    return DecisionTable(load_rules(), load_catalog(), load_geography(), "enforced", load_models())


def _compare(table: DecisionTable, step: int = 1) -> int:
    """Every ``step``-th catalog item on every period's representative day; returns the comparisons made."""
    items = [i.id for i in table.catalog.items()][::step]
    count = 0
    for period in range(len(table.period_boundaries()) + 1):
        rep = table.representative(period)
        for item in items:
            got = table.classification_on(item, rep)
            want = engine.classify_item(item, rep, table.layer, table.rules, table.catalog, table.models)
            assert got.model_dump(mode="json") == want.model_dump(mode="json"), (item, rep)
            assert got.item is want.item
            count += 1
    return count


def test_every_item_in_every_period_is_classified_as_classify_does() -> None:
    table = _table()
    assert _compare(table, step=2) > 2_000
    assert len(table._cls_state) < len(table._classified) // 4  # most days reuse a classification


def test_a_classification_not_dated_anew_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    """The as-of date changed but not the texts naming it (the conclusion "classified ... as of D")."""
    monkeypatch.setattr(compiled, "_redated", lambda cls, day, rep: cls.model_copy(update={"as_of": rep}))
    with pytest.raises(AssertionError):
        _compare(_table(), step=10)


def test_a_classification_kept_across_sections_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    """Reused whatever the sections in force (one classification per item)."""

    class Unchanging(dict[object, tuple[int, ...]]):
        def get(self, key: object, default: object = None) -> tuple[int, ...]:  # type: ignore[override]
            return ()  # the same sections on every day

    table = _table()
    monkeypatch.setattr(table, "_cls_sections", Unchanging())
    with pytest.raises(AssertionError):
        _compare(table, step=10)
