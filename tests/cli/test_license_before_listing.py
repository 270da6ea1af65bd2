"""The CLI doors of a license granted before a party's listing (task "listing", 2026-12-07): `check --api-key` and
`ship` hold a line dated after the listing, naming it; `hold release` refuses it (one line, exit 2, nothing drawn)
until an approver gives `--acknowledge-listing LICENSE` with the reason. The party is a real Entity List entry: the
Beijing Academy of Quantum Information Sciences, added 2024-05-14 (89 FR 41888)."""

from __future__ import annotations

import json
import re

from typer.testing import CliRunner

from chipclear.cli import app

runner = CliRunner()
PARTY = "Beijing Academy of Quantum Information Sciences@CN"


def _run(key: str, *args: str) -> tuple[int, str]:
    out = runner.invoke(app, list(args), env={"COLUMNS": "300", "CHIPCLEAR_API_KEY": key})
    return out.exit_code, out.output


def _used(key: str) -> int:
    code, out = _run(key, "license", "show", "L1", "--json")
    assert code == 0, out
    return int(json.loads(out)["quantity_used"])


def test_ship_holds_and_hold_release_needs_the_acknowledgement() -> None:
    made = runner.invoke(app, ["user", "add", "officer", "--role", "admin"])
    key = re.search(r"cc_[A-Za-z0-9_-]+", made.output)
    assert made.exit_code == 0 and key is not None, made.output
    k = key.group(0)
    apply = ["license", "apply", "--item", "H100", "--destination", "CN", "--end-user", PARTY, "--quantity", "10"]
    code, out = _run(k, *apply, "--application-number", "A-L1", "--submitted-on", "2023-12-01")
    assert code == 0, out
    grant = ["license", "grant", "1", "--number", "L1", "--valid-from", "2024-01-01", "--valid-to", "2026-12-31"]
    code, out = _run(k, *grant, "--decided-on", "2024-01-01")
    assert code == 0, out
    line = ["--item", "H100", "--quantity", "4", "--destination", "CN", "--end-user", PARTY]
    name = PARTY.split("@")[0]
    check = ["check", "--item", "H100", "--quantity", "4", "--to", "CN", "--date", "2024-07-01"]
    code, out = _run(k, *check, "--end-user", name, "--end-user-country", "CN", "--json")
    assert code == 0, out
    checked = json.loads(out)
    assert checked["verdict"] == "HOLD", checked["missing"]
    assert any("license L1 (issued 2024-01-01) predates the listing" in m for m in checked["missing"]), checked
    code, out = _run(k, "ship", *line, "--ship-date", "2024-07-01")
    assert code == 1 and "HELD" in out, out
    # without the acknowledgement: one line, exit 2, nothing drawn
    code, out = _run(k, "hold", "release", "1", "--reason", "BIS confirmed")
    assert code == 2 and "must confirm that license L1 still holds after the listing" in out, out
    assert len(out.strip().splitlines()) == 1, out
    code, out = _run(k, "hold", "release", "1", "--reason", "BIS confirmed", "--acknowledge-listing", "L7")
    assert code == 2 and "predates no listing" in out, out
    assert _used(k) == 0
    code, out = _run(k, "hold", "release", "1", "--reason", "BIS confirmed", "--acknowledge-listing", "L1", "--json")
    assert code == 0, out
    released = json.loads(out)
    assert released["status"] == "released" and released["license"] == "L1", released
    assert any("approver officer confirmed that license L1" in r["detail"] for r in released["decision"]["reasons"])
    assert _used(k) == 4
