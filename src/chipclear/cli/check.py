"""``chipclear check`` (one order line), ``chipclear timeline`` (verdicts by period) and ``chipclear diff`` (what
changed between two dates): thin wrappers over ``chipclear.determine``."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any, Literal, cast

import typer
from rich.table import Table

from chipclear.bounds import Name, checked
from chipclear.cli._common import console, handle_errors, parse_date, print_json
from chipclear.cli.fail_on import FailOnOpt, exit_for, outcomes_of, parse_fail_on, screening_matched
from chipclear.decision import Decision, EndUse, ImportEntry, OrderLine, ParentLink, Party
from chipclear.determination import TimelineResult, determine, diff, timeline
from chipclear.determination.engine import STALE_LISTS_RULE
from chipclear.errors import InputError
from chipclear.geography import load_geography
from chipclear.models import load_model_spec, load_models
from chipclear.models.loader import require_spec_named
from chipclear.settings import get_settings
from chipclear.tariffs.result import line_rate_text, rate_text

JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable JSON output")]
LayerOpt = Annotated[
    str, typer.Option("--layer", help="enforced (what the government enforces) or codified (the CFR text)")
]
Layer = Literal["enforced", "codified"]
VERDICT_COLOUR = {
    "NLR": "green",
    "LICENSE_EXCEPTION": "cyan",
    "LICENSED": "green",
    "LICENSE_REQUIRED": "yellow",
    "PROHIBITED": "red",
    "HOLD": "magenta",
}


# The fields the shared services (``determine``, the tariffs, the order-line model) name otherwise than the option
# that fed them: an error names the option (``handle_errors``); the rest are the options' own names.
CHECK_FIELDS = {
    "certifications": "--certify",
    "destination": "--to",
    "ship_date": "--date",
    "end_use.text": "--end-use",
    "text": "--end-use",
    "parties": "--end-user",
    "parties.name": "--end-user",
    "parties.country": "--end-user-country",
    "parties.headquarters_country": "--end-user-hq",
    "parties.parents": "--end-user-parent",
    "parties.owners": "--end-user-owner",
    # the import line (``ImportEntry`` and the duty stack)
    "import_entry": "--import-hts",
    "import_entry.origin": "--origin",
    "import_entry.entry_date": "--entry-date",
    "import_entry.end_use": "--duty-end-use",
    "import_entry.claims": "--claim",
    "import_entry.entry_type": "--entry-type",
    "hts": "--import-hts",
    "entry_date": "--entry-date",
    "value": "--customs-value",
    "value_usd": "--customs-value",
    "import_entry.value_usd": "--customs-value",
    "end_use": "--duty-end-use",
    "claims": "--claim",
}
TIMELINE_FIELDS = {
    "destination": "--to",
    "end": "--until",
    "headquarters_country": "--end-user-hq",
    "name": "--end-user",
    "country": "--end-user-country",
}
DIFF_FIELDS = {"destination": "--dest", "destinations": "--dest", "items": "--item", "date_from": "--from"}


def _layer(value: str, option: str = "--layer") -> Layer:
    if value not in ("enforced", "codified"):
        raise InputError(f"{option}: {value!r} is not one of enforced, codified", field="layer")
    return cast(Layer, value)


def _import_entry(
    geo: Any,
    hts: str | None,
    origin: str | None,
    entry_date: str | None,
    value: float | None,
    end_use: str | None,
    claims: list[str] | None,
    entry_type: str | None = None,
) -> ImportEntry | None:
    if hts is None:
        if origin or entry_date or value is not None or end_use or claims or entry_type:
            raise InputError(
                "--import-hts: the import options need --import-hts (the entry's HTS number)", field="import-hts"
            )
        return None
    if origin is None:
        raise InputError("--origin: an import line needs --origin (the country of origin)", field="origin")
    return ImportEntry(
        hts=hts,
        origin=geo.normalize(origin, field="--origin"),
        entry_date=parse_date(entry_date, field="--entry-date") if entry_date else None,
        value_usd=value,
        end_use=end_use,
        claims=claims or [],
        entry_type=entry_type,
    )


def check_json(decision: Decision) -> dict[str, Any]:
    """The JSON of ``chipclear check --json``: the Decision contract, the same everywhere (CLI, API, console)."""
    return decision.to_json()


def _print_decision(d: Decision) -> None:
    colour = VERDICT_COLOUR.get(d.verdict.value, "white")
    item = d.classification.get("item", {})
    policy = f"  review policy: {d.review_policy.value}" if d.review_policy else ""
    console.print(
        f"[bold]{item.get('name', '?')}[/bold] to {d.input.get('destination')} on {d.as_of} "
        f"({d.layer}): [bold {colour}]{d.verdict.value}[/bold {colour}]{policy}"
    )
    figure = (
        f"training operations {d.classification.get('training_operations')}"
        if item.get("kind") == "model"
        else f"TPP {d.classification.get('tpp')}"
    )
    low = d.classification.get("low_confidence") or []
    flag = f"  [bold magenta]LOW CONFIDENCE: rests on {'; '.join(low)}[/]" if low else ""
    console.print(
        f"classification: {d.classification.get('eccn') or d.classification.get('status')}  {figure}{flag}",
        highlight=False,
    )
    for e in d.license_exceptions:
        console.print(f"[cyan]License exception {e.code}[/cyan] ({e.citation})")
        for c in e.conditions:
            console.print(f"  - {c}")
    table = Table(title="Reasons", show_lines=False)
    table.add_column("Rule", overflow="fold", max_width=40)
    table.add_column("Detail", overflow="fold")
    table.add_column("Citation", overflow="fold", max_width=40)
    for r in d.reasons:
        table.add_row(r.rule, r.detail, r.citation + (f" [{r.confidence}]" if r.confidence else ""))
    console.print(table)
    if d.missing:
        console.print("[magenta]Missing:[/magenta] " + "; ".join(d.missing))
    if d.duty is not None:
        duty = d.duty
        rng = duty["total_rate_range"]
        total = (
            rate_text(duty["total_rate"])
            if duty["status"] == "determined"
            else f"undetermined, {rate_text(None, rng['low'], rng['high'])}"
        )
        console.print(f"[bold]Import duty[/bold] (HTS {duty['hts']}, origin {duty['origin']}): {total}")
        for ln in duty["lines"]:
            rate = line_rate_text(ln)
            console.print(f"  - {ln['measure']} {ln.get('heading') or ''} {rate}  [{ln['citation']}]")
        for q in duty.get("unknowns", []):
            console.print(f"  [magenta]open question:[/magenta] {q.get('question', q)}")
    console.print(f"rules {d.rules_version}" + (f", lists {d.list_version}" if d.list_version else ""))


def _print_timeline(t: TimelineResult) -> None:
    hq = f", end user headquartered in {t.end_user_headquarters}" if t.end_user_headquarters else ""
    table = Table(title=f"{t.item} to {t.destination}{hq} ({t.layer})")
    table.add_column("From", no_wrap=True)
    table.add_column("To", no_wrap=True)
    table.add_column("Verdict", no_wrap=True)
    table.add_column("Policy / exception", overflow="fold")
    table.add_column("Caused by", overflow="fold")
    for p in t.periods:
        colour = VERDICT_COLOUR.get(p.verdict, "white")
        causes = "\n".join(dict.fromkeys(c["rule"] for c in p.caused_by)) or "-"
        table.add_row(
            str(p.start),
            str(p.end or "today"),
            f"[{colour}]{p.verdict}[/{colour}]",
            p.review_policy or ", ".join(p.license_exceptions) or "-",
            causes,
        )
    console.print(table)
    for p in t.periods:
        for c in p.caused_by:
            console.print(f"{p.start}  {c['rule']}: {c['what']}  [{c['citation']}]", highlight=False)
        for e in p.events:
            lifted = "lifts" if e["lifts_requirement"] else "does not lift"
            console.print(f"  {e['date']}  {e['text']} ({lifted} the requirement)  [{e['citation']}]", highlight=False)
        if p.missing:
            console.print(f"  missing from {p.start}: " + "; ".join(p.missing), highlight=False)
    console.print(f"rules {t.rules_version}")


def register(app: typer.Typer) -> None:
    @app.command("check")
    @handle_errors(fields=CHECK_FIELDS)
    def check_cmd(
        item: Annotated[str, typer.Option("--item", help="Catalog id or alias, e.g. H100")],
        to: Annotated[
            str,
            typer.Option("--to", help="Destination: ISO code or country name, e.g. CN or China (HK is treated as CN)"),
        ],
        quantity: Annotated[int, typer.Option("--quantity", min=1)] = 1,
        date: Annotated[str | None, typer.Option("--date", help="Ship date YYYY-MM-DD (default today)")] = None,
        end_user: Annotated[str | None, typer.Option("--end-user", help="End user name (screened)")] = None,
        end_user_country: Annotated[
            str | None, typer.Option("--end-user-country", help="End user's country (unknown if not given)")
        ] = None,
        end_user_hq: Annotated[str | None, typer.Option("--end-user-hq", help="Headquarters country")] = None,
        end_use: Annotated[str, typer.Option("--end-use", help="End use, free text")] = "",
        supercomputer: Annotated[bool, typer.Option("--supercomputer")] = False,
        advanced_node: Annotated[bool, typer.Option("--advanced-node-ic")] = False,
        military: Annotated[bool, typer.Option("--military")] = False,
        export_from: Annotated[str | None, typer.Option("--export-from", help="Exporting country (e.g. US)")] = None,
        certify: Annotated[
            list[str] | None, typer.Option("--certify", help="Certified condition, e.g. r10-conditions")
        ] = None,
        parent: Annotated[
            list[str] | None,
            typer.Option("--end-user-parent", help="Owner of the end user as NAME,SHARE,HQ (repeat, nearest first)"),
        ] = None,
        owner: Annotated[
            list[str] | None,
            typer.Option(
                "--end-user-owner",
                help="A direct owner of the end user as NAME,SHARE,HQ (repeat for each owner; listed owners' shares"
                " are added for the affiliates rule)",
            ),
        ] = None,
        import_hts: Annotated[
            str | None, typer.Option("--import-hts", help="Import line: HTS number of the entry (adds the duty)")
        ] = None,
        origin: Annotated[str | None, typer.Option("--origin", help="Import line: country of origin")] = None,
        entry_date: Annotated[str | None, typer.Option("--entry-date", help="Import line: entry date")] = None,
        customs_value: Annotated[float | None, typer.Option("--customs-value", help="Import line: value")] = None,
        duty_end_use: Annotated[
            str | None, typer.Option("--duty-end-use", help="Import line: Section 232 end-use key")
        ] = None,
        claim: Annotated[list[str] | None, typer.Option("--claim", help="Import line: duty claim (repeat)")] = None,
        entry_type: Annotated[
            str | None,
            typer.Option(
                "--entry-type",
                help="Import line: entry type, section321 (de minimis, needs --customs-value), formal or informal",
            ),
        ] = None,
        api_key: Annotated[
            str | None,
            typer.Option(
                "--api-key",
                help="Check through the ledger as this user (default: CHIPCLEAR_API_KEY): licenses on file apply"
                " and the check is recorded in the audit log",
                show_default=False,
            ),
        ] = None,
        model_spec: Annotated[
            Path | None,
            typer.Option("--model-spec", help="An AI model described in a YAML file; name it with --item"),
        ] = None,
        layer: LayerOpt = "enforced",
        json_out: JsonOpt = False,
        fail_on: FailOnOpt = None,
    ) -> None:
        """Decide one order line: NLR, license exception, license required, prohibited or hold, with reasons.
        The item is a chip, a system or an AI model (its weights: export, reexport or in-country transfer)."""
        wanted = parse_fail_on(fail_on)
        geo = load_geography()
        dest = geo.normalize(to, field="--to")
        parties = []
        if end_user or end_user_hq or end_user_country or parent or owner:
            # unknown unless given: an assumed country (the destination) lowered possible matches under the
            # review threshold (screening discounts an entry listed in another country than the party's)
            country = geo.party_country(end_user_country, field="--end-user-country") if end_user_country else None
            hq = geo.normalize(end_user_hq, field="--end-user-hq") if end_user_hq else None
            parties.append(
                Party(
                    name=checked(Name, end_user, "--end-user") or "end user (unnamed)",
                    role="end_user",
                    country=country,
                    headquarters_country=hq,
                    parents=[_parent(p) for p in parent or []],
                    owners=[_parent(o, "end-user-owner") for o in owner or []],
                )
            )
        line = OrderLine(
            item=item,
            quantity=quantity,
            destination=dest,
            ship_date=parse_date(date),
            parties=parties,
            end_use=EndUse(
                text=end_use, supercomputer=supercomputer, advanced_node_ic_production=advanced_node, military=military
            ),
            export_from=export_from,
            certifications=certify or [],
            import_entry=_import_entry(
                geo, import_hts, origin, entry_date, customs_value, duty_end_use, claim, entry_type
            ),
        )
        models = None
        if model_spec:
            spec = load_model_spec(model_spec)
            models = load_models().with_model(spec)
            require_spec_named(spec, item, "item")
        screened = bool(end_user or parent or owner)  # an unnamed end user has no name to screen; its owners do
        lay = _layer(layer)
        screener = None if screened else _unscreened()
        key = api_key or get_settings().api_key
        if key:
            # The same service as the API's /check: licenses on file apply and the check is audited.
            from chipclear.cli._ledger import _run
            from chipclear.ledger import checks as ledger_checks

            def through_ledger(s: Any, actor: Any) -> Any:
                # as the API decides: the reviewers' calls on file apply, and a date the data does not cover is refused
                reviews = ledger_checks.review_snapshot(s)

                def decide(ln: OrderLine, on: dt.date | None) -> Any:
                    ledger_checks.check_coverage(on or ln.ship_date)
                    return determine(ln, on, layer=lay, screener=screener, models=models, reviews=reviews)

                return ledger_checks.check_line(s, line, actor, decide=decide)

            decision = _run(key, through_ledger)
        else:
            from chipclear.cli import FAST_EXIT
            from chipclear.ledger.quick_reviews import LedgerReviewsOnDemand

            FAST_EXIT["enabled"] = True  # nothing to write: no need to free the screening index object by object
            # the reviewers' calls on file apply as at every other door (read only when a party has a hit)
            reviews = LedgerReviewsOnDemand() if screened else None
            decision = determine(line, layer=lay, screener=screener, models=models, reviews=reviews)
        if json_out:
            print_json(check_json(decision))
        else:
            _print_decision(decision)
            if not key:
                console.print(
                    "[dim]Licenses on file were not consulted and this check was not recorded: give --api-key (or"
                    " set CHIPCLEAR_API_KEY) to check through the ledger.[/dim]"
                )
        stale = any(r.rule == STALE_LISTS_RULE for r in decision.reasons)
        exit_for(
            wanted,
            outcomes_of([decision.verdict.value], matched=screening_matched(decision.screening), stale=stale),
        )

    @app.command("timeline")
    @handle_errors(fields=TIMELINE_FIELDS)
    def timeline_cmd(
        item: Annotated[str, typer.Argument(help="Catalog id or alias")],
        to: Annotated[str, typer.Option("--to", help="Destination: ISO code or country name")],
        end_user_hq: Annotated[str | None, typer.Option("--end-user-hq")] = None,
        until: Annotated[str | None, typer.Option("--until", help="Last date (default today)")] = None,
        layer: LayerOpt = "enforced",
        json_out: JsonOpt = False,
        end_user: Annotated[
            str | None, typer.Option("--end-user", help="Screen this end user: its listings become dated causes")
        ] = None,
        end_user_country: Annotated[str | None, typer.Option("--end-user-country")] = None,
    ) -> None:
        """The dated periods with their verdicts from 2022 to today, each change with the action that caused it."""
        from chipclear.ledger.quick_reviews import LedgerReviewsOnDemand

        geo = load_geography()  # the service names its API fields; here the error names the option typed
        result = timeline(
            item,
            geo.normalize(to, field="--to"),
            end_user_hq=geo.normalize(end_user_hq, field="--end-user-hq") if end_user_hq else None,
            end=parse_date(until, field="--until"),
            layer=_layer(layer),
            end_user=end_user,
            end_user_country=end_user_country,
            reviews=LedgerReviewsOnDemand() if end_user else None,  # the reviewers' calls apply, as in a check
        )
        if json_out:
            print_json(result.to_json())
        else:
            _print_timeline(result)

    @app.command("diff")
    @handle_errors(fields=DIFF_FIELDS)
    def diff_cmd(
        date_from: Annotated[str, typer.Option("--from", help="First date YYYY-MM-DD")],
        date_to: Annotated[str, typer.Option("--to", help="Second date YYYY-MM-DD")],
        item: Annotated[list[str] | None, typer.Option("--item", help="Limit to these items")] = None,
        dest: Annotated[list[str] | None, typer.Option("--dest", help="Limit to these destinations")] = None,
        layer: LayerOpt = "enforced",
        json_out: JsonOpt = False,
    ) -> None:
        """Which catalog items change verdict for which destination groups between two dates, and why."""
        result = diff(
            parse_date(date_from, field="--from"),
            parse_date(date_to, field="--to"),
            items=item,
            destinations=dest,
            layer=_layer(layer),
        )
        if json_out:
            print_json(result)
            return
        _print_diff(result)


def _state(side: dict[str, Any]) -> str:
    text = side["verdict"] + (f" {side['review_policy']}" if side["review_policy"] else "")
    return text + "".join(f" {e}" for e in side["license_exceptions"])


def _print_diff(result: dict[str, Any]) -> None:
    """One row per item and change, the destinations that share it grouped; the causes and citations below."""
    rows: dict[tuple[str, str, str, str], list[str]] = {}
    for c in result["changes"]:
        why = (
            ", ".join(
                dict.fromkeys(
                    ("ended " if w["detail"].startswith("no longer applies") else "") + w["rule"].split("#", 1)[-1]
                    for w in c["why"]
                )
            )
            or "-"
        )
        key = (c["item"], _state(c["before"]), _state(c["after"]), why)
        rows.setdefault(key, []).append(f"{c['destination']} ({'/'.join(c['groups']) or 'no group'})")
    table = Table(title=f"Verdict changes {result['from']} -> {result['to']} ({result['layer']})")
    for col in ("Item", "Destinations", "Before", "After", "Why (rule)"):
        table.add_column(col, overflow="fold")
    for (item, before, after, why), dests in rows.items():
        table.add_row(item, ", ".join(dests), before, after, why)
    console.print(table)
    console.print("[bold]Actions between the dates[/bold]")
    for c in result["actions_between"]:
        console.print(f"  {c['rule']}: {c['what']}  [{c['citation']}]", highlight=False)
    console.print(f"{len(result['changes'])} changes; rules {result['rules_version']}")


def _parent(text: str, option: str = "end-user-parent") -> ParentLink:
    """NAME,SHARE,HQ (share in percent and HQ may be empty, e.g. "Acme Holding,,CN") -> ParentLink."""
    from chipclear.determination.parties import parse_link

    return parse_link(text, option)


def _unscreened() -> Any:
    """An unnamed end user (only a headquarters country) is not screened: there is no name to screen."""
    from chipclear.determination.history import NoScreening

    return NoScreening()


__all__ = ["check_json", "register"]
