"""``chipclear db``: back up, restore and upgrade the ledger database (admin; an empty ledger needs no key)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from chipclear.cli._common import handle_errors
from chipclear.cli._ledger import (
    AnchorOpt,
    CheckpointKeyOpt,
    KeyOpt,
    _actor,
    _anchors,
    _ledger,
    _say,
)
from chipclear.ledger import audit
from chipclear.ledger import backup as backup_mod
from chipclear.ledger.db import Ledger, current_revision, head_revision, make_engine, upgrade
from chipclear.ledger.models import User
from chipclear.ledger.roles import require
from chipclear.settings import get_settings

db_app = typer.Typer(name="db", help="Ledger database: backup, restore, upgrade.", no_args_is_help=True)


def _admin_or_bootstrap(ledger: Ledger, api_key: str | None, action: str) -> str:
    """The admin running a db command; an empty ledger (no users yet) needs no key."""
    with ledger.session() as s:
        if not s.execute(select(func.count()).select_from(User)).scalar_one():
            return "bootstrap"
        actor = _actor(s, api_key)
        require(actor.name, actor.role, action)
        return actor.name


@db_app.command("backup")
@handle_errors
def db_backup(path: Annotated[Path, typer.Argument(help="New backup file (SQLite)")], api_key: KeyOpt = None) -> None:
    """Copy the whole ledger to a new SQLite file and verify the copy (admin)."""
    from chipclear.userfiles import output_file

    output_file(path, "PATH", make_folder=False)  # a symbolic link (even to nowhere): SQLite would write through it
    with _ledger() as ledger:
        _admin_or_bootstrap(ledger, api_key, "db.admin")
        result = backup_mod.backup(ledger, path)
    _say(f"backup written to {path}: {result.records} audit records verified")


@db_app.command("restore")
@handle_errors
def db_restore(
    path: Annotated[Path, typer.Argument(help="Backup file written by `chipclear db backup`")],
    replace: Annotated[bool, typer.Option("--replace", help="Overwrite a ledger that already has records")] = False,
    discard_later: Annotated[
        bool,
        typer.Option("--discard-later", help="Also when the ledger holds records the backup does not (they are lost)"),
    ] = False,
    anchor: AnchorOpt = None,
    checkpoint_key: CheckpointKeyOpt = None,
    api_key: KeyOpt = None,
) -> None:
    """Restore a backup after verifying it (and its anchors or signed checkpoints); a file that fails is refused
    (admin)."""
    anchors = _anchors(anchor, checkpoint_key)
    with _ledger() as ledger:
        _admin_or_bootstrap(ledger, api_key, "db.admin")
        result = backup_mod.restore(ledger, path, replace=replace, anchors=anchors, discard_later=discard_later)
    _say(f"restored {path}: {result.records} audit records verified")


@db_app.command("upgrade")
@handle_errors
def db_upgrade(api_key: KeyOpt = None) -> None:
    """Bring the ledger schema to this chipclear's revision (take a backup first)."""
    engine = make_engine(get_settings().database_url)
    try:
        before = current_revision(engine)
        head = head_revision()
        if before == head:
            _say(f"ledger schema is up to date (revision {head})")
            return
        actor = "bootstrap"
        if before is not None:
            ledger = Ledger(engine=engine, sessions=sessionmaker(engine))
            actor = _admin_or_bootstrap(ledger, api_key, "db.admin")
        upgrade(engine)
        with Session(engine) as s, s.begin():
            audit.append(
                s,
                actor=actor,
                action="db.upgrade",
                entity="schema",
                input={"from": before},
                output={"to": head},
            )
        _say(f"ledger schema upgraded from {before} to {head}")
    finally:
        engine.dispose()


def register(app: typer.Typer) -> None:
    app.add_typer(db_app, name="db")
