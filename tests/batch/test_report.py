"""The batch HTML report: a Jinja2 template, the shared palette, and a legend whose labels never overlap."""

from __future__ import annotations

import datetime as dt
import itertools
import re

import polars as pl

from chipclear import palette
from chipclear.batch.nested import DATE_MARK, NESTED
from chipclear.batch.report import VERDICT_ORDER, render_html, summarise

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


def _key(
    key_id: int, rep: dt.date, verdict: str | None, rules: list[tuple[str, str]], error: str | None = None
) -> dict:
    reasons = [{"rule": r, "citation": c, "detail": "d", "confidence": "H"} for r, c in rules]
    return {"key_id": key_id, "rep_as_of": rep, "verdict": verdict, "reasons": reasons, "error": error}


def test_summary_counts_lines_per_key_and_puts_the_date_back_into_marked_citations() -> None:
    """``summarise`` reads the keys' decisions in their templates form: counts are weighted by each key's lines,
    a rule is counted once per key however often its reasons name it, a key that failed counts nowhere, and a
    citation holding the date mark reads with the key's representative date."""
    day = dt.date(2026, 3, 2)
    decisions = pl.DataFrame(
        [
            _key(0, day, "LICENSE_REQUIRED", [("a#1", f"notice of {DATE_MARK}"), ("a#1", f"notice of {DATE_MARK}")]),
            _key(1, day, "NLR", [("b#1", "15 CFR 734.9")]),
            _key(2, day, None, [], error="determination failed"),
        ],
        schema={
            "key_id": pl.UInt32,
            "rep_as_of": pl.Date,
            "verdict": pl.String,
            "reasons": NESTED["reasons"],
            "error": pl.String,
        },
    )
    per_key = pl.DataFrame(
        {"key_id": [0, 1, 2], "destination": ["CN", "CN", "DE"], "lines": [5, 2, 7]},
        schema={"key_id": pl.UInt32, "destination": pl.String, "lines": pl.UInt32},
    )
    summary = summarise(per_key, decisions, bad=3)
    assert summary["lines_decided"] == 7 and summary["bad_rows"] == 3
    assert summary["by_verdict"] == {"LICENSE_REQUIRED": 5, "NLR": 2}
    assert summary["by_reason"] == [
        {"rule": "a#1", "lines": 5, "citation": "notice of 2026-03-02"},
        {"rule": "b#1", "lines": 2, "citation": "15 CFR 734.9"},
    ]
    assert summary["by_destination"] == [{"destination": "CN", "NLR": 2, "LICENSE_REQUIRED": 5, "total": 7}]
