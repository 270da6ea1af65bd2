"""`chipclear hold release` (door audit of 2026-12-07): a refused release records no review, and the review a
release records carries the held party's country, so it never clears the same name where no country is stated."""

from __future__ import annotations

import json
import re

from typer.testing import CliRunner

from chipclear.cli import app

runner = CliRunner()
HITS = ["EL-00d22a3b90", "EL-ffc7c67cb1", "CMIC-30947"]  # Huawei's three possible matches in the bundled lists


def _run(key: str, *args: str) -> tuple[int, str]:
    out = runner.invoke(app, list(args), env={"COLUMNS": "300", "CHIPCLEAR_API_KEY": key})
    return out.exit_code, out.output


def test_a_release_review_keeps_the_held_partys_country() -> None:
    made = runner.invoke(app, ["user", "add", "officer", "--role", "admin"])
    key = re.search(r"cc_[A-Za-z0-9_-]+", made.output)
    assert made.exit_code == 0 and key is not None, made.output
    k = key.group(0)
    # L20, not H20: an H20 for an end user located in China with a German ship-to is also held for the country of
    # ultimate destination (the 4E091 audit A7, 2026-12-07), which this test is not about
    code, out = _run(k, "ship", "--item", "L20", "--quantity", "1", "--destination", "DE", "--end-user", "Huawei@CN")
    assert "HELD" in out, out  # exit 1: a line is held
    code, out = _run(k, "hold", "release", "1", "--reason", "checked", "--not-a-match", HITS[0])
    assert code == 2 and "stays held" in out, out
    code, out = _run(k, "reviews", "list", "--json")
    assert code == 0 and json.loads(out or "[]") == [], out  # the refused release recorded nothing
    answers = [x for hit in HITS for x in ("--not-a-match", hit)]
    fact = ["--fact", "parties.0.headquarters_country=DE"]
    code, out = _run(k, "hold", "release", "1", "--reason", "checked", *answers, *fact)
    assert code == 0 and "RELEASED" in out, out
    code, out = _run(k, "reviews", "list", "--json")
    assert sorted((r["entry_id"], r["party_country"]) for r in json.loads(out)) == sorted((h, "CN") for h in HITS)
    line = ["check", "--item", "H20", "--to", "DE", "--date", "2026-12-07", "--end-user", "Huawei"]
    code, out = _run(k, *line, "--end-user-hq", "DE", "--json")
    assert code == 0, out
    decision = json.loads(out)
    assert not [h for h in decision["screening"] if h["suppressed_by"]], decision["screening"]
    assert decision["verdict"] == "HOLD"
