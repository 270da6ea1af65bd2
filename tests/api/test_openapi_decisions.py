"""Every nested part of a decision is typed in ``/openapi.json`` (``DecisionView``) and the answers hold to it.

Until 2026-12-08 a decision's ``classification``, ``screening``, ``license``, ``duty`` and ``input`` were untyped
``object``s in the schema, and so were a shipment line's ``decision`` and ``order_line``, a timeline period's reasons
and causes, a diff's before/after, a license's parties, a system's components and a duty's open-question outcomes and
available claims: a client generated from the schema had no field to read. Here each kind of decision (a chip, a
system, AI model weights, a listed party with a match and with a reviewer's not-a-match, a line under a license on
file, an import with its duty, a held line, a released and a cancelled one, a historical entry) goes through the door
that answers with it, and each answer is validated against its route's schema with every object closed
(``openapi_check``: a field the schema does not declare is an error). The shipment routes send the recorded decision
as it was stored (``api.responses.as_recorded``), so this test is what holds them to the declared shape."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from fastapi.testclient import TestClient

from chipclear.ledger import shipments as ledger_shipments

from .conftest import Keys, granted, h, review_first_hit
from .openapi_check import SchemaCheck
from .test_license_status_doors import APP, D1, END_USER


def _line(item: str, to: str, on: str, **more: Any) -> dict[str, Any]:
    return {"item": item, "quantity": 2, "destination": to, "ship_date": on, **more}


def _checked(client: TestClient, keys: Keys, check: SchemaCheck, line: dict[str, Any]) -> dict[str, Any]:
    r = client.post("/api/check", json=line, headers=h(keys.analyst))
    assert r.status_code == 200, r.text
    assert check.errors("POST", "/api/check", 200, r.json()) == []
    return dict(r.json())


def test_each_kind_of_decision_validates_against_the_typed_schema(client: TestClient, keys: Keys) -> None:
    check = SchemaCheck(client.get("/openapi.json").json())
    chip = _checked(client, keys, check, _line("H20", "CN", "2025-06-01", parties=[END_USER]))
    assert chip["classification"]["item"]["id"] == "nvidia-h20" and chip["input"]["item"] == "H20"

    system = _checked(client, keys, check, _line("nvidia-hgx-h100-8gpu", "CN", "2025-06-01"))
    assert system["classification"]["components"][0]["count"] == 8

    model = _checked(client, keys, check, _line("gpt-4", "CN", "2025-06-01"))
    assert model["classification"]["item"]["kind"] == "model" and "training_operations" in model["classification"]

    listed = _checked(
        client,
        keys,
        check,
        _line("H20", "CN", "2025-06-01", parties=[{"name": "Huawei Technologies Co., Ltd.", "role": "end_user"}]),
    )
    assert listed["screening"] and listed["screening"][0]["determination"] == "match"

    review_first_hit(client, keys, {"name": "Inspur", "country": "DE"}, "not_a_match")
    cleared = _checked(
        client,
        keys,
        check,
        _line("H20", "DE", "2025-06-01", parties=[{"name": "Inspur", "role": "end_user", "country": "DE"}]),
    )
    assert any(f["suppressed_by"] for f in cleared["screening"]), cleared["screening"]
    assert {"reviewer", "entry_id", "decision"} <= set(
        next(f for f in cleared["screening"] if f["suppressed_by"])["suppressed_by"]
    )

    claim = {"hts": "8473.30.1180", "origin": "CN", "value_usd": 25000}
    imported = _checked(client, keys, check, _line("H100", "DE", "2025-06-01", import_entry=claim))
    assert imported["duty"]["available_claims"][0]["claim"] == "9903.88.69"
    # the same DutyView as a decision's ``duty``: an open question with its outcomes (the Section 232 window, no item)
    duty = client.get(
        "/api/duty", params={"hts": "8471.50.0150", "origin": "MX", "entry_date": "2026-03-01"}, headers=h(keys.viewer)
    )
    assert duty.status_code == 200 and duty.json()["unknowns"][0]["outcomes"], duty.text
    assert check.errors("GET", "/api/duty", 200, duty.json()) == []

    granted(client, keys, APP, D1)
    licensed = _checked(client, keys, check, _line("H20", "CN", "2025-09-05", parties=[END_USER]))
    assert licensed["verdict"] == "LICENSED" and licensed["license"]["number"] == "D1", licensed["reasons"]


def test_the_shipment_doors_answer_with_typed_decisions(client: TestClient, keys: Keys) -> None:
    check = SchemaCheck(client.get("/openapi.json").json())
    granted(client, keys, APP, D1)
    lines = [
        _line("H20", "CN", "2025-09-05", parties=[END_USER]),  # ships under D1
        _line("H100", "CN", "2025-09-05", parties=[END_USER]),  # held: a license is required and none covers it
        _line("nvidia-hgx-h100-8gpu", "CN", "2025-09-05"),  # held
        _line("H100", "DE", "2025-09-05", import_entry={"hts": "8473.30.1180", "origin": "CN"}),
    ]
    r = client.post("/api/shipments", json={"lines": lines}, headers=h(keys.approver))
    assert r.status_code == 201, r.text
    assert check.errors("POST", "/api/shipments", 201, r.json()) == []
    shipped = r.json()
    assert [x["status"] for x in shipped["lines"]][:3] == ["shipped", "held", "held"], shipped["lines"]
    assert shipped["lines"][0]["decision"]["license"]["quantity_left_after"] == 998

    answers: list[tuple[str, str, Any]] = [
        (
            "GET",
            "/api/shipments/{shipment_id}",
            client.get(f"/api/shipments/{shipped['shipment']['id']}", headers=h(keys.viewer)),
        ),
        ("GET", "/api/holds", client.get("/api/holds", headers=h(keys.viewer))),
    ]
    held, system_line = shipped["lines"][1]["line_id"], shipped["lines"][2]["line_id"]
    answers.append(
        ("GET", "/api/shipment-lines/{line_id}", client.get(f"/api/shipment-lines/{held}", headers=h(keys.viewer)))
    )
    cancelled = client.post(
        f"/api/holds/{system_line}/cancel", json={"reason": "order withdrawn"}, headers=h(keys.approver)
    )
    answers.append(("POST", "/api/holds/{line_id}/cancel", cancelled))
    problems: list[str] = []
    for method, path, answer in answers:
        assert answer.status_code == 200, (path, answer.text)
        problems += check.errors(method, path, 200, answer.json())
    assert problems == [], "\n".join(problems)
    assert cancelled.json()["status"] == "cancelled"
    # a release the rules refuse answers 409 with the error body, and the line stays held
    refused = client.post(f"/api/holds/{held}/release", json={"reason": "override"}, headers=h(keys.approver))
    assert (
        refused.status_code == 409 and check.errors("POST", "/api/holds/{line_id}/release", 409, refused.json()) == []
    )
    assert client.get(f"/api/shipment-lines/{held}", headers=h(keys.viewer)).json()["status"] == "held"


def test_a_released_line_and_a_historical_entry_answer_with_typed_decisions(
    client: TestClient, keys: Keys, monkeypatch: pytest.MonkeyPatch
) -> None:
    check = SchemaCheck(client.get("/openapi.json").json())
    listed = {"name": "Inspur", "role": "end_user", "country": "DE", "headquarters_country": "DE"}
    r = client.post(
        "/api/shipments", json={"lines": [_line("H20", "DE", "2025-06-01", parties=[listed])]}, headers=h(keys.approver)
    )
    assert r.status_code == 201, r.text
    line = r.json()["lines"][0]
    assert line["status"] == "held", line
    reviews = [
        {"party": "Inspur", "entry_id": f["entry_id"], "entry_hash": f["entry_hash"], "decision": "not_a_match"}
        for f in line["decision"]["screening"]
    ]
    assert reviews, line["decision"]
    released = client.post(
        f"/api/holds/{line['line_id']}/release",
        json={"reason": "different company, other registration", "reviews": reviews},
        headers=h(keys.approver),
    )
    assert released.status_code == 200, released.text
    assert check.errors("POST", "/api/holds/{line_id}/release", 200, released.json()) == []
    assert released.json()["status"] in ("released", "shipped")

    monkeypatch.setattr(ledger_shipments, "today", lambda: dt.date(2026, 12, 4))  # after the ship date: historical
    past = client.post("/api/shipments", json={"lines": [_line("H20", "CN", "2025-05-01")]}, headers=h(keys.approver))
    assert past.status_code == 201, past.text
    assert check.errors("POST", "/api/shipments", 201, past.json()) == []
    assert past.json()["lines"][0]["decision"]["historical_entry"]["approved_by"] == "bob"


def test_the_history_answers_type_their_reasons_causes_and_events(client: TestClient, keys: Keys) -> None:
    check = SchemaCheck(client.get("/openapi.json").json())
    timeline = client.get("/api/timeline/H20?to=CN&end_user_hq=CN", headers=h(keys.viewer))
    assert timeline.status_code == 200
    assert check.errors("GET", "/api/timeline/{item}", 200, timeline.json()) == []
    periods = timeline.json()["periods"]
    assert any(p["events"] for p in periods) and all(p["caused_by"] for p in periods[1:])
    diff = client.get("/api/diff?from=2023-01-01&to=2023-12-31&item=H20&item=A100", headers=h(keys.viewer))
    assert diff.status_code == 200, diff.text
    assert check.errors("GET", "/api/diff", 200, diff.json()) == []
    assert diff.json()["changes"] and diff.json()["actions_between"]
    licenses = client.get("/api/licenses", headers=h(keys.viewer))
    assert check.errors("GET", "/api/licenses", 200, licenses.json()) == []


SCREENED = [
    ({"name": "Realtek Semiconductor Corp.", "country": "CN"}, "country_disagrees"),
    ({"name": "NEC Corporation"}, "legal_forms_differ"),
    ({"name": "Tianjin University of Technology"}, "matched_across_names"),
    ({"name": "Huawei Technologies Co., Ltd. Dubai Branch", "country": "AE"}, "contains_listed_name"),
    ({"name": "Moore Threads", "country": "CN", "address": "Shanghai"}, "address"),
    ({"name": "Beijing Sensetime Technology Development Co., Ltd.", "country": "CN"}, "contains_distinctive_word"),
]


@pytest.mark.parametrize(("party", "note"), SCREENED, ids=[n for _, n in SCREENED])
def test_a_screening_answer_types_its_explanation_and_query(
    client: TestClient, keys: Keys, party: dict[str, str], note: str
) -> None:
    """A hit's ``explanation`` (the words matched, the normalisation, each note that moved the score) and the
    answer's ``query`` were untyped objects until 2026-12-08; each note below is declared and its answer holds to it."""
    check = SchemaCheck(client.get("/openapi.json").json())
    r = client.post("/api/screen", json=party, headers=h(keys.analyst))
    assert r.status_code == 200, r.text
    assert check.errors("POST", "/api/screen", 200, r.json()) == []
    assert any(note in hit["explanation"] for hit in r.json()["hits"]), [hit["explanation"] for hit in r.json()["hits"]]
    declared = client.get("/openapi.json").json()["components"]["schemas"]["ExplanationView"]["properties"]
    assert note in declared and "matched_tokens" in declared
