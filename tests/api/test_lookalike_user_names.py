"""A user name wholly in another script that looks like an existing one (hostile-input leftovers, 2026-12-07):
``расе``, all four letters Cyrillic, was created beside ``pace``; mixed scripts were refused, a wholly look-alike
name was not. A new name may not have an existing name's confusable skeleton (UTS #39, Unicode's confusables data as
``confusable_homoglyphs`` ships it: ``chipclear.ledger.usernames``), at every door that adds a user."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from chipclear.cli import app as cli_app
from chipclear.ledger.usernames import skeletons

from .conftest import Keys, h, sign_in

PACE_CYRILLIC = "\u0440\u0430\u0441\u0435"  # р а с е
ORIGIN = {"Origin": "http://testserver"}


@pytest.mark.parametrize(
    ("existing", "new"),
    [
        ("pace", PACE_CYRILLIC),
        ("coco", "\u0441\u043e\u0441\u043e"),  # с о с о
        ("ABE", "\u0391\u0392\u0395"),  # Greek capitals
        ("epic", "\u0435\u0440\u0456\u0441"),  # е р і с
    ],
)
def test_the_api_refuses_a_name_in_another_script_that_looks_like_an_existing_one(
    client: TestClient, keys: Keys, existing: str, new: str
) -> None:
    assert client.post("/api/users", json={"name": existing, "role": "viewer"}, headers=h(keys.admin)).is_success
    before = client.get("/api/users", headers=h(keys.admin)).json()
    records = client.get("/api/audit/verify", headers=h(keys.viewer)).json()["records"]
    r = client.post("/api/users", json={"name": new, "role": "admin"}, headers=h(keys.admin))
    assert r.status_code == 409 and r.json()["error"]["field"] == "name", r.text
    assert f"looks like the existing user {existing!r}" in r.json()["error"]["message"], r.text
    assert client.get("/api/users", headers=h(keys.admin)).json() == before
    assert client.get("/api/audit/verify", headers=h(keys.viewer)).json()["records"] == records


@pytest.mark.parametrize("name", ["Дмитрий", "Ελένη", "олег", "иван", "paul", "山田太郎"])
def test_a_name_that_looks_like_no_existing_one_is_created(client: TestClient, keys: Keys, name: str) -> None:
    assert client.post("/api/users", json={"name": "pace", "role": "viewer"}, headers=h(keys.admin)).is_success
    assert client.post("/api/users", json={"name": name, "role": "viewer"}, headers=h(keys.admin)).status_code == 201


def test_the_cli_and_the_console_refuse_it(
    client: TestClient, keys: Keys, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHIPCLEAR_DATABASE_URL", db_url)
    env = {"CHIPCLEAR_API_KEY": keys.admin}
    assert CliRunner().invoke(cli_app, ["user", "add", "pace", "--role", "viewer"], env=env).exit_code == 0
    out = CliRunner().invoke(cli_app, ["user", "add", PACE_CYRILLIC, "--role", "admin"], env=env)
    assert out.exit_code == 2, out.output
    assert out.output.startswith(f"chipclear: error: NAME: {PACE_CYRILLIC!r} looks like the existing user 'pace'")
    sign_in(client, keys.admin)
    r = client.post("/users", data={"name": PACE_CYRILLIC, "role": "admin"}, headers=ORIGIN)
    assert r.status_code == 409 and "looks like the existing user" in r.text, r.text[:2000]
    names = [u["name"] for u in client.get("/api/users", headers=h(keys.admin)).json()]
    assert PACE_CYRILLIC not in names


def test_a_skeleton_is_the_same_for_every_member_of_a_class() -> None:
    # "m" is confusable with "rn" in the data: a prototype written with two characters
    assert skeletons("rnarie") & skeletons("marie")
    assert not skeletons("marie") & skeletons("maria")
