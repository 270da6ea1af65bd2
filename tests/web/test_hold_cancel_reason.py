"""The console's Cancel button on /holds asks the approver for the reason, as the CLI's --reason and the API's
reason do, and refuses an empty one naming the field (a door audit, 2026-12-07: the form posted a fixed hidden
reason, "cancelled from the console by an approver", and the audit record held only that)."""

from __future__ import annotations

import json
import re

import pytest
from fastapi.testclient import TestClient

LINE = {
    "item": "nvidia-h20",
    "quantity": 2,
    "destination": "CN",
    "ship_date": "2025-06-01",
    "parties": [{"name": "Example Cloud Services Ltd", "role": "end_user", "country": "CN"}],
}


def _held_line(console: TestClient) -> int:
    key = console.api_key  # type: ignore[attr-defined]
    shipped = console.post("/api/shipments", json={"lines": [LINE]}, headers={"X-API-Key": key}).json()
    line = shipped["lines"][0]
    assert line["status"] == "held", line
    return int(line["line_id"])


def _cancel_records(console: TestClient) -> list[dict[str, object]]:
    export = console.get("/api/audit/export", headers={"X-API-Key": console.api_key})  # type: ignore[attr-defined]
    records = [json.loads(x)["record"] for x in export.text.splitlines()]
    return [r for r in records if r["action"] == "shipment.cancel"]


def test_the_cancel_form_asks_for_a_reason_and_posts_no_fixed_one(console: TestClient) -> None:
    line_id = _held_line(console)
    page = console.get("/holds").text
    form = re.search(rf'<form method="post" action="/holds/{line_id}/cancel".*?</form>', page, re.S)
    assert form is not None
    assert re.search(r'<input type="text" name="reason"[^>]*required', form.group(0))
    assert 'type="hidden" name="reason"' not in page and "cancelled from the console" not in page


@pytest.mark.parametrize("reason", ["", "   "])
def test_an_empty_reason_is_refused_naming_the_field_and_the_line_stays_held(console: TestClient, reason: str) -> None:
    line_id = _held_line(console)
    r = console.post(f"/holds/{line_id}/cancel", data={"reason": reason}, headers={"Origin": str(console.base_url)})
    assert r.status_code == 422, r.status_code
    assert "reason: cancelling needs a reason" in r.text
    assert _cancel_records(console) == []
    holds = console.get("/api/holds", headers={"X-API-Key": console.api_key}).json()  # type: ignore[attr-defined]
    assert [h["line_id"] for h in holds] == [line_id]


def test_the_approvers_reason_is_recorded(console: TestClient) -> None:
    line_id = _held_line(console)
    r = console.post(
        f"/holds/{line_id}/cancel",
        data={"reason": "customer withdrew the order (email of 2026-12-07)"},
        headers={"Origin": str(console.base_url)},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    [record] = _cancel_records(console)
    assert record["input"] == {"line_id": line_id, "reason": "customer withdrew the order (email of 2026-12-07)"}
    assert record["actor"] == "alice"
