"""The console's duty card (web/templates/_macros.html) shows the Chapter 99 headings a broker files."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import chipclear.web
from chipclear.tariffs import duty
from chipclear.web.render import templates

TEMPLATES = Path(chipclear.web.__file__).parent / "templates"


def _render(result_json: dict[str, object]) -> str:
    env = templates().env  # the console's own environment: its globals and filters
    template = env.from_string('{% from "_macros.html" import duty_card %}{{ duty_card(t) }}')
    return template.render(t=result_json)


def test_duty_card_lists_headings_to_file_and_unconfirmed_headings() -> None:
    html = _render(duty("8473.30.1180", "CN", dt.date(2025, 6, 1), value=25000).to_json())
    assert 'id="duty-headings"' in html and "9903.88.03, 9903.01.24, 9903.01.32" in html
    assert 'id="duty-headings-unknown"' not in html
    # A measure whose heading the data does not confirm is named, never left blank (8486 column 2 for RU: open).
    open_ = duty("8542.31.00", "CN", dt.date(2025, 6, 1)).to_json()
    open_["lines"].append({**open_["lines"][-1], "heading": None, "rate": 5.0, "measure": "Some measure"})
    open_["headings_unknown"] = ["Some measure"]
    assert "Some measure" in _render(open_).split('id="duty-headings-unknown"')[1]


def test_duty_card_shows_the_per_use_232_heading() -> None:
    from chipclear.tariffs import ItemSpecs

    h200_class = ItemSpecs.single("H200-class", tpp=15832, dram_bandwidth_gbs=4800)
    result = duty("8471.50.0150", "TW", dt.date(2026, 3, 1), item=h200_class, end_use="us_rd")
    html = _render(result.to_json())
    assert "9903.79.05" in html and "9903.79.03-" not in html
    assert 'id="duty-headings-unknown"' not in html
