"""The batch HTML report: a Jinja2 template, the shared palette, and a legend whose labels never overlap."""

from __future__ import annotations

import itertools
import re

from chipclear import palette
from chipclear.batch.report import VERDICT_ORDER, render_html

SUMMARY = {
    "input": "book.csv",
    "lines_decided": 6000,
    "bad_rows": 0,
    "rules_version": "r1",
    "list_version": "l1",
    "by_verdict": dict.fromkeys(VERDICT_ORDER, 1000),
    "by_reason": [{"rule": "x#1", "lines": 10, "citation": "15 CFR 744.23 <a>"}],
    "by_destination": [{"destination": "CN", **dict.fromkeys(VERDICT_ORDER, 100), "total": 600}],
}


def test_legend_labels_do_not_overlap() -> None:
    page = render_html(SUMMARY)
    labels = re.findall(r'<text class="legend-label" x="([\d.]+)" y="([\d.]+)" font-size="10">([A-Z_]+)</text>', page)
    assert [name for _, _, name in labels] == VERDICT_ORDER
    # Text at font-size 10 in a sans-serif font is at most ~6.5 px a character (upper case): the next label on the
    # same line must start after this one ends.
    for (x0, y0, name), (x1, y1, _) in itertools.pairwise(labels):
        if y0 == y1:
            assert float(x1) >= float(x0) + 6.5 * len(name), (name, x0, x1)
    assert all(float(x) + 6.5 * len(name) <= 640 for x, _, name in labels)  # and inside the chart


def test_report_uses_the_palette_and_escapes_text() -> None:
    page = render_html(SUMMARY)
    assert f'fill="{palette.VERDICTS["HOLD"].ink}"' in page
    assert "15 CFR 744.23 &lt;a&gt;" in page and "<a>" not in page
    assert "<script" not in page and "src=" not in page
