"""Bodies the framework cannot parse, found by tests/api/test_fuzz_every_route.py: each is a 422 ``invalid_input``
naming ``body`` (or the multipart part) and writes nothing. Before: malformed JSON named the character offset as
the field (``"1: JSON decode error"``, field ``"1"``); a number of 5,000 digits or arrays nested 100,000 deep, a
multipart form without a boundary, or a file name of 10,000 characters was a bare 400 ``http_error`` naming no
field ("There was an error parsing the body", "Invalid multipart data."); a draft text that is not a rule file was
an ``invalid_data_file`` with no field. The CLI's ``ship --file`` and the console's order-line field said
Python's own words for the long number ("... use sys.set_int_max_str_digits() to increase the limit")."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from chipclear.cli import app

from .conftest import Keys, h, sign_in
from .test_hostile_input import counts

LONG_NUMBER_LINE = '{"item": "H20", "destination": "CN", "quantity": ' + "9" * 5000 + "}"

JSON_BODIES = [
    (b"{", "body: not valid JSON at character 1"),
    (b'{"item": ', "body: not valid JSON at character 9"),
    (b"9" * 5000, "body: a number has more than 4300 digits"),
    (b'{"item": "H20", "destination": "CN", "quantity": ' + b"9" * 5000 + b"}", "more than 4300 digits"),
    (b"[" * 100_000, "body: nested too deeply"),
    (b'{"a":' * 50_000, "body: nested too deeply"),
]


@pytest.mark.parametrize(("body", "says"), JSON_BODIES, ids=lambda v: repr(v)[:30])
@pytest.mark.parametrize("path", ["/api/check", "/api/match/default"])
def test_an_unreadable_json_body_is_a_422_naming_body(
    client: TestClient, keys: Keys, path: str, body: bytes, says: str
) -> None:
    records = client.get("/api/audit/verify", headers=h(keys.admin)).json()["records"]
    r = client.post(path, content=body, headers={**h(keys.admin), "Content-Type": "application/json"})
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert (error["code"], error["field"]) == ("invalid_input", "body")
    assert says in error["message"] and error["message"].startswith("body: ")
    assert client.get("/api/audit/verify", headers=h(keys.admin)).json()["records"] == records  # nothing written


def test_an_unreadable_body_without_a_key_is_still_a_401(client: TestClient) -> None:
    r = client.post("/api/check", content=b"9" * 5000, headers={"Content-Type": "application/json"})
    assert r.status_code == 401 and r.json()["error"]["field"] == "X-API-Key"


def _part(name: str, filename: bytes, content: bytes) -> bytes:
    head = f'--xx\r\nContent-Disposition: form-data; name="{name}"; filename="'.encode()
    return head + filename + b'"\r\nContent-Type: text/csv\r\n\r\n' + content + b"\r\n--xx--\r\n"


@pytest.mark.parametrize("path", ["/api/batch", "/api/lists/update"])
def test_a_file_name_of_ten_thousand_characters_is_a_422_naming_file(client: TestClient, keys: Keys, path: str) -> None:
    body = _part("file", b"W" * 10_000 + b".csv", b"item,destination\nH20,CN\n")
    headers = {**h(keys.admin), "Content-Type": "multipart/form-data; boundary=xx"}
    r = client.post(path, content=body, headers=headers)
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert (error["code"], error["field"]) == ("invalid_input", "file")
    assert error["message"].startswith("file: a header of this part is over 4224 bytes")


def test_a_multipart_body_without_a_boundary_is_a_422_naming_body(client: TestClient, keys: Keys) -> None:
    r = client.post("/api/batch", content=b"abc", headers={**h(keys.analyst), "Content-Type": "multipart/form-data"})
    assert r.status_code == 422, r.text
    assert r.json()["error"] == {
        "code": "invalid_input",
        "message": "body: missing boundary in multipart",
        "field": "body",
    }


def test_a_draft_text_that_is_not_a_rule_file_names_its_field(client: TestClient, keys: Keys) -> None:
    r = client.post("/api/whatif", json={"draft_texts": ["W" * 300]}, headers=h(keys.analyst))
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert (error["code"], error["field"]) == ("invalid_data_file", "draft_texts.0")
    assert error["message"].startswith("draft_texts.0: ")


def test_cli_ship_file_with_a_five_thousand_digit_number_names_it(tmp_path: Path) -> None:
    book = tmp_path / "lines.json"
    book.write_text(LONG_NUMBER_LINE, encoding="utf-8")
    env = {"CHIPCLEAR_DATA_DIR": str(tmp_path / "data")}
    result = CliRunner().invoke(app, ["ship", "--file", str(book)], env=env)
    assert result.exit_code == 2, result.output
    assert "not valid json (a number has more than 4300 digits)" in result.output
    assert "set_int_max_str_digits" not in result.output


def test_console_order_line_with_a_five_thousand_digit_number_names_it(
    client: TestClient, keys: Keys, db_url: str
) -> None:
    sign_in(client, keys.analyst)
    before = counts(db_url)
    r = client.post("/shipments", data={"order_line": LONG_NUMBER_LINE}, headers={"Origin": "http://testserver"})
    assert r.status_code == 422, r.text
    assert "order_line: a number has more than 4300 digits" in r.text
    assert counts(db_url) == before


def test_a_release_review_of_an_entry_no_party_hit_names_the_field_it_reports(
    client: TestClient, keys: Keys, db_url: str
) -> None:
    # the fuzz test's find: the message said "reviews[0]: ..." and the field was "reviews[0].party"
    line = {"item": "H100", "quantity": 1, "destination": "CN", "ship_date": "2025-05-01"}
    held = client.post("/api/shipments", json={"lines": [line]}, headers=h(keys.analyst)).json()["lines"][0]
    assert held["status"] == "held", held
    before = counts(db_url)
    body = {"reason": "checked", "reviews": [{"entry_id": "no-such-entry", "decision": "not_a_match"}]}
    r = client.post(f"/api/holds/{held['line_id']}/release", json=body, headers=h(keys.approver))
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert error["field"] == "reviews[0].party" and error["message"].startswith("reviews[0].party: "), error
    assert counts(db_url) == before
