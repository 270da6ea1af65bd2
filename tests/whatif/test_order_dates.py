"""What-if order books: each line decided on its own date, whatever its parties (an outside audit, December 2026).

* A line deciding on the first day of a what-if "period" cut only at rule and geography dates missed the model
  catalog's dates: gpt-oss-120b to KR on 2025-08-19 (weights published 2025-08-05, so 4E091 Note 1 excludes them)
  was decided on 2025-05-15, before publication, and counted "NLR -> HOLD" under the codified diffusion draft.
* A line whose end user has owners and a list entry near it crashed (CLI traceback, API 500): the grouping key
  held the owners' pydantic models, which cannot be hashed."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from chipclear.catalog import load_catalog
from chipclear.decision import OrderLine
from chipclear.determination import determine
from chipclear.geography import load_geography
from chipclear.rules import RuleSet
from chipclear.screening import default_screener
from chipclear.whatif import load_draft
from chipclear.whatif.verdicts import ScreenedOnce, order_book_impact, order_lines, screen_lines


def _book(tmp_path: Path, text: str) -> Path:
    book = tmp_path / "book.csv"
    book.write_text(text, encoding="utf-8")
    return book


def test_model_published_mid_period_is_decided_on_the_ship_date(tmp_path: Path, rules: RuleSet) -> None:
    book = _book(tmp_path, "item,destination,ship_date\ngpt-oss-120b,KR,2025-08-19\ngpt-oss-120b,KR,2025-08-04\n")
    draft = load_draft("ai-diffusion-as-codified", rules)
    drafted = draft.apply(rules)
    result = order_book_impact(rules, drafted, draft.actions, load_catalog(), book)
    assert result["lines"] == 2
    changed = {c["ship_date"]: c for c in result["changes"]}
    assert "2025-08-19" not in changed  # published on 2025-08-05: excluded by Note 1 in both worlds
    after = determine(
        next(line for _, line in order_lines(book, load_catalog(), load_geography())[0]),
        layer="enforced",
        rules=drafted,
    )
    assert after.verdict.value == "NLR"
    # before publication the codified rule holds the line (the check of the draft's world on 2025-08-04)
    assert changed["2025-08-04"]["after"]["verdict"] == "HOLD"


def test_owners_near_a_list_entry_are_decided_not_crashed(tmp_path: Path, rules: RuleSet) -> None:
    book = _book(
        tmp_path,
        "item,destination,ship_date,end_user_name,end_user_headquarters_country,end_user_owners\n"
        'H20,CN,2025-06-01,Zebra Widgets Qq,CN,"Moore Threads,30,CN"\n'
        'H20,CN,2025-06-01,Zebra Widgets Qq,CN,"Moore Threads,30,CN"\n'
        'H20,CN,2025-06-01,Moore Threads,CN,"Acme Holding,30,CN"\n',
    )
    draft = load_draft("tpp-threshold-2400", rules)
    drafted = draft.apply(rules)
    cat, geo = load_catalog(), load_geography()
    result = order_book_impact(rules, drafted, draft.actions, cat, book)
    assert result["lines"] == 3 and not result["bad_rows"]
    assert result["distinct_decisions"] == 2  # the two identical lines share one decision
    screened = ScreenedOnce(default_screener())
    lines, _ = screen_lines(order_lines(book, cat, geo)[0], screened)
    for _, line in lines:
        d = determine(line, layer="enforced", rules=rules, catalog=cat, screener=screened, geography=geo)
        assert d.verdict.value == "LICENSE_REQUIRED"  # H20 to China after April 2025, a listed owner or party
    assert dt.date(2025, 6, 1).isoformat() not in {c["ship_date"] for c in result["changes"]}


def test_lines_before_the_draft_are_decided_once(tmp_path: Path, rules: RuleSet) -> None:
    """A line dated before the draft is law is decided in the world in force only (the draft's world is the same
    world then), and comes out as ``determine`` decides it with the draft added; a draft that moves the date the
    rule data speaks from (``baseline``) is decided in both worlds on every date."""
    from chipclear.determination.compiled import DecisionTable
    from chipclear.whatif.verdicts import _table, decide_order_lines, draft_in_force_from, summary

    draft = load_draft("tpp-threshold-2400", rules)
    drafted = draft.apply(rules)
    assert draft_in_force_from(rules, drafted) == dt.date(2027, 1, 1)
    based = drafted.with_overlay([draft.actions[0].model_copy(update={"id": "x-baseline", "baseline": True})])
    assert based.coverage_start != rules.coverage_start and draft_in_force_from(rules, based) is None
    book = _book(
        tmp_path,
        "item,destination,ship_date,end_user_name,end_user_headquarters_country\n"
        "L20,CN,2026-12-31,Zebra Widgets Qq,CN\n"
        "L20,CN,2027-01-01,Zebra Widgets Qq,CN\n",
    )
    cat, geo = load_catalog(), load_geography()
    tables = (_table(rules, cat, geo, "enforced"), _table(drafted, cat, geo, "enforced"))
    asked: list[dt.date] = []
    real = DecisionTable.outcome

    def spy(self: DecisionTable, line: OrderLine, as_of: dt.date | None = None, **kw: Any) -> Any:
        if self is tables[1]:
            asked.append(as_of or line.ship_date)
        return real(self, line, as_of, **kw)

    screened = ScreenedOnce(default_screener())
    lines, _ = screen_lines(order_lines(book, cat, geo)[0], screened)
    DecisionTable.outcome = spy  # type: ignore[method-assign]
    try:
        decided, _ = decide_order_lines(lines, tables, screened)
    finally:
        DecisionTable.outcome = real  # type: ignore[method-assign]
    assert asked == [dt.date(2027, 1, 1)]  # the line of 2026-12-31 is not decided in the draft's world
    for (_, line), (_, _, _, before, after) in zip(lines, decided, strict=True):
        for world, got in ((rules, before), (drafted, after)):
            want = determine(line, layer="enforced", rules=world, catalog=cat, screener=screened, geography=geo)
            assert summary(got) == summary(want), line
