"""Impact of a draft on classifications, checked against answers worked out by hand."""

from __future__ import annotations

import datetime as dt

from chipclear.catalog import Catalog, load_catalog
from chipclear.rules import RuleSet
from chipclear.whatif import classification_impact, load_draft
from chipclear.whatif.service import default_date

DRAFT_DAY = dt.date(2027, 1, 1)


def test_threshold_change_impact_matches_hand_computation(rules: RuleSet, small_catalog: Catalog) -> None:
    draft = load_draft("tpp-threshold-2400", rules)
    impact = classification_impact(rules, draft.apply(rules), draft.actions, small_catalog, DRAFT_DAY)
    got = {c.item["id"]: (c.before.label(), c.after.label(), c.kind) for c in impact.changes}
    # By hand (see conftest): B1 2800/2.8 moves from b.1 to a.1; Edge 2400 meets a.1 exactly; the server holds
    # two Edge chips. Under (2399), Gamer (Note 2) and Big (already a.1) do not change.
    assert got == {
        "hand-b1": ("3A090.b", "3A090.a", "eccn_changed"),
        "hand-edge": ("not 3A090/4A090", "3A090.a", "newly_controlled"),
        "hand-server": ("not 3A090/4A090", "4A090.a", "newly_controlled"),
    }
    assert impact.counts["controlled_before"] == 2  # B1, Big
    assert impact.counts["controlled_after"] == 4  # B1, Edge, Big, Server
    assert impact.counts["changed"] == 3 and impact.counts["newly_controlled"] == 2
    assert impact.items_assessed == 6 and impact.draft_in_force


def test_reasons_cite_the_draft_with_the_numbers_compared(rules: RuleSet, small_catalog: Catalog) -> None:
    draft = load_draft("tpp-threshold-2400", rules)
    impact = classification_impact(rules, draft.apply(rules), draft.actions, small_catalog, DRAFT_DAY)
    edge = next(c for c in impact.changes if c.item["id"] == "hand-edge")
    first = edge.reasons[0]
    assert first.rule == "draft-tpp-threshold-2400#3A090.a"
    assert "DRAFT (not law)" in first.citation
    assert "tpp 2,400 >= 2,400: yes" in first.detail
    b1 = next(c for c in impact.changes if c.item["id"] == "hand-b1")
    # the baseline paragraph it leaves is cited too, from the rule that made it law
    assert any(r.rule == "2023-11-17_88FR73458_ac-s-ifr#3A090.b" for r in b1.reasons)
    server = next(c for c in impact.changes if c.item["id"] == "hand-server")
    assert any("contains 2 x Edge" in r.detail for r in server.reasons)
    assert any(r.rule.startswith("draft-tpp-threshold-2400#") for r in server.reasons)


def test_draft_not_yet_in_force_changes_nothing(rules: RuleSet, small_catalog: Catalog) -> None:
    draft = load_draft("tpp-threshold-2400", rules)
    impact = classification_impact(rules, draft.apply(rules), draft.actions, small_catalog, dt.date(2026, 12, 31))
    assert impact.changes == [] and not impact.draft_in_force
    assert default_date(draft, today=dt.date(2026, 11, 29)) == DRAFT_DAY
    assert default_date(draft, today=dt.date(2027, 3, 1)) == dt.date(2027, 3, 1)


def test_h20_class_draft_catches_the_h20_and_its_board(rules: RuleSet) -> None:
    cat = load_catalog()
    draft = load_draft("h20-class-bandwidth", rules)
    impact = classification_impact(rules, draft.apply(rules), draft.actions, cat, dt.date(2026, 6, 1))
    by_id = {c.item["id"]: c for c in impact.changes}
    h20 = by_id["nvidia-h20"]
    assert (h20.before.status, h20.after.eccn) == ("not_controlled", "3A090.d (draft)")
    assert "total_dram_bandwidth_gbs 4,000 >= 4,000: yes" in h20.reasons[0].detail
    assert by_id["nvidia-hgx-h20-8gpu"].after.eccn == "4A090.d (draft)"
    # parts with no interconnect figure cannot be decided under an interconnect test: indeterminate, naming the field
    l20 = by_id["nvidia-l2"]
    assert l20.kind == "now_indeterminate" and "interconnect_gbs" in l20.after.missing
    # nothing already controlled changes its ECCN (3A090.a/.b come first)
    assert all(c.before.status != "controlled" for c in impact.changes)


def test_impact_before_the_h20_draft_date_is_empty(rules: RuleSet) -> None:
    draft = load_draft("h20-class-bandwidth", rules)
    impact = classification_impact(rules, draft.apply(rules), draft.actions, load_catalog(), dt.date(2025, 4, 8))
    assert impact.changes == []
