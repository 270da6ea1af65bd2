"""A multipart form field that is not UTF-8 is refused naming the field (hostile-input leftovers, 2026-12-07):
Starlette read it as Latin-1, so ``layer=\\xe9nforced`` or a console form sent as multipart was taken with a
guessed encoding where the same field URL-encoded was a 400 (``chipclear.api.form_text``)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from chipclear.api import jobs
from chipclear.api.routers import lists

from .conftest import Keys, h, sign_in

BOOK = b"order_id,item,destination,ship_date\nSO-1,L20,DE,2025-05-01\n"
ORIGIN = {"Origin": "http://testserver"}


def _never(*args: Any, **kwargs: Any) -> Any:
    raise AssertionError("the route acted on a refused form")


@pytest.mark.parametrize(
    ("data", "field", "problem"),
    [
        ({"layer": b"\xe9nforced"}, "layer", "not valid UTF-8 text"),
        ({"format": b"csv\xff"}, "format", "not valid UTF-8 text"),
        ({"layer": b"enforced\x00"}, "layer", "must not contain a NUL character"),
        ({"format": "csv", "layer": b"\xc3"}, "layer", "not valid UTF-8 text"),  # a sequence cut at the field's end
    ],
)
def test_a_batch_upload_with_a_field_that_is_not_text_is_refused_naming_it(
    client: TestClient, keys: Keys, monkeypatch: pytest.MonkeyPatch, data: dict[str, Any], field: str, problem: str
) -> None:
    monkeypatch.setattr(jobs.BatchJobs, "submit", _never)
    files = {"file": ("book.csv", BOOK, "text/csv")}
    r = client.post("/api/batch", files=files, data=data, headers=h(keys.analyst))
    assert r.status_code == 400, r.text
    error = r.json()["error"]
    assert error["code"] == "invalid_input" and error["field"] == field, r.text
    assert error["message"].startswith(f"{field}: {problem}"), r.text


def test_a_file_name_that_is_not_utf8_is_refused(
    client: TestClient, keys: Keys, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(jobs.BatchJobs, "submit", _never)
    boundary = "b0und"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="b\xe9ok.csv"\r\n'
            "Content-Type: text/csv\r\n\r\n"
        ).encode("latin-1")
        + BOOK
        + f"\r\n--{boundary}--\r\n".encode()
    )
    headers = {**h(keys.analyst), "Content-Type": f"multipart/form-data; boundary={boundary}"}
    r = client.post("/api/batch", content=body, headers=headers)
    assert r.status_code == 400 and r.json()["error"]["field"] == "file", r.text


def test_a_list_upload_with_a_field_that_is_not_text_changes_nothing(
    client: TestClient, keys: Keys, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(lists, "update_lists", _never)
    files = {"file": ("x.json", b"{}", "application/json")}
    r = client.post("/api/lists/update", files=files, data={"format": b"csl\xe9"}, headers=h(keys.admin))
    assert r.status_code == 400 and r.json()["error"]["field"] == "format", r.text


def test_a_console_form_sent_as_multipart_is_refused_and_not_recorded(client: TestClient, keys: Keys) -> None:
    sign_in(client, keys.analyst)
    records = client.get("/api/audit/verify", headers=h(keys.viewer)).json()["records"]
    form = {"item": "L20", "quantity": "1", "destination": "DE", "ship_date": "2025-05-01", "end_user": b"Acme \xe9"}
    r = client.post("/check", files={"end_user": (None, form.pop("end_user"))}, data=form, headers=ORIGIN)
    assert r.status_code == 400 and "end_user: not valid UTF-8 text" in r.text, r.text[:2000]
    assert "<html" in r.text.lower()  # the console's page, not JSON
    assert client.get("/api/audit/verify", headers=h(keys.viewer)).json()["records"] == records


def test_utf8_fields_in_a_multipart_upload_still_go_through(client: TestClient, keys: Keys) -> None:
    files = {"file": ("book.csv", BOOK, "text/csv")}
    r = client.post("/api/batch", files=files, data={"layer": "enforced", "format": "csv"}, headers=h(keys.analyst))
    assert r.status_code == 202, r.text
    sign_in(client, keys.analyst)
    form = {"item": "L20", "quantity": "1", "destination": "DE", "ship_date": "2025-05-01"}
    r = client.post("/check", files={"end_user": (None, "Société Générale".encode())}, data=form, headers=ORIGIN)
    assert r.status_code == 200 and "Société Générale" in r.text, r.text[:2000]
