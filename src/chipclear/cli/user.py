"""``chipclear user``: ledger users and their API keys (admin)."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from sqlalchemy import func, select

from chipclear.cli._common import handle_errors, print_json
from chipclear.cli._ledger import (
    JsonOpt,
    KeyOpt,
    _actor,
    _ledger,
    _run,
    _say,
)
from chipclear.ledger import users
from chipclear.ledger.models import User

user_app = typer.Typer(name="user", help="Ledger users and API keys (admin).", no_args_is_help=True)


@user_app.command("add")
@handle_errors
def user_add(
    name: Annotated[str, typer.Argument(help="User name")],
    role: Annotated[str, typer.Option("--role", help="viewer, analyst, approver or admin")],
    key_only: Annotated[bool, typer.Option("--key-only", help="Print only the API key (for scripts)")] = False,
    api_key: KeyOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Create a user and print its API key (shown once). The first user of a ledger must be an admin and needs
    no key."""
    with _ledger() as ledger, ledger.session() as s:
        has_users = s.execute(select(func.count()).select_from(User)).scalar_one() > 0
        actor = _actor(s, api_key) if has_users else None
        user, key = users.create_user(s, name, role, actor)
        out = {"name": user.name, "role": user.role, "api_key": key}
    if key_only:
        sys.stdout.write(key + "\n")
    elif as_json:
        print_json(out)
    else:
        _say(f"user {out['name']} ({out['role']}) created; API key (shown once):")
        _say(key)


@user_app.command("list")
@handle_errors
def user_list(api_key: KeyOpt = None, as_json: JsonOpt = False) -> None:
    """Users, their roles and key prefixes (admin)."""
    rows = _run(
        api_key,
        lambda s, a: [
            {"name": u.name, "role": u.role, "active": u.active, "key_prefix": u.key_prefix}
            for u in users.list_users(s, a)
        ],
    )
    if as_json:
        print_json(rows)
        return
    for r in rows:
        _say(f"{r['name']}: {r['role']} (key {r['key_prefix']}...)")


@user_app.command("rotate-key")
@handle_errors
def user_rotate_key(name: Annotated[str, typer.Argument(help="User name")], api_key: KeyOpt = None) -> None:
    """Give a user a new API key; the old one stops working (admin)."""
    key = _run(api_key, lambda s, a: users.rotate_key(s, name, a))
    _say(f"new API key for {name} (shown once):")
    _say(key)


def register(app: typer.Typer) -> None:
    app.add_typer(user_app, name="user")
