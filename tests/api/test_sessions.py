"""Console sessions (issue 13): the cookie holds a random session id, never the key; it is stored hashed, expires,
and ends on logout and on key rotation or revocation; Secure over HTTPS; the sign-in link asks before switching."""

from __future__ import annotations

import datetime as dt
import hashlib

from fastapi.testclient import TestClient
from sqlalchemy import select, update

from chipclear.api import create_app
from chipclear.ledger import open_ledger, users
from chipclear.ledger.models import ConsoleSession, User

from .conftest import Keys, sign_in


def stored(db_url: str) -> list[ConsoleSession]:
    ledger = open_ledger(db_url)
    try:
        with ledger.session() as s:
            rows = list(s.execute(select(ConsoleSession)).scalars())
            s.expunge_all()
            return rows
    finally:
        ledger.close()


def test_the_cookie_is_a_random_session_id_stored_only_hashed(client: TestClient, keys: Keys, db_url: str) -> None:
    sign_in(client, keys.analyst)
    token = client.cookies.get("chipclear_session")
    assert token and token.startswith("cs_") and keys.analyst not in token
    rows = stored(db_url)
    assert [r.token_hash for r in rows] == [hashlib.sha256(token.encode()).hexdigest()]
    assert client.get("/holds", follow_redirects=False).status_code == 200
    sign_in(client, keys.analyst)  # signing in again ends the previous session
    assert len(stored(db_url)) == 1 and client.cookies.get("chipclear_session") != token


def test_logout_revokes_the_session_server_side(client: TestClient, keys: Keys) -> None:
    sign_in(client, keys.analyst)
    token = client.cookies.get("chipclear_session")
    client.get("/logout", follow_redirects=False)
    client.cookies.set("chipclear_session", token or "")  # a copy of the cookie kept by an attacker
    r = client.get("/holds", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")


def test_key_rotation_and_revocation_end_sessions(client: TestClient, keys: Keys, db_url: str) -> None:
    sign_in(client, keys.analyst)
    assert client.get("/holds", follow_redirects=False).status_code == 200
    ledger = open_ledger(db_url)
    try:
        with ledger.session() as s:
            users.rotate_key(s, "carol", users.SystemActor("alice", "admin"))
    finally:
        ledger.close()
    assert client.get("/holds", follow_redirects=False).status_code == 303
    sign_in(client, keys.viewer)
    ledger = open_ledger(db_url)
    try:
        with ledger.session() as s:
            s.execute(update(User).where(User.name == "dave").values(active=False))  # a revoked user
    finally:
        ledger.close()
    assert client.get("/holds", follow_redirects=False).status_code == 303


def test_an_expired_session_signs_out(client: TestClient, keys: Keys, db_url: str) -> None:
    sign_in(client, keys.viewer)
    ledger = open_ledger(db_url)
    try:
        with ledger.session() as s:
            past = (dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)).isoformat()
            s.execute(update(ConsoleSession).values(expires_at=past))
    finally:
        ledger.close()
    assert client.get("/holds", follow_redirects=False).status_code == 303


def test_the_cookie_is_secure_over_https(db_url: str, keys: Keys) -> None:
    with TestClient(create_app(db_url), base_url="https://testserver") as c:
        r = c.post("/login", data={"key": keys.viewer}, follow_redirects=False)
    cookie = r.headers["set-cookie"].lower()
    assert "secure" in cookie and "httponly" in cookie and "samesite=strict" in cookie
    with TestClient(create_app(db_url)) as c:
        plain = c.post("/login", data={"key": keys.viewer}, follow_redirects=False).headers["set-cookie"].lower()
    assert "secure" not in plain


def test_the_sign_in_link_asks_before_switching_accounts(client: TestClient, keys: Keys) -> None:
    fresh = client.get("/login")
    assert 'id="switch-warning"' not in fresh.text  # not signed in: the link signs in at once
    sign_in(client, keys.admin)
    page = client.get("/login")
    assert 'id="switch-warning"' in page.text and "signed in as <strong>alice</strong>" in page.text
