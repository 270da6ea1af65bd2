"""How many catalog parts were controlled for China on a date (the data behind the timeline plot).

A part counts as controlled when ``determine`` gives anything but NLR for a line to China with an end user
headquartered there (license required, license exception, prohibited), and as undecided when it gives HOLD.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from chipclear.catalog import Catalog
from chipclear.geography import load_geography
from chipclear.rules import RuleSet
from chipclear.rules.schema import Layer
from chipclear.whatif.verdicts import china_counts


def controlled_for_china(rules: RuleSet, catalog: Catalog, day: dt.date, layer: Layer = "enforced") -> dict[str, Any]:
    return china_counts(rules, catalog, day, layer, load_geography())


def series(rules: RuleSet, catalog: Catalog, days: list[dt.date], layer: Layer = "enforced") -> list[dict[str, Any]]:
    geo = load_geography()
    return [china_counts(rules, catalog, day, layer, geo) for day in days]


__all__ = ["controlled_for_china", "series"]
