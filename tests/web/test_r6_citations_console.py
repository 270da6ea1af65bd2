"""The console's check page cites the paragraphs then in force after the 2025-01-13 renumbering (90 FR 4544): an
H100 to a Chinese end user on 2025-07-01 shows 742.6(a)(6)(iii)(A) and the review policy 742.6(b)(10)(iii)(A)(1),
not the pre-R6 (b)(10)(ii)."""

from __future__ import annotations

from fastapi.testclient import TestClient


def test_console_check_shows_the_paragraph_then_in_force(console: TestClient) -> None:
    form = {
        "item": "H100",
        "quantity": "1",
        "destination": "CN",
        "ship_date": "2025-07-01",
        "end_user": "Example End User Ltd",
        "end_user_hq": "CN",
    }
    r = console.post("/check", data=form, headers={"Origin": "http://testserver"})
    assert r.status_code == 200, r.text[:500]
    assert "742.6(b)(10)(iii)(A)(1)" in r.text and "742.6(a)(6)(iii)(A)" in r.text
    assert "742.6(b)(10)(ii) (eCFR" not in r.text
