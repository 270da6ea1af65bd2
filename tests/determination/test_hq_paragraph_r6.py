"""The headquartered rule is cited as the paragraph then in force (reference regulations.md 3.1 l.129, 3.3
l.158-159, H): 744.23(a)(3)(i) from 2023-11-17, 744.23(a)(3)(i)(A) from 2024-12-02 (R5 added (B) for HBM), and from
2025-01-13, when the AI diffusion rule (not enforced in the enforced layer, which keeps this requirement) moved the
.a tier into 742.6(a)(6)(iii)(A), as BIS's guidance of 2026-05-31 names it, and left 744.23(a)(3)(i)(A) the .b
tier. The verdict does not change; the compiled table (rows shared between periods) cites as the engine does."""

from __future__ import annotations

import datetime as dt

from chipclear.decision import OrderLine, Party
from chipclear.determination.compiled import DecisionTable
from chipclear.determination.engine import determine
from chipclear.rules import load_rules

RULE = "2024-12-02_89FR96790_fdp-hbm#744.23(a)(3)(i)"
R5 = "15 CFR 744.23(a)(3)(i)(A) (eCFR-mirror@4464eaa6)"
R6_A = "15 CFR 742.6(a)(6)(iii)(A) (90 FR 4544; eCFR-mirror@6982e107)"
R6_B = "15 CFR 744.23(a)(3)(i)(A) (90 FR 4544; eCFR-mirror@6982e107)"


def _line(item: str, day: dt.date) -> OrderLine:
    party = Party(name="Example End User Ltd", role="end_user", headquarters_country="CN", country="SG")
    return OrderLine(item=item, destination="SG", ship_date=day, parties=[party])


def _cited(item: str, day: dt.date) -> list[str]:
    d = determine(_line(item, day))
    assert d.verdict.value in ("LICENSE_REQUIRED", "HOLD")
    return [r.citation for r in d.reasons if r.rule == RULE]


def test_each_date_range_cites_the_paragraph_then_in_force() -> None:
    for item in ("H100", "nvidia-dgx-h100", "nvidia-a30"):
        assert _cited(item, dt.date(2025, 1, 12)) == [R5]
    for day in (dt.date(2025, 1, 13), dt.date(2025, 7, 1), dt.date(2026, 6, 15)):
        assert _cited("H100", day) == [R6_A]  # 3A090.a
        assert _cited("nvidia-dgx-h100", day) == [R6_A]  # 4A090.a
        assert _cited("nvidia-a30", day) == [R6_B]  # 3A090.b
    # an item that could be either tier names both paragraphs
    assert _cited("amd-mi210", dt.date(2025, 7, 1)) == [f"{R6_A}; {R6_B}"]


def test_the_codified_layer_is_unchanged() -> None:
    d = determine(_line("H100", dt.date(2025, 7, 1)), layer="codified")
    assert not [r for r in d.reasons if r.rule == RULE]  # the diffusion rule's own requirements apply there


def test_compiled_rows_shared_across_the_move_cite_as_the_engine() -> None:
    rules = load_rules()
    table = DecisionTable.for_current(layer="enforced", cache=False)
    days = [table.representative(p) for p in range(len(table.period_boundaries()) + 1)]
    days = [d for d in days if dt.date(2024, 11, 1) <= d <= dt.date(2026, 12, 1)]
    for item in ("H100", "nvidia-a30", "amd-mi210"):
        for day in days:
            line = _line(item, day)
            want = determine(line, rules=rules).model_dump(mode="json", exclude={"decided_at"})
            got = table.decide(line).model_dump(mode="json", exclude={"decided_at"})
            assert got == want, (item, day)
    assert table.shared > 0  # rows were shared between periods


def test_a_row_is_not_shared_across_a_renumbering_alone() -> None:
    """Without the AI diffusion rule's own changes on 2025-01-13, the renumbering is the only thing that changes
    there: a row compiled before it must not be shared after it (``DecisionTable._period_token``)."""
    from chipclear.catalog import load_catalog
    from chipclear.geography import load_geography
    from chipclear.models import load_models
    from chipclear.rules import RuleSet

    full = load_rules()
    rules = RuleSet([a for a in full.actions if a.id != "2025-01-13_90FR4544_ai-diffusion"], [full.version, "test"])
    table = DecisionTable(rules, load_catalog(), load_geography(), "enforced", load_models())
    for day in (dt.date(2025, 1, 10), dt.date(2025, 1, 14), dt.date(2025, 1, 20)):  # in this order
        line = _line("H100", day)
        want = determine(line, rules=rules).model_dump(mode="json", exclude={"decided_at"})
        assert table.decide(line).model_dump(mode="json", exclude={"decided_at"}) == want, day
    assert table.shared > 0  # 2025-01-20 shares 2025-01-14's row: rows are shared, but not across the move
    assert [
        r.citation for r in determine(_line("H100", dt.date(2025, 1, 20)), rules=rules).reasons if r.rule == RULE
    ] == [R6_A]
