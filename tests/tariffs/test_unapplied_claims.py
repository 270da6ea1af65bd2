"""A claim that changes nothing on the line is said to be not applied, never silently ignored."""

from __future__ import annotations

import datetime as dt

from chipclear.tariffs import duty


def _claim_notes(notes: list[str]) -> list[str]:
    return [n for n in notes if n.startswith("Claim ")]


def test_usmca_claimed_for_a_taiwan_chip_is_noted_as_not_applied() -> None:
    result = duty("8542.31", "TW", dt.date(2025, 6, 1), claims=["usmca"])
    (note,) = _claim_notes(result.notes)
    assert note.startswith(
        "Claim usmca was not applied: it changes nothing for HTS 8542.31.00 from TW entered 2025-06-01"
    )
    assert result.to_json() | {"notes": []} == duty("8542.31", "TW", dt.date(2025, 6, 1)).to_json() | {
        "notes": [],
        "claims": ["usmca"],
    }


def test_an_exclusion_outside_its_window_is_noted() -> None:
    # 9903.88.69 runs from 2024-06-15: claimed for a 2020 entry it changes nothing.
    result = duty("8473.30.1180", "CN", dt.date(2020, 6, 1), claims=["9903.88.69"])
    assert [n.split(":")[0] for n in _claim_notes(result.notes)] == ["Claim 9903.88.69 was not applied"]


def test_an_applied_claim_has_no_such_note() -> None:
    result = duty("8473.30.1180", "CN", dt.date(2024, 7, 1), claims=["9903.88.69"])
    assert result.total_rate == 0 and _claim_notes(result.notes) == []
