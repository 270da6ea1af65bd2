"""The plots: written as PNG and SVG, readable on their own, control regions and windows drawn from rule data."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from xml.etree import ElementTree

import pytest
import yaml
from matplotlib.figure import Figure

from chipclear.catalog import Catalog
from chipclear.rules import RuleSet
from chipclear.rules.loader import _DATA
from chipclear.whatif import load_draft, plots

DAY = dt.date(2027, 1, 1)


def _texts(fig: Figure) -> str:
    ax = fig.axes[0]
    legend = ax.get_legend()
    parts = [ax.get_title(), ax.get_xlabel(), ax.get_ylabel(), *(t.get_text() for t in ax.texts)]
    parts += [t.get_text() for t in legend.get_texts()] if legend else []
    return "\n".join(parts)


def test_write_all_png_and_svg(tmp_path: Path, rules: RuleSet, small_catalog: Catalog) -> None:
    draft = load_draft("tpp-threshold-2400", rules)
    paths = plots.write_all(tmp_path / "out", rules, draft.apply(rules), draft, small_catalog, DAY)
    assert sorted(p.name for p in paths) == sorted(
        f"draft-tpp-threshold-2400_{name}.{ext}" for name in plots.PLOTS for ext in ("png", "svg")
    )
    for path in paths:
        data = path.read_bytes()
        assert len(data) > 10_000
        if path.suffix == ".png":
            assert data.startswith(b"\x89PNG")
        else:
            text = data.decode()
            assert text.lstrip().startswith("<?xml") and ElementTree.fromstring(data).tag.endswith("svg")
            assert "HYPOTHESIS" in text  # text is kept as text, so the console can show and search it


def test_tpp_density_map_is_readable_and_regions_come_from_rules(rules: RuleSet, small_catalog: Catalog) -> None:
    draft = load_draft("tpp-threshold-2400", rules)
    drafted = draft.apply(rules)
    fig = plots.tpp_density_map(rules, drafted, draft, small_catalog, DAY)
    text = _texts(fig)
    assert "TPP" in fig.axes[0].get_xlabel() and "mm²" in fig.axes[0].get_ylabel()
    assert fig.axes[0].get_xscale() == "log" and fig.axes[0].get_yscale() == "log"
    assert "in force: 3A090.a" in text and "draft: 3A090.a" in text
    for name in ("B1", "Edge", "Big", "Gamer", "Under"):  # every plotted chip is labelled
        assert name in text
    draft_a = [
        r for r in plots.regions(drafted, DAY, "enforced", {"draft-tpp-threshold-2400"}) if r.paragraph == "3A090.a"
    ]
    base_a = [r for r in plots.regions(rules, DAY, "enforced") if r.paragraph == "3A090.a"]
    assert min(r.tpp_lo or 0 for r in draft_a) == 1600 and sorted(r.tpp_lo or 0 for r in draft_a) == [1600, 2400]
    assert sorted(r.tpp_lo or 0 for r in base_a) == [1600, 4800]


def test_bandwidth_window_is_read_from_the_91FR1684_rule_file(rules: RuleSet, small_catalog: Catalog) -> None:
    raw = yaml.safe_load((_DATA / "2026-01-15_91FR1684_h200-case-by-case.yaml").read_text(encoding="utf-8"))
    tests = raw["licensing"]["review_policies"][0]["when"]["tests"]
    expected = {t["metric"]: t["value"] for t in tests}
    windows = plots.review_windows(rules)
    assert len(windows) == 1
    assert (windows[0].tpp_below, windows[0].bandwidth_below) == (expected["tpp"], expected["total_dram_bandwidth_gbs"])
    assert windows[0].effective == dt.date(2026, 1, 15) and windows[0].policy == "case_by_case"
    draft = load_draft("h20-class-bandwidth", rules)
    fig = plots.bandwidth_map(rules, draft.apply(rules), draft, small_catalog, DAY)
    text = _texts(fig)
    assert "GB/s" in fig.axes[0].get_ylabel() and "case-by-case window from 2026-01-15" in text
    assert f"{expected['tpp']:,}" in text and f"{expected['total_dram_bandwidth_gbs']:,}" in text
    assert "draft 3A090.d (draft): total_dram_bandwidth_gbs >= 4,000 GB/s" in text
    # without the rule file there is no window: said so, never drawn from a constant
    without = RuleSet([a for a in rules.actions if a.id != raw["id"]])
    fig = plots.bandwidth_map(without, draft.apply(without), draft, small_catalog, DAY)
    assert "not in the loaded rule data" in _texts(fig)


def test_china_timeline_counts_steps_at_rule_dates(rules: RuleSet, small_catalog: Catalog) -> None:
    draft = load_draft("tpp-threshold-2400", rules)
    fig = plots.china_timeline(rules, draft.apply(rules), draft, small_catalog, DAY, today=dt.date(2026, 11, 29))
    text = _texts(fig)
    assert "China" in fig.axes[0].get_title() and "count" in fig.axes[0].get_ylabel()
    assert "under the draft" in text and "87 FR 62186" in text
    in_force, draft_line = fig.axes[0].lines[0], fig.axes[0].lines[1]
    # small catalog, CN: before the draft B1 (.b: NAC) and Big (.a) need a license or an exception; Edge joins
    # under the draft from 2027-01-01
    assert max(in_force.get_ydata()) == 2 and max(draft_line.get_ydata()) == 3


def test_plot_svg_for_the_console(rules: RuleSet, small_catalog: Catalog) -> None:
    draft = load_draft("h20-class-bandwidth", rules)
    svg = plots.plot_svg("bandwidth-window", rules, draft.apply(rules), draft, small_catalog, DAY)
    assert svg.lstrip().startswith("<?xml") and "Memory bandwidth vs. TPP" in svg


def test_plot_svgs_service(rules: RuleSet, small_catalog: Catalog) -> None:
    from chipclear.errors import InputError
    from chipclear.whatif import plot_svgs

    svgs = plot_svgs("tpp-threshold-2400", names=["tpp-density"], rules=rules, catalog=small_catalog)
    assert list(svgs) == ["tpp-density"] and "ECCN 3A090 control regions as of 2027-01-01" in svgs["tpp-density"]
    with pytest.raises(InputError, match="unknown plot 'pie'"):
        plot_svgs("tpp-threshold-2400", names=["pie"], rules=rules, catalog=small_catalog)


WINDOW_DRAFT = """
id: draft-wider-window
kind: draft
title: "HYPOTHETICAL: the case-by-case window up to TPP 30000"
citation: "DRAFT (not law): test"
effective: 2027-01-01
confidence: L
source: test
licensing:
  citation: "DRAFT (not law)"
  confidence: L
  review_policies:
  - id: "742.6(b)(10)-r10-case-by-case"
    applies_to: ["742.6(a)(6)(iii)"]
    policy: case_by_case
    text: "HYPOTHETICAL: wider window"
    citation: "DRAFT (not law): TPP bound 30000 assumed"
    confidence: L
    when:
      destination_in: {countries: [CN, MO]}
      export_from_us: true
      tests:
      - {metric: tpp, op: lt, value: 30000}
      - {metric: total_dram_bandwidth_gbs, op: lt, value: 6500}
"""


def test_a_draft_window_is_drawn_next_to_the_window_in_force(
    tmp_path: Path, rules: RuleSet, small_catalog: Catalog
) -> None:
    path = tmp_path / "window.yaml"
    path.write_text(WINDOW_DRAFT)
    draft = load_draft(path, rules)
    drafted = draft.apply(rules)
    assert [w.tpp_below for w in plots.review_windows(drafted, DAY)] == [30000]  # replaced by id on the draft date
    text = _texts(plots.bandwidth_map(rules, drafted, draft, small_catalog, DAY))
    assert "draft: case-by-case window from 2027-01-01: TPP < 30,000" in text
    assert any(line.startswith("case-by-case window from 2026-01-15: TPP < 21,000") for line in text.splitlines())
    before = _texts(plots.bandwidth_map(rules, drafted, draft, small_catalog, dt.date(2025, 6, 1)))
    assert "not yet in force on 2025-06-01: case-by-case window from 2026-01-15" in before
