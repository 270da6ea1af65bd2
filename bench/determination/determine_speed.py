"""How fast is license determination? Prints calls/s for typical lines, a timeline and a full-catalog diff.

Run: .venv/bin/python bench/determination/determine_speed.py
Not run by the test suite. Figures depend on machine load.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable

from chipclear.catalog import load_catalog
from chipclear.decision import OrderLine, Party
from chipclear.determination import determine, diff, timeline
from chipclear.determination.history import NoScreening
from chipclear.rules import load_rules
from chipclear.screening import default_screener


def bench(label: str, func: Callable[[], object], seconds: float = 2.0) -> None:
    func()  # warm
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        func()
        count += 1
    per = (time.perf_counter() - start) / count
    print(f"{label:<62} {1 / per:>9,.0f} calls/s {per * 1e6:>11,.1f} us/call")


def main() -> None:
    start = time.perf_counter()
    load_rules()
    load_catalog()
    print(f"{'load rules and catalog (cold)':<62} {(time.perf_counter() - start) * 1e3:>9,.1f} ms")
    start = time.perf_counter()
    screener = default_screener()
    print(f"{'build the screener over the embedded lists (cold)':<62} {(time.perf_counter() - start) * 1e3:>9,.1f} ms")
    none = NoScreening()
    cn = [Party(name="Example End User Ltd", country="CN", headquarters_country="CN")]
    sg = [Party(name="Example End User Ltd", country="SG", headquarters_country="CN")]
    h20 = OrderLine(item="H20", destination="CN", ship_date=dt.date(2025, 6, 1), parties=cn)
    h100 = OrderLine(item="H100", destination="SG", ship_date=dt.date(2024, 6, 1), parties=sg)
    rtx = OrderLine(item="RTX 4090", destination="CN", ship_date=dt.date(2024, 6, 1), parties=cn)
    hgx = OrderLine(
        item="nvidia-hgx-h100-8gpu",
        destination="DE",
        ship_date=dt.date(2025, 6, 1),
        parties=[Party(name="x", headquarters_country="DE")],
    )
    bench("H20 to CN 2025-06-01 (letter), no screening", lambda: determine(h20, screener=none))
    bench("H100 to SG, CN-HQ end user (HQ rule), no screening", lambda: determine(h100, screener=none))
    bench("RTX 4090 to CN (NAC), no screening", lambda: determine(rtx, screener=none))
    bench("HGX H100 system to DE, no screening", lambda: determine(hgx, screener=none))
    bench("H20 to CN with the end user screened (25,921 entries)", lambda: determine(h20, screener=screener))
    bench("timeline H20 to CN 2022 -> 2026-11-29", lambda: timeline("H20", "CN", end=dt.date(2026, 11, 29)))
    start = time.perf_counter()
    result = diff(dt.date(2023, 6, 1), dt.date(2023, 12, 1))
    took = time.perf_counter() - start
    lines = len(load_catalog().items()) * len(result["destinations"]) * 2
    print(
        f"{'diff 2023-06-01 -> 2023-12-01, whole catalog x 12 destinations':<62} {took * 1e3:>9,.1f} ms "
        f"({lines:,} determinations, {len(result['changes'])} changes)"
    )


if __name__ == "__main__":
    main()
