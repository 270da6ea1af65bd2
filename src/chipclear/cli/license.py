"""``chipclear license``: license applications (apply, submit) and licenses (grant, deny, withdraw, revoke,
list, show)."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table
from sqlalchemy.orm import Session

from chipclear.bounds import MAX_DB_INT
from chipclear.cli._common import console, handle_errors, parse_date, print_json
from chipclear.cli._ledger import (
    DestOpt,
    EndUserOpt,
    InterOpt,
    ItemsOpt,
    JsonOpt,
    KeyOpt,
    PurchOpt,
    ReasonOpt,
    UltOpt,
    _money,
    _parties,
    _run,
    _say,
)
from chipclear.ledger import licenses as ledger_licenses
from chipclear.ledger import views
from chipclear.ledger.models import User
from chipclear.ledger.reads import CoreReader
from chipclear.ledger.views import application_json

license_app = typer.Typer(name="license", help="License applications and licenses.", no_args_is_help=True)

# The ledger's fields named otherwise than the option that fed them (the rest are the options' own names)
APPLY_FIELDS = {"items": "--item", "destinations": "--destination", "parties": "--end-user", "value_usd": "--value"}
GRANT_FIELDS = {
    "quantity_limit": "--quantity",
    "value_limit_usd": "--value",
    "quantity_tolerance_percent": "--quantity-tolerance",
    "value_tolerance_percent": "--value-tolerance",
    "valid_from": "--valid-from",
    "valid_to": "--valid-to",
    "decided_on": "--decided-on",
}
CLOSE_FIELDS = {"decided_on": "--decided-on"}
SUBMIT_FIELDS = {"submitted_on": "--submitted-on"}
# a refused change of status is about the license named (its status now), not a value typed
REVOKE_FIELDS = {"effective_on": "--effective", "status": "NUMBER"}


@license_app.command("apply")
@handle_errors(fields=APPLY_FIELDS)
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
    submitted = parse_date(submitted_on, field="--submitted-on") if submitted_on else None

    def work(s: Session, actor: User) -> dict[str, Any]:
        app = ledger_licenses.apply_for_license(
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
@handle_errors(fields=SUBMIT_FIELDS)
def license_submit(
    application_id: Annotated[int, typer.Argument(help="Application id", min=1, max=MAX_DB_INT)],
    application_number: Annotated[str, typer.Option("--application-number", help="The agency's number")],
    submitted_on: Annotated[str | None, typer.Option("--submitted-on", help="YYYY-MM-DD (default today)")] = None,
    api_key: KeyOpt = None,
) -> None:
    """Mark a draft application as submitted to the agency."""
    day = parse_date(submitted_on, field="--submitted-on")
    app = _run(
        api_key,
        lambda s, a: ledger_licenses.submit_application(
            s, a, application_id, application_number=application_number, submitted_on=day
        ),
    )
    _say(f"application {app.id} ({app.application_number}): submitted")


@license_app.command("grant")
@handle_errors(fields=GRANT_FIELDS)
def license_grant(
    application_id: Annotated[int, typer.Argument(help="Application id", min=1, max=MAX_DB_INT)],
    number: Annotated[str, typer.Option("--number", help="The license number")],
    valid_from: Annotated[str, typer.Option("--valid-from", help="YYYY-MM-DD")],
    valid_to: Annotated[str, typer.Option("--valid-to", help="YYYY-MM-DD")],
    quantity: Annotated[int | None, typer.Option("--quantity", help="Quantity limit (default: as applied)")] = None,
    value: Annotated[float | None, typer.Option("--value", help="Value limit, USD (default: as applied)")] = None,
    quantity_tolerance: Annotated[
        int,
        typer.Option(
            "--quantity-tolerance",
            help="Shipping tolerance on quantity, %: only 0 (no tolerance on the number of units, 15 CFR 750.11)",
        ),
    ] = 0,
    value_tolerance: Annotated[
        int, typer.Option("--value-tolerance", help="Shipping tolerance on value, % (15 CFR 750.11)")
    ] = 0,
    conditions: Annotated[str, typer.Option("--conditions", help="License conditions, free text")] = "",
    decided_on: Annotated[
        str | None,
        typer.Option(
            "--decided-on", help="YYYY-MM-DD, the day it was issued (default: --valid-from, or today if later)"
        ),
    ] = None,
    api_key: KeyOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Record the grant of a submitted application as a license (approver)."""
    start, end = parse_date(valid_from, field="--valid-from"), parse_date(valid_to, field="--valid-to")
    day = parse_date(decided_on, field="--decided-on") if decided_on else None  # default: ``grant_license``'s

    def work(s: Session, actor: User) -> dict[str, Any]:
        lic = ledger_licenses.grant_license(
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
        return ledger_licenses.license_json(lic)

    out = _run(api_key, work)
    if as_json:
        print_json(out)
    else:
        qty = "no quantity limit" if out["quantity_limit"] is None else f"quantity {out['quantity_limit']}"
        _say(f"license {out['number']} granted: {qty}, valid {out['valid_from']} to {out['valid_to']}")


def _close(status: str, application_id: int, reason: str, decided_on: str | None, api_key: str | None) -> None:
    day = parse_date(decided_on, field="--decided-on")
    app = _run(
        api_key,
        lambda s, a: ledger_licenses.close_application(s, a, application_id, status, reason=reason, decided_on=day),
    )
    _say(f"application {app.id}: {app.status}")


DecidedOpt = Annotated[str | None, typer.Option("--decided-on", help="YYYY-MM-DD (default today)")]


@license_app.command("deny")
@handle_errors(fields=CLOSE_FIELDS)
def license_deny(
    application_id: Annotated[int, typer.Argument(help="Application id", min=1, max=MAX_DB_INT)],
    reason: ReasonOpt,
    returned: Annotated[bool, typer.Option("--returned", help="Returned without action, not denied")] = False,
    decided_on: DecidedOpt = None,
    api_key: KeyOpt = None,
) -> None:
    """Record that the agency denied (or returned without action) a submitted application (approver)."""
    _close("returned" if returned else "denied", application_id, reason, decided_on, api_key)


@license_app.command("withdraw")
@handle_errors(fields=CLOSE_FIELDS)
def license_withdraw(
    application_id: Annotated[int, typer.Argument(help="Application id", min=1, max=MAX_DB_INT)],
    reason: ReasonOpt,
    decided_on: DecidedOpt = None,
    api_key: KeyOpt = None,
) -> None:
    """Withdraw an open application."""
    _close("withdrawn", application_id, reason, decided_on, api_key)


@license_app.command("revoke")
@handle_errors(fields=REVOKE_FIELDS)
def license_revoke(
    number: Annotated[str, typer.Argument(help="License number")],
    reason: ReasonOpt,
    suspend: Annotated[bool, typer.Option("--suspend", help="Suspended (may be reinstated), not revoked")] = False,
    reinstate: Annotated[bool, typer.Option("--reinstate", help="Reinstate a suspended license")] = False,
    effective: Annotated[
        str | None, typer.Option("--effective", help="YYYY-MM-DD the change took effect (default today)")
    ] = None,
    api_key: KeyOpt = None,
) -> None:
    """Record that the agency revoked or suspended a license, or reinstated it (approver), with the day it took
    effect: a line dated while the license was suspended is not covered by it, even once reinstated."""
    status = "active" if reinstate else "suspended" if suspend else "revoked"
    day = parse_date(effective, field="--effective") if effective else None
    lic = _run(
        api_key,
        lambda s, a: ledger_licenses.change_license_status(s, a, number, status, reason=reason, effective_on=day),
    )
    changes = lic.status_changes or [{}]
    _say(f"license {lic.number}: {lic.status} from {changes[-1].get('effective_on')}")


@license_app.command("list")
@handle_errors
def license_list(
    applications: Annotated[bool, typer.Option("--applications", help="List applications instead")] = False,
    api_key: KeyOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Licenses on file (or applications), with what is left."""
    if applications:
        apps = _run(api_key, lambda s, a: [application_json(x) for x in ledger_licenses.list_applications(s, a)])
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
    lics = _run(api_key, lambda s, a: views.license_list(CoreReader(s.connection()), a))
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
    """One license: its terms, what is left, its suspensions, revocation or reinstatements, and its usage ledger."""

    out = _run(api_key, lambda s, a: views.license_detail(CoreReader(s.connection()), a, number))
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
    for c in out["status_changes"]:
        change = "reinstated" if c["status"] == "active" else c["status"]
        because = f": {c['reason']}" if c.get("reason") else ""
        lines.append(f"  {change} from {c['effective_on']}{because} ({c['actor']}, {c['recorded_at']})")
    for u in out["usage"]:
        lines.append(
            f"  used {u['quantity']} by shipment line {u['shipment_line_id']} ({u['actor']}, {u['recorded_at']})"
        )
    for line in lines:
        _say(line)


def register(app: typer.Typer) -> None:
    app.add_typer(license_app, name="license")
