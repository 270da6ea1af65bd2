"""``run_batch``: an order book in, one decision per line out, on local processes or a Dask cluster.

Phases (each timed in ``BatchResult.timings``):
1. read and validate (bad rows to their own file, with row number and reason);
2. screen each distinct (end user name, country) once (many parties: in the worker processes of step 4);
3. plan: the distinct determinations the book needs (``plan``; a large book's by country class), grouped in
   batches;
4. decide the batches (in process, a local process pool, or Dask), each saved to the checkpoint as it finishes;
5. assemble: join decisions back to lines chunk by chunk (checkpointed), verify a sample of lines against a
   direct per-line ``determine``, write the output atomically, then the bad rows, the summary and the report.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor, as_completed
from contextlib import ExitStack
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from chipclear import filelocks, tempfiles
from chipclear.batch import nested, plan
from chipclear.batch.cache import DecisionCache, fingerprint, result_digest, with_epoch_days
from chipclear.batch.checkpoint import Checkpoint, file_sha256
from chipclear.batch.engine import (
    DECISION_COLUMNS,
    DEFAULT_DECIDER,
    DecideTask,
    NoHits,
    decide_one,
    line_from_row,
    no_hit_result,
    resolve_decider,
    rules_known_on,
    run_task,
    start_worker,
)
from chipclear.batch.io import LINE_COLUMNS, atomic_write_text, read_orders, validate
from chipclear.batch.options import BatchOptions, Progress, bad_frame, sample_rows
from chipclear.bounds import MAX_BATCH_SIZE, MAX_BATCH_WORKERS, MAX_VERIFY_LINES
from chipclear.catalog import load_catalog
from chipclear.determination.compiled import DecisionTable
from chipclear.determination.parties import parse_links
from chipclear.errors import ChipclearError, Conflict, InputError
from chipclear.geography import load_geography
from chipclear.screening.reviews import ReviewSnapshot
from chipclear.settings import decision_settings
from chipclear.spreadsheet import printable_text_columns, safe_text_columns
from chipclear.userfiles import input_file, output_file

OUTPUT_COLUMNS = [
    *LINE_COLUMNS,
    "end_use",
    "supercomputer",
    "advanced_node_ic_production",
    "military",
    "value_usd",
    "verdict",
    "review_policy",
    "license_exceptions",
    "eccn",
    "classification_status",
    "reasons",
    "missing",
    "screening",
    "rules_version",
    "list_version",
    "layer",
]
# Fewer keys to decide than this: the interpreter decides them (~1 ms each) rather than the compiled table, whose
# disk cache for a large book takes seconds to load (a warm run that misses a handful of keys).
COMPILED_MIN_KEYS = 1000
# ``workers=0`` (the CLI's default): one process per CPU core, at most AUTO_MAX_WORKERS and one per
# AUTO_KEYS_PER_WORKER keys to decide, and none below AUTO_MIN_KEYS: starting a worker (imports, rules, catalog)
# costs ~1.5 s, about what one core takes to decide 5,000 keys (1M-line book, 158,148 keys, 2 cores: decide 44 s
# in process, 27 s on two workers).
AUTO_MIN_KEYS = 20_000
AUTO_KEYS_PER_WORKER = 10_000
AUTO_MAX_WORKERS = 4  # each worker holds its own compiled table: bounds the run's memory
# At least this many distinct parties to screen (one list, the default screener): they are screened in worker
# processes, the pool the run then decides with (each loads the screening index its process's parent stored).
PARALLEL_SCREEN_MIN = 20_000
SCREEN_CHUNKS_PER_WORKER = 4
# A book with at least this many lines is keyed by country class (``plan``; such keys are decided through the
# compiled table only); a smaller one is keyed by country, as the interpreter needs.
CLASS_MIN_LINES = 20_000


SCALAR_COLUMNS = ["verdict", "review_policy", "eccn", "classification_status", "rules_version", "list_version"]
COMPARED = [
    "verdict",
    "review_policy",
    "license_exceptions",
    "eccn",
    "classification_status",
    "reasons",
    "missing",
    "screening",
    "rules_version",
    "list_version",
]


class _Silent:
    def phase(self, name: str, total: int | None = None) -> None:
        return None

    def advance(self, amount: int) -> None:
        return None


class NullScreener:
    """Used with ``screening=False``: answers no hits and marks every decision's list version ``unscreened``."""

    def search(self, name: str, country: str | None = None, reviews: Any = None) -> NoHits:
        return NoHits()


@dataclass
class BatchResult:
    out: Path
    bad_rows: Path
    report: Path | None
    lines: int
    decided: int
    bad: int
    distinct_keys: int
    distinct_parties: int
    resumed: bool
    summary: dict[str, Any]
    timings: dict[str, float] = field(default_factory=dict)
    rules_version: str = ""
    list_version: str | None = None


# Batch decides the rules and the screening, not the ledger's licenses: LICENSED comes from check, the API's check
# and ship only (a door audit, 2026-12-07, found the docs listing it as a batch verdict). The summary says so.
LICENSES_NOT_APPLIED = (
    "not applied: batch decides without the ledger's licenses, so a line a license on file covers is "
    "LICENSE_REQUIRED here; chipclear check --api-key, POST /api/check or ship applies them (LICENSED)"
)


# -- executors ---------------------------------------------------------------------------------------------------
def cpu_cores() -> int:
    """CPU cores this process may run on (its affinity where the platform says, else the machine's)."""
    affinity = getattr(os, "sched_getaffinity", None)
    if affinity is not None:
        return max(1, len(affinity(0)))
    return max(1, os.cpu_count() or 1)


def auto_workers(keys_to_decide: int, cores: int | None = None) -> int:
    """Worker processes for ``workers=0``: 1 (in process) for a small job, else one per core within the bounds."""
    if keys_to_decide < AUTO_MIN_KEYS:
        return 1
    cores = cpu_cores() if cores is None else cores
    return max(1, min(cores, AUTO_MAX_WORKERS, keys_to_decide // AUTO_KEYS_PER_WORKER))


def execute(
    tasks: list[DecideTask],
    workers: int,
    dask: str | None,
    fn: Callable[[DecideTask], pl.DataFrame] = run_task,
    pool: WorkerPool | None = None,
) -> Iterator[tuple[DecideTask, pl.DataFrame]]:
    """Run ``fn`` over ``tasks``; yields each (task, result) as it finishes (in any order). ``pool``: worker
    processes already running (the screening's), used when there are ``workers`` of them."""
    if not tasks:
        return
    if dask:
        from distributed import Client
        from distributed import as_completed as dask_completed

        try:
            client = Client(dask, timeout="20s")
        except OSError as exc:
            raise InputError(f"--dask: cannot reach the scheduler at {dask}: {exc}", field="dask") from None
        with client:
            futures = client.map(fn, tasks, pure=False)
            by_key = {f.key: t for f, t in zip(futures, tasks, strict=True)}
            for future in dask_completed(futures):
                yield by_key[future.key], future.result()
        return
    if workers > 1:
        executor = pool.executor if pool is not None and pool.workers == workers else _process_pool(workers)
        own = pool is None or executor is not pool.executor  # the run's pool is stopped by the run
        try:
            pending = {executor.submit(fn, t): t for t in tasks}
            for done in as_completed(pending):
                yield pending[done], done.result()
        except BaseException:  # Ctrl-C or an error: drop queued work now; finished pieces are checkpointed
            executor.shutdown(wait=False, cancel_futures=True)
            raise
        if own:  # its processes end while the run goes on (collecting, assembling), not before
            executor.shutdown(wait=False)
        return
    for task in tasks:
        yield task, fn(task)


def _process_pool(workers: int) -> ProcessPoolExecutor:
    """Worker processes (spawned: no state inherited from this one) that end without tearing down what they hold
    and run without the cyclic garbage collector (``engine.start_worker``)."""
    return ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn"), initializer=start_worker)


# -- phases ------------------------------------------------------------------------------------------------------
def run_reviews(options: BatchOptions) -> ReviewSnapshot | None:
    """The ledger's screening reviews, read once per run and applied per party as ``POST /api/check`` applies them
    (a not-a-match suppresses the hit, a match confirms it); None when the run does not screen."""
    if not options.screening:
        return None
    if options.reviews is not None:
        return options.reviews
    from chipclear.ledger.quick_reviews import ledger_review_snapshot

    return ledger_review_snapshot()


def reviews_digest(reviews: ReviewSnapshot | None) -> str | None:
    """The reviews' state in the cache's fingerprint and the checkpoint's signature (reviews are append-only)."""
    if reviews is None:
        return None
    rows = [d.to_json() for d in reviews.decisions()]
    return hashlib.sha256(json.dumps(rows, sort_keys=True, default=str).encode()).hexdigest()[:24]


def _for(options: BatchOptions, reviews: ReviewSnapshot | None) -> ReviewSnapshot | None:
    """The reviews a decider is given: the default decider's only (a custom one is not asked to take them)."""
    return reviews if options.decider == DEFAULT_DECIDER else None


def _screeners(options: BatchOptions) -> dict[str, Any]:
    """The screener of each variant: "current" (and "before" for --since-lists)."""
    if not options.screening:
        return {"current": NullScreener(), "before": NullScreener()}
    from chipclear.screening import Screener, default_screener

    current = default_screener()
    before = current
    if options.since_lists is not None:
        before = Screener(_earlier_lists(str(options.since_lists), current.list_version))
    return {"current": current, "before": before}


def _workers_used(options: BatchOptions, workers: int, decided_any: bool, keys_to_decide: int) -> int | str:
    """The summary's ``workers``: what decided the lines; a run that decided nothing started no worker (a
    ``--dask`` scheduler was not even asked for, so the summary must not name it)."""
    if decided_any:
        return "dask" if options.dask else workers
    if keys_to_decide == 0:
        return "none (every determination from the decision cache)"
    return "none (every determination from the resumed checkpoint)"


def _earlier_lists(spec: str, current_version: str) -> Any:
    """``--since-lists``: a list file, ``embedded`` (or its version), or ``previous`` (or its version): the load
    that ``chipclear lists update`` replaced last."""
    from chipclear.screening import ListStore, load_embedded, load_list

    if Path(spec).exists():
        return load_list(Path(spec))
    embedded = load_embedded()
    if spec in ("embedded", embedded.version):
        return embedded
    store = ListStore()
    previous = (store.current() or {}).get("previous") or {}
    if spec in ("previous", previous.get("version")) and previous.get("file"):
        return store.load_previous()
    if spec == "previous":
        raise InputError(
            "--since-lists: there is no previous list yet: no `chipclear lists update` has replaced a list in this"
            f" data directory (active: {current_version}); give `embedded`, a list version or a list file",
            field="since_lists",
        )
    known = ", ".join(v for v in ("embedded", embedded.version, previous.get("version")) if v)
    if previous.get("file"):
        known += ", previous"
    raise InputError(
        f"--since-lists: {spec!r} is not a list file or a known list version (known: {known}; "
        f"active: {current_version})",
        field="since_lists",
    )


def _screened_hits(result: Any) -> bool:
    """A party with hits, or with hits a review suppressed (its decision cites the review: it is keyed by name)."""
    return bool(result.hits or getattr(result, "suppressed", None))


def screen_chunk(
    names: list[tuple[str, str | None]], list_version: str, keep_all: bool, reviews: ReviewSnapshot | None = None
) -> tuple[list[tuple[str, str | None, Any]], list[tuple[str, str | None, str]]]:
    """Screen ``names`` with this process's default screener (a worker's part of ``_screen``): the results of hit
    parties (of all with ``keep_all``) and the names whose screening failed. Fails when the screener is not over
    ``list_version`` (its lists changed since the run began)."""
    from chipclear.screening import default_screener

    screener = default_screener()
    if screener.list_version != list_version:
        raise ChipclearError(
            f"batch: a worker's lists are {screener.list_version}, the run's {list_version}; run the batch again"
        )
    kept: list[tuple[str, str | None, Any]] = []
    failed: list[tuple[str, str | None, str]] = []
    for name, country in names:
        try:
            found = screener.search(name, country=country, reviews=reviews)
        except ChipclearError as exc:
            failed.append((name, country, f"screening: {exc}"))
            continue
        if _screened_hits(found) or keep_all:
            kept.append((name, country, found))
    return kept, failed


def _screen(
    pairs: pl.DataFrame,
    screeners: dict[str, Any],
    variants: list[str],
    progress: Progress,
    keep_all: bool,
    pool: WorkerPool | None = None,
    reviews: ReviewSnapshot | None = None,
) -> tuple[dict[str, dict[tuple[str, str | None], Any]], pl.DataFrame, pl.DataFrame]:
    """Screen each distinct party once per variant, in name order: (results of hit parties, or of all with
    ``keep_all``; hit pairs; pairs whose screening failed). With ``pool`` (one variant, the default screener), the
    parties are screened in its processes, in chunks of the same order. ``reviews`` (the ledger's, read once per
    run): a hit a reviewer cleared for the party is suppressed, as ``POST /api/check`` suppresses it."""
    schema = {"end_user_name": pl.String, "end_user_country": pl.String}
    results: dict[str, dict[tuple[str, str | None], Any]] = {v: {} for v in variants}
    hit_rows: list[tuple[str, str | None]] = []
    failed: list[tuple[str, str | None, str]] = []
    if all(isinstance(screeners[v], NullScreener) for v in variants):
        # Say so: a progress line reading "screening" must mean the parties are screened.
        progress.phase(f"{pairs.height:,} distinct parties, not screened (screening is off)", pairs.height)
        if not keep_all:  # no hits to find and no result to keep: nothing to ask per party
            progress.advance(pairs.height)
            return results, pl.DataFrame(schema=schema), pl.DataFrame(schema={**schema, "reason": pl.String})
    else:
        progress.phase(f"screening {pairs.height:,} distinct parties", pairs.height)
    pairs = pairs.sort("end_user_name", "end_user_country", nulls_last=True)
    if pool is not None and variants == ["current"]:
        rows = pairs.rows()
        size = -(-len(rows) // (pool.workers * SCREEN_CHUNKS_PER_WORKER))
        chunks = [rows[i : i + size] for i in range(0, len(rows), size)]
        version = screeners["current"].list_version
        for chunk, (kept, chunk_failed) in zip(
            chunks,
            pool.executor.map(
                screen_chunk, chunks, [version] * len(chunks), [keep_all] * len(chunks), [reviews] * len(chunks)
            ),
            strict=True,
        ):
            for name, country, result in kept:
                if _screened_hits(result):
                    hit_rows.append((name, country))
                results["current"][(name, country)] = result
            failed.extend(chunk_failed)
            progress.advance(len(chunk))
        return (
            results,
            pl.DataFrame(hit_rows, schema=schema, orient="row"),
            pl.DataFrame(failed, schema={**schema, "reason": pl.String}, orient="row"),
        )
    for name, country in pairs.iter_rows():
        found: dict[str, Any] = {}
        try:
            for v in variants:
                found[v] = screeners[v].search(name, country=country, reviews=reviews)
        except ChipclearError as exc:
            failed.append((name, country, f"screening: {exc}"))
            progress.advance(1)
            continue
        hit = any(_screened_hits(r) for r in found.values())
        if hit:
            hit_rows.append((name, country))
        if hit or keep_all:
            for v in variants:
                results[v][(name, country)] = found[v]
        progress.advance(1)
    hits = pl.DataFrame(hit_rows, schema=schema, orient="row")
    errors = pl.DataFrame(failed, schema={**schema, "reason": pl.String}, orient="row")
    return results, hits, errors


def _owner_names(lines: pl.DataFrame) -> pl.DataFrame:
    """The distinct owner names of the book's end users, as (name, country None) pairs to screen."""
    texts = lines["end_user_owners"].drop_nulls().unique().to_list()
    names = sorted({x.name for text in texts for x in parse_links(text, "end_user_owners")})
    return pl.DataFrame(
        {"end_user_name": names, "end_user_country": [None] * len(names)},
        schema={"end_user_name": pl.String, "end_user_country": pl.String},
    )


def _tasks(
    keys: pl.DataFrame,
    options: BatchOptions,
    variant: str,
    rules_day: dt.date | None,
    screening: dict[tuple[str, str | None], Any],
    no_hit: Any,
    compiled: bool = True,
    reviews: ReviewSnapshot | None = None,
) -> list[DecideTask]:
    version = rules_known_on(rules_day).version
    settings = decision_settings()  # with every task: a worker with other settings refuses it
    tasks = []
    # A key's epochs next to each other, so that one task (one worker's table) holds them: the compiled table
    # shares a row between periods whose dated inputs are the same (``DecisionTable.row``).
    by_epoch_last = [c for c in plan.KEY_COLUMNS if c != "epoch"] + ["epoch"]
    records = keys.sort(by_epoch_last, nulls_last=True, maintain_order=True).to_dicts()
    for start in range(0, len(records), options.batch_size):
        chunk = records[start : start + options.batch_size]
        needed = {(k["party_key"], k["party_country"]) for k in chunk if k["party_key"] != plan.PARTY_PLACEHOLDER}
        needed |= {
            (x.name, None) for k in chunk for x in parse_links(k.get("end_user_owners") or "", "end_user_owners")
        }
        tasks.append(
            DecideTask(
                variant=variant,
                batch_no=start // options.batch_size,
                keys=chunk,
                decider=options.decider,
                layer=options.layer,
                rules_known_on=rules_day,
                rules_version=version,
                screening={k: v for k, v in screening.items() if k in needed},
                no_hit=no_hit,
                placeholder=plan.PARTY_PLACEHOLDER,
                compiled=compiled,
                reviews=reviews,
                settings=settings,
            )
        )
    return tasks


def _cache(
    options: BatchOptions,
    fn: Callable[[DecideTask], pl.DataFrame],
    rules_version: str,
    list_version: Any,
    no_hit: Any,
    reviews: str | None = None,
) -> DecisionCache | None:
    """The decision cache of this run, or None where a cached decision could be wrong (see ``batch.cache``)."""
    if not options.cache or options.exact or options.recheck or options.decider != DEFAULT_DECIDER:
        return None
    if fn is not run_task:
        return None
    from chipclear.settings import get_settings

    parts = {
        "rules_version": rules_version,
        "list_version": list_version,
        "layer": options.layer,
        "decider": options.decider,
        "screening": options.screening,
        "no_hit": result_digest(no_hit),
        "reviews": reviews,  # a review recorded since: no key decided before it is reused
    }
    return DecisionCache(get_settings().data_dir / "cache" / "batch", fingerprint(parts))


def _cache_columns(keys: pl.DataFrame, boundaries: list[dt.date], found: dict[Any, Any]) -> pl.DataFrame:
    """The cache's key columns: the epoch's days and ``party_digest``, a digest of the screening results the key's
    decision reads: its end user's (by name and country: one name screened in two countries has two results) and
    each named owner's (the affiliates rule reads their hits)."""
    digests = {pair: result_digest(r) for pair, r in found.items()}
    pairs = pl.DataFrame(
        [(n, c, d) for (n, c), d in digests.items()],
        schema={"party_key": pl.String, "party_country": pl.String, "_party": pl.String},
        orient="row",
    )
    texts = keys["end_user_owners"].drop_nulls().unique().to_list()
    owners = pl.DataFrame(
        [(t, _owners_digest(t, digests)) for t in texts],
        schema={"end_user_owners": pl.String, "_owners": pl.String},
        orient="row",
    )
    out = with_epoch_days(keys, boundaries).join(pairs, on=["party_key", "party_country"], how="left", nulls_equal=True)
    out = out.join(owners, on="end_user_owners", how="left")
    digest = pl.col("_party").fill_null("")
    digest = pl.when(pl.col("_owners").is_null()).then(digest).otherwise(digest + "/" + pl.col("_owners"))
    return out.with_columns(digest.alias("party_digest")).drop("_party", "_owners")


def _owners_digest(text: str, digests: dict[tuple[str, str | None], str]) -> str:
    """The owners' screening results (screened by name, no country), in the order the text names them; an owner
    without a result gives a digest no other run has (a cache miss, never a stale hit)."""
    return "+".join(digests.get((x.name, None)) or uuid.uuid4().hex for x in parse_links(text, "end_user_owners"))


def _write_output(parts: list[Path], target: Path, metadata: dict[str, str]) -> int:
    """Stream the pieces (checkpoint files) into one Parquet file (atomic rename), with the run's metadata in the
    footer."""
    tmp = tempfiles.temp_path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    rows = 0
    writer: pq.ParquetWriter | None = None
    try:
        for part in parts:
            table = pl.read_ipc(part).to_arrow()
            if writer is None:
                schema = table.schema.with_metadata({k.encode(): v.encode() for k, v in metadata.items()})
                writer = pq.ParquetWriter(tmp, schema, compression="zstd")
            writer.write_table(table.cast(writer.schema))
            rows += table.num_rows
        if writer is None:
            empty = pl.DataFrame(schema={c: pl.String for c in OUTPUT_COLUMNS}).to_arrow()
            writer = pq.ParquetWriter(tmp, empty.schema, compression="zstd")
    finally:
        if writer is not None:
            writer.close()
    os.replace(tmp, target)
    return rows


class WorkerPool(NamedTuple):
    """Worker processes started before the decisions (to screen the parties), and how many."""

    executor: ProcessPoolExecutor
    workers: int


def _screening_pool(
    options: BatchOptions, parties: int, variants: list[str], screeners: dict[str, Any]
) -> WorkerPool | None:
    """The worker processes a large screened run screens its parties with, and then decides with (None: screen
    in this process)."""
    from chipclear.screening import Screener, default_screener

    if (
        parties < PARALLEL_SCREEN_MIN
        or options.dask
        or options.workers == 1
        or variants != ["current"]
        or not isinstance(screeners["current"], Screener)
        or screeners["current"] is not default_screener()
    ):
        return None
    workers = options.workers or min(cpu_cores(), AUTO_MAX_WORKERS)
    if workers < 2:
        return None
    return WorkerPool(_process_pool(workers), workers)


def run_batch(
    options: BatchOptions, progress: Progress | None = None, fn: Callable[[DecideTask], pl.DataFrame] = run_task
) -> BatchResult:
    """Decide every line of ``options.orders``; see the module docstring for the phases."""
    with ExitStack() as stack:  # worker processes started early are stopped however the run ends
        return _run(options, progress or _Silent(), fn, stack)


def writable(path: Path, option: str) -> None:
    """Refuse, before anything is read or written, an output path that cannot be written whole (one line naming the
    option, exit code 2; a run used to end in a traceback after writing some of its files, or to replace a FIFO,
    a device or a symbolic link with a file of its own): ``chipclear.userfiles.output_file``."""
    output_file(path, f"--{option.replace('_', '-')}")


def _own_output(out: Path, stack: ExitStack) -> None:
    """Hold the lock on ``out`` (and so its checkpoint) for the run: a second run with the same --out would remove
    or mix the first one's checkpoint pieces (a door audit, 2026-12-07: FileNotFoundError, "8 distinct key(s) were
    not decided"). It is refused at once, naming the run that holds the lock. The lock file (``.OUT.lock`` beside
    it) is removed when the run ends; the lock goes with the process however it ends (a SIGKILL leaves the file,
    which the next run takes)."""
    lock = out.with_name(f".{out.name}.lock")
    try:
        fd = filelocks.take_removable(lock)
    except BlockingIOError:
        try:
            holder = lock.read_text(encoding="utf-8").strip() or "another process"
        except OSError:
            holder = "another process"
        raise Conflict(
            f"--out: {out} is being written by another chipclear batch ({holder}); wait for it to finish or choose"
            " another --out",
            field="out",
        ) from None
    stack.callback(filelocks.release_removing, lock, fd)
    if fd is not None:
        os.ftruncate(fd, 0)
        os.write(fd, f"pid {os.getpid()}, started {dt.datetime.now(dt.UTC).isoformat(timespec='seconds')}".encode())


def _distinct_outputs(*paths: Path | None) -> None:
    """Two outputs of one run named alike would overwrite each other (the decisions with the bad rows)."""
    seen: dict[Path, Path] = {}
    for path in paths:
        if path is None:
            continue
        key = path.parent.resolve() / path.name
        if key in seen:
            raise InputError(f"{path}: named for two outputs of the run (and {seen[key]})", field="out")
        seen[key] = path


def _run(
    options: BatchOptions, progress: Progress, fn: Callable[[DecideTask], pl.DataFrame], stack: ExitStack
) -> BatchResult:
    timings: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[name] = round(now - clock, 3)
        clock = now

    if options.layer not in ("enforced", "codified"):
        raise InputError(f"--layer: {options.layer!r} is not one of enforced, codified", field="layer")
    if not 0 <= options.workers <= MAX_BATCH_WORKERS:
        raise InputError(
            f"--workers must be from 0 (one per CPU core for a large book) to {MAX_BATCH_WORKERS}", field="workers"
        )
    if not 0 <= options.verify <= MAX_VERIFY_LINES:
        raise InputError(f"--verify must be from 0 to {MAX_VERIFY_LINES:,} lines", field="verify")
    if not 1 <= options.batch_size <= MAX_BATCH_SIZE:
        raise InputError(f"--batch-size must be from 1 to {MAX_BATCH_SIZE:,}", field="batch_size")
    resolve_decider(options.decider)
    out = options.out
    bad_path = options.bad_rows or out.with_name(out.name.removesuffix(".parquet") + ".bad-rows.csv")
    report_path = options.report if options.report is not None else out.with_suffix(".html")
    # every output and input checked before anything is read or written (docs/batch.md, "Files")
    writable(out, "out")
    writable(bad_path, "bad_rows")
    if options.report is None or str(options.report) != "-":
        writable(report_path, "report")
    _distinct_outputs(out, bad_path, None if str(options.report) == "-" else report_path)
    _own_output(out, stack)
    for path in (out, bad_path, None if str(options.report) == "-" else report_path):
        if path is not None:
            tempfiles.remove_stale(path, owner=True)  # left by a run killed while writing (SIGKILL)
    tempfiles.remove_stale_under(out.with_name(out.name + ".checkpoint"), owner=True)
    if options.since_lists is not None and Path(str(options.since_lists)).exists():
        input_file(Path(str(options.since_lists)), "--since-lists", folder_ok=True)
    progress.phase("reading the order book")
    raw = read_orders(options.orders, options.input_format, options.ignore_columns)
    catalog, geography = load_catalog(), load_geography()
    lines, bad = validate(raw, catalog, geography)
    del raw
    lap("read_validate")

    variants = ["before", "current"] if options.recheck else ["current"]
    rules_day = {"current": None, "before": options.since_rules}
    screeners = _screeners(options)
    reviews = run_reviews(options)
    current_rules = rules_known_on(None)
    list_versions = {v: getattr(screeners[v], "list_version", None) for v in variants}
    signature = options.signature() | {
        "input_sha256": file_sha256(options.orders),
        "rules_version": current_rules.version,
        "list_versions": list_versions,
        "reviews": reviews_digest(reviews),
        "decision_settings": decision_settings(),  # other settings: the run starts over (docs/batch.md)
    }
    checkpoint = Checkpoint(out.with_name(out.name + ".checkpoint"))
    if not options.resume:
        checkpoint.remove()
    now = dt.datetime.now(dt.UTC)
    manifest, resumed = checkpoint.open(
        signature, {"started_at": now.isoformat(timespec="seconds"), "run_date": now.date().isoformat()}
    )
    run_date = dt.date.fromisoformat(manifest["run_date"])
    as_of = pl.lit(options.as_of, pl.Date) if options.as_of else pl.col("ship_date").fill_null(run_date)
    lines = lines.with_columns(as_of.alias("as_of"))
    lap("setup")

    pairs = lines.filter(pl.col("end_user_name").is_not_null()).select("end_user_name", "end_user_country").unique()
    pool = _screening_pool(options, pairs.height, variants, screeners)
    if pool is not None:
        stack.callback(pool.executor.shutdown, wait=False, cancel_futures=True)
    results, hit_pairs, screen_errors = _screen(pairs, screeners, variants, progress, options.exact, pool, reviews)
    # The end users' owners (ownership in aggregate) are screened by name, every answer kept: they are named in the
    # keys, and the affiliates rule reads their hits.
    owners = _owner_names(lines)
    if owners.height:
        found, _, owner_errors = _screen(owners, screeners, variants, progress, True, reviews=reviews)
        for v in variants:
            results[v].update(found[v])
        if owner_errors.height:
            failing = {n for n, _c, _r in owner_errors.iter_rows()}
            has = pl.col("end_user_owners").map_elements(
                lambda text: any(x.name in failing for x in parse_links(text, "end_user_owners")),
                return_dtype=pl.Boolean,
            )
            failed = lines.filter(pl.col("end_user_owners").is_not_null() & has)
            failed = failed.with_columns(pl.lit("screening: an owner could not be screened").alias("reason"))
            bad = pl.concat([bad_frame(bad), bad_frame(failed)])
            lines = lines.join(failed.select("row"), on="row", how="anti")
    if screen_errors.height:
        failed = lines.join(screen_errors, on=["end_user_name", "end_user_country"], how="inner", nulls_equal=True)
        bad = pl.concat([bad_frame(bad), bad_frame(failed)])
        lines = lines.join(screen_errors, on=["end_user_name", "end_user_country"], how="anti", nulls_equal=True)
    lap("screening")

    # A party's screening depends on the date through its hits' listing dates (lists as of the decision date).
    from chipclear.determination.parties import listing_lag

    listed = {
        day
        for r in results.values()
        for found in r.values()
        for h in (*found.hits, *(getattr(found, "suppressed", None) or ()))  # a suppressed hit is cited from its date
        for d in (getattr(h, "listed_on", None), getattr(h, "effective_on", None))
        if d
        # a listing with no confirmed effective date holds lines from ``listing_lag`` before its publication
        for day in (dt.date.fromisoformat(d), dt.date.fromisoformat(d) - listing_lag())
    }
    # The list dates appear in decision text (e.g. the stale-list reason "list dated 2026-07-31 is ... old"): as
    # epoch boundaries they are never a multi-day epoch's representative date, whose string is replaced per line.
    for screener in screeners.values():
        list_date = getattr(getattr(screener, "lists", None), "list_date", None)
        if list_date is not None:
            listed.add(list_date)
            max_age = getattr(screener, "max_age_days", None)
            if max_age is not None:  # a line dated after it is decided on stale lists (``stale_on``)
                listed.add(list_date + dt.timedelta(days=max_age + 1))
    no_hits: dict[str, Any] = {}
    for v in variants:
        sample = next(iter(results[v].values()), None)
        if sample is None and options.screening:
            sample = screeners[v].search(plan.PARTY_PLACEHOLDER)
        no_hits[v] = no_hit_result(sample, plan.PARTY_PLACEHOLDER) if options.screening else NoHits()
    cache = _cache(
        options, fn, current_rules.version, list_versions.get("current"), no_hits["current"], reviews_digest(reviews)
    )
    if cache is not None:
        cache.prefetch()
    dates = plan.data_dates(current_rules, geography, [run_date, *sorted(listed)])
    boundaries = plan.epoch_boundaries(dates)
    by_class = (
        lines.height >= CLASS_MIN_LINES
        and not options.exact
        and not options.recheck
        and options.decider == DEFAULT_DECIDER
        and fn is run_task
    )
    classes = groups = located = None
    if by_class:  # signatures and data states: the table the workers of this process use, without its rows
        table = DecisionTable.for_current(current_rules, catalog, geography, options.layer, cache=False)  # type: ignore[arg-type]
        classes = plan.country_classes(table, boundaries)
        located = plan.located_country_classes(table, boundaries)
        items = sorted(lines["item_id"].drop_nulls().unique().to_list())
        columns = ("destination", "end_user_headquarters_country", "end_user_country")
        codes = pl.concat([lines[c] for c in columns]).drop_nulls().unique()
        groups = plan.epoch_groups(table, boundaries, items, sorted(codes.to_list()))
    keyed = plan.build_keys(lines, hit_pairs, boundaries, options.exact, classes, groups, located)
    keys = plan.distinct_keys(keyed)
    lines_per_key = keyed.group_by("key_id").len("lines")
    key_lines = dict(lines_per_key.iter_rows())
    cached, todo_keys = (None, keys)
    if cache is not None:
        keys = _cache_columns(keys, boundaries, results["current"])
        cached, todo_keys = cache.split(keys)
    tasks: list[DecideTask] = []
    # A key by class can only be decided from the compiled table's rows (their texts hold the code placeholders).
    compiled = todo_keys.height >= COMPILED_MIN_KEYS or bool(todo_keys["by_class"].any())
    for v in variants:
        tasks += _tasks(todo_keys, options, v, rules_day[v], results[v], no_hits[v], compiled, reviews)
    lap("plan")

    todo = [t for t in tasks if not checkpoint.done("decided", t.name)]
    workers = options.workers or auto_workers(sum(len(t.keys) for t in todo))
    total_lines = keyed.height * len(variants)
    progress.phase(f"deciding {todo_keys.height:,} distinct determinations for {keyed.height:,} lines", total_lines)
    progress.advance(total_lines - sum(sum(key_lines.get(k["key_id"], 0) for k in t.keys) for t in todo))
    fresh_pieces: dict[str, pl.DataFrame] = {}  # kept: the collect phase need not read them back
    for task, frame in execute(todo, workers, options.dask, fn, pool):
        checkpoint.save("decided", task.name, frame)
        fresh_pieces[task.name] = frame
        progress.advance(sum(key_lines.get(k["key_id"], 0) for k in task.keys))
    if pool is not None:  # its processes end while the output is assembled, not when this one exits
        pool.executor.shutdown(wait=False)
    lap("decide")
    decisions: dict[str, pl.DataFrame] = {}
    reps = keys.select("key_id", "rep_as_of")
    for v in variants:
        pieces = [
            fresh_pieces[t.name] if t.name in fresh_pieces else checkpoint.load("decided", t.name)
            for t in tasks
            if t.variant == v
        ]
        fresh = pl.concat(pieces) if pieces else pl.DataFrame(schema={"key_id": pl.UInt32, **DECISION_COLUMNS})
        fresh = fresh.join(reps, on="key_id", how="inner").select("key_id", "rep_as_of", *DECISION_COLUMNS)
        if not options.recheck:  # the nested columns decoded once per key, the representative date marked
            fresh = nested.templates(fresh)
        if cache is not None and cached is not None and v == "current":
            cache.add(todo_keys, fresh)
            fresh = pl.concat(  # one chunk: the sort below gathers the nested columns (see ``cache._read``)
                [cached.join(reps, on="key_id", how="inner").select(fresh.columns), fresh], rechunk=True
            )
        decisions[v] = fresh.unique("key_id", keep="first").sort("key_id")
        if decisions[v].height != keys.height:
            raise ChipclearError(
                f"batch: {keys.height - decisions[v].height} distinct key(s) were not decided (a checkpoint from "
                "another plan?); re-run with --no-resume"
            )
    lap("collect")

    from chipclear.batch import recheck, report

    progress.phase("writing decisions", keyed.height)
    metadata = {
        "chipclear.batch": json.dumps(
            {
                "started_at": manifest["started_at"],
                "input": str(options.orders),
                "input_sha256": signature["input_sha256"],
                "options": options.signature(),
                "rules_version": current_rules.version,
                "list_version": list_versions.get("current"),
                "decision_settings": signature["decision_settings"],
            },
            default=str,
        )
    }
    if options.recheck:
        plain = {v: d.drop("rep_as_of") for v, d in decisions.items()}
        parts, bad_parts, _ = recheck.assemble(keyed, plain, options, checkpoint, progress)
        lap("assemble")
        recheck.verify(keyed, plain, options, screeners, reviews=reviews)
        lap("verify")
        written = _write_output(parts, out, metadata)
        failed_parts = [pl.read_ipc(p) for p in bad_parts]
    else:
        tmp = tempfiles.temp_path(out)
        # The summary reads only the keys and their decisions: counted while the output is written (the writer
        # thread is the longest part of assembling and leaves the builder waiting); its bad-row count is set below.
        side = ThreadPoolExecutor(max_workers=1, thread_name_prefix="chipclear-summary")
        # By the lines' own destinations (a key by class stands for several).
        per_key = keyed.group_by("key_id", "destination").len("lines")
        counted = side.submit(report.summarise, per_key, decisions["current"], 0)
        side.shutdown(wait=False)
        try:
            written, failed_frame, sampled = _assemble(keyed, decisions["current"], options, tmp, metadata, progress)
            lap("assemble")
            _verify(sampled, keyed, options, screeners["current"], reviews)
            lap("verify")
            os.replace(tmp, out)
        finally:
            tmp.unlink(missing_ok=True)
        failed_parts = [failed_frame]
    bad_all = pl.concat([bad_frame(bad), *failed_parts]).sort("row")
    # opened in spreadsheets: a book's text that would run as a formula there is written as text
    atomic_write_text(printable_text_columns(safe_text_columns(bad_all)).write_csv(), bad_path)
    lap("write")

    if options.recheck:
        summary = recheck.summarise(out, keyed.height, bad_all.height, options)
    else:
        summary = counted.result() | {"bad_rows": bad_all.height}
    summary |= {
        "rules_version": current_rules.version,
        "list_version": list_versions.get("current"),
        "started_at": manifest["started_at"],
        "input": str(options.orders),
        "output": str(out),
        "bad_rows_file": str(bad_path),
        "distinct_keys": keys.height,
        "keys_from_cache": keys.height - todo_keys.height,
        # --date decides every line as of one day: say so, and how many lines ship on another (a door audit,
        # 2026-12-07, read "ship_date 2025-06-01 ... NLR" for an H20 to China decided as of 2025-01-01)
        "decided_as_of": options.as_of.isoformat() if options.as_of else None,
        "lines_shipping_another_day": (
            keyed.filter(pl.col("ship_date").is_not_null() & (pl.col("ship_date") != pl.col("as_of"))).height
            if options.as_of
            else 0
        ),
        "distinct_parties": pairs.height,
        "resumed": resumed,
        "screening": options.screening,
        # the ledger's screening reviews the run read and applied per party (None: not screened, none applied)
        "reviews_read": len(reviews.decisions()) if reviews is not None else None,
        "workers": _workers_used(options, workers, bool(todo), todo_keys.height),
        "licenses_on_file": LICENSES_NOT_APPLIED,
    }
    written_report: Path | None = None
    if options.report is None or str(options.report) != "-":
        report.write_html(summary, report_path)
        written_report = report_path
    lap("report")
    if not options.keep_checkpoint:
        checkpoint.remove()
    return BatchResult(
        out=out,
        bad_rows=bad_path,
        report=written_report,
        lines=keyed.height + bad_all.height,
        decided=written,
        bad=bad_all.height,
        distinct_keys=keys.height,
        distinct_parties=pairs.height,
        resumed=resumed,
        summary=summary,
        timings=timings,
        rules_version=current_rules.version,
        list_version=list_versions.get("current"),
    )


def _assemble(
    keyed: pl.DataFrame,
    decisions: pl.DataFrame,
    options: BatchOptions,
    target: Path,
    metadata: dict[str, str],
    progress: Progress,
) -> tuple[int, pl.DataFrame, pl.DataFrame]:
    """Join decisions back to lines chunk by chunk and stream them into ``target`` (Parquet, the decision columns
    nested: ``batch.nested``). Returns (rows written, lines whose determination failed, the verification sample's
    output rows)."""
    assembler = nested.Assembler(decisions, SCALAR_COLUMNS)
    errors = decisions.select("key_id", "error").filter(pl.col("error").is_not_null())
    sample = sample_rows(keyed, options.verify).select("row")
    written = 0
    failed: list[pl.DataFrame] = []
    sampled: list[pl.DataFrame] = []
    schema = _output_schema(keyed)
    target.parent.mkdir(parents=True, exist_ok=True)
    line_columns = [c for c in OUTPUT_COLUMNS if c in keyed.columns]
    writer: pq.ParquetWriter | None = None
    # One chunk is encoded and compressed (pyarrow, without the GIL) while the next is built: at most two in memory.
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="chipclear-parquet")
    pending: Future[None] | None = None
    try:
        for chunk in _pieces(keyed, options.chunk_rows):
            if errors.height:
                bad = chunk.join(errors, on="key_id", how="inner").rename({"error": "reason"})
                failed.append(bad_frame(bad))
                chunk = chunk.join(errors, on="key_id", how="anti", maintain_order="left")
            columns = dict(zip(line_columns, chunk.select(line_columns).to_arrow().columns, strict=True))
            columns |= assembler.columns(chunk)
            columns["layer"] = pa.DictionaryArray.from_arrays(np.zeros(chunk.height, np.int32), [options.layer])
            table = pa.Table.from_arrays([columns[c] for c in OUTPUT_COLUMNS], names=OUTPUT_COLUMNS)
            if writer is None:
                writer = _writer(target, table.schema, metadata)
            if pending is not None:
                pending.result()
            pending = pool.submit(writer.write_table, table.cast(writer.schema))
            at = chunk.with_row_index("_at").join(sample, on="row", how="inner")["_at"]
            if len(at):
                sampled.append(pl.DataFrame(pl.from_arrow(table.take(at.to_arrow()))).cast(pl.Schema(schema)))
            written += chunk.height
            progress.advance(chunk.height)
        if pending is not None:
            pending.result()
        if writer is None:
            writer = _writer(target, pl.DataFrame(schema=schema).to_arrow().schema, metadata)
    finally:
        pool.shutdown(wait=True)
        if writer is not None:
            writer.close()
    with open(target, "rb") as fh:
        os.fsync(fh.fileno())
    none = bad_frame(pl.DataFrame(schema={"row": pl.UInt32, "reason": pl.String}))
    return written, pl.concat([none, *failed]), pl.concat(sampled) if sampled else pl.DataFrame(schema=schema)


def _pieces(keyed: pl.DataFrame, rows: int) -> Iterator[pl.DataFrame]:
    """``keyed`` in slices of ``rows`` lines, the first a quarter of that: the writer thread (the longest part of
    assembling) starts sooner."""
    if keyed.height == 0:
        return
    first = max(1, rows // 4)
    yield keyed.slice(0, first)
    yield from keyed.slice(first).iter_slices(rows)


def _writer(target: Path, schema: pa.Schema, metadata: dict[str, str]) -> pq.ParquetWriter:
    """The output's Parquet writer. The decision columns come as dictionary arrays (``nested.Assembler``); the
    Arrow schema is not stored, so every reader reads them back as the plain strings they stand for. Column
    statistics (min/max, for readers that skip row groups) are kept for the flat columns only: for the reasons'
    texts they would be of no use and cost half the time of writing them."""
    flat = [c for c in schema.names if c not in nested.NESTED]
    writer = pq.ParquetWriter(
        target,
        schema,
        compression="zstd",
        store_schema=False,
        dictionary_pagesize_limit=64 * 2**20,
        write_statistics=flat,
    )
    writer.add_key_value_metadata(metadata)
    return writer


def _output_schema(keyed: pl.DataFrame) -> dict[str, Any]:
    schema: dict[str, Any] = {c: keyed.schema[c] for c in OUTPUT_COLUMNS if c in keyed.schema}
    return {c: schema.get(c) or nested.NESTED.get(c) or DECISION_COLUMNS.get(c, pl.String) for c in OUTPUT_COLUMNS}


def _verify(
    written: pl.DataFrame, keyed: pl.DataFrame, options: BatchOptions, screener: Any, reviews: ReviewSnapshot | None
) -> None:
    """Fail closed if any sampled line's output differs from a direct per-line ``determine``."""
    sample = sample_rows(keyed, options.verify)
    if sample.height == 0:
        return
    by_row = {r["row"]: r for r in written.to_dicts()}
    decide = resolve_decider(options.decider)
    rules = rules_known_on(None)
    for row in sample.to_dicts():
        direct = decide_one(
            decide, line_from_row(row), row["as_of"], options.layer, rules, screener, reviews=_for(options, reviews)
        )
        got = by_row.get(row["row"])
        if direct["error"] is not None:
            if got is not None:
                raise ChipclearError(
                    f"batch: row {row['row']}: determine() fails ({direct['error']}) but batch decided it"
                )
            continue
        if got is None:
            raise ChipclearError(f"batch: row {row['row']}: missing from the output")
        for column in COMPARED:
            expected = nested.python_value(column, direct[column]) if column in nested.NESTED else direct[column]
            if got[column] != expected:
                raise ChipclearError(
                    f"batch: row {row['row']}: field {column} differs from a direct determine() "
                    f"({str(got[column])[:80]!r} != {str(expected)[:80]!r}); re-run with --exact and report this"
                )


__all__ = ["OUTPUT_COLUMNS", "BatchOptions", "BatchResult", "NullScreener", "Progress", "execute", "run_batch"]
