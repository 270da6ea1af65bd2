"""The outside facts audit, issue 4, through the HTTP API: an enforced-layer NLR under the codified diffusion rule
names the requirement not enforced and why (the compliance date, then BIS's non-enforcement), and the timeline
shows those dates."""

from __future__ import annotations

from fastapi.testclient import TestClient

from .conftest import Keys, h


def test_check_and_timeline_cite_the_diffusion_rules_non_enforcement(client: TestClient, keys: Keys) -> None:
    line = {
        "item": "H100",
        "destination": "BR",
        "ship_date": "2025-06-01",
        "parties": [{"name": "Exemplo Ltda", "role": "end_user", "headquarters_country": "BR"}],
    }
    r = client.post("/api/check", json=line, headers=h(keys.analyst))
    assert r.status_code == 200, r.text
    d = r.json()
    assert d["verdict"] == "NLR"
    rules = [x["rule"] for x in d["reasons"]]
    assert "2025-01-13_90FR4544_ai-diffusion#742.6(a)(6)(iii)(A)" in rules
    assert "2025-01-13_90FR4544_ai-diffusion#not-enforced-2025-05-13" in rules
    t = client.get("/api/timeline/H100?to=BR&end_user_hq=BR&until=2026-01-01", headers=h(keys.viewer))
    assert t.status_code == 200, t.text
    starts = {p["start"] for p in t.json()["periods"]}
    assert {"2025-01-13", "2025-05-13", "2025-05-15"} <= starts
