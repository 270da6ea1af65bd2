"""The duty timeline keeps apart periods whose open questions differ, even at equal totals (audit A8 item 8).

8473.30.1180 from CN with the exclusion claimed: from 2026-11-10 the 9903.88.69 exclusion has expired unless
extended (tariffs.md line 65), an open question a point query raises; the timeline used to merge that period into
the row from 2026-07-24 (same 0% to 62.5% total) and so hid the question.
"""

from __future__ import annotations

import datetime as dt
import json

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from chipclear.cli import app
from chipclear.tariffs import duty, timeline, timeline_json

from .conftest import Keys, h

EXPIRY = "us-301-excl-9903.88.69-expiry"
ARGS = ("8473.30.1180", "CN")


def _rows(segments: list[dict[str, object]]) -> dict[str, dict[str, object]]:
    return {str(s["from"]): s for s in segments}


def test_library_timeline_has_a_row_from_the_expiry() -> None:
    assert EXPIRY in [u.id for u in duty(*ARGS, dt.date(2026, 11, 10), claims=["sec301-exclusion"]).unknowns]
    data = timeline_json(*ARGS, timeline(*ARGS, claims=["sec301-exclusion"]))
    rows = _rows(data["segments"])
    assert rows["2026-07-24"]["to"] == "2026-11-10" and EXPIRY not in rows["2026-07-24"]["unknowns"]  # type: ignore[operator]
    assert rows["2026-11-10"]["to"] is None and EXPIRY in rows["2026-11-10"]["unknowns"]  # type: ignore[operator]


def test_cli_and_api_timelines_show_it(client: TestClient, keys: Keys) -> None:
    out = CliRunner().invoke(
        app, ["duty", "timeline", "--hts", ARGS[0], "--origin", ARGS[1], "--claim", "sec301-exclusion", "--json"]
    )
    assert out.exit_code == 0, out.output
    assert EXPIRY in _rows(json.loads(out.output)["segments"])["2026-11-10"]["unknowns"]  # type: ignore[operator]
    r = client.get(
        "/api/duty/timeline",
        params={"hts": ARGS[0], "origin": ARGS[1], "claims": "sec301-exclusion"},
        headers=h(keys.viewer),
    )
    assert r.status_code == 200, r.text
    assert EXPIRY in _rows(r.json()["segments"])["2026-11-10"]["unknowns"]
