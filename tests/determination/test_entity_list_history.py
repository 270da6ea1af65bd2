"""The outside facts audit, issue 4, item 4: an Entity List entry is read as it stood on the decision date (SMIC
before its December 2024 amendment: the policy of regulations.md 6.2, no footnote 5, regulations.md 3.6), through
the CLI, and an entry with no documented history says its policy then is unknown."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

from chipclear.determination.entity_history import entry_on

from .test_cli import check_json

# -- item 4: an Entity List entry as it stood on the decision date -----------------------------------------------

SMIC = "Semiconductor Manufacturing International Corporation"


def test_smic_before_december_2024_gets_its_policy_then_not_footnote_5() -> None:
    args = ["--item", "nvidia-l20", "--to", "CN", "--end-user", SMIC, "--end-user-country", "CN", "--end-user-hq", "CN"]
    old = check_json(*args, "--date", "2023-06-01")
    assert old["verdict"] == "LICENSE_REQUIRED"  # fail closed: the listing (2020-12-18) stands
    assert old["review_policy"] is None  # depends on whether the item is uniquely required for <= 10 nm
    smic = next(r for r in old["reasons"] if r["rule"].endswith("#EL") and "(SMIC)'" in r["detail"])
    assert "uniquely required" in smic["detail"] and "case-by-case" in smic["detail"]
    assert "Entity List footnote 5)" not in smic["detail"] and "Entry policy" not in smic["detail"]
    assert any("uniquely required" in m for m in old["missing"])
    new = check_json(*args, "--date", "2025-01-01")
    assert new["verdict"] == "LICENSE_REQUIRED" and new["review_policy"] == "presumption_of_denial"
    assert any("footnote 5" in r["detail"] for r in new["reasons"] if r["rule"].endswith("#EL"))


def _hit(name: str, notice: str) -> Any:
    return SimpleNamespace(source="EL", name=name, federal_register_notice=notice)


def test_an_entry_amended_later_with_no_history_says_its_policy_then_is_unknown() -> None:
    hit = _hit("Tianjin University", "85 FR 83420; 88 FR 12345")
    found = entry_on(hit, dt.date(2022, 6, 1))
    assert found is not None and found.confidence == "L"
    assert "not in chipclear's data" in found.text and "2022-06-01" in found.missing
    assert entry_on(hit, dt.date(2024, 1, 1)) is None  # the 2023 amendment is in force by then
    assert entry_on(_hit("Zhao Gang", "85 FR 83420"), dt.date(2022, 6, 1)) is None  # never amended


def test_an_amendment_dated_by_the_lists_bounds_the_unknown_window() -> None:
    # Shanghai Biren Intelligent Technology: listed 88 FR 71992, amended 89 FR 25505 (dated 2024-04-11 by the lists)
    hit = SimpleNamespace(
        source="EL",
        name="Shanghai Biren Intelligent Technology Co., Ltd.",
        federal_register_notice="88 FR 71992; 89 FR 25505",
        amended_on="2024-04-11",
    )
    assert entry_on(hit, dt.date(2024, 6, 1)) is None  # the lists' text applies
    before = entry_on(hit, dt.date(2024, 3, 1))
    assert before is not None and "published 2024-04-11" in before.text
