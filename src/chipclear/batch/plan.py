"""Vectorised planning: which distinct determinations an order book needs, and how lines map onto them.

A determination depends on the line only through: the catalog item, the destination, the rules in force on the
as-of date, the end user's screening result and headquarters country, and the 744.23 end-use flags (see
``chipclear.determination``: quantity, value, order and line ids and the free end-use text enter a decision only as
its ``input`` echo, which batch output carries as its own columns). So:

* dates are grouped into **epochs**: the intervals between consecutive dates named anywhere in the rule and
  geography data (every date d and d + 1 are boundaries), inside which nothing in the data can change a decision;
* an end user whose screening found no hits is replaced by a **placeholder** name: all such parties with the same
  headquarters share one determination; a party with hits keeps its name;
* each distinct key is decided once, on a **representative** line (the earliest as-of date of its lines), and the
  text of the decision is then specialised per line: the representative date is replaced by the line's date and
  the placeholder by the party's name (both appear in reasons, e.g. "classified 3A090.a as of D");
* with ``classes`` (a large book decided through the compiled table), a key whose end user is the placeholder (or
  absent) and has no owners names its destination and headquarters country by their **class**: the least of the
  book's codes that the rules cannot tell apart from it in that epoch (``DecisionTable.classes``). Such a key is
  ``by_class``: its texts keep the compiled table's code placeholders (``⟦@d⟧``, ``⟦@h0⟧``), which are replaced
  per line by the line's own codes, as the date and the end user are (``nested``). An end user located outside
  the destination names that country by its class too (``⟦@l0⟧``), where the two classes share no code
  (``DecisionTable.located_classes``); otherwise the key names both countries as they are;
* with ``groups`` as well, such a key names, instead of its epoch, the first multi-day epoch in the same **data
  state** (``epoch_groups``, ``DecisionTable.data_state``), and is decided on that epoch's first day.

The date replacement is exact because a multi-day epoch contains no date named in the data (each named date d is
an epoch of its own, [d, d + 1)), so the representative date string can only come from the as-of date; a key of
grouped epochs is decided on a multi-day epoch's first day for the same reason.
``runner`` verifies a sample of lines against a direct per-line ``determine`` on every run and fails closed on any
difference; ``exact=True`` turns both simplifications off.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import polars as pl

from chipclear.determination.compiled import data_dates as compiled_data_dates
from chipclear.determination.compiled import epoch_boundaries
from chipclear.geography import Geography
from chipclear.rules import RuleSet

# Not the compiled table's "⟦" (a name holding it is decided by the interpreter, not from the table's rows).
PARTY_PLACEHOLDER = "⦃chipclear batch end user⦄"
KEY_COLUMNS = [
    "item_id",
    "destination",
    "epoch",
    "party_key",
    "party_country",
    "end_user_headquarters_country",
    "end_user_owners",  # canonical NAME,SHARE,HQ; ... (exact: owners are screened and named in reasons)
    "supercomputer",
    "advanced_node_ic_production",
    "military",
    "by_class",  # destination and headquarters named by class; the texts hold the table's code placeholders
]
# (role, the distinct (code, epoch) pairs) -> each pair's class code (``country_classes``)
Classes = Callable[[str, list[tuple[str, int]]], dict[tuple[str, int], str]]
# the distinct (destination, located end user's country, epoch) triples -> the country's class code, None where
# the line cannot be keyed by class (``located_country_classes``)
LocatedClasses = Callable[[list[tuple[str, str, int]]], dict[tuple[str, str, int], str | None]]
# the book's epochs -> for each epoch decided with another: (that epoch, its first day) (``epoch_groups``)
Groups = Callable[[list[int]], dict[int, tuple[int, dt.date]]]


def data_dates(rules: RuleSet, geography: Geography, extra: Iterable[dt.date] = ()) -> list[dt.date]:
    """Every date the compiled decision table splits periods on (rule, geography, catalog and model data, fields and
    text, and the engine's code), plus ``extra``: a batch epoch never straddles a date where a decision can change.
    (An earlier narrower copy left out the catalog, model, region and code dates.)"""
    from chipclear.catalog import load_catalog
    from chipclear.models import load_models

    return compiled_data_dates(rules, geography, load_catalog(), load_models(), extra=list(extra))


def epoch_of(dates: pl.Series, boundaries: list[dt.date]) -> pl.Series:
    b = pl.Series("b", boundaries, dtype=pl.Date)
    return b.search_sorted(dates, side="right").cast(pl.Int32).alias("epoch")


def build_keys(
    lines: pl.DataFrame,
    hit_parties: pl.DataFrame,
    boundaries: list[dt.date],
    exact: bool,
    classes: Classes | None = None,
    groups: Groups | None = None,
    located_classes: LocatedClasses | None = None,
) -> pl.DataFrame:
    """Add ``epoch``, ``party_key``, ``party_country``, ``by_class``, ``key_destination``,
    ``key_headquarters_country``, ``key_party_country`` and ``key_id`` to ``lines``.

    ``hit_parties`` has the (end_user_name, end_user_country) pairs whose screening found hits (in any list
    version the run uses); those keep their name and country in the key. ``exact`` keys on the date itself and
    every party name. ``classes`` (not with ``exact``): the countries of keys without a named party or owners are
    keyed by class, and with ``groups`` their epochs by the epoch that decides them (see the module's text);
    ``located_classes``: a located end user's country too, where it gives a class (else such a line is keyed as
    it is).
    """
    epochs = epoch_of(lines["as_of"], boundaries)
    out = lines.with_columns(epochs)
    if exact:
        out = out.with_columns(
            pl.col("as_of").cast(pl.Int32).alias("epoch"),
            pl.col("end_user_name").alias("party_key"),
            pl.col("end_user_country").alias("party_country"),
        )
    else:
        # A line's party has hits when its (name, country) is one of ``hit_parties`` (a null country matches a null
        # country). Tested as a struct's membership: a join would gather every column of the book.
        pairs = hit_parties.select("end_user_name", "end_user_country").unique()
        hit = pl.lit(False)
        if pairs.height:
            listed = pairs.select(pl.struct("end_user_name", "end_user_country")).to_series().implode()
            hit = pl.struct("end_user_name", "end_user_country").is_in(listed)
        named = pl.col("end_user_name").is_not_null()
        out = (
            out.with_columns(hit.alias("_hit"))
            .with_columns(
                pl.when("_hit")
                .then(pl.col("end_user_name"))
                .when(named)
                .then(pl.lit(PARTY_PLACEHOLDER))
                .alias("party_key"),
                # a country other than the destination is kept too: where a recipient is located can change the
                # decision (determination.engine.locations); by class only where ``located_classes`` says so
                pl.when(pl.col("_hit") | (pl.col("end_user_country") != pl.col("destination")))
                .then(pl.col("end_user_country"))
                .alias("party_country"),
            )
            .drop("_hit")
        )
    out = _by_class(out, None if exact else classes, groups, None if exact else located_classes)
    # Each key keeps the positions of its lines, so its id goes back to them by position (scattered: no join on
    # the key, no sort of the lines).
    keys = (
        out.select(*_key_exprs(), "as_of", "key_rep")
        .with_row_index("_line")
        .group_by(KEY_COLUMNS, maintain_order=False)
        # a key of grouped epochs is decided on its group's first day (every line of the key has the same)
        .agg(pl.coalesce(pl.col("key_rep").first(), pl.col("as_of").min()).alias("rep_as_of"), pl.col("_line"))
        .sort(KEY_COLUMNS, nulls_last=True)
        .select(pl.int_range(pl.len(), dtype=pl.UInt32).alias("key_id"), "rep_as_of", "_line")
        .explode("_line")
    )
    key_id = np.empty(out.height, np.uint32)
    key_id[keys["_line"].to_numpy()] = keys["key_id"].to_numpy()
    rep = pl.repeat(None, out.height, dtype=pl.Date, eager=True).alias("rep_as_of")
    return out.with_columns(pl.Series("key_id", key_id), rep.scatter(keys["_line"], keys["rep_as_of"]))


# The key's own destination and headquarters country (a class's code for a ``by_class`` key): the lines keep theirs.
KEYED_AS = {
    "destination": "key_destination",
    "end_user_headquarters_country": "key_headquarters_country",
    "epoch": "key_epoch",
    "party_country": "key_party_country",
}


def _key_exprs() -> list[pl.Expr]:
    return [pl.col(KEYED_AS[c]).alias(c) if c in KEYED_AS else pl.col(c) for c in KEY_COLUMNS]


def _by_class(
    out: pl.DataFrame,
    classes: Classes | None,
    groups: Groups | None = None,
    located_classes: LocatedClasses | None = None,
) -> pl.DataFrame:
    """``by_class``, the key's epoch and first day (``key_rep``, null but for grouped epochs) and countries
    (``KEYED_AS``): the group's epoch and the class codes where ``classes`` (and ``groups``) apply, else the line's
    own. A line whose end user is located outside the destination is by class only where ``located_classes``
    gives its country a class in the key's epoch (else its key names its epoch and countries as they are)."""
    if classes is None:
        return out.with_columns(
            pl.lit(False).alias("by_class"),
            pl.lit(None, dtype=pl.Date).alias("key_rep"),
            *[pl.col(line).alias(key) for line, key in KEYED_AS.items()],
        )
    placeholder = pl.col("party_key").is_null() | (pl.col("party_key") == PARTY_PLACEHOLDER)
    located = pl.col("party_country").is_not_null() & (pl.col("party_country") != pl.col("destination"))
    candidate = placeholder & pl.col("end_user_owners").is_null()
    if located_classes is None:
        candidate = candidate & ~located
    out = out.with_columns(candidate.alias("by_class"), located.fill_null(False).alias("_located"))
    grouped = groups(sorted(out.filter("by_class")["epoch"].unique().to_list())) if groups is not None else {}
    table = pl.DataFrame(
        [(e, rep, day) for e, (rep, day) in grouped.items()],
        schema={"epoch": pl.Int32, "_rep": pl.Int32, "_day": pl.Date},
        orient="row",
    )
    got = out.select("epoch").join(table, on="epoch", how="left", maintain_order="left")
    use = pl.col("by_class") & got["_rep"].is_not_null()
    out = out.with_columns(
        pl.when(use).then(got["_rep"]).otherwise(pl.col("epoch")).alias("key_epoch"),
        pl.when(use).then(got["_day"]).alias("key_rep"),
    )
    out = out.with_columns(pl.lit(None, dtype=pl.String).alias("_place"))
    if located_classes is not None:
        triples = out.filter("by_class", "_located").select("destination", "party_country", "key_epoch").unique()
        found_at = located_classes(list(triples.iter_rows()))
        codes = pl.DataFrame(
            [(*t, found_at[t]) for t in triples.iter_rows()],
            schema={"destination": pl.String, "party_country": pl.String, "key_epoch": pl.Int32, "_place": pl.String},
            orient="row",
        )
        on = ["destination", "party_country", "key_epoch"]
        place = out.select(on).join(codes, on=on, how="left", maintain_order="left")["_place"]
        # a located end user's country without a class: the line is keyed as it is (its own epoch and codes)
        apart = pl.col("by_class") & pl.col("_located") & place.is_null()
        out = out.with_columns(
            place,
            (pl.col("by_class") & ~apart).alias("by_class"),
            pl.when(apart).then(pl.col("epoch")).otherwise(pl.col("key_epoch")).alias("key_epoch"),
            pl.when(apart).then(None).otherwise(pl.col("key_rep")).alias("key_rep"),
        )
    mapped = [
        pl.when(pl.col("by_class") & pl.col("_located"))
        .then(pl.col("_place"))
        .otherwise(pl.col("party_country"))
        .alias(KEYED_AS["party_country"])
    ]
    for column, role in (("destination", "destination"), ("end_user_headquarters_country", "hq")):
        pairs = out.filter("by_class").select(column, "key_epoch").drop_nulls().unique()
        found = classes(role, [(c, e) for c, e in pairs.iter_rows()])
        codes = pl.DataFrame(
            [(c, e, found[(c, e)]) for c, e in pairs.iter_rows()],
            schema={column: pl.String, "key_epoch": pl.Int32, "_class": pl.String},
            orient="row",
        )
        # Only the two columns are gathered by the join (not the book's every column).
        got = out.select(column, "key_epoch").join(codes, on=[column, "key_epoch"], how="left", maintain_order="left")
        klass = pl.when(pl.col("by_class")).then(got["_class"]).otherwise(pl.col(column))
        mapped.append(klass.fill_null(pl.col(column)).alias(KEYED_AS[column]))
    return out.with_columns(mapped).drop("_located", "_place")


def _epoch_day(epoch: int, boundaries: list[dt.date]) -> dt.date:
    """An epoch's first day (the first epoch's: the day before the first boundary, as a compiled table's first
    period is represented)."""
    return boundaries[0] - dt.timedelta(days=1) if epoch == 0 else boundaries[epoch - 1]


def epoch_groups(table: Any, boundaries: list[dt.date], items: list[str], codes: list[str]) -> Groups:
    """``groups`` for ``build_keys`` from a ``DecisionTable``: each epoch whose data state
    (``DecisionTable.data_state`` for the book's items and codes) is that of a multi-day epoch, with the first
    such epoch and its first day. A multi-day epoch's first day is named nowhere in the data (each named date is
    an epoch of its own), so a key decided on it has that date in its texts only as the as-of date, replaced by
    each line's own; a day the data names gets the group's decision with its own date put back, as the compiled
    table's rows shared between periods do. An epoch whose state no multi-day epoch has is not grouped."""

    def multi_day(epoch: int) -> bool:
        return epoch == 0 or epoch == len(boundaries) or (boundaries[epoch] - boundaries[epoch - 1]).days > 1

    def groups(epochs: list[int]) -> dict[int, tuple[int, dt.date]]:
        states = {e: table.data_state(table.period_of(_epoch_day(e, boundaries)), items, codes) for e in sorted(epochs)}
        first: dict[Any, int] = {}
        for epoch, state in states.items():
            if multi_day(epoch):
                first.setdefault(state, epoch)
        return {
            e: (first[state], _epoch_day(first[state], boundaries)) for e, state in states.items() if state in first
        }

    return groups


def country_classes(table: Any, boundaries: list[dt.date]) -> Classes:
    """``classes`` for ``build_keys`` from a ``DecisionTable`` (its periods are unions of the run's epochs: the
    run's boundaries hold every date the table's do)."""

    def classes(role: str, pairs: list[tuple[str, int]]) -> dict[tuple[str, int], str]:
        by_period: dict[int, set[str]] = {}
        period_of: dict[int, int] = {}
        for code, epoch in pairs:
            if epoch not in period_of:
                period_of[epoch] = table.period_of(_epoch_day(epoch, boundaries))
            by_period.setdefault(period_of[epoch], set()).add(code)
        found = {period: table.classes(role, codes, period) for period, codes in by_period.items()}
        return {(code, epoch): found[period_of[epoch]][code] for code, epoch in pairs}

    return classes


def located_country_classes(table: Any, boundaries: list[dt.date]) -> LocatedClasses:
    """``located_classes`` for ``build_keys`` from a ``DecisionTable`` (``DecisionTable.located_classes``, per
    period of the table)."""

    def located(triples: list[tuple[str, str, int]]) -> dict[tuple[str, str, int], str | None]:
        by_period: dict[int, set[tuple[str, str]]] = {}
        period_of: dict[int, int] = {}
        for dest, country, epoch in triples:
            if epoch not in period_of:
                period_of[epoch] = table.period_of(_epoch_day(epoch, boundaries))
            by_period.setdefault(period_of[epoch], set()).add((dest, country))
        found = {period: table.located_classes(pairs, period) for period, pairs in by_period.items()}
        return {(d, c, e): found[period_of[e]][(d, c)] for d, c, e in triples}

    return located


def distinct_keys(keyed: pl.DataFrame) -> pl.DataFrame:
    return keyed.select("key_id", *_key_exprs(), "rep_as_of").unique("key_id").sort("key_id")


def json_fragment(text: str) -> str:
    """``text`` as it appears inside a JSON string (escaped, without quotes)."""
    return json.dumps(text, ensure_ascii=False)[1:-1]


TEXT_COLUMNS = ["reasons", "missing", "screening", "license_exceptions"]


def specialise(joined: pl.DataFrame, columns: list[str] | None = None) -> pl.DataFrame:
    """Replace the representative date by each line's as-of date and the placeholder by each party's name.

    Only lines with another date than the representative's or a placeholder party are looked at (plain
    ``str.replace``: Polars' per-row replacement values are far slower); row order is kept.
    """
    columns = columns or TEXT_COLUMNS
    placeholder = json_fragment(PARTY_PLACEHOLDER)
    keys = joined.select("key_id", "rep_as_of", *columns).unique("key_id")
    with_date, with_name = [], []
    for key_id, rep, *texts in keys.iter_rows():
        rep_iso = rep.isoformat() if rep is not None else None
        if rep_iso is not None and any(t is not None and rep_iso in t for t in texts):
            with_date.append(key_id)
        if any(t is not None and placeholder in t for t in texts):
            with_name.append(key_id)
    moved = (pl.col("as_of") != pl.col("rep_as_of")).fill_null(False) & pl.col("key_id").is_in(with_date)
    named = (pl.col("party_key") == PARTY_PLACEHOLDER).fill_null(False) & pl.col("key_id").is_in(with_name)
    flagged = joined.with_row_index("_pos").with_columns(moved.alias("_moved"), named.alias("_named"))
    todo = flagged.filter(pl.col("_moved") | pl.col("_named"))
    if todo.height == 0:
        return joined
    reps = todo["rep_as_of"].cast(pl.String).to_list()
    days = todo["as_of"].cast(pl.String).to_list()
    fragments: dict[str, str] = {}
    names = [
        fragments.setdefault(n, json_fragment(n)) if flag and n is not None else None
        for n, flag in zip(todo["end_user_name"].to_list(), todo["_named"].to_list(), strict=True)
    ]
    moves = todo["_moved"].to_list()
    replaced = []
    for column in columns:
        values = todo[column].to_list()
        out = []
        for value, rep, day, name, move in zip(values, reps, days, names, moves, strict=True):
            if value is not None:
                if move and rep in value:
                    value = value.replace(rep, day)
                if name is not None and placeholder in value:
                    value = value.replace(placeholder, name)
            out.append(value)
        replaced.append(pl.Series(column, out, dtype=pl.String))
    todo = todo.with_columns(replaced)
    rest = flagged.filter(~(pl.col("_moved") | pl.col("_named")))
    return pl.concat([rest, todo]).sort("_pos").drop("_pos", "_moved", "_named")


__all__ = [
    "KEY_COLUMNS",
    "PARTY_PLACEHOLDER",
    "build_keys",
    "country_classes",
    "data_dates",
    "distinct_keys",
    "epoch_boundaries",
    "epoch_groups",
    "epoch_of",
    "specialise",
]
