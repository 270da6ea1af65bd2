"""The work a batch worker does: decide a batch of distinct keys with ``determine`` (in any process or on a Dask
worker), with screening answered from results computed once per distinct party."""

from __future__ import annotations

import atexit
import dataclasses
import datetime as dt
import gc
import importlib
import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache, partial
from typing import Any

import polars as pl
from pydantic import TypeAdapter

from chipclear.catalog import Catalog, load_catalog
from chipclear.decision import (
    Decision,
    EndUse,
    LicenseExceptionUse,
    OrderLine,
    Party,
    Reason,
    ReviewPolicy,
    Verdict,
)
from chipclear.determination.compiled import CODE_MARK, NAME_PLACEHOLDER, DecisionTable, Row, TableKey, substitute
from chipclear.determination.engine import UNSCREENED, kept_missing, unscreened
from chipclear.determination.parties import PartyCheck, parse_links
from chipclear.errors import ChipclearError, InputError
from chipclear.rules import RuleSet, load_rules
from chipclear.screening.reviews import ReviewSnapshot
from chipclear.settings import decision_settings, settings_differences

DEFAULT_DECIDER = "chipclear.determination:determine"
DECISION_COLUMNS: dict[str, Any] = {
    "verdict": pl.String,
    "review_policy": pl.String,
    "license_exceptions": pl.String,
    "eccn": pl.String,
    "classification_status": pl.String,
    "reasons": pl.String,
    "missing": pl.String,
    "screening": pl.String,
    "rules_version": pl.String,
    "list_version": pl.String,
    "error": pl.String,
}


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


@lru_cache(maxsize=8)
def resolve_decider(spec: str) -> Callable[..., Decision]:
    """``"module:function"`` -> the function (a reference that any worker process can import)."""
    module, _, attr = spec.partition(":")
    try:
        found: Callable[..., Decision] = getattr(importlib.import_module(module), attr)
    except (ImportError, AttributeError) as exc:
        raise InputError(f"decider {spec!r} cannot be imported: {exc}", field="decider") from None
    return found


@lru_cache(maxsize=8)
def rules_known_on(day: dt.date | None) -> RuleSet:
    """The bundled rules as they were known on ``day``: actions published (else effective) on or before it."""
    rules = load_rules()
    if day is None:
        return rules
    kept = [a for a in rules.actions if (a.published or a.effective) <= day]
    return RuleSet(kept, [rules.version, f"known on {day.isoformat()}"])


@dataclass(frozen=True)
class NoHits:
    """The answer of a run without screening: no hits, and a list version that says nothing was screened."""

    hits: tuple[Any, ...] = ()
    list_version: str = UNSCREENED


class BatchScreener:
    """Answers ``search`` from results computed once per distinct (name, country) by the runner."""

    def __init__(self, known: dict[tuple[str, str | None], Any], no_hit: Any, placeholder: str) -> None:
        self.known = known
        self.no_hit = no_hit
        self.placeholder = placeholder

    def search(self, name: str, country: str | None = None, reviews: Any = None) -> Any:
        # ``reviews``: the run's reviews, already applied when the runner screened the party
        if name == self.placeholder:
            return self.no_hit
        found = self.known.get((name, country))
        if found is None:  # fail closed: never answer "no hits" for a party that was not screened
            raise ChipclearError(f"batch: party {name!r} ({country}) was not screened before deciding")
        return found


@dataclass(frozen=True)
class DecideTask:
    """One unit of work: decide ``keys`` (dicts of the plan's key columns plus ``key_id`` and ``rep_as_of``)."""

    variant: str  # "current" or "before" (re-checks)
    batch_no: int
    keys: list[dict[str, Any]]
    decider: str
    layer: str
    rules_known_on: dt.date | None
    rules_version: str
    screening: dict[tuple[str, str | None], Any] = field(default_factory=dict)
    no_hit: Any = None
    placeholder: str = ""
    compiled: bool = True  # the default decider through the compiled table (False: the interpreter, for a few keys)
    reviews: ReviewSnapshot | None = None  # the ledger's reviews, read once per run (confirmed matches apply)
    settings: dict[str, Any] | None = None  # the client's ``decision_settings``: a worker with others refuses

    @property
    def name(self) -> str:
        return f"{self.variant}-{self.batch_no:05d}"


def canonical_line(key: dict[str, Any]) -> OrderLine:
    """The line a key stands for (the placeholder party, no ids: they do not enter the determination)."""
    parties = []
    if key["party_key"] is not None:
        parties.append(
            Party(
                name=key["party_key"],
                role="end_user",
                country=key["party_country"],
                headquarters_country=key["end_user_headquarters_country"],
                owners=parse_links(key.get("end_user_owners") or "", "end_user_owners"),
            )
        )
    end_use = EndUse(
        supercomputer=key["supercomputer"],
        advanced_node_ic_production=key["advanced_node_ic_production"],
        military=key["military"],
    )
    return OrderLine(item=key["item_id"], destination=key["destination"], parties=parties, end_use=end_use)


def line_from_row(row: dict[str, Any], memo: dict[tuple[Any, ...], Any] | None = None) -> OrderLine:
    """The full order line of one input row (what a per-line loop over ``determine`` would pass). ``memo`` keeps the
    parties and end uses already built for other rows (frozen in use: no code changes a line's party), so a book's
    many lines naming the same end user validate it once."""
    parties = []
    if row["end_user_name"] is not None:
        pkey = (
            "party",
            row["end_user_name"],
            row["end_user_country"],
            row["end_user_headquarters_country"],
            row.get("end_user_owners") or "",
        )
        party = memo.get(pkey) if memo is not None else None
        if party is None:
            party = Party(
                name=row["end_user_name"],
                role="end_user",
                country=row["end_user_country"],
                headquarters_country=row["end_user_headquarters_country"],
                owners=parse_links(row.get("end_user_owners") or "", "end_user_owners"),
            )
            if memo is not None:
                memo[pkey] = party
        parties.append(party)
    ukey = ("end_use", row["end_use"] or "", row["supercomputer"], row["advanced_node_ic_production"], row["military"])
    end_use = memo.get(ukey) if memo is not None else None
    if end_use is None:
        end_use = EndUse(
            text=row["end_use"] or "",
            supercomputer=row["supercomputer"],
            advanced_node_ic_production=row["advanced_node_ic_production"],
            military=row["military"],
        )
        if memo is not None:
            memo[ukey] = end_use
    return OrderLine(
        item=row["item"],
        quantity=row["quantity"],
        destination=row["destination"],
        ship_date=row["ship_date"],
        parties=parties,
        end_use=end_use,
        value_usd=row["value_usd"],
        order_id=row["order_id"],
        line_id=row["line_id"],
    )


# The decision columns whose texts carry the as-of date and the line's country codes (the reasons, what is missing,
# the exceptions' conditions).
DATED_COLUMNS = ("license_exceptions", "reasons", "missing")


class CompiledColumns:
    """A key's decision columns from the compiled table, built once per table row shared between periods.

    Keys equal but for their period share one table row when the dated inputs are the same
    (``DecisionTable.row``). With the same party names and the same screening check (hits, if any, without a
    finding: a finding is decided through the engine), their decision
    columns are the same but for the as-of date in their texts: they are built once, dated on the row's own day
    (a day no data names, so that its only occurrences in the texts are the as-of date), and each key gets them
    with that day replaced by its own. A row compiled on a day the data names, a name or screening text holding
    that day, or an import line: decided as ``table.decide`` does.
    """

    def __init__(self, table: DecisionTable) -> None:
        self.table = table
        self.memo: dict[tuple[Any, ...], tuple[Any, dict[str, Any]]] = {}
        self.reused = 0
        # ``for_key``: the placeholder's screening check per date and no-hit answer (by its text: the lists may
        # change between two runs of one process), and the screener it was last asked with
        self.checks: dict[tuple[Any, ...], tuple[Any, tuple[Any, ...]]] = {}
        self._screener: Any = None
        self._no_hit = ""

    def __call__(self, line: OrderLine, as_of: dt.date, screener: Any, reviews: Any = None) -> dict[str, Any]:
        on, key, names, check = self.table.lookup(line, as_of, screener=screener, reviews=reviews)
        return self._columns(lambda: line, on, key, names, check, None, False, line.import_entry is not None)

    def for_key(self, key: dict[str, Any], screener: Any) -> dict[str, Any]:
        """The columns of a batch key by class (``plan``): what ``__call__`` gives for its ``canonical_line``,
        without building the line but where a decision needs it. Such a key's codes are normalised and its only
        party, if any, is the placeholder end user without parents, so the table key is made from its columns as
        ``DecisionTable.lookup`` makes it from the line; the placeholder's screening check is worked out once per
        date."""
        table = self.table
        on: dt.date = key["rep_as_of"]
        has_party = key["party_key"] is not None
        if has_party and key["party_key"] != screener.placeholder:
            raise ChipclearError(f"batch: a key by country class names a party ({key['key_id']})")
        hq = key["end_user_headquarters_country"] or None
        place = key["party_country"] if has_party else None  # set for a key by class only where located elsewhere
        table_key = TableKey(
            item=key["item_id"],
            destination=key["destination"],
            period=table.period_of(on),
            hq=((hq,),) if has_party else (),
            supercomputer=key["supercomputer"],
            advanced_node_ic_production=key["advanced_node_ic_production"],
            military=key["military"],
            export_from=None,
            certifications=(),
            name_order=(),
            located=((0, "end_user", place),) if place and place != key["destination"] else (),
        )
        names = [(NAME_PLACEHOLDER.format(0), key["party_key"])] if has_party else []
        table_key, names = table.canonical(table_key, names)
        line: list[OrderLine] = []

        def line_of() -> OrderLine:
            if not line:
                line.append(canonical_line(key))
            return line[0]

        check, screened = None, ()
        if has_party:
            if self._screener is not screener:
                self._screener, self._no_hit = screener, repr(screener.no_hit)
            check_key = (on, self._no_hit, screener.placeholder)
            held = self.checks.get(check_key)
            if held is None:
                found = table.lookup(line_of(), on, screener=screener)
                if found[1:3] != (table_key, names):  # the shortcut must make the key the table makes
                    raise ChipclearError(f"batch: key {key['key_id']} looked up otherwise: {found[1]} != {table_key}")
                held = self.checks[check_key] = (found[3], self._screened(found[3]))
            check, screened = held
        # a key has no import entry
        return self._columns(line_of, on, table_key, names, check, screened, True, False)

    @staticmethod
    def _screened(check: Any) -> tuple[Any, ...]:
        """Everything of a screening check (without a finding) that reaches the columns."""
        if check is None:
            return ()
        hits = json.dumps(check.hits, ensure_ascii=False, sort_keys=True, default=str)
        return (
            *(check.list_version, check.list_date, check.stale_reason, hits, *check.screened_names),
            *("not yet listed:", *check.not_yet_listed, "suppressed:", *check.suppressed),
        )

    def _columns(
        self,
        line_of: Callable[[], OrderLine],
        on: dt.date,
        key: TableKey,
        names: list[tuple[str, str]],
        check: Any,
        screened: tuple[Any, ...] | None,
        by_class: bool,
        imports: bool,
    ) -> dict[str, Any]:
        """``screened``: ``_screened(check)`` if known (None: worked out where needed). ``by_class``: the key's
        codes are class codes (``plan``), so the columns keep the row's code placeholders, replaced per line by the
        lines' own codes (``nested``). ``imports``: the line has an import entry (its decision has the duty's
        reason)."""
        table = self.table
        if not table.tabulated(key, check):
            if by_class:  # fail closed: the engine would write the class's code, not the line's
                raise ChipclearError(f"batch: a key by country class is not in the compiled table ({key})")
            return decision_columns(table.untabulated(line_of(), on, key, names, check))
        if by_class:  # the row's code placeholders stay in the texts
            names = [pair for pair in names if not pair[0].startswith(CODE_MARK)]
        row = table.row(key)

        def from_row(on: dt.date, names: list[tuple[str, str]]) -> dict[str, Any]:
            if imports:
                return decision_columns(table.decision_from(line_of(), on, key, row, names, check))
            # No import entry: no duty reason, and the columns hold nothing else of the line (no Decision built)
            return row_columns(*table.outcome_from(on, row, names, check), check, table.rules.version)

        day = row.rep.isoformat()
        if screened is None:  # (worked out here: a line with findings never needs it)
            screened = self._screened(check)
        if (
            imports
            or not table.clean(table.period_of(row.rep))
            or any(day in text for text in screened if isinstance(text, str))
            or any(day in name for _, name in names)
        ):
            return from_row(on, names)
        # The columns are built once per row, party names and screening check, with the line's country codes left
        # as the row's placeholders, which are replaced here as the date is (a code holds no date nor placeholder).
        parties = [pair for pair in names if not pair[0].startswith(CODE_MARK)]
        subs = [pair for pair in names if pair[0].startswith(CODE_MARK)]
        if on != row.rep:
            subs.append((day, on.isoformat()))
        memo_key = (id(row), tuple(parties), screened)
        held = self.memo.get(memo_key)
        if held is None or held[0] is not row:
            held = self.memo[memo_key] = (row, from_row(row.rep, parties))
        else:
            self.reused += 1
        columns = held[1]
        if not subs:
            return dict(columns)
        return columns | {c: substitute(columns[c], subs) for c in DATED_COLUMNS if columns[c] is not None}


_COLUMNS: dict[str, CompiledColumns] = {}


def compiled_columns(layer: str, rules: RuleSet) -> CompiledColumns:
    """The ``CompiledColumns`` of the compiled table of ``rules`` in this process. The table is kept in memory only:
    loading a saved table costs more than compiling the rows a book needs (the 200,000-line bench book after
    another: 6.1 s deciding with the 17 MB file loaded, 5.1 s without), and saving it costs as much again."""
    table = DecisionTable.for_current(rules, load_catalog(), layer=layer, cache=False)  # type: ignore[arg-type]
    found = _COLUMNS.get(table.version)
    if found is None or found.table is not table:
        found = _COLUMNS[table.version] = CompiledColumns(table)
    return found


# The texts of reasons, exceptions and missing facts (strings only) serialised by pydantic-core: the same text as
# ``_dumps`` of ``model_dump(mode="json")`` (compact, non-ASCII kept, the same escapes) in a quarter of the time.
_REASONS = TypeAdapter(list[Reason])
_EXCEPTIONS = TypeAdapter(list[LicenseExceptionUse])
_TEXTS = TypeAdapter(list[str])


def decision_columns(decision: Decision) -> dict[str, Any]:
    return _columns_of(
        decision.verdict,
        decision.review_policy,
        decision.license_exceptions,
        decision.classification,
        decision.reasons,
        decision.missing,
        decision.screening,
        decision.rules_version,
        decision.list_version,
    )


def row_columns(row: Row, reasons: list[Reason], check: PartyCheck | None, rules_version: str) -> dict[str, Any]:
    """``decision_columns`` of the decision ``DecisionTable.decision_from`` makes of a line without an import entry
    from ``outcome_from``'s (row, reasons), without the Decision (``decision_of``: the duty's reason comes only with
    an import entry; what is missing is kept only for HOLD and LICENSE_REQUIRED)."""
    (verdict, review, exceptions), missing = unscreened(
        (row.verdict, row.review_policy, row.license_exceptions), row.missing, check
    )
    return _columns_of(
        verdict,
        review,
        exceptions,
        row.classification,
        reasons,
        kept_missing(verdict, missing),
        check.hits if check else [],
        rules_version,
        check.list_version if check else None,
    )


def _columns_of(
    verdict: Verdict,
    review_policy: ReviewPolicy | None,
    exceptions: list[LicenseExceptionUse],
    classification: dict[str, Any],
    reasons: list[Reason],
    missing: list[str],
    screening: list[dict[str, Any]],
    rules_version: str,
    list_version: str | None,
) -> dict[str, Any]:
    return {
        "verdict": verdict.value,
        "review_policy": review_policy.value if review_policy else None,
        "license_exceptions": _EXCEPTIONS.dump_json(exceptions).decode(),
        "eccn": classification.get("eccn"),
        "classification_status": classification.get("status"),
        "reasons": _REASONS.dump_json(reasons).decode(),
        "missing": _TEXTS.dump_json(missing).decode(),
        "screening": _dumps(screening),
        "rules_version": rules_version,
        "list_version": list_version,
        "error": None,
    }


def error_columns(message: str) -> dict[str, Any]:
    return {name: None for name in DECISION_COLUMNS} | {"error": message}


def decide_one(
    decide: Callable[..., Decision],
    line: OrderLine,
    as_of: dt.date,
    layer: str,
    rules: RuleSet,
    screener: Any,
    catalog: Catalog | None = None,
    columns: CompiledColumns | None = None,
    reviews: ReviewSnapshot | None = None,
) -> dict[str, Any]:
    """One determination as output columns (through ``columns`` when given: the compiled table's); an error
    becomes a reason for the bad-rows file, never a crash. ``reviews`` (the default decider only: a custom one is
    not asked to take them) apply as the API applies them: a reviewer's "match" makes a possible match a match."""
    catalog = catalog or load_catalog()
    extra = {"reviews": reviews} if reviews is not None else {}

    def columns_of() -> dict[str, Any]:
        if columns is not None:
            return columns(line, as_of, screener, reviews)
        return decision_columns(
            decide(line, as_of=as_of, layer=layer, rules=rules, catalog=catalog, screener=screener, **extra)
        )

    return guarded(columns_of)


def guarded(columns_of: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """``columns_of()``; an error becomes a reason for the bad-rows file, never a crash."""
    try:
        return columns_of()
    except ChipclearError as exc:
        return error_columns(f"determination: {exc}")
    except Exception as exc:  # a bug must not lose the other lines; the line is reported, not decided
        return error_columns(f"determination failed (internal error, please report): {type(exc).__name__}: {exc}")


def end_without_teardown() -> None:
    """A batch worker process's initializer: when the process ends (its pool shut down), it exits at once instead
    of freeing every object it holds one by one (a compiled table and a screening index: most of a second of CPU,
    taken from the run that goes on meanwhile). Nothing is lost: a file a worker writes (a cache) is written whole
    within its task, and each result reaches the pool's queue when its task ends, before the process is told to
    stop."""
    atexit.register(os._exit, 0)


def start_worker() -> None:
    """A batch worker process's initializer (``runner._process_pool``): it ends without teardown
    (``end_without_teardown``) and runs without the cyclic garbage collector (``cycle_collector_paused``, for the
    whole process: its pool lives for one run, and it also unpickles the tasks and pickles their results between
    them, where the collector walked the same heap)."""
    end_without_teardown()
    gc.disable()


@contextmanager
def cycle_collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused for the block (reference counting still frees everything else).
    Deciding the keys of a 1M-line book builds a heap of compiled rows, decisions and their texts that the collector
    walked again and again, about 0.45 s of each worker's 2 s, to free some 2,500 objects in all; they are freed by the
    next collection after the block instead."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def run_task(task: DecideTask) -> pl.DataFrame:
    """Decide every key of ``task``; returns ``key_id`` plus the decision columns."""
    with cycle_collector_paused():
        return _run_task(task)


def _run_task(task: DecideTask) -> pl.DataFrame:
    rules = rules_known_on(task.rules_known_on)
    if rules.version != task.rules_version:
        raise ChipclearError(
            f"batch worker has rules {rules.version}, the run uses {task.rules_version}: "
            "install the same chipclear version and rule files on every worker"
        )
    if task.settings is not None:
        differs = settings_differences(task.settings, decision_settings())
        if differs:  # a worker must not decide with other settings than the client's (a Dask worker's own env)
            raise ChipclearError(
                f"batch worker's settings differ from the client's: {'; '.join(differs)}; give every worker the "
                'client\'s CHIPCLEAR_* decision settings and files (docs/batch.md, "Scale-out with Dask")'
            )
    compiled = task.compiled and task.decider == DEFAULT_DECIDER
    decide = resolve_decider(task.decider)  # not called when the compiled table's ``columns`` decide
    columns = compiled_columns(task.layer, rules) if compiled else None
    screener = BatchScreener(task.screening, task.no_hit, task.placeholder)
    reviews = task.reviews if task.decider == DEFAULT_DECIDER else None
    catalog = load_catalog()
    rows = []
    for key in task.keys:
        if key.get("by_class"):  # from the compiled table only; no order line unless a decision needs one
            if columns is None:
                cols = error_columns("determination: a key by country class is decided from the compiled table only")
            else:
                cols = guarded(partial(columns.for_key, key, screener))
        else:
            line = canonical_line(key)
            cols = decide_one(decide, line, key["rep_as_of"], task.layer, rules, screener, catalog, columns, reviews)
        rows.append({"key_id": key["key_id"], **cols})
    return pl.DataFrame(rows, schema={"key_id": pl.UInt32, **DECISION_COLUMNS})


def no_hit_result(sample: Any, placeholder: str) -> Any:
    """A no-hit screening result (same list version and thresholds) for the placeholder party."""
    if dataclasses.is_dataclass(sample) and not isinstance(sample, type):
        return dataclasses.replace(sample, query={"name": placeholder}, hits=(), suppressed=())
    return NoHits(list_version=getattr(sample, "list_version", UNSCREENED))


__all__ = [
    "DATED_COLUMNS",
    "DECISION_COLUMNS",
    "DEFAULT_DECIDER",
    "UNSCREENED",
    "BatchScreener",
    "CompiledColumns",
    "DecideTask",
    "NoHits",
    "canonical_line",
    "compiled_columns",
    "cycle_collector_paused",
    "decide_one",
    "decision_columns",
    "end_without_teardown",
    "line_from_row",
    "resolve_decider",
    "rules_known_on",
    "run_task",
    "start_worker",
]
