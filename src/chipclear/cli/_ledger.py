"""Shared plumbing of the ledger commands (``license``, ``ship``/``hold``, ``audit``, ``db``, ``user``): the
ledger session, the acting user, parties from NAME@CC, plain output and the common options.

Every command acts as the user whose API key is in CHIPCLEAR_API_KEY (or --api-key); roles are checked by the
ledger services, not here. Errors print one line and exit 2.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from sqlalchemy.orm import Session

from chipclear.bounds import Name, checked
from chipclear.cli._common import console
from chipclear.decision import Party
from chipclear.errors import InputError
from chipclear.geography import load_geography
from chipclear.ledger import audit, users
from chipclear.ledger.db import Ledger, open_ledger
from chipclear.ledger.models import User
from chipclear.settings import get_settings
from chipclear.userfiles import input_file

T = TypeVar("T")

KeyOpt = Annotated[
    str | None, typer.Option("--api-key", help="API key to act with (default: CHIPCLEAR_API_KEY)", show_default=False)
]
ReasonOpt = Annotated[str, typer.Option("--reason", help="Why (recorded in the audit log)")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable JSON output")]
AnchorOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--anchor",
        help="SEQ:HASH of a record noted earlier (as printed by verify), or a file of signed checkpoints "
        "(`audit checkpoint`); repeatable",
    ),
]
CheckpointKeyOpt = Annotated[
    Path | None,
    typer.Option(
        "--checkpoint-key",
        envvar="CHIPCLEAR_CHECKPOINT_KEY_FILE",
        help="The operator's checkpoint key file, to check the signatures of checkpoint files given to --anchor",
    ),
]
ItemsOpt = Annotated[list[str], typer.Option("--item", help="Catalog id or ECCN (repeatable)")]
DestOpt = Annotated[list[str], typer.Option("--destination", help="ISO 3166-1 code or country name (repeatable)")]
EndUserOpt = Annotated[list[str] | None, typer.Option("--end-user", help="End user NAME or NAME@CC (repeatable)")]
UltOpt = Annotated[
    list[str] | None, typer.Option("--ultimate-consignee", help="Ultimate consignee NAME or NAME@CC (repeatable)")
]
InterOpt = Annotated[
    list[str] | None,
    typer.Option("--intermediate-consignee", help="Intermediate consignee NAME or NAME@CC (repeatable)"),
]
PurchOpt = Annotated[list[str] | None, typer.Option("--purchaser", help="Purchaser NAME or NAME@CC (repeatable)")]


@contextmanager
def _ledger() -> Iterator[Ledger]:
    ledger = open_ledger()
    try:
        yield ledger
    finally:
        ledger.close()


def _actor(session: Session, api_key: str | None) -> User:
    return users.authenticate(session, api_key or get_settings().api_key or "")


def _run(api_key: str | None, work: Callable[[Session, User], T]) -> T:
    """Authenticate (a short transaction of its own), then run ``work`` in one transaction, so that no lock is
    held while the engine decides before ``work`` first touches the ledger."""
    with _ledger() as ledger:
        with ledger.session() as s:
            actor = _actor(s, api_key)
        with ledger.session() as s:
            return work(s, actor)


def _party(spec: str, role: str) -> Party:
    """NAME or NAME@COUNTRY (a code or a country name: "Huawei@CN", "Example Pte Ltd@Singapore")."""
    name, country = spec, None
    option = f"--{role.replace('_', '-')}"
    if "@" in spec:
        name, where = spec.rsplit("@", 1)
        country = load_geography().normalize(where, field=option)
    if not name.strip():
        raise InputError(f"{option}: a party needs a name", field=role)
    return Party(name=checked(Name, name, option), role=role, country=country)


def _parties(
    end_user: list[str] | None, ult: list[str] | None, inter: list[str] | None, purch: list[str] | None
) -> list[Party]:
    out: list[Party] = []
    for values, role in (
        (end_user, "end_user"),
        (ult, "ultimate_consignee"),
        (inter, "intermediate_consignee"),
        (purch, "purchaser"),
    ):
        out += [_party(v, role) for v in values or []]
    return out


def _say(text: str) -> None:
    """Plain text, never wrapped or styled (scripts and the walk-through compare it)."""
    console.print(text, markup=False, highlight=False, soft_wrap=True)


def _money(value: float | None) -> str:
    return "-" if value is None else f"${value:,.2f}"


def _checkpoint_key(path: Path | None) -> bytes | None:
    return None if path is None else _read_checkpoint_key(path)


def _read_checkpoint_key(path: Path) -> bytes:
    input_file(path, "--checkpoint-key")
    try:
        return audit.read_checkpoint_key(str(path))
    except ValueError as exc:
        raise InputError(f"--checkpoint-key: {exc}", field="checkpoint_key") from None


def _anchors(values: list[str] | None, key_file: Path | None) -> list[audit.Anchor]:
    """Anchors from --anchor values: SEQ:HASH, or a checkpoint file (signatures checked with the key file)."""
    key = _checkpoint_key(key_file)
    anchors: list[audit.Anchor] = []
    for value in values or []:
        if ":" in value and not Path(value).exists():
            try:
                anchors.append(audit.parse_anchor(value))
            except ValueError as exc:
                raise InputError(f"--anchor: {exc}", field="anchor") from None
            continue
        path = input_file(Path(value), "--anchor")
        if not path.is_file():
            raise InputError(f"--anchor: {value}: neither SEQ:HASH nor a checkpoint file", field="anchor")
        if key is None:
            raise InputError("--anchor: a checkpoint file needs --checkpoint-key to check its signatures", field="key")
        try:
            anchors += audit.parse_checkpoints(path.read_text(encoding="utf-8"), key)
        except ValueError as exc:
            raise InputError(f"--anchor: {path}: {exc}", field="anchor") from None
    return anchors
