"""``Geography.change_dates``: between two of a code's change dates every answer about the code is the same.

The compiled table works out a code's geography state (``DecisionTable._geo_token``: what ``resolve`` and every
group's ``member`` answer on a period's day) once per span between two of these dates instead of once per period.
If a day where an answer changes were missing from the list, two periods on either side of it would share a state
they do not have, and rows would be shared wrongly. Checked here for every country and region of the bundled
geography, on every change date, the day before and after each, and days spread over 2015-2030 (answers compared
whole: value, citation, confidence and note).
"""

from __future__ import annotations

import bisect
import datetime as dt
from itertools import pairwise

from chipclear.catalog import load_catalog
from chipclear.determination.compiled import DecisionTable
from chipclear.geography import Geography, load_geography
from chipclear.models import load_models
from chipclear.rules import load_rules

DAY = dt.timedelta(days=1)


def _state(geo: Geography, code: str, on: dt.date) -> tuple[object, ...]:
    return (geo.resolve(code, on), tuple(geo.member(code, g, on) for g in sorted(geo.groups)))


def _days(changes: tuple[dt.date, ...]) -> list[dt.date]:
    spread = [dt.date(2015, 1, 1) + dt.timedelta(days=61 * n) for n in range(90)]  # to 2029
    near = [d + k * DAY for d in changes for k in (-1, 0, 1)]
    return sorted({*spread, *near})


def test_every_answer_is_the_same_between_two_change_dates() -> None:
    geo = load_geography()
    codes = [*geo.countries, *geo.regions]
    assert len(codes) > 200
    spans_checked = 0
    for code in codes:
        changes = geo.change_dates(code)
        assert list(changes) == sorted(set(changes))
        first: dict[int, tuple[dt.date, tuple[object, ...]]] = {}
        for day in _days(changes):
            span = bisect.bisect_right(changes, day)
            state = _state(geo, code, day)
            if span in first:
                since, expected = first[span]
                assert state == expected, f"{code}: answers on {day} differ from {since} with no change date between"
            else:
                first[span] = (day, state)
                spans_checked += 1
    assert spans_checked > len(codes)  # most codes change at least once (the coverage start)


def test_hong_kong_changes_on_the_day_it_is_treated_as_china() -> None:
    geo = load_geography()
    hk = geo.countries["HK"]
    assert hk.treated_as == "CN" and hk.treated_as_from is not None
    changes = geo.change_dates("HK")
    assert hk.treated_as_from in changes
    # and China's own membership dates are among Hong Kong's (it is answered as CN from then on)
    cn_rows = {m.start for g in geo.groups.values() for m in g.members if m.country == "CN" and m.start}
    assert cn_rows <= set(changes)


def test_the_table_gives_a_code_one_geography_token_per_span() -> None:
    """Periods of one span share a token; tokens equal those worked out directly on each period's day."""
    table = DecisionTable(load_rules(), load_catalog(), load_geography(), "enforced", load_models())
    geo = table.geography
    periods = range(len(table.period_boundaries()) + 1)
    for code in ["CN", "HK", "MO", "AE", "SA", "NL", "US", "VN"]:
        by_state: dict[tuple[object, ...], int] = {}
        for period in periods:
            token = table._geo_token(code, period)
            day = table.representative(period)
            resolved, note = geo.resolve(code, day)
            state = (resolved, (note or "").replace(day.isoformat(), "<day>"), _state(geo, code, day)[1])
            assert by_state.setdefault(state, token) == token, f"{code} period {period}: a state with two tokens"
        assert len(set(by_state.values())) == len(by_state), f"{code}: two states share a token"


def test_consecutive_change_dates_are_distinct_days() -> None:
    geo = load_geography()
    for code in [*geo.countries, *geo.regions]:
        assert all(a < b for a, b in pairwise(geo.change_dates(code)))
