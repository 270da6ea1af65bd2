"""One regions module for every picture, and chip labels taken from the catalog (a field, not a list in code)."""

from __future__ import annotations

import datetime as dt
import re

from fastapi.testclient import TestClient

from chipclear import regions
from chipclear.catalog import load_catalog
from chipclear.rules import load_rules
from chipclear.web import pages_items
from chipclear.whatif import plots

DAY = dt.date(2024, 1, 1)


def test_console_and_whatif_draw_the_same_rectangles() -> None:
    rules = load_rules()
    shared = regions.regions(rules, DAY)
    console, legend = pages_items.map_regions(DAY)
    assert console == shared == plots.regions(rules, DAY, "enforced")
    # every clause of 3A090.a and .b as the rule data states them (the 2023-11-17 rule: two clauses each)
    assert [(r.paragraph, r.tpp_lo, r.dens_lo) for r in shared] == [
        ("3A090.a", 4800.0, None),
        ("3A090.a", 1600.0, 5.92),
        ("3A090.b", 2400.0, 1.6),
        ("3A090.b", 1600.0, 3.2),
    ]
    assert [pid for pid, _, _ in legend] == ["3A090.a", "3A090.b"]


def test_tests_off_the_plane_are_kept_as_text() -> None:
    first = regions.regions(load_rules(), dt.date(2023, 1, 1))
    assert len(first) == 1 and first[0].tpp_lo == 4800 and first[0].other == ["io_bandwidth_gbs >= 600"]


def test_chip_labels_come_from_the_catalog(console: TestClient) -> None:
    assert not hasattr(pages_items, "LABELLED") and not hasattr(pages_items, "MAP_PARAGRAPHS")
    labelled = {p.chart_label for p in load_catalog().parts.values() if p.chart_label}
    assert {"H20", "A800", "RTX 4090 D"} <= labelled
    page = console.get("/chip-map?as_of=2024-01-01").text
    drawn = set(re.findall(r'<text class="chip-label"[^>]*>([^<]+)</text>', page))
    assert drawn and drawn <= labelled and len(drawn) >= 8
