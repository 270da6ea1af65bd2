"""A license granted before a party's listing, at the HTTP doors and the console (task "listing", 2026-12-07):
`POST /api/check` and `POST /api/shipments` hold a line dated after the listing, naming the listing and the license;
`POST /api/holds/{id}/release` ships it only with an approver's acknowledgement (`listing_acknowledgements`) and a
reason, drawing the quantity once; the console's ship form holds it and its Holds page offers the acknowledgement.
The party is a real Entity List entry: the Beijing Academy of Quantum Information Sciences, added 2024-05-14
(89 FR 41888)."""

from __future__ import annotations

import json
import re
from typing import Any

from fastapi.testclient import TestClient

from .conftest import Keys, granted, h, sign_in

ORIGIN = {"Origin": "http://testserver"}
BAQIS = "Beijing Academy of Quantum Information Sciences"
PARTY = {"name": BAQIS, "role": "end_user", "country": "CN"}
APP = {
    "items": ["H100"],
    "destinations": ["CN"],
    "parties": [PARTY],
    "quantity": 10,
    "application_number": "A-L1",
    "submitted_on": "2023-12-01",
}
L1 = {"number": "L1", "valid_from": "2024-01-01", "valid_to": "2026-12-31", "decided_on": "2024-01-01"}


def _line(ship_date: str) -> dict[str, Any]:
    return {"item": "H100", "quantity": 4, "destination": "CN", "ship_date": ship_date, "parties": [PARTY]}


def _ship(client: TestClient, keys: Keys, ship_date: str) -> dict[str, Any]:
    r = client.post("/api/shipments", json={"lines": [_line(ship_date)]}, headers=h(keys.approver))
    assert r.status_code == 201, r.text
    return dict(r.json()["lines"][0])


def _used(client: TestClient, keys: Keys) -> int:
    return int(client.get("/api/licenses/L1", headers=h(keys.viewer)).json()["quantity_used"])


def _names_it_all(missing: list[str]) -> None:
    entry = [m for m in missing if "predates the listing" in m]
    assert len(entry) == 1, missing
    for part in (BAQIS, "license L1 (issued 2024-01-01)", "on 2024-05-14", "EL entry", "89 FR 41888"):
        assert part in entry[0], entry
    assert "an approver must confirm that license L1 still holds after the listing" in entry[0]


def test_check_and_shipments_hold_the_line_and_a_release_needs_the_acknowledgement(
    client: TestClient, keys: Keys
) -> None:
    granted(client, keys, APP, L1)
    checked = client.post("/api/check", json=_line("2024-07-01"), headers=h(keys.analyst))
    assert checked.status_code == 200 and checked.json()["verdict"] == "HOLD", checked.text
    _names_it_all(checked.json()["missing"])
    assert checked.json()["review_policy"] is not None  # the Entity List requirement stays visible
    out = _ship(client, keys, "2024-07-01")
    assert out["status"] == "held" and out["verdict"] == "HOLD", out
    _names_it_all(out["decision"]["missing"])
    line_id = out["line_id"]
    release = f"/api/holds/{line_id}/release"
    # without the acknowledgement: 409, one line, nothing drawn
    r = client.post(release, json={"reason": "BIS confirmed"}, headers=h(keys.approver))
    assert r.status_code == 409 and "must confirm that license L1 still holds" in r.json()["error"]["message"], r.text
    assert "\n" not in r.json()["error"]["message"]
    ack = {"reason": "BIS confirmed", "listing_acknowledgements": [{"license": "L1"}]}
    # an analyst may not acknowledge (or release)
    assert client.post(release, json=ack, headers=h(keys.analyst)).status_code == 403
    # a license with no listing to acknowledge
    bad = {"reason": "x", "listing_acknowledgements": [{"license": "L7"}]}
    r = client.post(release, json=bad, headers=h(keys.approver))
    assert r.status_code == 422 and "predates no listing" in r.text, r.text
    assert _used(client, keys) == 0
    # with it: released under L1, drawn once
    r = client.post(release, json=ack, headers=h(keys.approver))
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "released" and r.json()["verdict"] == "LICENSED", r.text
    assert _used(client, keys) == 4
    assert client.post(release, json=ack, headers=h(keys.approver)).status_code == 409
    assert _used(client, keys) == 4
    export = client.get("/api/audit/export", headers=h(keys.admin)).text.splitlines()
    releases = [json.loads(x)["record"] for x in export if '"hold.release"' in x]
    assert len(releases) == 1
    assert releases[0]["input"]["answers"]["listing_acknowledgements"] == [{"license": "L1", "reason": "BIS confirmed"}]
    # shipped before the listing: covered as before
    assert _ship(client, keys, "2024-04-01")["verdict"] == "LICENSED"


def test_a_license_granted_after_the_listing_covers_the_line(client: TestClient, keys: Keys) -> None:
    granted(client, keys, APP, {**L1, "valid_from": "2024-06-01", "decided_on": "2024-06-01"})
    out = _ship(client, keys, "2024-07-01")
    assert out["status"] == "shipped" and out["verdict"] == "LICENSED", out


def test_the_console_holds_it_and_the_approver_releases_it_by_acknowledging_the_listing(
    client: TestClient, keys: Keys
) -> None:
    granted(client, keys, APP, L1)
    sign_in(client, keys.approver)
    r = client.post("/shipments", data={"order_line": json.dumps(_line("2024-07-01"))}, headers=ORIGIN)
    assert r.status_code == 200 and "v-HOLD" in r.text and "v-LICENSED" not in r.text, r.text
    assert "an approver must confirm that license L1 still holds after the listing" in r.text
    holds = client.get("/holds")
    line_id = int(re.findall(r"/holds/(\d+)/release", holds.text)[0])
    assert 'name="acknowledge_listing" value="L1"' in holds.text, holds.text
    assert "I confirm license L1 still holds after" in holds.text
    # the Release button without the box ticked: refused, nothing drawn
    r = client.post(f"/holds/{line_id}/release", data={"reason": "BIS confirmed"}, headers=ORIGIN)
    assert r.status_code == 409 and "must confirm that license L1" in r.text, r.text
    assert _used(client, keys) == 0
    form = {"reason": "BIS confirmed", "acknowledge_listing": "L1"}
    r = client.post(f"/holds/{line_id}/release", data=form, headers=ORIGIN, follow_redirects=False)
    assert r.status_code == 303, r.text
    assert _used(client, keys) == 4
    line = client.get(f"/api/shipment-lines/{line_id}", headers=h(keys.viewer)).json()
    assert line["status"] == "released" and line["verdict"] == "LICENSED"
