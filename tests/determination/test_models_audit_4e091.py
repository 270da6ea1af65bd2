"""The 4E091 audit (2026-12-07) in the engine: the GAO decision of 2026-05-12 shown on model lines as on chip lines,
and the enforced layer saying that 4E091-level weights are 4E091 in the codified text with the requirement not
enforced (not "not in 4E091")."""

from __future__ import annotations

import datetime as dt

from chipclear.decision import OrderLine, Party
from chipclear.determination import determine, timeline
from chipclear.determination.history import NoScreening

END = dt.date(2026, 11, 29)


def test_the_gao_decision_is_shown_on_a_model_line() -> None:
    # regulations.md 4.6 (M): the event affects the 4E091 paragraph 742.6(a)(13) as it does 742.6(a)(6)(iii)(A)
    result = timeline("grok-3", "CN", end=END, layer="codified")
    events = [e for p in result.periods for e in p.events if e["date"] == "2026-05-12"]
    assert events and events[0]["citation"] == "Holland & Knight (2026-06-05)"
    assert events[0]["lifts_requirement"] is False


def test_the_enforced_layer_says_4e091_in_the_codified_text_not_enforced() -> None:
    line = OrderLine(
        item="grok-3",
        destination="CN",
        ship_date=dt.date(2026, 6, 1),
        parties=[Party(name="end user", role="end_user", headquarters_country="CN")],
    )
    d = determine(line, layer="enforced", screener=NoScreening())
    assert d.verdict.value == "NLR"  # the verdict is the data's: the requirement is not enforced
    result = next(r for r in d.reasons if r.rule == "classify#result")
    assert "4E091 in the codified text" in result.detail and "not in 4E091" not in result.detail
    assert "its license requirement not enforced since 2025-05-13 (BIS announcement of 2025-05-13" in result.detail
    assert d.classification["codified_text"].startswith("4E091 in the codified text")


def test_weights_under_the_line_stay_not_in_4e091() -> None:
    line = OrderLine(item="deepseek-v3", destination="CN", ship_date=dt.date(2026, 6, 1))
    d = determine(line, layer="enforced", screener=NoScreening())
    result = next(r for r in d.reasons if r.rule == "classify#result")
    assert "not in 4E091" in result.detail and d.classification["codified_text"] is None


def test_an_undecided_chip_is_never_asked_whether_it_is_4e091_weights() -> None:
    # A doors audit (2026-12-07): an MI308X (classification undecided for want of die area) to GB in the codified
    # layer named the weights paragraph 742.6(a)(13) as missing; a chip is a commodity (3A/4A/5A), never 4E091.
    line = OrderLine(item="amd-mi308x", destination="GB", ship_date=dt.date(2025, 6, 1))
    decision = determine(line, layer="codified", screener=NoScreening())
    assert decision.verdict.value == "HOLD" and decision.missing  # still undecided as a chip
    assert any("742.6(a)(6)(iii)(A)" in m for m in decision.missing)  # the chip paragraphs stay asked
    assert not any("742.6(a)(13)" in m for m in decision.missing)
    assert not any(r.rule.endswith("#742.6(a)(13)") for r in decision.reasons)


def test_a_misspelled_model_is_offered_the_model_not_only_chips() -> None:
    # The 4E091 audit (D11): 'llama-3.1-405' suggested nvidia-a10/a30 only; both catalogs are searched, best first.
    import pytest

    from chipclear.errors import UnknownItemError

    with pytest.raises(UnknownItemError) as caught:
        determine(OrderLine(item="llama-3.1-405", destination="CN", ship_date=dt.date(2025, 6, 1)))
    assert caught.value.suggestions[0] == "llama-3.1-405b"
    with pytest.raises(UnknownItemError) as caught:
        determine(OrderLine(item="nvidia h10", destination="CN", ship_date=dt.date(2025, 6, 1)))
    assert caught.value.suggestions[0].startswith("nvidia-h100")
