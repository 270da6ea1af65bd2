"""``chipclear screen``, ``chipclear lists ...`` and ``chipclear reviews ...``: restricted-party screening."""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path
from typing import Any

import typer
from rich.progress import Progress
from rich.table import Table

from chipclear.atomic import replace_bytes
from chipclear.bounds import MIN_SCREEN_SCORE, SCREEN_NAME_LENGTH, HitLimit, ScreenAddress, ScreenName, checked
from chipclear.cli._common import console, handle_errors, parse_date, print_json
from chipclear.cli.fail_on import FailOnOpt, exit_for, outcomes_of, parse_fail_on
from chipclear.errors import InputError, NotFound
from chipclear.geography import load_geography
from chipclear.ledger.quick_reviews import LedgerReviewsOnDemand
from chipclear.screening import (
    ListStore,
    PartyRegistry,
    ScreeningResult,
    default_screener,
    rescreen,
)
from chipclear.screening.ftm import hit_entities, list_entities
from chipclear.screening.rescreen import KnownParty
from chipclear.screening.reviews import ReviewSnapshot
from chipclear.screening.screener import Screener
from chipclear.screening.store import CSL_URL, list_status
from chipclear.settings import get_settings
from chipclear.spreadsheet import safe_row
from chipclear.userfiles import input_file, output_file

lists_app = typer.Typer(
    help="Restricted-party lists: status, updates and export (FollowTheMoney JSON lines).", no_args_is_help=True
)
reviews_app = typer.Typer(help="Reviewer decisions on screening hits.", no_args_is_help=True)

HIT_COLUMNS = [
    "row",
    "party",
    "country",
    "entry_id",
    "source",
    "name",
    "matched_name",
    "score",
    "determination",
    "license_requirement",
    "license_policy",
    "federal_register_notice",
    "list_version",
]


def _registry() -> PartyRegistry:
    return PartyRegistry(get_settings().data_dir / "screening" / "parties.json")


def _print_result(result: ScreeningResult) -> None:
    stale = f" [bold red]STALE: {result.stale_reason}[/]" if result.stale else ""
    console.print(f"list {result.list_version} (dated {result.list_date}){stale}")
    if not result.hits:
        console.print(f"no hit at or above {result.review_threshold} for {result.query['name']!r}")
    else:
        table = Table(show_lines=False)
        for col in ("score", "", "source", "entry", "listed name (alias matched)", "license / FR"):
            table.add_column(col)
        for hit in result.hits:
            tokens = ", ".join(f"{m['query']}~{m['listed']}" for m in hit.explanation["matched_tokens"])
            missing = hit.explanation["unmatched_query_tokens"]
            detail = f"{hit.name}\n  matched {hit.matched_name!r}: {tokens}"
            if missing:
                detail += f"\n  unmatched: {', '.join(missing)}"
            table.add_row(
                f"{hit.score:.3f}",
                hit.determination.upper(),
                hit.source,
                hit.entry_id,
                detail,
                f"{hit.license_requirement or '-'}\n{hit.license_policy or ''} {hit.federal_register_notice or ''}",
            )
        console.print(table)
    for hit in result.suppressed:
        by = hit.suppressed_by or {}
        console.print(f"suppressed: {hit.entry_id} ({hit.name}) cleared by {by.get('reviewer')}: {by.get('reason')}")


def _print_ftm_hits(result: ScreeningResult) -> None:
    screener = default_screener()
    by_id = {e.entry_id: e for e in screener.entries}
    for entity in hit_entities(
        result.hits,
        by_id,
        screener.listings,
        result.match_threshold,
        country=result.query.get("country"),
        query_name=result.query.get("name"),
    ):
        sys.stdout.write(json.dumps(entity, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def _party_records(path: Path, fmt: str | None) -> list[tuple[int, dict[str, str], str]]:
    """(line or sheet row, values by lower-case column, error) of a party file: CSV, XLSX or JSON lines."""
    from chipclear.tabular import format_of, read_jsonl, read_xlsx

    kind = format_of(path, fmt)
    if kind == "csv":
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            header = [h.strip().lower() for h in reader.fieldnames or []]
            if "name" not in header:
                raise InputError(f"{path}: missing required column 'name'; header is {reader.fieldnames}", field="name")
            reader.fieldnames = header
            return [(reader.line_num, {k: (v or "") for k, v in row.items() if k}, "") for row in reader]
    if kind == "parquet":
        raise InputError(f"{path}: a party file is CSV, XLSX or JSON lines", field="file")
    found = read_xlsx(path) if kind == "xlsx" else read_jsonl(path.read_bytes(), str(path))
    header = [h.strip().lower() for h in found.header]
    first_error = next((e for e in found.errors if e), None)
    if first_error is not None:  # a party file is all or nothing: the first bad record stops it
        raise InputError(f"{path}: {first_error}", field="file")
    if "name" not in header:
        raise InputError(f"{path}: missing required column 'name'; header is {found.header}", field="name")
    shift = 1 if kind == "xlsx" else 0  # a sheet row counts the header row; a JSON line is its line
    return [
        (number + shift, dict(zip(header, row, strict=True)), error)
        for number, row, error in zip(found.numbers, found.rows, found.errors, strict=True)
    ]


def _read_parties(path: Path, fmt: str | None = None) -> list[tuple[int, KnownParty]]:
    if not path.exists():
        raise InputError(f"{path}: file not found", field="file")
    parties: list[tuple[int, KnownParty]] = []
    for line, row, error in _party_records(path, fmt):
        if error:
            raise InputError(f"{path}: {error}", field="file")
        name = (row.get("name") or "").strip()
        if not name:
            raise InputError(f"{path}: row {line}: field 'name' is empty", field="name")
        if len(name) > SCREEN_NAME_LENGTH:
            raise InputError(
                f"{path}: row {line}: field 'name' is longer than {SCREEN_NAME_LENGTH} characters", field="name"
            )
        country = (row.get("country") or "").strip() or None
        if country is not None:
            try:
                country = load_geography().normalize(country, field="country")
            except InputError as exc:
                raise InputError(f"{path}: row {line}: {exc.message}", field="country") from None
        parties.append((line, KnownParty(name, country, (row.get("address") or "").strip() or None)))
    return parties


def ledger_reviews() -> ReviewSnapshot:
    """The reviews in the ledger (``ledger_review_snapshot``): the one review store every door shares."""
    from chipclear.ledger.quick_reviews import ledger_review_snapshot

    return ledger_review_snapshot()


def _screen_file(
    path: Path,
    out: Path | None,
    as_json: bool,
    min_score: float | None,
    remember: bool,
    sources: list[str] | None = None,
    limit: int = 10,
) -> bool:
    """Screen every party of the file; True when any has a hit."""
    parties = _read_parties(path)
    screener = default_screener()
    reviews = ledger_reviews()
    results: list[tuple[int, KnownParty, ScreeningResult]] = []
    with Progress(console=console, transient=True, disable=as_json) as progress:
        task = progress.add_task("screening", total=len(parties))
        for line, party in parties:
            result = screener.search(
                party.name,
                party.country,
                party.address,
                limit=limit,
                min_score=min_score,
                reviews=reviews,
                sources=sources,
            )
            results.append((line, party, result))
            progress.advance(task)
    if remember:
        _registry().add(p for _, p, _ in results)
    rows: list[dict[str, Any]] = []
    for line, party, result in results:
        for hit in result.hits:
            rows.append(
                {
                    "row": line,
                    "party": party.name,
                    "country": party.country,
                    "entry_id": hit.entry_id,
                    "source": hit.source,
                    "name": hit.name,
                    "matched_name": hit.matched_name,
                    "score": hit.score,
                    "determination": hit.determination,
                    "license_requirement": hit.license_requirement,
                    "license_policy": hit.license_policy,
                    "federal_register_notice": hit.federal_register_notice,
                    "list_version": result.list_version,
                }
            )
    if out is not None:  # written whole or not at all (checked by ``output_file`` before the screening)
        text = io.StringIO(newline="")
        writer = csv.DictWriter(text, fieldnames=HIT_COLUMNS)
        writer.writeheader()
        writer.writerows(safe_row(r) for r in rows)  # opened in spreadsheets: no cell runs as a formula
        replace_bytes(out, text.getvalue().encode("utf-8"))
    if as_json:
        print_json(
            {
                "list_version": screener.list_version,
                "parties": len(parties),
                "results": [{"row": line, **r.to_json()} for line, _, r in results],
            }
        )
        return bool(rows)
    flagged = {r["row"] for r in rows}
    console.print(
        f"screened {len(parties)} parties against list {screener.list_version}: "
        f"{len(flagged)} with hits, {len(rows)} hits" + (f"; written to {out}" if out else "")
    )
    stale, reason = screener.staleness()
    if stale:
        console.print(f"[bold red]STALE list: {reason}[/]")
    return bool(rows)


def register(app: typer.Typer) -> None:
    @app.command("screen")
    @handle_errors
    def screen(
        name: str = typer.Argument(None, help="Party name to screen."),
        country: str = typer.Option(None, "--country", help="Country of the party: ISO code or name."),
        address: str = typer.Option(None, "--address", help="Address of the party (qualifies the score)."),
        min_score: float = typer.Option(None, "--min-score", help="Lowest score shown (default: review threshold)."),
        limit: int = typer.Option(10, "--limit", help="Most hits shown."),
        sources: str = typer.Option(
            None, "--sources", help="Only hits from these lists, comma-separated short codes (EL,SDN,MEU ...)."
        ),
        file: Path = typer.Option(
            None,
            "--file",
            help="Parties (columns: name[, country, address]): .csv, .xlsx or .jsonl, or - for standard input.",
        ),
        out: Path = typer.Option(None, "--out", help="With --file: write the hits to this CSV."),
        remember: bool = typer.Option(False, "--remember", help="Add the parties to the re-screening registry."),
        as_json: bool = typer.Option(False, "--json", help="Print JSON."),
        as_ftm: bool = typer.Option(
            False, "--ftm", help="Print the hits as FollowTheMoney JSON lines (each: scored entity, then Sanction)."
        ),
        fail_on: FailOnOpt = None,
    ) -> None:
        """Screen a party (or a CSV of parties) against the restricted-party lists."""
        from chipclear.cli import FAST_EXIT

        FAST_EXIT["enabled"] = True
        wanted = parse_fail_on(fail_on, allowed=["match", "stale"])
        if country is not None and country.strip():
            country = load_geography().normalize(country, field="--country")
        # the API's bounds (chipclear.bounds): a floor under 0.5 scores every entry sharing a word ("co", "ltd")
        if min_score is not None and not MIN_SCREEN_SCORE <= min_score <= 1:
            raise InputError(f"--min-score: {min_score} must be between {MIN_SCREEN_SCORE} and 1", field="min_score")
        checked(HitLimit, limit, "--limit")
        checked(ScreenAddress, address, "--address")
        source_codes = [s for s in sources.split(",") if s.strip()] if sources else None
        if as_ftm and (as_json or file is not None):
            raise InputError("--ftm: prints the hits of one NAME; not with --json or --file", field="ftm")
        if file is not None:
            if name:
                raise InputError("--file: give a NAME or --file, not both", field="file")
            from chipclear.tabular import STDIN, spool_stdin

            if str(file) != STDIN:
                input_file(file, "--file")
            if out is not None:
                output_file(out, "--out")
            spooled = spool_stdin() if str(file) == STDIN else None
            try:
                matched = _screen_file(spooled or file, out, as_json, min_score, remember, source_codes, limit)
            except InputError as exc:
                if spooled is None:
                    raise
                raise InputError(exc.message.replace(str(spooled), "standard input (-)"), field=exc.field) from None
            finally:
                if spooled is not None:
                    spooled.unlink(missing_ok=True)
            exit_for(wanted, outcomes_of([], matched=matched, stale=default_screener().staleness()[0]))
            return
        if not name:
            raise InputError("NAME: give a party NAME or --file parties.csv", field="name")
        if out is not None:  # it was ignored: exit 0 and no file written (an audit, 2026-12-07)
            raise InputError("--out: writes the hits of --file; with one NAME use --json", field="out")
        checked(ScreenName, name, "name")
        result = default_screener().search(
            name,
            country,
            address,
            limit=limit,
            min_score=min_score,
            reviews=LedgerReviewsOnDemand(),
            sources=source_codes,
        )
        if remember:
            _registry().add([KnownParty(name, result.query["country"], address)])
        if as_json:
            print_json(result.to_json())
        elif as_ftm:
            _print_ftm_hits(result)
        else:
            _print_result(result)
        exit_for(wanted, outcomes_of([], matched=bool(result.hits), stale=bool(result.stale)))

    @lists_app.command("export")
    @handle_errors
    def export(
        fmt: str = typer.Option("ftm", "--format", help="ftm: FollowTheMoney JSON lines (the only format)."),
        out: str = typer.Option("-", "-o", "--out", help="File to write, or - for standard output."),
    ) -> None:
        """Export the lists in use as FollowTheMoney JSON lines: each entry a party entity and its Sanction."""
        if fmt.strip().lower() != "ftm":
            raise InputError(
                f"--format: {fmt!r}: the lists export as 'ftm' (FollowTheMoney JSON lines)", field="format"
            )
        screener = default_screener()
        lines = (json.dumps(e, ensure_ascii=False) + "\n" for e in list_entities(screener.entries, screener.listings))
        if out == "-":
            sys.stdout.writelines(lines)
            sys.stdout.flush()
            return
        path = output_file(Path(out), "--out", make_folder=False)
        tmp = path.with_name(path.name + ".part")
        try:
            with tmp.open("w", encoding="utf-8") as handle:
                handle.writelines(lines)
            tmp.replace(path)
        finally:
            tmp.unlink(missing_ok=True)
        console.print(
            f"wrote {2 * len(screener.entries)} FtM entities ({len(screener.entries)} entries of list "
            f"{screener.list_version}) to {out}",
            highlight=False,
        )

    @lists_app.command("status")
    @handle_errors
    def status(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
        """Show the list in use: version, date, age, entries per source."""
        info = list_status()  # the shape GET /api/lists/status answers (ListStatusView)
        if as_json:
            print_json(info)
            return
        for key, value in info.items():
            console.print(f"{key}: {value}", highlight=False)
        console.print(f"lists_dir: {ListStore().directory}", highlight=False)

    @lists_app.command("update")
    @handle_errors
    def update(
        source: str = typer.Option(None, "--from", help="URL or file (default: the trade.gov CSL JSON)."),
        fmt: str = typer.Option(
            None, "--format", help="csl-json, csl-csv, csl-projection, bis-parse, dpl-txt, ftm-jsonl"
        ),
        list_date: str = typer.Option(None, "--list-date", help="List date (YYYY-MM-DD) when the file has none."),
        allow_shrink: bool = typer.Option(False, "--allow-shrink", help="Accept a list much smaller than the current."),
        allow_older: bool = typer.Option(False, "--allow-older", help="Accept a list older than the one in use."),
        allow_redate: bool = typer.Option(
            False, "--allow-redate", help="Let --list-date replace the file's own date (recorded)."
        ),
        api_key: str | None = typer.Option(None, "--api-key", help="Admin's API key (default: CHIPCLEAR_API_KEY)"),
        as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    ) -> None:
        """Fetch or load a list, validate it, swap it in atomically (admin; recorded in the audit log as
        lists.update), and re-screen the known parties."""
        from chipclear.cli._ledger import _run
        from chipclear.ledger.lists import ListUpdate, update_lists

        date = parse_date(list_date, field="--list-date") if list_date else None
        if fmt is not None:  # refused before any list is fetched, naming the option (the loader names the file)
            from chipclear.screening.loaders import FORMATS

            if fmt not in FORMATS:
                raise InputError(f"--format: unknown list format {fmt!r}; known: {', '.join(FORMATS)}", field="format")
        if source is not None and not source.startswith(("http://", "https://")):
            input_file(Path(source), "--from", folder_ok=True)  # a folder: an OFAC CSV set
        parties = _registry().parties()
        old = default_screener() if parties else None
        asked = ListUpdate(
            file=source or CSL_URL,
            source=source,
            fmt=fmt,
            list_date=date,
            allow_shrink=allow_shrink,
            allow_older=allow_older,
            allow_redate=allow_redate,
        )
        report = _run(api_key, lambda s, actor: update_lists(s, actor, asked))  # POST /api/lists/update's path
        changes = rescreen(parties, old, default_screener()) if old is not None else []
        payload = {**report.to_json(), "rescreen": [c.to_json() for c in changes]}
        if as_json:
            print_json(payload)
            return
        console.print(
            f"list updated: {report.previous_version} ({report.previous_entries} entries) -> "
            f"{report.version} ({report.entries} entries)",
            highlight=False,
        )
        for change in changes:
            body = change.to_json()
            console.print(
                f"re-screen {change.party.name!r}: new hits {[h['entry_id'] for h in body['new_hits']]}, "
                f"no longer hits {[h['entry_id'] for h in body['no_longer_hits']]}, "
                f"changed {body['changed_entries']}",
                highlight=False,
            )

    @reviews_app.command("add")
    @handle_errors(fields={"party_name": "--party", "entry_id": "--entry", "decided_by": "--by"})
    def review_add(
        party: str = typer.Option(..., "--party", help="Party name as screened."),
        country: str | None = typer.Option(
            None,
            "--country",
            help="The party's country as screened (ISO code or name). The review clears the hit only for the party in"
            " this country (none given: only where the party states no country).",
        ),
        entry: str = typer.Option(..., "--entry", help="Entry id of the hit (from `chipclear screen`)."),
        reason: str = typer.Option(..., "--reason", help="Why the hit is (not) this party."),
        by: str | None = typer.Option(None, "--by", help="Reviewer (must be the key's user; default: the key's)."),
        match: bool = typer.Option(False, "--match", help="Record that the hit IS the party (default: not a match)."),
        api_key: str | None = typer.Option(None, "--api-key", help="Approver's API key (default: CHIPCLEAR_API_KEY)"),
        as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    ) -> None:
        """Record a review of a hit in the ledger (approver): not a match (suppressed until the list entry changes)
        or, with --match, a confirmed match. Later checks and shipments use it."""
        from chipclear.cli._ledger import _actor, _ledger
        from chipclear.geography import load_geography
        from chipclear.ledger.reviews import record_review

        code = load_geography().normalize(country, field="--country") if country and country.strip() else None
        screener: Screener = default_screener()
        numbers = [i for i, e in enumerate(screener.entries) if e.entry_id == entry]
        if not numbers:
            raise NotFound(f"--entry: {entry!r} is not in list {screener.list_version}", field="entry")
        with _ledger() as ledger:
            with ledger.session() as s:
                actor = _actor(s, api_key)
            if by and by.strip() != actor.name:
                raise InputError(f"--by: {by!r}: reviews are recorded as the key's user ({actor.name})", field="by")
            with ledger.session() as s:
                decision = record_review(
                    s,
                    actor,
                    party_name=party,
                    entry_id=entry,
                    entry_hash=screener.entry_hash(numbers[0]),
                    reason=reason,
                    decision="match" if match else "not_a_match",
                    country=code,
                )
        if as_json:
            print_json(decision.to_json())
        else:
            what = "is" if match else "is not"
            console.print(
                f"review {decision.review_id}: {party!r} {what} {entry} ({decision.decided_at}, by {actor.name})",
                highlight=False,
            )

    @reviews_app.command("list")
    @handle_errors
    def review_list(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
        """List the reviews recorded in the ledger."""
        decisions = [d.to_json() for d in ledger_reviews().decisions()]
        if as_json:
            print_json(decisions)
            return
        for d in decisions:
            console.print(json.dumps(d, ensure_ascii=False), highlight=False)

    app.add_typer(lists_app, name="lists")
    app.add_typer(reviews_app, name="reviews")


__all__ = ["register"]
