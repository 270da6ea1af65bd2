"""Timelines of AI model weights (ECCN 4E091): `timeline` takes a model id as `check` does, and its periods are
what `determine` answers on every day that could change a decision (each boundary of the data: rule, geography,
catalog and model dates), so the timeline neither misses nor invents a change."""

from __future__ import annotations

import datetime as dt

import pytest

from chipclear.decision import OrderLine
from chipclear.determination import determine, timeline
from chipclear.determination.compiled import DecisionTable
from chipclear.determination.history import Period, TimelineResult
from chipclear.errors import UnknownItemError
from chipclear.rules.schema import Layer

END = dt.date(2026, 11, 29)


def _period_on(result: TimelineResult, day: dt.date) -> Period:
    return next(p for p in result.periods if p.start <= day and (p.end is None or day <= p.end))


def _checked_on(result: TimelineResult, day: dt.date, layer: Layer) -> tuple[str, str | None, list[str]]:
    line = OrderLine(item=result.item, destination=result.destination, ship_date=day)
    d = determine(line, layer=layer)
    return d.verdict.value, d.review_policy.value if d.review_policy else None, [e.code for e in d.license_exceptions]


@pytest.mark.parametrize("layer", ["enforced", "codified"])
@pytest.mark.parametrize(
    ("model", "destination"),
    [("gpt-4", "CN"), ("deepseek-r1", "CN"), ("deepseek-v3", "AE"), ("grok-3", "SG"), ("gpt-oss-120b", "RU")],
)
def test_a_model_timeline_is_the_check_on_every_boundary(model: str, destination: str, layer: Layer) -> None:
    result = timeline(model, destination, end=END, layer=layer)
    assert result.item == model
    days = [dt.date(2022, 1, 1), *(b for b in DecisionTable.for_current().period_boundaries() if b <= END)]
    for day in days:
        if day < dt.date(2022, 1, 1):
            continue
        p = _period_on(result, day)
        assert (p.verdict, p.review_policy, p.license_exceptions) == _checked_on(result, day, layer), (model, day)


def test_the_publication_of_a_models_weights_is_a_dated_cause() -> None:
    """DeepSeek-R1's weights were published on 2025-01-20; in the codified layer it is held before (4E091 in the
    text, its own weights not yet published) and NLR from that day, which the timeline names as the cause."""
    result = timeline("deepseek-r1", "CN", end=END, layer="codified")
    changed = next(p for p in result.periods if p.start == dt.date(2025, 1, 20))
    assert changed.verdict == "NLR" and _period_on(result, dt.date(2025, 1, 19)).verdict == "HOLD"
    assert [c["rule"] for c in changed.caused_by] == ["models#deepseek-r1"]
    assert "weights of DeepSeek-R1 published" in changed.caused_by[0]["what"]


def test_a_model_name_resolves_as_check_resolves_it() -> None:
    assert timeline("GPT-4", "CN", end=END).item == "gpt-4"
    with pytest.raises(UnknownItemError):
        timeline("gpt-40000", "CN", end=END)
