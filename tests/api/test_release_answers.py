"""A release answers the held line's open questions and nothing else (door audit of 2026-12-07): a review it records
carries the held party's country; a refused release leaves nothing applied; a fact that changes how a party is
screened does not answer a possible match; an answer whose entry changed since the line was held is refused."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from .conftest import Keys, h

# three possible Entity List / CMIC matches (0.75-0.80), none an exact one
HUAWEI_HK = {"name": "Huawei", "role": "end_user", "country": "HK", "headquarters_country": "DE"}


def _held(client: TestClient, keys: Keys, party: dict[str, Any]) -> dict[str, Any]:
    # L20, not H20: an H20 for an end user located in Hong Kong with a German ship-to is also held for the country of
    # ultimate destination (the 4E091 audit A7, 2026-12-07), which these tests are not about
    line = {"item": "L20", "quantity": 1, "destination": "DE", "ship_date": "2025-05-01", "parties": [party]}
    r = client.post("/api/shipments", json={"lines": [line]}, headers=h(keys.analyst))
    assert r.status_code == 201, r.text
    held = dict(r.json()["lines"][0])
    assert held["status"] == "held"
    return held


def _hits(held: dict[str, Any]) -> list[str]:
    return [x["entry_id"] for x in held["decision"]["screening"] if x["entry_id"] and not x["suppressed_by"]]


def _release(client: TestClient, keys: Keys, line_id: int, body: dict[str, Any]) -> Any:
    return client.post(f"/api/holds/{line_id}/release", json={"reason": "checked", **body}, headers=h(keys.approver))


def test_a_refused_release_records_no_review_and_leaves_the_line_as_held(client: TestClient, keys: Keys) -> None:
    held = _held(client, keys, HUAWEI_HK)
    hits = _hits(held)
    assert len(hits) >= 2, held["decision"]["screening"]
    r = _release(client, keys, held["line_id"], {"reviews": [{"entry_id": hits[0], "decision": "not_a_match"}]})
    assert r.status_code == 409, r.text
    assert client.get("/api/screen/reviews", headers=h(keys.viewer)).json() == []
    line = client.get(f"/api/shipment-lines/{held['line_id']}", headers=h(keys.viewer)).json()
    assert line["decision"]["screening"] == held["decision"]["screening"]  # no hit shown as suppressed
    # answering every hit then releases it, each review for the party in Hong Kong
    r = _release(client, keys, held["line_id"], {"reviews": [{"entry_id": x, "decision": "not_a_match"} for x in hits]})
    assert r.status_code == 200 and r.json()["status"] == "released", r.text
    reviews = client.get("/api/screen/reviews", headers=h(keys.viewer)).json()
    assert sorted(x["entry_id"] for x in reviews) == sorted(hits)
    assert {x["party_country"] for x in reviews} == {"HK"}
    # the same name where no country is stated is not cleared by them
    r = client.post("/api/screen", json={"name": "Huawei"}, headers=h(keys.analyst))
    assert r.json()["hits"] and not r.json().get("suppressed"), r.json()


def test_a_review_of_a_hit_already_suppressed_keeps_the_held_partys_country(client: TestClient, keys: Keys) -> None:
    held = _held(client, keys, HUAWEI_HK)
    first = held["decision"]["screening"][0]
    r = client.post(
        "/api/screen/reviews",
        json={
            "party_name": "Huawei",
            "country": "HK",
            "entry_id": first["entry_id"],
            "entry_hash": first["entry_hash"],
            "decision": "not_a_match",
            "reason": "not the HK Huawei",
        },
        headers=h(keys.approver),
    )
    assert r.status_code == 200, r.text
    again = _held(client, keys, HUAWEI_HK)
    suppressed = [x for x in again["decision"]["screening"] if x["suppressed_by"]]
    assert [(x["entry_id"], x["party_country"]) for x in suppressed] == [(first["entry_id"], "HK")]
    every = [x["entry_id"] for x in again["decision"]["screening"] if x["entry_id"]]
    r = _release(
        client, keys, again["line_id"], {"reviews": [{"entry_id": x, "decision": "not_a_match"} for x in every]}
    )
    assert r.status_code == 200, r.text
    reviews = client.get("/api/screen/reviews", headers=h(keys.viewer)).json()
    assert {x["party_country"] for x in reviews} == {"HK"}, reviews


def test_a_fact_that_lowers_the_score_does_not_answer_a_possible_match(client: TestClient, keys: Keys) -> None:
    party = {"name": "Huawei", "role": "end_user", "headquarters_country": "DE"}
    held = _held(client, keys, party)
    assert _hits(held)
    r = _release(client, keys, held["line_id"], {"facts": {"parties": [{"country": "DE"}]}})
    assert r.status_code == 409, r.text
    assert "is not answered" in r.json()["error"]["message"]
    line = client.get(f"/api/shipment-lines/{held['line_id']}", headers=h(keys.viewer)).json()
    assert (line["status"], line["order_line"]["parties"][0].get("country")) == ("held", None)
    # answered, the same facts release it
    body = {
        "facts": {"parties": [{"country": "DE"}]},
        "reviews": [{"entry_id": x, "decision": "not_a_match"} for x in _hits(held)],
    }
    r = _release(client, keys, held["line_id"], body)
    assert r.status_code == 200 and r.json()["status"] == "released", r.text


def _holds_form(client: TestClient, line_id: int) -> dict[str, str]:
    """The Holds page's release form of ``line_id``: its hidden fields, each answer "not a match"."""
    import re

    page = client.get("/holds").text
    form = page[page.index(f'action="/holds/{line_id}/release"') :]
    form = form[: form.index("</form>")]
    fields = {k: v for k, v in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form)}
    for name in re.findall(r'<select name="([^"]+)"', form):
        fields[name] = "not_a_match"
    return {**fields, "reason": "checked on the Holds page"}


def test_the_holds_form_sends_the_hash_it_showed_and_a_changed_one_is_refused(client: TestClient, keys: Keys) -> None:
    from .conftest import sign_in

    held = _held(client, keys, HUAWEI_HK)
    shown = {x["entry_id"]: x["entry_hash"] for x in held["decision"]["screening"] if x["entry_id"]}
    sign_in(client, keys.approver)
    form = _holds_form(client, held["line_id"])
    assert {k.rsplit("::", 1)[1]: v for k, v in form.items() if k.startswith("hash::")} == shown
    # a page showing another text of an entry (a stale page) is refused, and nothing is recorded
    stale = {k: ("0" * 16 if k.startswith("hash::") else v) for k, v in form.items()}
    r = client.post(f"/holds/{held['line_id']}/release", data=stale)
    assert r.status_code == 409 and "changed since it was shown" in r.text, r.text
    # an answer that names no text of the entry (a page of an older version) is refused too
    bare = {k: v for k, v in form.items() if not k.startswith("hash::")}
    r = client.post(f"/holds/{held['line_id']}/release", data=bare)
    assert r.status_code == 422 and "reload the Holds page" in r.text, r.text
    assert client.get("/api/screen/reviews", headers=h(keys.viewer)).json() == []
    r = client.post(f"/holds/{held['line_id']}/release", data=form, follow_redirects=False)
    assert r.status_code == 303, r.text
    line = client.get(f"/api/shipment-lines/{held['line_id']}", headers=h(keys.viewer)).json()
    assert line["status"] == "released"


def test_an_api_answer_with_another_hash_is_refused(client: TestClient, keys: Keys) -> None:
    held = _held(client, keys, HUAWEI_HK)
    answers = [{"entry_id": x, "decision": "not_a_match", "entry_hash": "0" * 16} for x in _hits(held)]
    r = _release(client, keys, held["line_id"], {"reviews": answers})
    assert r.status_code == 409 and "changed since it was shown" in r.text, r.text
    assert client.get("/api/screen/reviews", headers=h(keys.viewer)).json() == []
