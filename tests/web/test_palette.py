"""One palette: the console stylesheet declares exactly chipclear.palette's colours, and every picture uses them."""

from __future__ import annotations

import re
from importlib import resources

from chipclear import palette
from chipclear.web.charts import Segment, TimelineRow, verdict_timeline


def _root_variables() -> dict[str, str]:
    css = (resources.files("chipclear.web") / "static" / "console.css").read_text(encoding="utf-8")
    root = re.search(r":root\s*\{(.*?)\}", css, re.S)
    assert root, "console.css has no :root block"
    return dict(re.findall(r"(--[\w-]+)\s*:\s*([^;]+);", root.group(1)))


def test_console_css_mirrors_the_palette() -> None:
    declared = _root_variables()
    wanted = palette.css_variables()
    assert {k: declared.get(k) for k in wanted} == wanted
    assert len(wanted) == 2 * (len(palette.VERDICTS) + len(palette.CLASSIFICATION)) + len(palette.NEUTRAL)


def test_one_hold_colour_in_console_chart_report_and_plots() -> None:
    hold = palette.VERDICTS["HOLD"].ink
    assert _root_variables()["--hold"] == hold
    import datetime as dt

    svg = verdict_timeline(
        [TimelineRow("CN", [Segment(dt.date(2025, 1, 1), dt.date(2025, 6, 1), "HOLD")])],
        dt.date(2025, 1, 1),
        dt.date(2025, 12, 31),
    )
    assert f'fill="{hold}"' in svg
    from chipclear.whatif import plots

    assert plots.STATUS_STYLE["indeterminate"][0] == hold


def test_no_second_palette_in_the_code() -> None:
    """Verdict colours are declared once: no module keeps its own verdict/status/region colour table."""
    root = resources.files("chipclear")
    offenders = []
    for path in ("web/charts.py", "web/model_chart.py", "batch/report.py", "whatif/plots.py"):
        text = (root / path).read_text(encoding="utf-8")
        if re.search(r"^(VERDICT|STATUS|REGION)_COLOU?RS\s*=\s*\{", text, re.M):
            offenders.append(path)
        if re.search(r'"HOLD"\s*:\s*"#', text):
            offenders.append(path)
    assert offenders == []
