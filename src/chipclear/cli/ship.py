"""``chipclear ship`` and ``chipclear hold``: ship lines in one transaction (a line with authority ships; any other
line is held and the command exits 1), and list, release (approver) or cancel held lines."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from sqlalchemy.orm import Session

from chipclear.bounds import MAX_DB_INT
from chipclear.cli._common import handle_errors, parse_date, print_json
from chipclear.cli._ledger import (
    EndUserOpt,
    InterOpt,
    JsonOpt,
    KeyOpt,
    PurchOpt,
    ReasonOpt,
    UltOpt,
    _actor,
    _ledger,
    _parties,
    _run,
    _say,
)
from chipclear.datafiles import (
    YAML_ERRORS,
    RepeatedKey,
    json_loads,
    read_user_file,
    repeated_key_message,
    safe_load,
    unique_pairs,
    yaml_problem,
)
from chipclear.decision import OrderLine
from chipclear.errors import InputError, validation_text
from chipclear.ledger import shipments as ledger_shipments
from chipclear.ledger.models import ShipmentLine, User
from chipclear.ledger.views import line_json
from chipclear.userfiles import input_file

hold_app = typer.Typer(name="hold", help="Held shipment lines: list, release (approver), cancel.", no_args_is_help=True)


_LINE_FILES = (".json", ".jsonl", ".yaml", ".yml")

# The service fields named otherwise than the option that fed them (the rest are the options' own names)
SHIP_FIELDS = {"value_usd": "--value", "ship_date": "--ship-date", "reference": "--order-id"}
RELEASE_FIELDS = {
    "ship_date": "--ship-date",
    "facts": "--fact {rest}",  # facts.end_use.military: the FIELD.PATH of --fact
    "not_a_match": "--not-a-match",
    "listings": "--acknowledge-listing",
}


def _read_lines(path: Path) -> list[OrderLine]:
    """Order lines from a JSON (object or list), JSON-lines or YAML file; errors name the file, row and field."""
    input_file(path, "--file")
    if not path.is_file():
        raise InputError(f"{path}: no such file", field="file")
    if path.suffix.lower() not in _LINE_FILES:
        shown = path.suffix or "no suffix"
        raise InputError(f"{path}: give a .json, .jsonl or .yaml file of order lines (not {shown})", field="file")
    text = read_user_file(path, "order lines", "file")
    try:
        if path.suffix.lower() in (".yaml", ".yml"):
            data: Any = safe_load(text)
        elif path.suffix.lower() == ".jsonl":
            data = [json_loads(line) for line in text.splitlines() if line.strip()]
        else:
            data = json_loads(text)
    except RecursionError:
        raise InputError(f"{path}: nested too deeply to be an order line", field="file") from None
    except YAML_ERRORS as exc:  # json's errors are ValueErrors
        problem = yaml_problem(exc)
        raise InputError(f"{path}: not valid {path.suffix.lstrip('.') or 'JSON'} ({problem})", field="file") from None
    rows = data if isinstance(data, list) else [data]
    lines = []
    for i, row in enumerate(rows, start=1):
        try:
            lines.append(OrderLine.model_validate(row))
        except ValidationError as exc:
            err = exc.errors()[0]
            where = ".".join(str(p) for p in err["loc"])
            raise InputError(f"{path}: row {i}: {where}: {validation_text(err)}", field=where) from None
    if not lines:
        raise InputError(f"{path}: no order lines", field="file")
    return lines


def _row_error(path: Path, exc: InputError) -> InputError:
    """``exc`` about a row of the file ``path``, said as the file's own row errors are: file, row, field."""
    field = exc.field or "row"
    message = exc.message if exc.message.startswith(f"{field}:") else f"{field}: {exc.message}"
    return InputError(f"{path}: row {exc.line}: {message}", field=field)


def _line_text(sl: ShipmentLine, shipped: ledger_shipments.ShippedLine) -> str:
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


@handle_errors(fields=SHIP_FIELDS)
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
            raise InputError("--file: give either --file or --item/--destination, not both", field="file")
        lines = _read_lines(file)
    else:
        if not item or not destination:
            raise InputError("--item: give --item and --destination (or --file)", field="item")
        day = parse_date(ship_date, field="--ship-date")
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

    def present(s: Session, result: ledger_shipments.ShipmentResult) -> list[tuple[str, dict[str, Any]]]:
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
        try:
            out = ledger_shipments.ship_lines(
                ledger.session, actor, lines, present, reference=order_id, license_number=license_number
            )
        except InputError as exc:
            if file is None and exc.message.startswith("line 1: "):  # the one line of the options: no line number
                raise type(exc)(exc.message.removeprefix("line 1: "), field=exc.field) from None
            if file is None or exc.line is None:
                raise
            raise _row_error(file, exc) from None
    if as_json:
        print_json([o for _, o in out])
    else:
        for text, _ in out:
            _say(text)
    if any(o["status"] == "held" for _, o in out):
        raise typer.Exit(1)


@hold_app.command("list")
@handle_errors
def hold_list(api_key: KeyOpt = None, as_json: JsonOpt = False) -> None:
    """Held shipment lines, oldest first."""

    def work(s: Session, actor: User) -> list[dict[str, Any]]:
        # the held lines as GET /api/holds answers them (ShipmentLineView): one shape at every door
        return [line_json(h) for h in ledger_shipments.list_holds(s, actor)]

    holds = _run(api_key, work)
    if as_json:
        print_json(holds)
        return
    if not holds:
        _say("no held lines")
        return
    for h in holds:
        decision = h["decision"] or {}
        why = decision.get("missing") or [r["detail"] for r in decision.get("reasons", [])[-1:]]
        _say(
            f"line {h['line_id']}: {h['quantity']} x {h['item']} to {h['destination']} on {h['ship_date']}: "
            f"{h['verdict']}: {'; '.join(why)}"
        )


def _answers(
    not_a_match: list[str], match: list[str], facts: list[str], reason: str, listings: list[str] | None = None
) -> ledger_shipments.ReleaseAnswers:
    reviews = []
    for decision, specs in (("not_a_match", not_a_match), ("match", match)):
        for spec in specs:
            party, _, entry = spec.rpartition("::")
            if not entry.strip():
                raise InputError(f"--{decision.replace('_', '-')}: give ENTRY_ID or PARTY::ENTRY_ID", field=decision)
            reviews.append(ledger_shipments.ReviewAnswer(party.strip(), entry.strip(), "", decision, reason))
    given: dict[str, Any] = {}
    for spec in facts:
        path, sep, raw = spec.partition("=")
        if not sep or not path.strip():
            raise InputError(f"--fact: {spec!r}: give FIELD.PATH=VALUE", field="fact")
        try:
            value: Any = json.loads(raw, object_pairs_hook=unique_pairs)
        except RepeatedKey as exc:
            raise InputError(f"--fact: {path.strip()}: {repeated_key_message(exc.args[0])}", field="fact") from None
        except RecursionError:
            raise InputError(f"--fact: {path.strip()}: nested too deeply", field="fact") from None
        except ValueError:
            value = raw
        keys = path.strip().split(".")
        node = given
        for key in keys[:-1]:
            node = node.setdefault(key, {})
        node[keys[-1]] = value
    acks = [ledger_shipments.ListingAnswer(number.strip(), reason) for number in listings or []]
    return ledger_shipments.ReleaseAnswers(reviews, given, acks)


@hold_app.command("release")
@handle_errors(fields=RELEASE_FIELDS)
def hold_release(
    line_id: Annotated[int, typer.Argument(help="Shipment line id", min=1, max=MAX_DB_INT)],
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
    acknowledge_listing: Annotated[
        list[str] | None,
        typer.Option(
            "--acknowledge-listing",
            help="License NUMBER issued before a party's listing: you confirm it still holds after the listing"
            " (recorded with --reason in the audit log)",
        ),
    ] = None,
    api_key: KeyOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Release a held line (approver): the line is decided again with your answers (each hit reviewed, each
    missing fact supplied, each license issued before a party's listing acknowledged) and ships only if the new
    decision is NLR, a license exception, or covered by a license with quantity left. A refused release leaves the
    line held (and is audited)."""
    day = parse_date(ship_date, field="--ship-date") if ship_date else None
    answers = _answers(not_a_match or [], match or [], fact or [], reason, acknowledge_listing)

    def present(s: Session, x: ledger_shipments.ShippedLine) -> tuple[str, dict[str, Any]]:
        return _line_text(x.line, x), {
            "line_id": x.line.id,
            "status": x.line.status,
            "license": x.license_number,
            "decision": x.decision.to_json(),
        }

    with _ledger() as ledger:
        with ledger.session() as s:
            actor = _actor(s, api_key)
        text, out = ledger_shipments.release_line(
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
    line_id: Annotated[int, typer.Argument(help="Shipment line id", min=1, max=MAX_DB_INT)],
    reason: ReasonOpt,
    api_key: KeyOpt = None,
) -> None:
    """Cancel a held line (approver)."""
    sl = _run(api_key, lambda s, a: ledger_shipments.cancel_line(s, a, line_id, reason=reason))
    _say(f"line {sl.id}: cancelled")


def register(app: typer.Typer) -> None:
    app.command("ship")(ship_command)
    app.add_typer(hold_app, name="hold")
