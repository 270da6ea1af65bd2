"""Invariants of every duty result over the whole data range (hypothesis): totals, ranges, citations, timeline."""

from __future__ import annotations

import datetime as dt
import itertools

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from chipclear.tariffs import ItemSpecs, bundled_data, duty, end_use_keys, known_claims, timeline
from chipclear.tariffs.engine import claim_contradicting_specs

HTS = ["8471.50.0150", "8471.80.40", "8471.80.10", "8473.30.1180", "8473.30.5100", "8542.31.00", "8542.32.00"]
ORIGINS = ["CN", "HK", "TW", "MX", "CA", "MY", "VN", "KR", "JP", "US", "DE", "KP", "IN"]
DATES = st.dates(min_value=dt.date(2018, 1, 1), max_value=dt.date(2028, 12, 31))
ITEMS = st.one_of(
    st.none(),
    st.builds(
        ItemSpecs.single,
        st.just("generated"),
        st.one_of(st.none(), st.floats(min_value=1, max_value=40000)),
        st.one_of(st.none(), st.floats(min_value=100, max_value=9000)),
        st.one_of(st.none(), st.booleans()),
    ),
)


@settings(max_examples=300, deadline=None)
@given(
    hts=st.sampled_from(HTS),
    origin=st.sampled_from(ORIGINS),
    day=DATES,
    value=st.one_of(st.none(), st.floats(min_value=0, max_value=1e7)),
    item=ITEMS,
    end_use=st.one_of(st.none(), st.sampled_from(end_use_keys())),
    claims=st.lists(st.sampled_from(known_claims()), max_size=2, unique=True),
)
def test_result_invariants(
    hts: str,
    origin: str,
    day: dt.date,
    value: float | None,
    item: ItemSpecs | None,
    end_use: str | None,
    claims: list[str],
) -> None:
    assume(not {"9903.79.01", "9903.79.02"} <= set(claims))  # contradictory: rejected as bad input
    # a 9903.79.01/.02 claim against the item's specs is refused too (tests/api/test_duty_claim_vs_specs.py)
    assume(item is None or claim_contradicting_specs(bundled_data(), frozenset(claims), item) is None)
    result = duty(hts, origin, day, value=value, item=item, end_use=end_use, claims=claims)
    data = result.to_json()
    low, high = result.total_low, result.total_high
    assert low is not None and low >= 0
    assert high is None or high >= low
    if result.status == "determined":
        # A heading still open ("9903.79.01 or 9903.79.02": an unknown whose answers all give the same total, e.g.
        # an article of Mexico in 2026 with no item given) has no rate of its own; the total is the known lines'.
        assert data["total_rate"] == sum(line["rate"] for line in data["lines"] if line["rate"] is not None)
        assert all(" or " in (line["heading"] or "") for line in data["lines"] if line["rate"] is None)
        assert not any(u["changes_total"] for u in data["unknowns"])
        if value is not None:
            assert data["total_amount"] == round(value * data["total_rate"] / 100, 2)
    else:
        assert data["total_rate"] is None and data["total_amount"] is None
        assert any(u["changes_total"] for u in data["unknowns"]), data["unknowns"]
    for line in data["lines"]:
        assert line["citation"] and line["sources"] and line["confidence"] in {"H", "M", "L", "UNCONFIRMED"}
        if line["rate"] is None:
            assert line["confidence"] == "UNCONFIRMED" or "or" in (line["heading"] or "")
    for rule in data["stacking"]:
        assert rule["citation"]


def test_timeline_segments_are_contiguous_and_change_something() -> None:
    data = bundled_data()
    for hts in HTS:
        for origin in ("CN", "TW", "MX"):
            segments = timeline(hts, origin, data=data)
            assert segments[0].start == data.column1.coverage_from and segments[-1].end is None
            for a, b in itertools.pairwise(segments):
                assert a.end == b.start
                assert (
                    a.to_json()["lines"] != b.to_json()["lines"]
                    or a.to_json()["total_rate_range"] != b.to_json()["total_rate_range"]
                )
