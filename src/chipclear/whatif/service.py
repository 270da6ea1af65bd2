"""The what-if service: load a draft, compute its impact on the catalog (and order books), write the plots.

The one entry point the CLI, the API and the console share. Loading (rules, catalog, draft, orders) and file
writing happen here; the impact computation itself is pure (``impact``, ``verdicts``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from chipclear.catalog import Catalog, load_catalog
from chipclear.errors import InputError
from chipclear.rules import RuleSet, load_rules
from chipclear.rules.schema import Layer
from chipclear.userfiles import input_file
from chipclear.whatif.impact import ClassificationImpact, classification_impact
from chipclear.whatif.overlay import Draft, load_draft, merge_drafts


class WhatIfReport(BaseModel):
    """Everything ``chipclear whatif`` reports: JSON field names are the same in every interface."""

    draft_file: str
    hypothetical: bool = True  # a draft is the analyst's hypothesis, never law
    classification: ClassificationImpact
    destinations: dict[str, Any] | None = None  # verdict changes per destination (needs determination)
    orders: dict[str, Any] | None = None  # order-book line changes (needs determination)
    plots: list[str] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)


def load_drafts(ref: str | Path | Draft | Sequence[str | Path | Draft], base: RuleSet) -> Draft:
    """One draft, or several applied together (their ids must differ)."""
    refs = [ref] if isinstance(ref, str | Path | Draft) else list(ref)
    if not refs:
        raise InputError("draft: give at least one draft file or bundled draft name", field="draft")
    drafts = [load_draft(r, base) for r in refs]
    ids = [i for d in drafts for i in d.ids]
    if len(set(ids)) != len(ids):
        raise InputError(f"draft: the same draft id is given twice ({', '.join(ids)})", field="draft")
    return drafts[0] if len(drafts) == 1 else merge_drafts(drafts)


def default_date(draft: Draft, today: dt.date | None = None) -> dt.date:
    """Today, or the drafts' latest effective date when that is later (assessed once every draft is in force)."""
    today = today or dt.date.today()
    return max(today, max(a.effective for a in draft.actions))


def run_whatif(
    draft_ref: str | Path | Draft | Sequence[str | Path | Draft],
    as_of: dt.date | None = None,
    layer: Layer = "enforced",
    orders: Path | None = None,
    plots_dir: Path | None = None,
    rules: RuleSet | None = None,
    catalog: Catalog | None = None,
    destinations: list[str] | None = None,
) -> WhatIfReport:
    if orders is not None:
        input_file(orders, "--orders")  # a FIFO or a device is named for what it is, never opened
    if orders is not None and not orders.is_file():
        raise InputError(f"{orders}: no such order book file", field="orders")
    base = rules or load_rules()
    cat = catalog or load_catalog()
    draft = load_drafts(draft_ref, base)
    drafted = draft.apply(base)
    when = as_of or default_date(draft)
    impact = classification_impact(base, drafted, draft.actions, cat, when, layer)
    report = WhatIfReport(draft_file=draft.name, classification=impact)
    if not impact.draft_in_force:
        report.notes.append(
            f"the draft is effective {impact.draft.effective}, after {when}: nothing changes on {when};"
            " run with --date on or after the draft's effective date"
        )
    else:
        report.notes += [
            f"draft {a.id} is effective {a.effective}, after {when}: it is not applied on {when}"
            for a in draft.actions
            if a.effective > when
        ]
    _add_verdicts(report, base, drafted, draft, cat, when, layer, orders, destinations)
    if plots_dir is not None:
        from chipclear.whatif import plots  # matplotlib is imported only when plots are asked for

        report.plots = [str(p) for p in plots.write_all(plots_dir, base, drafted, draft, cat, when, layer)]
    return report


def _add_verdicts(
    report: WhatIfReport,
    base: RuleSet,
    drafted: RuleSet,
    draft: Draft,
    cat: Catalog,
    when: dt.date,
    layer: Layer,
    orders: Path | None,
    destinations: list[str] | None = None,
) -> None:
    """Verdict changes per representative destination, and per order line when an order book is given."""
    from chipclear.whatif import verdicts

    report.destinations = verdicts.destination_impact(
        base, drafted, draft.actions, cat, when, layer, destinations=destinations
    )
    if orders is not None:
        report.orders = verdicts.order_book_impact(base, drafted, draft.actions, cat, orders, layer)
        report.notes += [f"order book: {text}" for text in report.orders["explanation"]]
        report.notes.append(verdicts.SCREENING_NOTE)


def plot_svgs(
    draft_ref: str | Path | Sequence[str | Path],
    as_of: dt.date | None = None,
    layer: Layer = "enforced",
    names: list[str] | None = None,
    rules: RuleSet | None = None,
    catalog: Catalog | None = None,
) -> dict[str, str]:
    """SVG text of each what-if plot for a draft (for the web console): name -> SVG document.

    Names: ``tpp-density``, ``china-timeline``, ``bandwidth-window`` (all by default)."""
    from chipclear.whatif import plots

    base = rules or load_rules()
    cat = catalog or load_catalog()
    draft = load_drafts(draft_ref, base)
    drafted = draft.apply(base)
    when = as_of or default_date(draft)
    wanted = names or list(plots.PLOTS)
    unknown = [n for n in wanted if n not in plots.PLOTS]
    if unknown:
        raise InputError(f"plot: unknown plot {unknown[0]!r}; valid: {', '.join(plots.PLOTS)}", field="plot")
    return {name: plots.plot_svg(name, base, drafted, draft, cat, when, layer) for name in wanted}


__all__ = ["WhatIfReport", "default_date", "load_drafts", "plot_svgs", "run_whatif"]
