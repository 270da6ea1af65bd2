"""Users and API keys, role rules, and the database-backed screening ReviewStore."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import select

from chipclear.errors import Conflict, InputError, PermissionDenied
from chipclear.ledger import Ledger, audit, open_ledger, users
from chipclear.ledger.db import SchemaError
from chipclear.ledger.models import User
from chipclear.ledger.quick_reviews import quick_review_snapshot
from chipclear.ledger.reviews import LedgerReviewStore, record_review, review_snapshot
from chipclear.ledger.roles import ACTIONS, Role, allowed
from chipclear.screening import ReviewStore

from .conftest import Staff


def test_keys_are_shown_once_and_stored_hashed(ledger: Ledger, staff: Staff) -> None:
    key = staff.keys["analyst"]
    assert key.startswith("cc_") and len(key) > 40
    with ledger.session() as s:
        user = users.authenticate(s, key)
        assert (user.name, user.role) == ("ana", "analyst")
        stored = s.execute(select(User.key_hash)).scalars().all()
        assert key not in stored and users.hash_key(key) in stored
        with pytest.raises(PermissionDenied, match="not valid"):
            users.authenticate(s, key[:-1] + ("A" if key[-1] != "A" else "B"))
        new_key = users.rotate_key(s, "ana", staff.admin)
    with ledger.session() as s:
        with pytest.raises(PermissionDenied):
            users.authenticate(s, key)
        assert users.authenticate(s, new_key).name == "ana"


def test_bootstrap_and_user_rules(ledger: Ledger) -> None:
    with ledger.session() as s, pytest.raises(InputError, match="first user of a ledger must have role admin"):
        users.create_user(s, "ana", "analyst")
    with ledger.session() as s:
        admin, _ = users.create_user(s, "ada", "admin")
    with ledger.session() as s, pytest.raises(PermissionDenied, match="needs an admin"):
        users.create_user(s, "eve", "admin")
    with ledger.session() as s, pytest.raises(Conflict, match="already exists"):
        users.create_user(s, "ada", "viewer", admin)
    with ledger.session() as s:
        analyst, _ = users.create_user(s, "ana", "analyst", admin)
    with ledger.session() as s, pytest.raises(PermissionDenied, match=r"may not user\.write"):
        users.create_user(s, "eve", "viewer", analyst)
    with ledger.session() as s:
        assert audit.verify(s) == audit.VerifyResult(True, 2)


def test_roles_are_cumulative() -> None:
    assert allowed("viewer", "read") and not allowed("viewer", "ship")
    assert allowed("analyst", "ship") and not allowed("analyst", "hold.release")
    assert allowed("approver", "hold.release") and not allowed("approver", "user.write")
    assert all(allowed("admin", action) for action in ACTIONS)
    assert not allowed("admin", "no.such.action") and not allowed("root", "read")
    assert [r.value for r in Role] == ["viewer", "analyst", "approver", "admin"]


def test_ledger_review_store(ledger: Ledger, staff: Staff) -> None:
    store = LedgerReviewStore(ledger, staff.approver)
    assert isinstance(store, ReviewStore)
    decision = store.record("Example Cloud Co., Ltd.", "csl-123", "hash-a", "apo", "different address and owners")
    assert (decision.reviewer, decision.decision) == ("apo", "not_a_match")
    assert store.is_suppressed("Example Cloud Co., Ltd.", "csl-123", "hash-a") is not None
    assert store.is_suppressed("Example Cloud Co., Ltd.", "csl-123", "hash-b") is None  # the entry changed
    assert [d.entry_id for d in store.decisions()] == ["csl-123"]
    with pytest.raises(PermissionDenied, match="in the name of"):
        store.record("X", "csl-1", "h", "someone else", "reason")
    with pytest.raises(PermissionDenied):
        LedgerReviewStore(ledger, staff.analyst).record("X", "csl-1", "h", "ana", "reason")
    with pytest.raises(InputError):
        store.record("X", "csl-1", "h", "apo", " ")
    with ledger.session() as s:
        assert audit.verify(s).ok


def test_ledger_level_create_user_and_authenticate(ledger: Ledger) -> None:
    admin, admin_key = ledger.create_user("ada", "admin")
    _viewer, key = ledger.create_user("vic", "viewer", admin)
    assert ledger.authenticate(key).name == "vic" and ledger.authenticate(admin_key).role == "admin"
    with pytest.raises(PermissionDenied):
        ledger.authenticate("cc_nope")


def test_postgres_url_is_required_when_ci_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    from .conftest import postgres_admin_url

    monkeypatch.delenv("CHIPCLEAR_TEST_POSTGRES_URL", raising=False)
    monkeypatch.setenv("CHIPCLEAR_REQUIRE_POSTGRES", "1")
    with pytest.raises(pytest.fail.Exception, match="CHIPCLEAR_REQUIRE_POSTGRES=1"):
        postgres_admin_url()
    monkeypatch.delenv("CHIPCLEAR_REQUIRE_POSTGRES")
    with pytest.raises(pytest.skip.Exception):
        postgres_admin_url()


def test_the_quick_review_read_answers_as_the_ledger_does(ledger_url: str, tmp_path: Path) -> None:
    """`chipclear screen` reads a SQLite ledger's reviews with the standard library's driver (no SQLAlchemy to
    load): the same reviews in the same order as ``review_snapshot``, or None (open the ledger) when it can't."""
    ledger = open_ledger(ledger_url)
    staff = Staff(ledger)
    store = LedgerReviewStore(ledger, staff.approver)
    store.record("Example Cloud Co., Ltd.", "csl-123", "hash-a", "apo", "different address and owners")
    with ledger.session() as s:
        record_review(
            s, staff.approver, party_name="Example Cloud Co., Ltd.", entry_id="csl-123", entry_hash="hash-a",
            reason="same owners after all", decision="match",
        )  # fmt: skip
        slow = review_snapshot(s)
    ledger.close()
    quick = quick_review_snapshot(ledger_url)
    if not ledger_url.startswith("sqlite"):
        assert quick is None  # PostgreSQL: the ledger is opened as usual
        return
    assert quick is not None and quick.decisions() == slow.decisions() and len(slow.decisions()) == 2
    assert quick.is_suppressed("EXAMPLE CLOUD CO LTD", "csl-123", "hash-a") is None  # the later review decides
    assert quick.confirmed_match("Example Cloud Co., Ltd.", "csl-123", "hash-a") is not None

    assert quick_review_snapshot(f"sqlite:///{tmp_path / 'never-opened.db'}").decisions() == []  # type: ignore[union-attr]
    assert not (tmp_path / "never-opened.db").exists()  # a read creates nothing
    assert quick_review_snapshot(ledger_url + "?timeout=5") is None
    assert quick_review_snapshot("sqlite://") is None  # in memory
    path = ledger_url[len("sqlite:///") :]
    con = sqlite3.connect(path)
    con.execute("UPDATE alembic_version SET version_num = '0002'")
    con.commit()
    con.close()
    assert quick_review_snapshot(ledger_url) is None  # another schema: opening the ledger says what to do
    with pytest.raises(SchemaError):
        open_ledger(ledger_url)


@pytest.mark.parametrize("name", ["admin\u200b", "\u202enimda", "a\nb", "an\u2028n", "bob\x07"])
def test_a_user_name_that_hides_characters_is_refused(ledger: Ledger, staff: Staff, name: str) -> None:
    """A hostile-input audit (2026-12-07) created "admin\\u200b", a second admin shown exactly as "admin"."""
    with ledger.session() as s, pytest.raises(InputError, match="control, format or separator"):
        users.create_user(s, name, "admin", staff.admin)
    with ledger.session() as s:
        users.create_user(s, "Zoë Ng-Smith", "viewer", staff.admin)  # letters, spaces and punctuation are fine
