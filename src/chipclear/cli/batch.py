"""``chipclear batch``: decide a whole order book (CSV or Parquet), locally or on a Dask cluster."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    ProgressColumn,
    SpinnerColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.progress import Progress as RichProgressBar
from rich.text import Text

from chipclear.bounds import MAX_BATCH_SIZE, MAX_BATCH_WORKERS, MAX_DEMO_ROWS, MAX_VERIFY_LINES
from chipclear.cli._common import console, err_console, handle_errors, parse_date, print_json
from chipclear.cli.fail_on import VERDICT_OUTCOMES, FailOnOpt, exit_for, outcomes_of, parse_fail_on


class _RateColumn(ProgressColumn):
    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text("" if speed is None else f"{speed:,.0f} lines/s", style="cyan")


class RichProgress:
    """The runner's progress protocol on a rich progress bar (rate and time left), on stderr."""

    def __init__(self, console: Any = None) -> None:
        self.bar = RichProgressBar(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            _RateColumn(),
            TimeElapsedColumn(),
            TextColumn("left"),
            TimeRemainingColumn(),
            console=console or err_console,
            transient=False,
        )
        self.task: Any = None

    def __enter__(self) -> RichProgress:
        self.bar.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.bar.__exit__(None, None, None)

    def phase(self, name: str, total: int | None = None) -> None:
        if self.task is not None:
            current = self.bar.tasks[-1]
            self.bar.update(self.task, completed=current.total or current.completed, total=current.total or 1)
        self.task = self.bar.add_task(name, total=total)

    def advance(self, amount: int) -> None:
        if self.task is not None:
            self.bar.advance(self.task, amount)


def batch_command(
    orders: Annotated[
        Path,
        typer.Argument(
            help="Order book: .csv, .parquet, .xlsx or .jsonl, or - for standard input (see docs/batch.md)."
        ),
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="Decisions file (.parquet), one row per line.")],
    date: Annotated[
        str | None, typer.Option("--date", help="Decide every line as of this date (default: its ship date).")
    ] = None,
    workers: Annotated[
        int,
        typer.Option(
            "--workers",
            "-w",
            min=0,
            max=MAX_BATCH_WORKERS,
            help="Local worker processes (0 to 64); 0 (default): one per CPU core (at most 4) when there are at least"
            " 20,000 distinct determinations to make, else the command's own process.",
        ),
    ] = 0,
    dask: Annotated[
        str | None, typer.Option("--dask", help="Dask scheduler address, e.g. tcp://SCHEDULER:8786.")
    ] = None,
    layer: Annotated[str, typer.Option("--layer", help="enforced (default) or codified.")] = "enforced",
    no_screening: Annotated[
        bool,
        typer.Option(
            "--no-screening",
            help="Skip restricted-party screening: lines naming a party are HOLD (a license requirement stands), list_version 'unscreened'.",
        ),
    ] = False,
    since_rules: Annotated[
        str | None, typer.Option("--since-rules", help="Report only lines whose verdict changed since the rules of D1.")
    ] = None,
    since_lists: Annotated[
        str | None,
        typer.Option(
            "--since-lists",
            help="Report only lines whose verdict changed since an earlier list: a file, 'previous', 'embedded' "
            "or their version.",
        ),
    ] = None,
    bad_rows: Annotated[
        Path | None, typer.Option("--bad-rows", help="Bad rows file (default OUT.bad-rows.csv).")
    ] = None,
    report: Annotated[
        Path | None, typer.Option("--report", help="HTML report (default OUT with .html; '-' for none).")
    ] = None,
    exact: Annotated[
        bool, typer.Option("--exact", help="Decide each distinct full line (no date epochs, no party grouping).")
    ] = False,
    verify: Annotated[
        int,
        typer.Option(
            "--verify", min=0, max=MAX_VERIFY_LINES, help="Lines checked against a direct determine() (0 to 1,000,000)."
        ),
    ] = 20,
    batch_size: Annotated[
        int, typer.Option("--batch-size", min=1, max=MAX_BATCH_SIZE, help="Distinct determinations per task.")
    ] = 200,
    no_resume: Annotated[bool, typer.Option("--no-resume", help="Ignore an existing checkpoint.")] = False,
    no_cache: Annotated[
        bool, typer.Option("--no-cache", help="Decide every key again (ignore and keep no decision cache).")
    ] = False,
    decider: Annotated[
        str | None, typer.Option("--decider", hidden=True, help="module:function to decide with.")
    ] = None,
    input_format: Annotated[
        str | None,
        typer.Option("--format", help="The book's format: csv, parquet, xlsx, jsonl (default: suffix, else content)."),
    ] = None,
    ignore_column: Annotated[
        list[str] | None,
        typer.Option(
            "--ignore-column",
            help="A column of the book that chipclear does not read and that holds nothing a decision depends on "
            "(repeat for several); any other unread column is refused.",
        ),
    ] = None,
    jsonl: Annotated[
        Path | None,
        typer.Option("--jsonl", help="Also write the decisions as JSON lines to this file ('-' for standard output)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
    fail_on: FailOnOpt = None,
) -> None:
    """Decide every line of an order book; bad rows go to their own file; interrupt and re-run to resume."""
    from chipclear.batch.engine import DEFAULT_DECIDER
    from chipclear.batch.report import print_summary
    from chipclear.batch.runner import BatchOptions, run_batch
    from chipclear.errors import ChipclearError, InputError

    wanted = parse_fail_on(fail_on)
    if not str(out).endswith(".parquet"):
        raise InputError(f"--out: {out} must end in .parquet", field="out")
    from chipclear.tabular import STDIN, format_of, spool_stdin

    if input_format:
        format_of(orders, input_format)  # a bad --format is refused before anything is read
    from chipclear.batch.runner import writable
    from chipclear.userfiles import input_file

    if str(orders) != STDIN:
        input_file(orders, "ORDERS")  # before an output folder is made or standard input is read
    writable(out, "out")
    if jsonl is not None and str(jsonl) != STDIN:
        writable(jsonl, "jsonl")
    spooled = spool_stdin(out.parent if out.parent.exists() else None, input_format) if str(orders) == STDIN else None
    options = BatchOptions(
        orders=spooled or orders,
        input_format=input_format,
        ignore_columns=tuple(ignore_column or ()),
        out=out,
        as_of=parse_date(date, field="--date") if date else None,
        layer=layer,
        workers=workers,
        dask=dask,
        screening=not no_screening,
        since_rules=parse_date(since_rules, field="--since-rules") if since_rules else None,
        since_lists=since_lists,
        exact=exact,
        verify=verify,
        batch_size=batch_size,
        decider=decider or DEFAULT_DECIDER,
        bad_rows=bad_rows,
        report=report,
        resume=not no_resume,
        cache=not no_cache,
    )
    show = not quiet and not as_json and sys.stderr.isatty() and str(jsonl) != STDIN
    try:
        if show:
            with RichProgress() as bar:
                result = run_batch(options, bar)
        else:
            result = run_batch(options)
    except KeyboardInterrupt:
        err_console.print("interrupted: re-run the same command to resume from the checkpoint")
        raise SystemExit(130) from None
    except ChipclearError as exc:
        if spooled is None:
            raise
        raise type(exc)(exc.message.replace(str(spooled), "standard input (-)"), field=exc.field) from None
    finally:
        if spooled is not None:
            spooled.unlink(missing_ok=True)
    if jsonl is not None:
        write_jsonl(result.out, jsonl)
    if str(jsonl) == STDIN:
        pass  # standard output holds the decisions only
    elif as_json:
        print_json({"summary": result.summary, "timings": result.timings})
    else:
        print_summary(result.summary, console)
        console.print(
            f"{result.decided:,} {'changed lines' if options.recheck else 'decisions'} -> {result.out}; "
            f"{result.bad:,} bad rows -> {result.bad_rows}" + (f"; report {result.report}" if result.report else "")
        )
        if result.resumed:
            console.print("(resumed from a checkpoint)")
    if wanted:
        exit_for(wanted, _outcomes(result.out, result.bad))


def write_jsonl(decisions: Path, target: Path) -> None:
    """The decisions file as JSON lines (one object per line; reasons, screening and license exceptions as JSON
    arrays), to ``target`` or to standard output for ``-``; a file is written whole or not at all."""
    import polars as pl

    from chipclear.batch.io import atomic_write_text

    frame = pl.read_parquet(decisions)
    if str(target) == "-":
        sys.stdout.write(frame.write_ndjson())
        sys.stdout.flush()
        return
    atomic_write_text(frame.write_ndjson(), target)


def _outcomes(out: Path, bad_rows: int) -> set[str]:
    """The outcomes in a decisions file: verdicts, restricted-party hits (a hit in ``screening`` has a
    ``determination`` of match or possible, as ``screening_matched`` reads it; the column is a list of hit structs
    in a decisions file and JSON text in a re-check file)."""
    import polars as pl  # imported here: `chipclear --help` stays fast

    from chipclear.determination.engine import STALE_LISTS_RULE

    frame = pl.scan_parquet(out)
    columns = frame.collect_schema().names()
    if "verdict" not in columns:
        return outcomes_of([], bad_rows=bad_rows)
    verdicts = frame.filter(pl.col("verdict").is_in(list(VERDICT_OUTCOMES))).select("verdict").unique().collect()
    matched = False
    if "screening" in columns and frame.collect_schema()["screening"] == pl.String:
        hits = pl.col("screening").str.contains(r'"determination":\s*"(match|possible)"|"hits":\s*\[\s*\{')
        matched = bool(frame.select(hits.any()).collect().item())
    elif "screening" in columns:
        found = pl.element().struct.field("determination").is_in(["match", "possible"])
        hits = pl.col("screening").list.eval(found).list.any()
        matched = bool(frame.select(hits.any()).collect().item())
    stale = False
    if "reasons" in columns and frame.collect_schema()["reasons"] == pl.String:
        stale = bool(
            frame.select(pl.col("reasons").str.contains(STALE_LISTS_RULE, literal=True).any()).collect().item()
        )
    elif "reasons" in columns:
        rules = pl.element().struct.field("rule") == STALE_LISTS_RULE
        stale = bool(frame.select(pl.col("reasons").list.eval(rules).list.any().any()).collect().item())
    return outcomes_of(verdicts["verdict"].to_list(), matched=matched, bad_rows=bad_rows, stale=stale)


def register(app: typer.Typer) -> None:
    app.command("batch")(handle_errors(batch_command))


def demo_orders_command(
    rows: Annotated[
        int, typer.Option("--rows", "-n", min=1, max=MAX_DEMO_ROWS, help="Number of order lines (1 to 10,000,000).")
    ] = 10_000,
    out: Annotated[Path, typer.Option("--out", "-o", help="Output file (.csv or .parquet).")] = Path("orders.csv"),
    seed: Annotated[int, typer.Option("--seed", help="Random seed (same seed, same book).")] = 7,
    start: Annotated[str, typer.Option("--start", help="Earliest ship date.")] = "2025-07-01",
    end: Annotated[str, typer.Option("--end", help="Latest ship date.")] = "2026-12-31",
    bad_share: Annotated[float, typer.Option("--bad-share", help="Share of deliberately malformed rows.")] = 0.0,
) -> None:
    """Write a realistic synthetic order book: real items, real destinations, listed names, variants, companies."""
    from chipclear.batch.synthetic import generate_orders, write_orders
    from chipclear.errors import InputError

    if not 0 <= bad_share < 1:
        raise InputError(f"--bad-share: {bad_share} must be in [0, 1)", field="bad_share")
    first, last = parse_date(start, field="--start"), parse_date(end, field="--end")
    if last < first:
        raise InputError(f"--end: {last} is before --start {first}", field="end")
    from chipclear.userfiles import output_file

    output_file(out, "--out")
    frame = generate_orders(rows, seed=seed, start=first, end=last, bad_share=bad_share)
    write_orders(frame, str(out))
    console.print(f"{frame.height:,} order lines -> {out}")
