"""The HTTP API cites the paragraphs then in force after the 2025-01-13 renumbering (90 FR 4544):
an H100 to a Chinese end user on 2025-07-01 cites 742.6(a)(6)(iii)(A) and the review policy 742.6(b)(10)(iii)(A)(1),
not the pre-R6 742.6(a)(6)(iii) and (b)(10)(ii); the timeline starts a period on 2025-01-13 that says so
(tests/determination/test_r6_citations.py: the engine, the compiled table, the batch and ``check``;
tests/web/test_r6_citations_console.py: the console)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from .conftest import Keys, h

POLICY = "2023-11-17_88FR73458_ac-s-ifr#742.6(b)(10)(ii)-denial"
DENIAL_A = "15 CFR 742.6(b)(10)(iii)(A)(1) (90 FR 4544; eCFR-mirror@6982e107)"


def _line(day: str) -> dict[str, object]:
    return {
        "item": "H100",
        "destination": "CN",
        "ship_date": day,
        "parties": [{"name": "Example End User Ltd", "role": "end_user", "headquarters_country": "CN"}],
    }


def test_api_check_and_timeline_cite_the_paragraph_then_in_force(client: TestClient, keys: Keys) -> None:
    after = client.post("/api/check", json=_line("2025-07-01"), headers=h(keys.analyst)).json()
    assert [r["citation"] for r in after["reasons"] if r["rule"] == POLICY] == [DENIAL_A]
    before = client.post("/api/check", json=_line("2025-01-12"), headers=h(keys.analyst)).json()
    assert [r["citation"] for r in before["reasons"] if r["rule"] == POLICY] == [
        "15 CFR 742.6(b)(10)(ii) (eCFR-mirror@2c9f73e7; assumed unchanged from 2023-11-17)"
    ]
    assert after["verdict"] == before["verdict"] and after["review_policy"] == before["review_policy"]
    t = client.get("/api/timeline/H100?to=CN&end_user_hq=CN&until=2025-03-01", headers=h(keys.viewer))
    assert t.status_code == 200, t.text
    period = next(p for p in t.json()["periods"] if p["start"] == "2025-01-13")
    assert DENIAL_A in [r["citation"] for r in period["reasons"] if r["rule"] == POLICY]
