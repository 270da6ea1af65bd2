"""A batch key with an end user is decided from the compiled table's rows (not by the interpreter behind it), and
gives what determine() gives for the line it stands for."""

from __future__ import annotations

import datetime as dt

import pytest

from chipclear.batch import engine as batch_engine
from chipclear.batch import plan
from chipclear.batch.engine import (
    DEFAULT_DECIDER,
    DecideTask,
    NoHits,
    canonical_line,
    decide_one,
    rules_known_on,
    run_task,
)
from chipclear.determination import compiled, determine
from chipclear.determination.compiled import PLACEHOLDER_MARK


def _key(key_id: int, item: str, destination: str, hq: str | None, day: dt.date) -> dict[str, object]:
    return {
        "key_id": key_id,
        "item_id": item,
        "destination": destination,
        "epoch": 0,
        "party_key": plan.PARTY_PLACEHOLDER,
        "party_country": None,
        "end_user_headquarters_country": hq,
        "end_user_owners": None,
        "supercomputer": False,
        "advanced_node_ic_production": False,
        "military": False,
        "rep_as_of": day,
    }


def test_the_party_placeholder_is_a_name_the_compiled_table_tabulates() -> None:
    assert PLACEHOLDER_MARK not in plan.PARTY_PLACEHOLDER


def test_keys_with_an_end_user_are_compiled_rows_equal_to_determine(monkeypatch: pytest.MonkeyPatch) -> None:
    # A table of its own: rows another test of this process compiled would not be compiled again.
    monkeypatch.setattr(compiled, "_LIVE", {})
    monkeypatch.setattr(compiled, "_BY_OBJECTS", {})
    monkeypatch.setattr(batch_engine, "_COLUMNS", {})
    day = dt.date(2025, 10, 1)
    keys = [
        _key(0, "nvidia-h100-sxm5-80gb", "CN", "CN", day),
        _key(1, "nvidia-h100-sxm5-80gb", "DE", "CN", day),
        _key(2, "nvidia-h100-sxm5-80gb", "DE", None, day),
        _key(3, "nvidia-a100-pcie-80gb", "AE", "AE", day),
    ]
    rules = rules_known_on(None)
    table = batch_engine.compiled_columns("enforced", rules).table  # the table the batch decides with
    before = table.compiled
    task = DecideTask(
        variant="current",
        batch_no=0,
        keys=keys,
        decider=DEFAULT_DECIDER,
        layer="enforced",
        rules_known_on=None,
        rules_version=rules.version,
        no_hit=NoHits(),
        placeholder=plan.PARTY_PLACEHOLDER,
        compiled=True,
    )
    got = run_task(task)
    assert table.compiled - before == len(keys)  # one row each: none went around the table
    assert got["error"].is_null().all()
    for key, row in zip(keys, got.iter_rows(named=True), strict=True):
        line = canonical_line(key)
        want = decide_one(determine, line, day, "enforced", rules, NoHitsScreener())
        assert {c: row[c] for c in want} == want, key
        assert plan.PARTY_PLACEHOLDER in row["reasons"]  # the name is patched per line later


class NoHitsScreener:
    def search(self, name: str, country: str | None = None) -> NoHits:
        return NoHits()
