"""Re-checks after a change: ``--since-rules D1`` (the rules as known on D1 against today's) and ``--since-lists
FILE`` (an earlier list load against the active one). Only lines whose verdict, review policy or license
exceptions change are written, each with the reasons that appeared and disappeared (``why``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import polars as pl

from chipclear.batch import plan
from chipclear.batch.checkpoint import Checkpoint
from chipclear.batch.engine import DEFAULT_DECIDER, decide_one, line_from_row, resolve_decider, rules_known_on
from chipclear.batch.io import LINE_COLUMNS
from chipclear.batch.options import BatchOptions, Progress, bad_frame
from chipclear.batch.options import sample_rows as pick_rows
from chipclear.errors import ChipclearError

RECHECK_COLUMNS = [
    *LINE_COLUMNS,
    "verdict_before",
    "verdict",
    "review_policy_before",
    "review_policy",
    "license_exceptions_before",
    "license_exceptions",
    "why",
    "screening_before",
    "screening",
    "rules_version_before",
    "rules_version",
    "list_version_before",
    "list_version",
    "layer",
]
TEXT = ["why", "screening_before", "screening", "license_exceptions_before", "license_exceptions"]


def why(before: str, after: str) -> str:
    """The reasons that appeared (``added``) and disappeared (``removed``) between two decisions."""
    old = json.loads(before)
    new = json.loads(after)
    old_keys = {(r["rule"], r["detail"]) for r in old}
    new_keys = {(r["rule"], r["detail"]) for r in new}
    added = [r for r in new if (r["rule"], r["detail"]) not in old_keys]
    removed = [r for r in old if (r["rule"], r["detail"]) not in new_keys]
    return json.dumps({"added": added, "removed": removed}, ensure_ascii=False, separators=(",", ":"))


def compare(decisions: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """Key-level comparison: every key with both decisions, a ``changed`` flag, ``why`` and ``error``."""
    suffixed = decisions["before"].rename({c: f"{c}_before" for c in decisions["before"].columns if c != "key_id"})
    both = decisions["current"].join(suffixed, on="key_id", how="inner")
    changed = (
        pl.col("verdict").ne_missing(pl.col("verdict_before"))
        | pl.col("review_policy").ne_missing(pl.col("review_policy_before"))
        | pl.col("license_exceptions").ne_missing(pl.col("license_exceptions_before"))
    )
    error = pl.coalesce(pl.col("error"), pl.col("error_before"))
    both = both.with_columns(changed.alias("changed"), error.alias("error"))
    texts = [
        why(b, a) if c and e is None else None
        for b, a, c, e in zip(both["reasons_before"], both["reasons"], both["changed"], both["error"], strict=True)
    ]
    return both.with_columns(pl.Series("why", texts, dtype=pl.String))


def assemble(
    keyed: pl.DataFrame,
    decisions: dict[str, pl.DataFrame],
    options: BatchOptions,
    checkpoint: Checkpoint,
    progress: Progress,
) -> tuple[list[Path], list[Path], int]:
    table = compare(decisions)
    parts: list[Path] = []
    bad_parts: list[Path] = []
    changed = 0
    for i, chunk in enumerate(keyed.iter_slices(options.chunk_rows)):
        name = f"part-{i:05d}"
        if not checkpoint.done("out", name):
            joined = chunk.join(table, on="key_id", how="left")
            failed = joined.filter(pl.col("error").is_not_null()).rename({"error": "reason"})
            moved = joined.filter(pl.col("error").is_null() & pl.col("changed"))
            moved = plan.specialise(moved, TEXT)
            moved = moved.with_columns(pl.lit(options.layer).alias("layer")).select(RECHECK_COLUMNS)
            checkpoint.save("bad", name, bad_frame(failed))
            checkpoint.save("out", name, moved)
        parts.append(checkpoint.piece("out", name))
        bad_parts.append(checkpoint.piece("bad", name))
        changed += pl.scan_ipc(parts[-1]).select(pl.len()).collect().item()
        progress.advance(chunk.height)
    return parts, bad_parts, changed


def verify(
    keyed: pl.DataFrame,
    decisions: dict[str, pl.DataFrame],
    options: BatchOptions,
    screeners: dict[str, Any],
    sample_rows: int | None = None,
    reviews: Any = None,
) -> None:
    """Fail closed if a sampled line's before/after verdicts differ from direct per-line determinations."""
    sample = pick_rows(keyed, sample_rows if sample_rows is not None else options.verify)
    decide = resolve_decider(options.decider)
    days = {"before": options.since_rules, "current": None}
    lookup = {v: {r["key_id"]: r for r in decisions[v].to_dicts()} for v in ("before", "current")}
    for row in sample.to_dicts():
        for variant in ("before", "current"):
            direct = decide_one(
                decide, line_from_row(row), row["as_of"], options.layer, rules_known_on(days[variant]),
                screeners[variant], reviews=reviews if options.decider == DEFAULT_DECIDER else None,
            )  # fmt: skip
            got = lookup[variant][row["key_id"]]
            for column in ("verdict", "review_policy", "license_exceptions", "error"):
                if (got[column] is None) != (direct[column] is None) or (
                    column != "error" and got[column] != direct[column]
                ):
                    raise ChipclearError(
                        f"batch re-check: row {row['row']} ({variant}): field {column} differs from a direct "
                        f"determine() ({got[column]!r} != {direct[column]!r}); re-run with --exact and report this"
                    )


def summarise(out: Path, lines: int, bad: int, options: BatchOptions) -> dict[str, Any]:
    frame = pl.scan_parquet(out)
    transitions = (
        frame.group_by("verdict_before", "verdict").agg(pl.len().alias("lines")).sort("lines", descending=True)
    ).collect()
    schema = pl.Struct({"added": pl.List(pl.Struct({"rule": pl.String, "citation": pl.String}))})
    added = (
        frame.select(pl.col("why").str.json_decode(schema).struct.field("added").alias("a"))
        .explode("a")
        .unnest("a")
        .drop_nulls("rule")
        .group_by("rule")
        .agg(pl.len().alias("lines"), pl.col("citation").first())
        .sort(["lines", "rule"], descending=[True, False])
        .head(15)
        .collect()
    )
    since = {"since_rules": str(options.since_rules) if options.since_rules else None}
    since["since_lists"] = str(options.since_lists) if options.since_lists else None
    return {
        "lines_decided": lines,
        "lines_changed": int(transitions["lines"].sum() or 0),
        "bad_rows": bad,
        "transitions": transitions.to_dicts(),
        "by_reason": added.to_dicts(),
        **since,
    }


__all__ = ["RECHECK_COLUMNS", "assemble", "compare", "summarise", "verify", "why"]
