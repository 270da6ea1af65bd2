"""An order book may hold model-weight lines: batch validation resolves model ids like catalog items."""

from __future__ import annotations

from pathlib import Path

from chipclear.batch.io import read_orders, validate
from chipclear.catalog import load_catalog
from chipclear.geography import load_geography


def test_batch_accepts_model_items_and_still_rejects_unknown_ones(tmp_path: Path) -> None:
    book = tmp_path / "book.csv"
    book.write_text(
        "item,destination,ship_date\ngrok-3,GB,2025-03-01\nDeepSeek V3,CN,2025-03-01\nno-such,CN,2025-03-01\n"
    )
    lines, bad = validate(read_orders(book), load_catalog(), load_geography())
    assert sorted(lines["item_id"].to_list()) == ["deepseek-v3", "grok-3"]
    assert bad.height == 1 and "no-such" in bad["reason"][0]
