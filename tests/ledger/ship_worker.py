"""A shipping process for the concurrency and crash tests:
``python ship_worker.py URL N NAME [--pause-before-commit] [--wait-after-first FILE]``.

Ships N lines of one H20 each (stub LICENSE_REQUIRED decisions, so the license on file decides) and prints
``{"shipped": s, "held": h}``. With --pause-before-commit it announces "READY" on stdout just before the
transaction of its first shipment commits and then sleeps, so the test can kill it mid-shipment. With
--wait-after-first FILE it ships its first line, then waits (at most 120 s) until FILE exists before shipping the
rest, so a test can be sure another door ships while this process is still shipping.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository root, for tests.ledger.helpers

from sqlalchemy import event
from tests.ledger.helpers import h20_line, license_required

from chipclear.ledger import open_ledger
from chipclear.ledger import shipments as ledger_shipments
from chipclear.ledger.users import SystemActor


def main() -> None:
    url, n, name = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    pause = "--pause-before-commit" in sys.argv
    go = Path(sys.argv[sys.argv.index("--wait-after-first") + 1]) if "--wait-after-first" in sys.argv else None
    ledger = open_ledger(url, create=False)
    ledger_shipments.today = lambda: h20_line(1).ship_date  # recorded on its ship date (see conftest), not historical
    if pause:

        @event.listens_for(ledger.engine, "commit")
        def _hang(conn: Any) -> None:  # runs after every statement, before COMMIT reaches the database
            print("READY", flush=True)
            time.sleep(3600)

    actor = SystemActor(name, "analyst")
    shipped = held = 0
    for i in range(n):
        if go is not None and i == 1:
            deadline = time.monotonic() + 120
            while not go.exists() and time.monotonic() < deadline:
                time.sleep(0.01)
        with ledger.session() as s:
            result = ledger_shipments.ship(s, [h20_line(1)], actor, decide=license_required)
            status = result.lines[0].line.status
        if status == "shipped":
            shipped += 1
        else:
            held += 1
    ledger.close()
    print(json.dumps({"shipped": shipped, "held": held}), flush=True)


if __name__ == "__main__":
    main()
