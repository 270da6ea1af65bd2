"""A small hand-made catalog whose classifications under the TPP 4800 -> 2400 draft are worked out by hand."""

from __future__ import annotations

import pytest

from chipclear.catalog import Catalog
from chipclear.catalog.loader import parse_catalog_text
from chipclear.rules import RuleSet, load_rules

# TPP = dense TOPS x bit length (int8: 8 bits, fp16: 16 bits); density = TPP / die area.
SMALL_CATALOG = """
parts:
- {id: hand-b1, vendor: Hand, name: B1, datacenter: true, dense_throughput: {int8: 350}, die_area_mm2: 1000,
   sources: [hand], confidence: H}          # TPP 2800, PD 2.8: today 3A090.b.1; draft a.1 (2800 >= 2400)
- {id: hand-under, vendor: Hand, name: Under, datacenter: true, dense_throughput: {fp16: 149.9375},
   die_area_mm2: 1000, sources: [hand], confidence: H}  # TPP 2399, PD 2.399: under 2400, .b needs PD 3.2
- {id: hand-edge, vendor: Hand, name: Edge, datacenter: true, dense_throughput: {int8: 300}, die_area_mm2: 2000,
   sources: [hand], confidence: H}          # TPP 2400 exactly, PD 1.2: today nothing; draft a.1 (2400 >= 2400)
- {id: hand-gamer, vendor: Hand, name: Gamer, datacenter: false, dense_throughput: {fp16: 187.5}, die_area_mm2: 500,
   sources: [hand], confidence: H}          # TPP 3000, non-datacenter: Note 2 excludes before and after
- {id: hand-big, vendor: Hand, name: Big, datacenter: true, dense_throughput: {fp16: 375}, die_area_mm2: 800,
   sources: [hand], confidence: H}          # TPP 6000: 3A090.a before and after
systems:
- {id: hand-server, vendor: Hand, name: Server, datacenter: true, components: [{part: hand-edge, count: 2}],
   sources: [hand], confidence: H}          # 4A090 follows hand-edge: nothing today, 4A090.a under the draft
"""


@pytest.fixture(scope="session")
def small_catalog() -> Catalog:
    return Catalog([parse_catalog_text(SMALL_CATALOG, "tests/whatif/small-catalog")])


@pytest.fixture(scope="session")
def rules() -> RuleSet:
    return load_rules()
