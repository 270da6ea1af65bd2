"""A multipart or URL-encoded form is read as declared, as a query string is (``deps.form_as_declared``): a field
the route does not take, or a single-valued field given twice, is a 422 naming it (an audit, 2026-12-07: ``POST
/api/batch`` ran ``-F dates=2020-01-01 -F layr=codified`` as of each line's own date on the enforced layer, and
``-F date=2020-01-01 -F date=2025-01-01`` as of 2025-01-01); a file field sent without a file name is named."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from .conftest import Keys, h

BOOK = b"order_id,item,quantity,destination,ship_date\nSO-1,H20,8,CN,2025-06-01\n"


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"dates": "2020-01-01"}, "dates", "dates: unknown form field 'dates'; this route takes: date, file, format"),
        ({"layr": "codified"}, "layr", "layr: unknown form field 'layr'"),
        ({"date": ["2020-01-01", "2025-01-01"]}, "date", "date: given 2 times in the form; give it once"),
        ({"layer": ["codified", "enforced"]}, "layer", "layer: given 2 times in the form; give it once"),
    ],
)
def test_batch_refuses_a_form_field_it_does_not_take_as_given(
    client: TestClient, keys: Keys, data: dict[str, Any], field: str, message: str
) -> None:
    files = {"file": ("book.csv", BOOK, "text/csv")}
    r = client.post("/api/batch", files=files, data=data, headers=h(keys.analyst))
    assert r.status_code == 422, r.text
    assert r.json()["error"]["field"] == field
    assert r.json()["error"]["message"].startswith(message)


def test_a_declared_form_is_still_taken(client: TestClient, keys: Keys) -> None:
    files = {"file": ("book.csv", BOOK, "text/csv")}
    r = client.post("/api/batch", files=files, data={"date": "2020-01-01"}, headers=h(keys.analyst))
    assert r.status_code == 202, r.text
    assert r.json()["options"]["date"] == "2020-01-01"


def test_a_file_without_a_file_name_is_named(client: TestClient, keys: Keys) -> None:
    r = client.post("/api/batch", files={"file": ("", BOOK, "text/csv")}, headers=h(keys.analyst))
    assert r.status_code == 422, r.text
    assert r.json()["error"] == {
        "code": "invalid_input",
        "message": "file: give a file with a file name (an upload, not a text field)",
        "field": "file",
    }


def test_the_list_upload_refuses_an_unknown_field(client: TestClient, keys: Keys) -> None:
    files = {"file": ("x.json", b"{}", "application/json")}
    r = client.post("/api/lists/update", files=files, data={"allow_shrinks": "true"}, headers=h(keys.admin))
    assert r.status_code == 422 and r.json()["error"]["field"] == "allow_shrinks"


def test_without_a_key_the_answer_is_still_401(client: TestClient) -> None:
    files = {"file": ("book.csv", BOOK, "text/csv")}
    assert client.post("/api/batch", files=files, data={"bogus": "1"}).status_code == 401
