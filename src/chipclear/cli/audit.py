"""``chipclear audit``: verify the tamper-evident audit log (exit 1 when it fails its check), export it, and write
signed checkpoints."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

import typer
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from chipclear import tempfiles
from chipclear.cli._common import handle_errors, print_json, storage_problem
from chipclear.cli._ledger import (
    AnchorOpt,
    CheckpointKeyOpt,
    JsonOpt,
    KeyOpt,
    _actor,
    _anchors,
    _read_checkpoint_key,
    _run,
    _say,
)
from chipclear.errors import InputError
from chipclear.ledger import audit
from chipclear.ledger.db import sqlite_file
from chipclear.ledger.models import User
from chipclear.ledger.roles import allowed, require
from chipclear.settings import get_settings
from chipclear.userfiles import input_file, output_file

audit_app = typer.Typer(name="audit", help="The tamper-evident audit log: verify, export.", no_args_is_help=True)


@audit_app.command("verify")
@handle_errors
def audit_verify(
    file: Annotated[
        Path | None, typer.Option("--file", help="Verify an `audit export` file instead of the database")
    ] = None,
    anchor: AnchorOpt = None,
    checkpoint_key: CheckpointKeyOpt = None,
    api_key: KeyOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Check the hash chain and that every audited row matches its last audit record; exit 1 naming the first bad
    record when it does not. Prints the last record's hash: keep it outside the database and pass it back with
    --anchor to detect a log rewritten with recomputed hashes."""
    anchors = _anchors(anchor, checkpoint_key)
    if file is not None:
        input_file(file, "--file")
        if not file.is_file():
            raise InputError(f"{file}: no such file", field="file")
        with file.open(encoding="utf-8") as fh:
            try:
                result, _ = audit.verify_chain(audit.read_export(fh), anchors)
            except (ValueError, KeyError) as exc:
                raise InputError(f"{file}: not an audit export ({exc})", field="file") from None
    else:

        def work(s: Session, actor: User) -> audit.VerifyResult:
            require(actor.name, actor.role, "audit.verify")
            return audit.verify(s, anchors)

        try:
            result = _run(api_key, work)
        except Exception as exc:  # a damaged database may not even let us authenticate
            if storage_problem(exc) is not None:  # it cannot be opened: a storage problem, not a failed check
                result = _verify_read_only(api_key, work, exc)
            elif exc.__class__.__name__ == "DatabaseError":  # "file is not a database", "malformed"
                result = audit.VerifyResult(False, 0, None, f"database cannot be read: {exc}")
            else:
                raise
    if as_json:
        print_json(result.to_json())
    elif result.ok:
        what = "chain intact (export file)" if file is not None else "chain and tables intact"
        _say(f"audit log OK: {result.records} records, {what}")
        if result.anchors:
            _say(f"{result.anchors} anchors/checkpoints match")
        if result.redacted:
            _say(f"{result.redacted} redacted records: checked in full, digests in place of their secrets")
        if result.last_hash:
            _say(f"last record: {result.records}:{result.last_hash}")
    else:
        _say(f"audit log FAILED: {result.problem}")
    if not result.ok:
        raise typer.Exit(1)


def _verify_read_only(
    api_key: str | None, work: Callable[[Session, User], audit.VerifyResult], failure: Exception
) -> audit.VerifyResult:
    """Verify a SQLite ledger in a folder this process cannot write (a read-only mount, a copy kept for the
    auditor): opening it for writing switches it to WAL, which needs the folder. Read as immutable (nothing can
    write it there); any other storage failure is raised as it is (exit 3: "not a verification failure")."""
    database = sqlite_file(get_settings().database_url)
    if database is None or not Path(database).is_file() or os.access(Path(database).parent, os.W_OK):
        raise failure
    engine = create_engine(f"sqlite:///file:{quote(database)}?mode=ro&immutable=1&uri=true")
    try:
        with Session(engine) as s:
            actor = _actor(s, api_key)
        with Session(engine) as s:
            return work(s, actor)
    finally:
        engine.dispose()


@audit_app.command("export")
@handle_errors
def audit_export(
    output: Annotated[Path | None, typer.Option("--output", "-o", help="File to write (default: stdout)")] = None,
    api_key: KeyOpt = None,
) -> None:
    """Write the audit log as JSON lines (one record per line, with its hash and the previous hash)."""

    if output is not None and (output.is_dir() or not output.parent.is_dir()):
        what = "is a folder" if output.is_dir() else "is in a folder that does not exist"
        raise InputError(f"--output: {output} {what}; give a file name", field="output")
    if output is not None:
        output_file(output, "--output", make_folder=False)

    def work(s: Session, actor: User) -> int:
        require(actor.name, actor.role, "audit.export")
        redact = not allowed(actor.role, "audit.export.secrets")
        if output is None:
            return audit.export(s, sys.stdout, redact_secrets=redact)
        tempfiles.remove_stale(output)  # left by an export killed while writing (SIGKILL)
        tmp = tempfiles.temp_path(output)
        try:
            with tmp.open("w", encoding="utf-8") as fh:
                n = audit.export(s, fh, redact_secrets=redact)
            tmp.replace(output)
        except OSError as exc:
            raise InputError(f"--output: {output}: cannot write ({exc.strerror})", field="output") from None
        finally:
            tmp.unlink(missing_ok=True)  # nothing partial is left behind
        return n

    n = _run(api_key, work)
    if output is not None:
        _say(f"{n} audit records written to {output}")


@audit_app.command("checkpoint")
@handle_errors
def audit_checkpoint(
    checkpoint_key: Annotated[
        Path | None,
        typer.Option(
            "--checkpoint-key",
            envvar="CHIPCLEAR_CHECKPOINT_KEY_FILE",
            help="File holding the operator's secret (>= 32 bytes), kept outside the database",
        ),
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Append the checkpoint to this file (default: print it)")
    ] = None,
    api_key: KeyOpt = None,
) -> None:
    """Sign the chain head (record number and hash, HMAC-SHA256 with the operator's key) for an external witness;
    `audit verify --anchor FILE` and `db restore --anchor FILE` check it later."""
    if checkpoint_key is None:
        raise InputError("--checkpoint-key: give the key file (or set CHIPCLEAR_CHECKPOINT_KEY_FILE)", field="key")
    key = _read_checkpoint_key(checkpoint_key)
    if output is not None:  # appended to: a regular file (or a new one), never a FIFO, a device or a link
        output_file(output, "--output", make_folder=False)

    def work(s: Session, actor: User) -> dict[str, Any]:
        require(actor.name, actor.role, "audit.verify")
        return audit.checkpoint(s, key)

    point = _run(api_key, work)
    line = json.dumps(point, sort_keys=True)
    if output is None:
        typer.echo(line)
        return
    try:
        with output.open("a", encoding="utf-8") as fh:
            fh.write(line + "\n")
    except OSError as exc:
        raise InputError(f"--output: {output}: cannot write ({exc.strerror})", field="output") from None
    _say(f"checkpoint of record {point['seq']} appended to {output}")


def register(app: typer.Typer) -> None:
    app.add_typer(audit_app, name="audit")
