"""Nothing ships that the rules forbid, through the API and the console (issue 12): a release decides the line
again with the approver's reviews; reviews feed later shipments; refused releases are audited; stale lists hold a
ship; the console's Holds page keeps only open questions and every page warns of stale lists."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from .conftest import Keys, h, sign_in

HUAWEI = {"name": "Huawei Technologies Co., Ltd.", "role": "end_user", "country": "CN"}
# headquarters given: since the outside audit A4 (2026-12-07) the H20 letter's bandwidth criterion holds an NVIDIA card
# without an interconnect figure (L20) for a party whose headquarters are not known (it could be in China or D:5)
NEAR = {"name": "Huawei Technologies Services Co", "role": "end_user", "country": "DE", "headquarters_country": "DE"}


def _ship(client: TestClient, key: str, line: dict[str, Any]) -> dict[str, Any]:
    r = client.post("/api/shipments", json={"lines": [line]}, headers=h(key))
    assert r.status_code == 201, r.text
    return dict(r.json()["lines"][0])


def _audit_actions(client: TestClient, key: str) -> list[str]:
    r = client.get("/api/audit/export", headers=h(key))
    assert r.status_code == 200, r.text
    import json

    return [json.loads(x)["record"]["action"] for x in r.text.splitlines() if x.strip()]


def test_h100_to_huawei_release_is_refused_and_audited(client: TestClient, keys: Keys) -> None:
    line = {"item": "H100", "quantity": 8, "destination": "CN", "ship_date": "2025-05-01", "parties": [HUAWEI]}
    held = _ship(client, keys.analyst, line)
    assert (held["status"], held["verdict"]) == ("held", "LICENSE_REQUIRED")
    r = client.post(f"/api/holds/{held['line_id']}/release", json={"reason": "override"}, headers=h(keys.approver))
    assert r.status_code == 409 and "needs a covering license" in r.text
    r = client.get(f"/api/shipment-lines/{held['line_id']}", headers=h(keys.viewer))
    assert r.json()["status"] == "held"
    assert "hold.release.refused" in _audit_actions(client, keys.admin)


def test_a_release_with_reviews_redecides_and_reviews_feed_later_shipments(client: TestClient, keys: Keys) -> None:
    line = {"item": "L20", "quantity": 2, "destination": "DE", "ship_date": "2025-05-01", "parties": [NEAR]}
    held = _ship(client, keys.analyst, line)
    # a possible match at most: the party is in DE, the nearest entry (Huawei Technologies Service Co., Ltd.) lists
    # CN only (0.8971 match until 2026-12-07, now capped at 0.8799, docs/screening.md)
    assert (held["status"], held["verdict"]) == ("held", "HOLD")
    hits = [x for x in held["decision"]["screening"] if x["entry_id"]]
    assert hits
    # the console's Holds page offers each open hit to the approver
    sign_in(client, keys.approver)
    page = client.get("/holds").text
    assert f"review::{NEAR['name']}::{hits[0]['entry_id']}" in page
    client.cookies.clear()
    body = {
        "reason": "different company (registry extract 2025-04-30)",
        "reviews": [{"entry_id": x["entry_id"], "decision": "not_a_match"} for x in hits],
    }
    r = client.post(f"/api/holds/{held['line_id']}/release", json=body, headers=h(keys.approver))
    assert r.status_code == 200, r.text
    assert (r.json()["status"], r.json()["verdict"]) == ("released", "NLR")
    # the review is in the one review store and suppresses the hit in the next shipment, named in the reasons
    again = _ship(client, keys.analyst, line)
    assert (again["status"], again["verdict"]) == ("shipped", "NLR")
    details = [x["detail"] for x in again["decision"]["reasons"]]
    assert any("suppressed by review" in d and "bob" in d for d in details), details
    reviews = client.get("/api/screen/reviews", headers=h(keys.viewer)).json()
    assert {x["entry_id"] for x in reviews} == {x["entry_id"] for x in hits}
    # the Holds page has nothing left open
    sign_in(client, keys.viewer)
    assert "Nothing is held." in client.get("/holds").text


def test_a_viewer_release_is_refused_and_audited(client: TestClient, keys: Keys) -> None:
    line = {"item": "H100", "quantity": 1, "destination": "CN", "ship_date": "2025-05-01", "parties": [HUAWEI]}
    held = _ship(client, keys.analyst, line)
    r = client.post(f"/api/holds/{held['line_id']}/release", json={"reason": "x"}, headers=h(keys.viewer))
    assert r.status_code == 403
    assert _audit_actions(client, keys.admin).count("hold.release.refused") == 1


def test_stale_lists_hold_a_ship_unless_the_deployment_accepts_them(
    client: TestClient, keys: Keys, monkeypatch: pytest.MonkeyPatch
) -> None:
    clean = {"name": "Example Trading GmbH", "role": "end_user", "country": "DE", "headquarters_country": "DE"}
    line = {"item": "L20", "quantity": 1, "destination": "DE", "ship_date": "2025-05-01", "parties": [clean]}
    monkeypatch.setenv("CHIPCLEAR_STALE_LISTS_ON_SHIP", "hold")
    held = _ship(client, keys.analyst, line)
    assert (held["status"], held["verdict"]) == ("held", "NLR")
    assert any("stale lists" in x["detail"] for x in held["decision"]["reasons"])
    sign_in(client, keys.viewer)
    page = client.get("/holds").text
    assert 'id="stale-lists"' in page and "chipclear lists update" in page
    monkeypatch.setenv("CHIPCLEAR_STALE_LISTS_ON_SHIP", "ship")
    assert _ship(client, keys.analyst, line)["status"] == "shipped"


# -- a release answers open questions; it never changes the line (found by a door audit, 2026-12-06) ------------
DENIED = {"name": "Kal Tek Labs", "role": "end_user", "headquarters_country": "US"}  # Denied Persons List
CLEAN_DE = {"name": "Example GmbH", "role": "end_user", "country": "DE", "headquarters_country": "DE"}


def _release(client: TestClient, key: str, line_id: int, facts: dict[str, Any]) -> Any:
    body = {"reason": "corrected", "facts": facts}
    return client.post(f"/api/holds/{line_id}/release", json=body, headers=h(key))


def _line(client: TestClient, key: str, line_id: int) -> dict[str, Any]:
    r = client.get(f"/api/shipment-lines/{line_id}", headers=h(key))
    assert r.status_code == 200, r.text
    return dict(r.json())


@pytest.mark.parametrize(
    ("facts", "field"),
    [
        ({"destination": "DE", "parties": [CLEAN_DE]}, "facts.destination"),
        ({"parties": [CLEAN_DE]}, "facts.parties[0].name"),
        ({"parties": [{"headquarters_country": "DE"}]}, "facts.parties[0].headquarters_country"),
        ({"quantity": 1}, "facts.quantity"),
        ({"item": "L20"}, "facts.item"),
        ({"ship_date": "2025-04-01"}, "facts.ship_date"),
        ({"import_entry": {"hts": "8471.50.0150", "origin": "CN"}}, "facts.import_entry"),
        ({"end_use": {"supercomputer": False}}, "facts.end_use.supercomputer"),
        # a hostile-input audit (2026-12-07): a number past float's range was a 500 (OverflowError), a value the
        # order line refuses was named only "facts"
        ({"quantity": 10**400}, "facts.quantity"),
        ({"value_usd": 1e300}, "facts.value_usd"),
        ({"parties": [{"parents": [{"name": "P", "share": 1e300}]}]}, "facts.parties.0.parents.0.share"),
    ],
)
def test_a_release_cannot_rewrite_the_held_line(
    client: TestClient, keys: Keys, facts: dict[str, Any], field: str
) -> None:
    party = {"name": "Example Co", "role": "end_user", "country": "CN", "headquarters_country": "CN"}
    line = {"item": "H100", "quantity": 8, "destination": "CN", "ship_date": "2025-05-01", "parties": [party]}
    line["end_use"] = {"supercomputer": True}
    held = _ship(client, keys.analyst, line)
    assert (held["status"], held["verdict"]) == ("held", "LICENSE_REQUIRED")
    before = _line(client, keys.viewer, held["line_id"])
    r = _release(client, keys.approver, held["line_id"], facts)
    assert r.status_code == 422, r.text
    assert r.json()["error"]["field"] == field, r.json()
    after = _line(client, keys.viewer, held["line_id"])
    assert after == before  # nothing of the refused answer is kept


def test_a_denied_party_stays_held_whatever_facts_are_given(client: TestClient, keys: Keys) -> None:
    line = {"item": "L4", "quantity": 4, "destination": "DE", "ship_date": "2025-05-01", "parties": [DENIED]}
    held = _ship(client, keys.analyst, line)
    assert (held["status"], held["verdict"]) == ("held", "PROHIBITED")
    assert _release(client, keys.approver, held["line_id"], {"parties": [CLEAN_DE]}).status_code == 422
    # adding a party, or answering nothing, decides the same line again: still PROHIBITED, still held
    r = _release(client, keys.approver, held["line_id"], {"parties": [DENIED, CLEAN_DE | {"role": "purchaser"}]})
    assert r.status_code == 409 and "PROHIBITED" in r.text
    assert _line(client, keys.viewer, held["line_id"])["status"] == "held"


def test_a_release_fills_what_the_hold_waits_for(client: TestClient, keys: Keys) -> None:
    # an end user with no headquarters country: the headquartered rule cannot be decided, the line is held
    party = {"name": "Example Trading GmbH", "role": "end_user", "country": "DE"}
    line = {"item": "H100", "quantity": 2, "destination": "DE", "ship_date": "2025-05-01", "parties": [party]}
    held = _ship(client, keys.analyst, line)
    assert (held["status"], held["verdict"]) == ("held", "HOLD"), held["decision"]["missing"]
    r = _release(client, keys.approver, held["line_id"], {"parties": [{"headquarters_country": "DE"}]})
    assert r.status_code == 200, r.text
    assert (r.json()["status"], r.json()["verdict"]) == ("released", "NLR")
    stored = _line(client, keys.viewer, held["line_id"])["order_line"]["parties"][0]
    assert (stored["name"], stored["country"], stored["headquarters_country"]) == ("Example Trading GmbH", "DE", "DE")


def test_the_military_review_is_answered_by_clearing_its_flag(client: TestClient, keys: Keys) -> None:
    party = {"name": "Example Trading GmbH", "role": "end_user", "country": "DE", "headquarters_country": "DE"}
    line = {"item": "L20", "quantity": 1, "destination": "DE", "ship_date": "2025-05-01", "parties": [party]}
    line["end_use"] = {"military": True}
    held = _ship(client, keys.analyst, line)
    assert (held["status"], held["verdict"]) == ("held", "HOLD")
    r = _release(client, keys.approver, held["line_id"], {"end_use": {"military": False}})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "released"


@pytest.mark.parametrize("role", ["End User", "enduser", "consignee", ""])
def test_a_party_role_outside_the_ear_roles_is_refused_at_every_api_door(
    client: TestClient, keys: Keys, role: str
) -> None:
    party = {"name": "Example AI Ltd", "role": role, "headquarters_country": "CN"}
    consignee = {"name": "Acme Pte", "role": "ultimate_consignee", "headquarters_country": "SG"}
    line = {"item": "H100", "quantity": 5, "destination": "SG", "ship_date": "2025-05-01"}
    line["parties"] = [party, consignee]
    r = client.post("/api/shipments", json={"lines": [line]}, headers=h(keys.analyst))
    assert r.status_code == 422, r.text
    assert "role" in r.text
    r = client.post("/api/check", json=line, headers=h(keys.analyst))
    assert r.status_code == 422, r.text
    # spelled as the EAR name it, the headquartered rule applies
    line["parties"] = [party | {"role": "end_user"}, consignee]
    assert _ship(client, keys.analyst, line)["verdict"] == "LICENSE_REQUIRED"


def _moore_check(client: TestClient, key: str, name: str) -> dict[str, Any]:
    line = {"item": "RTX 4090 D", "quantity": 1, "destination": "CN", "ship_date": "2025-06-01"}
    line["parties"] = [{"name": name, "role": "end_user", "country": "CN", "headquarters_country": "CN"}]
    r = client.post("/api/check", json=line, headers=h(key))
    assert r.status_code == 200, r.text
    return dict(r.json())


def test_a_review_of_one_company_does_not_clear_a_namesake_and_a_match_is_stored(
    client: TestClient, keys: Keys
) -> None:
    # a door audit (2026-12-06): not-a-match reviews of "Moore Threads Technology GmbH" cleared the Entity List hits
    # of "Moore Threads Technology Co., Ltd." (reviews keyed on sorted words without the legal form), and a
    # "match" sent through the API or the console was audited but not stored
    listed = _moore_check(client, keys.analyst, "Moore Threads Technology Co., Ltd.")
    assert listed["verdict"] == "LICENSE_REQUIRED"
    hits = [x for x in listed["screening"] if x["entry_id"]]
    assert hits
    recorded = 0
    for hit in hits:
        body = {"party_name": "Moore Threads Technology GmbH", "country": "CN", "entry_id": hit["entry_id"]}
        body |= {"entry_hash": hit["entry_hash"], "decision": "not_a_match", "reason": "German namesake, Munich"}
        r = client.post("/api/screen/reviews", json=body, headers=h(keys.approver))
        assert r.status_code in (200, 201, 409), r.text  # 409: not a hit for the German name at all
        recorded += r.status_code != 409
    assert recorded == len(hits)
    assert _moore_check(client, keys.analyst, "Moore Threads Technology Co., Ltd.")["verdict"] == "LICENSE_REQUIRED"
    # a not-a-match for the Chinese company itself clears it; a later "match" through the API restores the hit
    hit = hits[0]
    body = {"party_name": "Moore Threads Technology Co., Ltd.", "country": "CN", "entry_id": hit["entry_id"]}
    body |= {"entry_hash": hit["entry_hash"], "reason": "checked"}
    for decision in ("not_a_match", "match"):
        r = client.post("/api/screen/reviews", json=body | {"decision": decision}, headers=h(keys.approver))
        assert r.status_code in (200, 201), r.text
        assert r.json()["review"]["review_id"] is not None
    stored = client.get("/api/screen/reviews", headers=h(keys.viewer)).json()
    assert [x["decision"] for x in stored if x["party_name"].endswith("Co., Ltd.")][-1:] == ["match"]
    assert _moore_check(client, keys.analyst, "Moore Threads Technology Co., Ltd.")["verdict"] == "LICENSE_REQUIRED"


# -- a review is for the party as reviewed: its name and its country (door audit, 2026-12-07) ----------------------
def test_a_review_of_a_party_in_one_country_does_not_clear_the_same_name_in_another(
    client: TestClient, keys: Keys
) -> None:
    line = {"item": "L20", "quantity": 2, "destination": "DE", "ship_date": "2025-05-01", "parties": [NEAR]}
    held = _ship(client, keys.analyst, line)
    hits = [x for x in held["decision"]["screening"] if x["entry_id"]]
    assert hits and {x["party_country"] for x in hits} == {"DE"}
    body = {
        "reason": "German company, unrelated to the listed one",
        "reviews": [{"entry_id": x["entry_id"], "decision": "not_a_match"} for x in hits],
    }
    r = client.post(f"/api/holds/{held['line_id']}/release", json=body, headers=h(keys.approver))
    assert (r.status_code, r.json()["verdict"]) == (200, "NLR"), r.text
    reviews = client.get("/api/screen/reviews", headers=h(keys.viewer)).json()
    assert {x["party_country"] for x in reviews} == {"DE"}
    # the same name in China: screened again, held (before, the German review cleared it and it shipped NLR)
    in_china = {**NEAR, "country": "CN"}
    cn = _ship(client, keys.analyst, {**line, "destination": "CN", "parties": [in_china]})
    assert cn["status"] == "held", cn
    assert not any("suppressed by review" in x["detail"] for x in cn["decision"]["reasons"])
    # and with no country stated
    nowhere = {k: v for k, v in NEAR.items() if k != "country"}
    assert _ship(client, keys.analyst, {**line, "parties": [nowhere]})["status"] == "held"
    # the German party again: cleared by its review
    assert _ship(client, keys.analyst, line)["status"] == "shipped"

    # the review route stores the country it is given, and a review without one clears only a party without one
    screen = client.post("/api/screen", json={"name": NEAR["name"]}, headers=h(keys.analyst)).json()
    hit = screen["hits"][0]
    r = client.post(
        "/api/screen/reviews",
        json={
            "party_name": NEAR["name"],
            "entry_id": hit["entry_id"],
            "entry_hash": hit["entry_hash"],
            "decision": "not_a_match",
            "reason": "no country given",
        },
        headers=h(keys.approver),
    )
    assert r.status_code in (200, 201), r.text
    assert r.json()["review"]["party_country"] is None
    cn_again = _ship(client, keys.analyst, {**line, "destination": "CN", "parties": [in_china]})
    assert cn_again["status"] == "held"
