"""Ledger commands: ``license``, ``ship``, ``hold``, ``audit``, ``db`` and ``user``.

Every command acts as the user whose API key is in CHIPCLEAR_API_KEY (or --api-key); roles are checked by the
ledger services, not here. Errors print one line and exit 2; ``ship`` exits 1 when a line is held, and
``audit verify`` exits 1 when the log fails its check.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
import yaml
from pydantic import ValidationError
from rich.table import Table
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from chipclear.cli._common import console, handle_errors, parse_date, print_json
from chipclear.decision import OrderLine, Party
from chipclear.errors import InputError
from chipclear.geography import load_geography
from chipclear.ledger import audit, services, users
from chipclear.ledger import backup as backup_mod
from chipclear.ledger.db import Ledger, current_revision, head_revision, make_engine, open_ledger, upgrade
from chipclear.ledger.models import License, ShipmentLine, User
from chipclear.ledger.roles import allowed, require
from chipclear.ledger.views import application_json, usage_json
from chipclear.settings import get_settings

T = TypeVar("T")

license_app = typer.Typer(name="license", help="License applications and licenses.", no_args_is_help=True)
hold_app = typer.Typer(name="hold", help="Held shipment lines: list, release (approver), cancel.", no_args_is_help=True)
audit_app = typer.Typer(name="audit", help="The tamper-evident audit log: verify, export.", no_args_is_help=True)
db_app = typer.Typer(name="db", help="Ledger database: backup, restore, upgrade.", no_args_is_help=True)
user_app = typer.Typer(name="user", help="Ledger users and API keys (admin).", no_args_is_help=True)

KeyOpt = Annotated[
    str | None, typer.Option("--api-key", help="API key to act with (default: CHIPCLEAR_API_KEY)", show_default=False)
]
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


# ---------------------------------------------------------------- plumbing


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
    if "@" in spec:
        name, where = spec.rsplit("@", 1)
        country = load_geography().normalize(where, field=role.replace("_", "-") + " country")
    if not name.strip():
        raise InputError(f"--{role.replace('_', '-')}: a party needs a name", field=role)
    return Party(name=name.strip(), role=role, country=country)


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


# ---------------------------------------------------------------- license


@license_app.command("apply")
@handle_errors
def license_apply(
    item: ItemsOpt,
    destination: DestOpt,
    end_user: EndUserOpt = None,
    ultimate_consignee: UltOpt = None,
    intermediate_consignee: InterOpt = None,
    purchaser: PurchOpt = None,
    quantity: Annotated[int | None, typer.Option("--quantity", help="Units applied for")] = None,
    value: Annotated[float | None, typer.Option("--value", help="Value applied for, USD")] = None,
    note: Annotated[str, typer.Option("--note", help="Free text (e.g. the assurance received)")] = "",
    application_number: Annotated[
        str | None, typer.Option("--application-number", help="The agency's application number: marks it submitted")
    ] = None,
    submitted_on: Annotated[str | None, typer.Option("--submitted-on", help="Submission date YYYY-MM-DD")] = None,
    api_key: KeyOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Create a license application (a draft, or submitted when the agency's number is given)."""
    parties = _parties(end_user, ultimate_consignee, intermediate_consignee, purchaser)
    submitted = parse_date(submitted_on, field="submitted_on") if submitted_on else None

    def work(s: Session, actor: User) -> dict[str, Any]:
        app = services.apply_for_license(
            s,
            actor,
            items=item,
            destinations=destination,
            parties=[p.model_dump(include={"name", "role", "country"}) for p in parties],
            quantity=quantity,
            value_usd=value,
            note=note,
            application_number=application_number,
            submitted_on=submitted,
        )
        return application_json(app)

    out = _run(api_key, work)
    if as_json:
        print_json(out)
    else:
        number = f" ({out['application_number']})" if out["application_number"] else ""
        _say(f"application {out['id']}{number}: {out['status']}")


@license_app.command("submit")
@handle_errors
def license_submit(
    application_id: Annotated[int, typer.Argument(help="Application id")],
    application_number: Annotated[str, typer.Option("--application-number", help="The agency's number")],
    submitted_on: Annotated[str | None, typer.Option("--submitted-on", help="YYYY-MM-DD (default today)")] = None,
    api_key: KeyOpt = None,
) -> None:
    """Mark a draft application as submitted to the agency."""
    day = parse_date(submitted_on, field="submitted_on")
    app = _run(
        api_key,
        lambda s, a: services.submit_application(
            s, a, application_id, application_number=application_number, submitted_on=day
        ),
    )
    _say(f"application {app.id} ({app.application_number}): submitted")


@license_app.command("grant")
@handle_errors
def license_grant(
    application_id: Annotated[int, typer.Argument(help="Application id")],
    number: Annotated[str, typer.Option("--number", help="The license number")],
    valid_from: Annotated[str, typer.Option("--valid-from", help="YYYY-MM-DD")],
    valid_to: Annotated[str, typer.Option("--valid-to", help="YYYY-MM-DD")],
    quantity: Annotated[int | None, typer.Option("--quantity", help="Quantity limit (default: as applied)")] = None,
    value: Annotated[float | None, typer.Option("--value", help="Value limit, USD (default: as applied)")] = None,
    quantity_tolerance: Annotated[
        int, typer.Option("--quantity-tolerance", help="Shipping tolerance on quantity, % (15 CFR 750.11)")
    ] = 0,
    value_tolerance: Annotated[
        int, typer.Option("--value-tolerance", help="Shipping tolerance on value, % (15 CFR 750.11)")
    ] = 0,
    conditions: Annotated[str, typer.Option("--conditions", help="License conditions, free text")] = "",
    decided_on: Annotated[str | None, typer.Option("--decided-on", help="YYYY-MM-DD (default today)")] = None,
    api_key: KeyOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Record the grant of a submitted application as a license (approver)."""
    start, end = parse_date(valid_from, field="valid_from"), parse_date(valid_to, field="valid_to")
    day = parse_date(decided_on, field="decided_on")

    def work(s: Session, actor: User) -> dict[str, Any]:
        lic = services.grant_license(
            s,
            actor,
            application_id,
            number=number,
            valid_from=start,
            valid_to=end,
            quantity_limit=quantity,
            value_limit_usd=value,
            quantity_tolerance_percent=quantity_tolerance,
            value_tolerance_percent=value_tolerance,
            conditions=conditions,
            decided_on=day,
        )
        return services.license_json(lic)

    out = _run(api_key, work)
    if as_json:
        print_json(out)
    else:
        qty = "no quantity limit" if out["quantity_limit"] is None else f"quantity {out['quantity_limit']}"
        _say(f"license {out['number']} granted: {qty}, valid {out['valid_from']} to {out['valid_to']}")


def _close(status: str, application_id: int, reason: str, decided_on: str | None, api_key: str | None) -> None:
    day = parse_date(decided_on, field="decided_on")
    app = _run(
        api_key, lambda s, a: services.close_application(s, a, application_id, status, reason=reason, decided_on=day)
    )
    _say(f"application {app.id}: {app.status}")


ReasonOpt = Annotated[str, typer.Option("--reason", help="Why (recorded in the audit log)")]
DecidedOpt = Annotated[str | None, typer.Option("--decided-on", help="YYYY-MM-DD (default today)")]


@license_app.command("deny")
@handle_errors
def license_deny(
    application_id: Annotated[int, typer.Argument(help="Application id")],
    reason: ReasonOpt,
    returned: Annotated[bool, typer.Option("--returned", help="Returned without action, not denied")] = False,
    decided_on: DecidedOpt = None,
    api_key: KeyOpt = None,
) -> None:
    """Record that the agency denied (or returned without action) a submitted application (approver)."""
    _close("returned" if returned else "denied", application_id, reason, decided_on, api_key)


@license_app.command("withdraw")
@handle_errors
def license_withdraw(
    application_id: Annotated[int, typer.Argument(help="Application id")],
    reason: ReasonOpt,
    decided_on: DecidedOpt = None,
    api_key: KeyOpt = None,
) -> None:
    """Withdraw an open application."""
    _close("withdrawn", application_id, reason, decided_on, api_key)


@license_app.command("revoke")
@handle_errors
def license_revoke(
    number: Annotated[str, typer.Argument(help="License number")],
    reason: ReasonOpt,
    suspend: Annotated[bool, typer.Option("--suspend", help="Suspended (may be reinstated), not revoked")] = False,
    reinstate: Annotated[bool, typer.Option("--reinstate", help="Reinstate a suspended license")] = False,
    api_key: KeyOpt = None,
) -> None:
    """Record that the agency revoked or suspended a license, or reinstated it (approver)."""
    status = "active" if reinstate else "suspended" if suspend else "revoked"
    lic = _run(api_key, lambda s, a: services.change_license_status(s, a, number, status, reason=reason))
    _say(f"license {lic.number}: {lic.status}")


@license_app.command("list")
@handle_errors
def license_list(
    applications: Annotated[bool, typer.Option("--applications", help="List applications instead")] = False,
    api_key: KeyOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Licenses on file (or applications), with what is left."""
    if applications:
        apps = _run(api_key, lambda s, a: [application_json(x) for x in services.list_applications(s, a)])
        if as_json:
            print_json(apps)
            return
        table = Table(title="License applications")
        for col in ("Id", "Status", "Agency no.", "Items", "Destinations", "Quantity", "Submitted", "Decided"):
            table.add_column(col)
        for x in apps:
            table.add_row(
                str(x["id"]),
                x["status"],
                x["application_number"] or "-",
                ", ".join(x["items"]),
                ", ".join(x["destinations"]),
                str(x["quantity"] or "-"),
                x["submitted_on"] or "-",
                x["decided_on"] or "-",
            )
        console.print(table)
        return
    lics = _run(api_key, lambda s, a: [services.license_json(x) for x in services.list_licenses(s, a)])
    if as_json:
        print_json(lics)
        return
    table = Table(title="Licenses")
    for col in ("Number", "Status", "Valid", "Items", "Destinations", "Used", "Left", "Value left"):
        table.add_column(col)
    for x in lics:
        table.add_row(
            x["number"],
            x["status"],
            f"{x['valid_from']}..{x['valid_to']}",
            ", ".join(x["items"]),
            ", ".join(x["destinations"]),
            str(x["quantity_used"]),
            "-" if x["quantity_left"] is None else str(x["quantity_left"]),
            _money(x["value_left_usd"]),
        )
    console.print(table)


@license_app.command("show")
@handle_errors
def license_show(
    number: Annotated[str, typer.Argument(help="License number")],
    api_key: KeyOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """One license: its terms, what is left, and its usage ledger."""

    def work(s: Session, actor: User) -> dict[str, Any]:
        lic: License = services.get_license(s, actor, number)
        out = services.license_json(lic)
        out["usage"] = [usage_json(u) for u in services.license_usage(s, actor, lic)]
        return out

    out = _run(api_key, work)
    if as_json:
        print_json(out)
        return
    left = "no limit" if out["quantity_left"] is None else str(out["quantity_left"])
    lines = [
        f"license {out['number']} ({out['status']}), valid {out['valid_from']} to {out['valid_to']}",
        f"items: {', '.join(out['items'])}; destinations: {', '.join(out['destinations'])}",
        "parties: " + "; ".join(f"{p['name']} ({p['role']})" for p in out["parties"]),
        f"quantity: limit {out['quantity_limit']}, used {out['quantity_used']}, left {left}"
        + (f" (tolerance {out['quantity_tolerance_percent']}%)" if out["quantity_tolerance_percent"] else ""),
        f"value: limit {_money(out['value_limit_usd'])}, used {_money(out['value_used_usd'])}, left {_money(out['value_left_usd'])}",
    ]
    if out["conditions"]:
        lines.append(f"conditions: {out['conditions']}")
    for u in out["usage"]:
        lines.append(
            f"  used {u['quantity']} by shipment line {u['shipment_line_id']} ({u['actor']}, {u['recorded_at']})"
        )
    for line in lines:
        _say(line)


# ---------------------------------------------------------------- ship


def _read_lines(path: Path) -> list[OrderLine]:
    """Order lines from a JSON (object or list), JSON-lines or YAML file; errors name the file, row and field."""
    if not path.is_file():
        raise InputError(f"{path}: no such file", field="file")
    text = path.read_text(encoding="utf-8")
    try:
        if path.suffix in (".yaml", ".yml"):
            data: Any = yaml.safe_load(text)
        elif path.suffix == ".jsonl":
            data = [json.loads(line) for line in text.splitlines() if line.strip()]
        else:
            data = json.loads(text)
    except (ValueError, yaml.YAMLError) as exc:
        raise InputError(f"{path}: not valid {path.suffix.lstrip('.') or 'JSON'} ({exc})", field="file") from None
    rows = data if isinstance(data, list) else [data]
    lines = []
    for i, row in enumerate(rows, start=1):
        try:
            lines.append(OrderLine.model_validate(row))
        except ValidationError as exc:
            err = exc.errors()[0]
            where = ".".join(str(p) for p in err["loc"])
            raise InputError(f"{path}: row {i}: {where}: {err['msg']}", field=where) from None
    if not lines:
        raise InputError(f"{path}: no order lines", field="file")
    return lines


def _line_text(sl: ShipmentLine, shipped: services.ShippedLine) -> str:
    head = f"line {sl.id}: {sl.quantity} x {sl.item} to {sl.destination} on {sl.ship_date}"
    d = shipped.decision
    if sl.status in ("shipped", "released"):
        if shipped.license_number and d.license:
            left = d.license.get("quantity_left_after")
            rest = "" if left is None else f" ({left} left)"
            return f"{head}: {sl.status.upper()} under license {shipped.license_number}{rest}"
        return f"{head}: {sl.status.upper()} ({d.verdict.value})"
    why = d.reasons[-1].detail if d.reasons else ""
    if d.missing:
        why = "missing: " + "; ".join(d.missing)
    return f"{head}: HELD, {d.verdict.value}: {why}"


@handle_errors
def ship_command(
    item: Annotated[str | None, typer.Option("--item", help="Catalog id or alias")] = None,
    quantity: Annotated[int, typer.Option("--quantity", help="Units")] = 1,
    destination: Annotated[str | None, typer.Option("--destination", help="ISO code or country name")] = None,
    ship_date: Annotated[str | None, typer.Option("--ship-date", help="YYYY-MM-DD (default today)")] = None,
    value: Annotated[float | None, typer.Option("--value", help="Line value, USD")] = None,
    end_user: EndUserOpt = None,
    ultimate_consignee: UltOpt = None,
    intermediate_consignee: InterOpt = None,
    purchaser: PurchOpt = None,
    order_id: Annotated[str | None, typer.Option("--order-id", help="Order reference")] = None,
    file: Annotated[Path | None, typer.Option("--file", help="Order lines: .json, .jsonl or .yaml")] = None,
    license_number: Annotated[str | None, typer.Option("--license", help="Rely on this license only")] = None,
    api_key: KeyOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Ship one line (options) or every line of a file, in one transaction. A line with authority ships (a covering
    license is decremented); any other line is held for an approver and the command exits 1."""
    if file is not None:
        if item or destination:
            raise InputError("give either --file or --item/--destination, not both", field="file")
        lines = _read_lines(file)
    else:
        if not item or not destination:
            raise InputError("ship: give --item and --destination (or --file)", field="item")
        day = parse_date(ship_date, field="ship_date")
        lines = [
            OrderLine(
                item=item,
                quantity=quantity,
                destination=destination,
                ship_date=day,
                value_usd=value,
                parties=_parties(end_user, ultimate_consignee, intermediate_consignee, purchaser),
                order_id=order_id,
            )
        ]

    def present(s: Session, result: services.ShipmentResult) -> list[tuple[str, dict[str, Any]]]:
        return [
            (
                _line_text(x.line, x),
                {
                    "line_id": x.line.id,
                    "status": x.line.status,
                    "license": x.license_number,
                    "historical": bool(x.line.decision.get("historical_entry")),
                    "decision": x.line.decision,  # as recorded (with the historical-entry mark)
                },
            )
            for x in result.lines
        ]

    # Decide with no lock held, then one short transaction re-checks the licenses and commits.
    with _ledger() as ledger:
        with ledger.session() as s:
            actor = _actor(s, api_key)
        out = services.ship_lines(
            ledger.session, actor, lines, present, reference=order_id, license_number=license_number
        )
    if as_json:
        print_json([o for _, o in out])
    else:
        for text, _ in out:
            _say(text)
    if any(o["status"] == "held" for _, o in out):
        raise typer.Exit(1)


# ---------------------------------------------------------------- hold


@hold_app.command("list")
@handle_errors
def hold_list(api_key: KeyOpt = None, as_json: JsonOpt = False) -> None:
    """Held shipment lines, oldest first."""

    def work(s: Session, actor: User) -> list[dict[str, Any]]:
        return [
            {
                "line_id": h.id,
                "item": h.item,
                "quantity": h.quantity,
                "destination": h.destination,
                "ship_date": h.ship_date.isoformat(),
                "verdict": h.verdict,
                "why": (h.decision.get("missing") or [r["detail"] for r in h.decision.get("reasons", [])[-1:]]),
            }
            for h in services.list_holds(s, actor)
        ]

    holds = _run(api_key, work)
    if as_json:
        print_json(holds)
        return
    if not holds:
        _say("no held lines")
        return
    for h in holds:
        _say(
            f"line {h['line_id']}: {h['quantity']} x {h['item']} to {h['destination']} on {h['ship_date']}: "
            f"{h['verdict']}: {'; '.join(h['why'])}"
        )


def _answers(not_a_match: list[str], match: list[str], facts: list[str], reason: str) -> services.ReleaseAnswers:
    reviews = []
    for decision, specs in (("not_a_match", not_a_match), ("match", match)):
        for spec in specs:
            party, _, entry = spec.rpartition("::")
            if not entry.strip():
                raise InputError(f"--{decision.replace('_', '-')}: give ENTRY_ID or PARTY::ENTRY_ID", field=decision)
            reviews.append(services.ReviewAnswer(party.strip(), entry.strip(), "", decision, reason))
    given: dict[str, Any] = {}
    for spec in facts:
        path, sep, raw = spec.partition("=")
        if not sep or not path.strip():
            raise InputError(f"--fact {spec!r}: give FIELD.PATH=VALUE", field="fact")
        try:
            value: Any = json.loads(raw)
        except ValueError:
            value = raw
        keys = path.strip().split(".")
        node = given
        for key in keys[:-1]:
            node = node.setdefault(key, {})
        node[keys[-1]] = value
    return services.ReleaseAnswers(reviews, given)


@hold_app.command("release")
@handle_errors
def hold_release(
    line_id: Annotated[int, typer.Argument(help="Shipment line id")],
    reason: ReasonOpt,
    license_number: Annotated[str | None, typer.Option("--license", help="Rely on this license only")] = None,
    ship_date: Annotated[
        str | None, typer.Option("--ship-date", help="New ship date: the line is decided again for it")
    ] = None,
    not_a_match: Annotated[
        list[str] | None,
        typer.Option("--not-a-match", help="ENTRY_ID (or PARTY::ENTRY_ID) of a hit reviewed as not a match"),
    ] = None,
    match: Annotated[
        list[str] | None,
        typer.Option("--match", help="ENTRY_ID (or PARTY::ENTRY_ID) of a possible hit reviewed as a match"),
    ] = None,
    fact: Annotated[
        list[str] | None,
        typer.Option("--fact", help="A missing fact, FIELD.PATH=VALUE (JSON value), e.g. end_use.military=false"),
    ] = None,
    api_key: KeyOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Release a held line (approver): the line is decided again with your answers (each hit reviewed, each
    missing fact supplied) and ships only if the new decision is NLR, a license exception, or covered by a
    license with quantity left. A refused release leaves the line held (and is audited)."""
    day = parse_date(ship_date, field="ship_date") if ship_date else None
    answers = _answers(not_a_match or [], match or [], fact or [], reason)

    def present(s: Session, x: services.ShippedLine) -> tuple[str, dict[str, Any]]:
        return _line_text(x.line, x), {
            "line_id": x.line.id,
            "status": x.line.status,
            "license": x.license_number,
            "decision": x.decision.to_json(),
        }

    with _ledger() as ledger:
        with ledger.session() as s:
            actor = _actor(s, api_key)
        text, out = services.release_line(
            ledger.session,
            actor,
            line_id,
            present,
            reason=reason,
            license_number=license_number,
            ship_date=day,
            answers=answers,
        )
    if as_json:
        print_json(out)
    else:
        _say(text)


@hold_app.command("cancel")
@handle_errors
def hold_cancel(
    line_id: Annotated[int, typer.Argument(help="Shipment line id")], reason: ReasonOpt, api_key: KeyOpt = None
) -> None:
    """Cancel a held line (approver)."""
    sl = _run(api_key, lambda s, a: services.cancel_line(s, a, line_id, reason=reason))
    _say(f"line {sl.id}: cancelled")


# ---------------------------------------------------------------- audit


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
            if exc.__class__.__name__ in ("DatabaseError", "OperationalError"):
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
            _say(f"{result.redacted} redacted records: their links were checked, their content cannot be")
        if result.last_hash:
            _say(f"last record: {result.records}:{result.last_hash}")
    else:
        _say(f"audit log FAILED: {result.problem}")
    if not result.ok:
        raise typer.Exit(1)


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

    def work(s: Session, actor: User) -> int:
        require(actor.name, actor.role, "audit.export")
        redact = not allowed(actor.role, "audit.export.secrets")
        if output is None:
            return audit.export(s, sys.stdout, redact_secrets=redact)
        tmp = output.with_name(output.name + ".partial")
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


def _checkpoint_key(path: Path | None) -> bytes | None:
    return None if path is None else _read_checkpoint_key(path)


def _read_checkpoint_key(path: Path) -> bytes:
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
        path = Path(value)
        if not path.is_file():
            raise InputError(f"--anchor: {value}: neither SEQ:HASH nor a checkpoint file", field="anchor")
        if key is None:
            raise InputError("--anchor: a checkpoint file needs --checkpoint-key to check its signatures", field="key")
        try:
            anchors += audit.parse_checkpoints(path.read_text(encoding="utf-8"), key)
        except ValueError as exc:
            raise InputError(f"--anchor: {path}: {exc}", field="anchor") from None
    return anchors


# ---------------------------------------------------------------- db


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
    with _ledger() as ledger:
        _admin_or_bootstrap(ledger, api_key, "db.admin")
        result = backup_mod.backup(ledger, path)
    _say(f"backup written to {path}: {result.records} audit records verified")


@db_app.command("restore")
@handle_errors
def db_restore(
    path: Annotated[Path, typer.Argument(help="Backup file written by `chipclear db backup`")],
    replace: Annotated[bool, typer.Option("--replace", help="Overwrite a ledger that already has records")] = False,
    anchor: AnchorOpt = None,
    checkpoint_key: CheckpointKeyOpt = None,
    api_key: KeyOpt = None,
) -> None:
    """Restore a backup after verifying it (and its anchors or signed checkpoints); a file that fails is refused
    (admin)."""
    anchors = _anchors(anchor, checkpoint_key)
    with _ledger() as ledger:
        _admin_or_bootstrap(ledger, api_key, "db.admin")
        result = backup_mod.restore(ledger, path, replace=replace, anchors=anchors)
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


# ---------------------------------------------------------------- user


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
    app.add_typer(license_app, name="license")
    app.command("ship")(ship_command)
    app.add_typer(hold_app, name="hold")
    app.add_typer(audit_app, name="audit")
    app.add_typer(db_app, name="db")
    app.add_typer(user_app, name="user")
