"""Policy what-if: draft rules as overlays, their impact on the catalog and on order books, and plots.

    from chipclear.whatif import run_whatif
    report = run_whatif("tpp-threshold-2400", as_of=datetime.date(2027, 1, 1))

A draft is a rule data file with ``kind: draft``, validated like the bundled rules (``load_draft``). Plots are in
``chipclear.whatif.plots``; ``plot_svgs(draft)`` returns the SVG text of each plot for the web console (matplotlib
is imported only when a plot is asked for).
"""

from chipclear.whatif.impact import ClassificationImpact, ItemChange, classification_impact
from chipclear.whatif.overlay import Draft, bundled_drafts, load_draft, parse_draft
from chipclear.whatif.service import WhatIfReport, default_date, load_drafts, plot_svgs, run_whatif

__all__ = [
    "ClassificationImpact",
    "Draft",
    "ItemChange",
    "WhatIfReport",
    "bundled_drafts",
    "classification_impact",
    "default_date",
    "load_draft",
    "load_drafts",
    "parse_draft",
    "plot_svgs",
    "run_whatif",
]
