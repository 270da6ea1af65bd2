"""How cheap `chipclear.tariffs.duty()` is to call (it is called per import line by the determination and the API).

Run: .venv/bin/python bench/tariffs/duty_speed.py
Prints calls per second for a simple line, a line with an open Section 232 question (two branches), a line with a
catalog item, and the time of a full timeline.
"""

from __future__ import annotations

import datetime as dt
import time

from chipclear.catalog import load_catalog
from chipclear.tariffs import bundled_data, duty, timeline


def _rate(label: str, fn: object, n: int) -> None:
    assert callable(fn)
    fn()
    start = time.perf_counter()
    for _ in range(n):
        fn()
    elapsed = time.perf_counter() - start
    print(f"{label:<55} {n / elapsed:>10,.0f} calls/s  {elapsed / n * 1e6:>8.1f} us/call")


def main() -> None:
    start = time.perf_counter()
    bundled_data.cache_clear()
    bundled_data()
    print(f"{'load and validate all tariff data files (cold)':<55} {(time.perf_counter() - start) * 1e3:>10.1f} ms")
    h200 = load_catalog().get("H200")
    _rate("8542.31.00 from TW, 2025-06-01", lambda: duty("8542.31.00", "TW", dt.date(2025, 6, 1)), 5000)
    _rate("8473.30.1180 from CN, 2025-06-01, value", lambda: duty("8473.30.1180", "CN", dt.date(2025, 6, 1), 1e4), 5000)
    _rate(
        "8473.30.1180 from CN, 2026-02-01, open 232 (2 branches)",
        lambda: duty("8473.30.1180", "CN", dt.date(2026, 2, 1)),
        5000,
    )
    _rate(
        "8471.50.0150 from TW, 2026-02-01, item H200",
        lambda: duty("8471.50.0150", "TW", dt.date(2026, 2, 1), item=h200),
        5000,
    )
    _rate("timeline 8473.30.1180 from CN (all change dates)", lambda: timeline("8473.30.1180", "CN"), 200)


if __name__ == "__main__":
    main()
