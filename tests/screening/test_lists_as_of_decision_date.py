"""The lists' own date against the decision date (rules audit 2026-12-07): a decision dated after today is screened
on lists as old as they will be then, so a ship date past the configured age is stale even when today is not; and
every screening reason says what the lists' date leaves out (later listings, or entries removed before it)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from chipclear.decision import OrderLine, Party
from chipclear.determination import determine
from chipclear.screening import Screener, default_screener


def _line(day: dt.date) -> OrderLine:
    party = Party(name="Acme GmbH", role="end_user", country="DE", headquarters_country="DE")
    return OrderLine(item="RTX 4090", destination="DE", ship_date=day, parties=[party])


def _screening(decision: object) -> dict[str, str]:
    return {r.rule: r.detail for r in decision.reasons if r.rule.startswith("screening#")}  # type: ignore[attr-defined]


@pytest.fixture()
def limit(screener: Screener) -> tuple[Screener, dt.date, int]:
    """A screener whose lists are not stale today, and the last day they are not."""
    listed = screener.lists.list_date
    assert listed is not None
    days = (dt.date.today() - listed).days + 5
    return Screener(screener.lists, max_age_days=days, index=screener.index), listed, days


def test_a_decision_dated_past_the_lists_age_is_stale_though_today_is_not(
    limit: tuple[Screener, dt.date, int],
) -> None:
    screener, listed, days = limit
    assert screener.staleness() == (False, None)
    last = listed + dt.timedelta(days=days)
    fresh = _screening(determine(_line(last), screener=screener))
    assert "screening#stale" not in fresh
    after = last + dt.timedelta(days=1)
    stale = _screening(determine(_line(after), screener=screener))
    assert "STALE LISTS" in stale["screening#lists"]
    assert stale["screening#stale"].startswith(f"the lists are stale (list dated {listed} is more than {days} days old")
    assert f"on {after}" in stale["screening#stale"]


def test_the_screening_reason_says_what_the_lists_date_leaves_out(limit: tuple[Screener, dt.date, int]) -> None:
    screener, listed, _ = limit
    caveat = f"the lists are dated {listed}: a listing published after {listed} is not in them, nor an entry removed"
    for day in (listed + dt.timedelta(days=3), dt.date(2023, 3, 1), listed):  # the same words on any date
        assert caveat in _screening(determine(_line(day), screener=screener))["screening#lists"], day


def test_a_batch_line_past_the_lists_age_is_stale_as_determine_says(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, limit: tuple[Screener, dt.date, int], data_dir: Path
) -> None:
    from chipclear.batch import BatchOptions, run_batch

    _, listed, days = limit
    monkeypatch.setenv("CHIPCLEAR_LIST_MAX_AGE_DAYS", str(days))
    last = listed + dt.timedelta(days=days)
    ship = [last - dt.timedelta(days=1), last, last + dt.timedelta(days=1), last + dt.timedelta(days=2)]
    rows = [
        {
            "order_id": f"SO-{i}",
            "item": "RTX 4090",
            "quantity": 1,
            "destination": "DE",
            "ship_date": day,
            "end_user_name": "Acme GmbH",
            "end_user_country": "DE",
            "end_user_headquarters_country": "DE",
        }
        for i, day in enumerate(ship)
    ]
    orders = tmp_path / "orders.csv"
    pl.DataFrame(rows).write_csv(orders)
    result = run_batch(BatchOptions(orders=orders, out=tmp_path / "d.parquet", verify=len(rows)))
    got = pl.read_parquet(result.out).sort("row")
    assert result.bad == 0
    stale = [any(r["rule"] == "screening#stale" for r in reasons) for reasons in got["reasons"].to_list()]
    assert stale == [False, False, True, True]
    assert default_screener().staleness() == (False, None)


def test_an_entry_is_dated_by_its_entity_list_partner_volume_by_volume(screener: Screener) -> None:
    """Rules audit (2026-12-07): 137 Entity List entries were screened as listed on every date because the CSL's
    citations ("88 FR 70352; 89 FR 87264") and the Entity List text's ("88 FR 70353, 10/11/23") differed in their
    volumes as a whole; the 2024 amendment the text no longer shows blocked the pairing of the 2023 listing."""
    suntop = next(e for e in screener.lists.entries if e.name.startswith("Suntop Semiconductor"))
    assert screener.listings[suntop.entry_id].describe() == "added 2023-10-11, 88 FR 70352"
    undated = [
        e for e in screener.lists.entries if e.source == "EL" and screener.listings[e.entry_id].listed_on is None
    ]
    assert len(undated) <= 141  # 271 before

    def verdict(day: dt.date) -> str:
        party = Party(name="Suntop Semiconductor Co., LTD.", role="end_user", country="CN", headquarters_country="DE")
        line = OrderLine(item="A30", destination="DE", ship_date=day, parties=[party])
        return determine(line, screener=screener).verdict.value

    assert verdict(dt.date(2023, 6, 1)) == "NLR"  # months before the listing
    assert verdict(dt.date(2023, 10, 11)) == "LICENSE_REQUIRED"
