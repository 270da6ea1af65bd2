"""The decision columns of a batch output as native Parquet types (lists and structs), built per line as a join.

``reasons``, ``license_exceptions``, ``screening`` and ``missing`` are decoded once per distinct key (``templates``:
the representative date in every text replaced by ``DATE_MARK``; this form is what the decision cache stores).
``Assembler`` then flattens every key's nested values once per run into one dictionary per string leaf (each
distinct text once, an integer code per value) and builds a chunk of lines' columns by gathering codes by key:
integer work, no text copied. Only the values that hold a mark differ per line: each distinct (text, line date,
end user, and for a key by country class the line's destination, headquarters country and end user's country) that occurs is
specialised once (the compiled table's code placeholders replaced by the line's codes, then the date mark by its
as-of date, then the party placeholder by its end user, see ``plan``) and scattered into the lines that use it. A
screening hit's ``suppressed_by`` (a reviewer's record, free-form) stays JSON text inside its struct.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl
import pyarrow as pa

from chipclear.batch.plan import PARTY_PLACEHOLDER
from chipclear.determination.compiled import CODE_MARK, DESTINATION_PLACEHOLDER, HQ_PLACEHOLDER, LOCATED_PLACEHOLDER

DATE_MARK = "⟦chipclear batch as-of date⟧"
REASON = pl.Struct({"rule": pl.String, "citation": pl.String, "detail": pl.String, "confidence": pl.String})
EXCEPTION = pl.Struct({"code": pl.String, "conditions": pl.List(pl.String), "citation": pl.String})
HIT_FIELDS: dict[str, Any] = {
    "party": pl.String,
    "via_owner": pl.String,
    "entry_id": pl.String,
    "entry_hash": pl.String,
    "suppressed_by": pl.String,  # JSON text
    "source": pl.String,
    "entry": pl.String,
    "score": pl.Float64,
    "determination": pl.String,
    "license_requirement": pl.String,
    "license_policy": pl.String,
    "federal_register_notice": pl.String,
}
HIT = pl.Struct(HIT_FIELDS)
NESTED: dict[str, Any] = {
    "license_exceptions": pl.List(EXCEPTION),
    "reasons": pl.List(REASON),
    "missing": pl.List(pl.String),
    "screening": pl.List(HIT),
}


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def hit_row(hit: dict[str, Any]) -> dict[str, Any]:
    """One screening hit as the ``screening`` struct holds it."""
    row = {name: hit.get(name) for name in HIT_FIELDS}
    if row["suppressed_by"] is not None:
        row["suppressed_by"] = _dumps(row["suppressed_by"])
    if row["score"] is not None:
        row["score"] = float(row["score"])
    return row


def python_value(column: str, text: str | None) -> Any:
    """A JSON text column's value as the nested column reads back in Python (``to_dicts``)."""
    if text is None:
        return None
    value = json.loads(text)
    if column == "screening":
        return [hit_row(h) for h in value]
    if column == "reasons":
        return [{k: r.get(k) for k in REASON.to_schema()} for r in value]
    if column == "license_exceptions":
        return [{k: e.get(k) for k in EXCEPTION.to_schema()} for e in value]
    return value


DECODE_ROWS = 25_000  # rows per json_decode call: one call over a few hundred thousand long texts is much slower


def templates(decisions: pl.DataFrame) -> pl.DataFrame:
    """Key-level decisions as the workers return them (``rep_as_of`` and the JSON text columns of
    ``engine.DECISION_COLUMNS``) with the nested columns decoded and the representative date in every text replaced
    by ``DATE_MARK`` (a multi-day epoch's representative date can only come from the as-of date, see ``plan``).

    Vectorised: each text is split on its own key's date and joined again with the mark between the pieces (a
    literal replacement with a pattern per row, which Polars' ``replace_all`` does not take); only the screening
    texts that hold hits go through Python (``hit_row``)."""
    texts = list(NESTED)
    if decisions.height == 0:
        return decisions.with_columns(pl.col(c).cast(pl.String).str.json_decode(NESTED[c]) for c in texts)
    frame = decisions.with_row_index("_at")
    rep = pl.col("rep_as_of").cast(pl.String)
    frame = frame.with_columns(
        pl.when(pl.col("rep_as_of").is_null())
        .then(pl.col(c))
        .otherwise(pl.col(c).str.split(rep).list.join(DATE_MARK))
        .alias(c)
        for c in texts
    )
    hits = frame.filter(pl.col("screening").is_not_null() & (pl.col("screening") != "[]"))
    if hits.height:  # each distinct text once (the keys of one party have the same hits)
        done: dict[str, str] = {}
        rows = [
            done.get(v) or done.setdefault(v, _dumps([hit_row(h) for h in json.loads(v)])) for v in hits["screening"]
        ]
        frame = frame.update(hits.select("_at", pl.Series("screening", rows, dtype=pl.String)), on="_at")
    decoded = {c: _decode_distinct(frame[c], NESTED[c]) for c in texts}
    return frame.drop("_at").with_columns(decoded[c].alias(c) for c in texts)


def _codes(values: pl.Series, distinct: pl.Series) -> pl.Series:
    """Each of ``values``' position in ``distinct`` (values without duplicates), as Int32; null where it is absent."""
    index = pl.DataFrame({"v": distinct, "c": pl.int_range(0, len(distinct), dtype=pl.Int32, eager=True)})
    return pl.DataFrame({"v": values}).join(index, on="v", how="left", maintain_order="left")["c"]


def _dictionary(values: pl.Series) -> tuple[pl.Series, pl.Series]:
    """The distinct non-null values (in order of appearance) and each value's code into them (null stays null)."""
    pool = values.drop_nulls().unique(maintain_order=True)
    return pool, _codes(values, pool)


def _decode_distinct(values: pl.Series, dtype: Any) -> pl.Series:
    """``values.str.json_decode(dtype)``, decoding each distinct text once (keys that share a compiled row have
    the same texts once their dates are marked) and in slices of ``DECODE_ROWS``; a null text decodes to null."""
    pool, codes = _dictionary(values)
    if len(pool) == 0:
        return pl.Series(values.name, [None] * len(values), dtype=dtype)
    parts = [pool.slice(i, DECODE_ROWS).str.json_decode(dtype) for i in range(0, len(pool), DECODE_ROWS)]
    # One chunk before the gather: Polars gathers nested values over several chunks many times slower.
    return pl.concat(parts, rechunk=True).gather(codes).alias(values.name)


# -- per-line assembly --------------------------------------------------------------------------------------------
@dataclass
class _Node:
    """One level of a nested column over every key: a list (each parent value's start and length in the flat
    child), a struct (its fields), a string leaf (a dictionary of distinct texts and a code per value) or another
    leaf (its values)."""

    dtype: Any
    starts: pl.Series | None = None
    lengths: pl.Series | None = None
    nulls: pl.Series | None = None
    child: _Node | None = None
    fields: dict[str, _Node] | None = None
    pool: pl.Series | None = None
    codes: pl.Series | None = None
    dated: pl.Series | None = None  # per pool text: holds DATE_MARK
    named: pl.Series | None = None  # per pool text: holds the party placeholder
    coded: pl.Series | None = None  # per pool text: holds a country-code placeholder (a key by class)
    marked: pl.Series | None = None  # per value: its text holds any of them (None: no text does)
    values: pl.Series | None = None


def _node(values: pl.Series) -> _Node:
    dtype = values.dtype
    if isinstance(dtype, pl.List):
        lengths = values.list.len().fill_null(0).cast(pl.Int64)
        child = values.explode(empty_as_null=False, keep_nulls=False)
        nulls = values.is_null() if values.null_count() else None
        return _Node(dtype, starts=lengths.cum_sum() - lengths, lengths=lengths, nulls=nulls, child=_node(child))
    if isinstance(dtype, pl.Struct):
        return _Node(dtype, fields={f.name: _node(values.struct.field(f.name)) for f in dtype.fields})
    if dtype == pl.String:
        pool, codes = _dictionary(values)
        dated = pool.str.contains(DATE_MARK, literal=True)
        named = pool.str.contains(PARTY_PLACEHOLDER, literal=True)
        coded = pool.str.contains(CODE_MARK, literal=True)
        marked = (dated | named | coded).gather(codes).fill_null(False)
        return _Node(
            dtype,
            pool=pool,
            codes=codes,
            dated=dated,
            named=named,
            coded=coded,
            marked=marked if marked.any() else None,
        )
    return _Node(dtype, values=values)


def _explode_ranges(starts: pl.Series, lengths: pl.Series) -> pl.Series:
    """``starts[i] .. starts[i] + lengths[i] - 1`` for every i, concatenated."""
    frame = pl.DataFrame({"s": starts, "n": lengths})
    ranges = frame.select(pl.int_ranges(pl.col("s"), pl.col("s") + pl.col("n"), dtype=pl.Int64)).to_series()
    return ranges.explode(empty_as_null=False, keep_nulls=False)


def _offsets(lengths: pl.Series) -> pa.Array:
    return pa.array(np.concatenate([[0], lengths.cast(pl.Int64).cum_sum().to_numpy()]).astype(np.int64))


def _dense(values: pl.Series) -> np.ndarray:
    """Equal values, equal ids 1.. (a categorical's codes, made dense: no sort of the values themselves)."""
    codes = values.cast(pl.Categorical).to_physical().to_numpy()
    return np.unique(codes, return_inverse=True)[1].reshape(-1).astype(np.int64) + 1


class _Lines:
    """What a chunk of lines puts into the texts: its as-of dates, end users and (for keys by country class) its
    destination and headquarters country, as text and as small integers."""

    def __init__(self, lines: pl.DataFrame) -> None:
        self.dates = lines["as_of"]  # as text only where a text is specialised (``text_at``)
        self.names = lines["end_user_name"]
        days = self.dates.cast(pl.Int64)
        self.day_ids = (days - (days.min() or 0) + 1).fill_null(0).to_numpy()  # 0: no date
        self.name_ids = _dense(self.names.fill_null(PARTY_PLACEHOLDER))
        self.n_days = int(self.day_ids.max(initial=0)) + 1
        self.n_names = int(self.name_ids.max(initial=0)) + 1
        n = lines.height
        by_class = lines["by_class"] if "by_class" in lines.columns else pl.repeat(False, n, eager=True)
        self.by_class = by_class.fill_null(False).to_numpy()
        self.destinations = lines["destination"] if "destination" in lines.columns else pl.repeat("", n, eager=True)
        hq, place = "end_user_headquarters_country", "end_user_country"
        self.headquarters = lines[hq] if hq in lines.columns else pl.repeat(None, n, dtype=pl.String, eager=True)
        self.places = lines[place] if place in lines.columns else pl.repeat(None, n, dtype=pl.String, eager=True)
        # (destination, headquarters, where the end user is located) as one id 1..: the code placeholders a text of
        # a key by class holds
        codes = pl.DataFrame(
            {"d": self.destinations, "h": self.headquarters.fill_null(""), "l": self.places.fill_null("")}
        )
        self.code_ids = _dense(codes.select(pl.concat_str("d", "h", "l", separator=" ")).to_series())

    def text_at(self, at: pl.Series) -> tuple[pl.Series, pl.Series, pl.Series, pl.Series, pl.Series]:
        """The as-of dates (ISO text), end users (the placeholder for none), destinations, headquarters countries
        and end users' countries of the lines ``at``."""
        return (
            self.dates.gather(at).cast(pl.String),
            self.names.gather(at).fill_null(PARTY_PLACEHOLDER),
            self.destinations.gather(at),
            self.headquarters.gather(at),
            self.places.gather(at),
        )


def _texts(node: _Node, pos: pl.Series, owner: pl.Series, lines: _Lines) -> pa.Array:
    """A string leaf's values at key-level positions ``pos`` for the lines ``owner``, as a dictionary array: the
    codes gathered by key, and each distinct (marked text, date, name) specialised once and added to the
    dictionary (found with one integer per use: text code, date and name numbered within the chunk)."""
    assert node.pool is not None and node.codes is not None and node.dated is not None and node.named is not None
    assert node.coded is not None
    codes = node.codes.gather(pos)
    dictionary = node.pool
    marked = node.marked.gather(pos).arg_true() if node.marked is not None else pl.Series(dtype=pl.UInt32)
    if len(marked):
        who = owner.gather(marked).to_numpy()
        marked_codes = codes.gather(marked)
        code = marked_codes.cast(pl.Int64).to_numpy()
        dated_m = node.dated.gather(marked_codes).to_numpy()
        named_m = node.named.gather(marked_codes).to_numpy()
        # Code placeholders are replaced only in the texts of keys by class (any other text holding one got it
        # from a name, and keeps it).
        coded_m = node.coded.gather(marked_codes).to_numpy() & lines.by_class[who]
        coded = bool(coded_m.any())
        day = np.where(dated_m, lines.day_ids[who], 0)
        name = np.where(named_m, lines.name_ids[who], 0)
        key = (code * lines.n_days + day) * lines.n_names + name
        if coded:  # numbered first, then combined with the codes (the product would not fit 64 bits)
            _, ranks = _distinct(pl.Series(key))
            pairs = int(lines.code_ids.max(initial=0)) + 1
            key = ranks.cast(pl.Int64).to_numpy() * pairs + np.where(coded_m, lines.code_ids[who], 0)
        first, inverse = _distinct(pl.Series(key))
        day_of, name_of, dest_of, hq_of, place_of = lines.text_at(pl.Series(who[first]))
        day_text = pl.when("dated").then("day").fill_null(pl.lit(DATE_MARK))
        name_text = pl.when("named").then("name").fill_null(pl.lit(PARTY_PLACEHOLDER))
        text = pl.col("text")
        if coded:
            hq0 = HQ_PLACEHOLDER.format(0)
            dest_text = pl.when("coded").then("dest").fill_null(pl.lit(DESTINATION_PLACEHOLDER))
            hq_text = pl.when("coded").then("hq").fill_null(pl.lit(hq0))
            place0 = LOCATED_PLACEHOLDER.format(0)
            place_text = pl.when("coded").then("place").fill_null(pl.lit(place0))
            text = text.str.replace_all(DESTINATION_PLACEHOLDER, dest_text, literal=True)
            text = text.str.replace_all(hq0, hq_text, literal=True)
            text = text.str.replace_all(place0, place_text, literal=True)
        filled = (
            pl.DataFrame(
                {
                    "text": node.pool.gather(pl.Series(code[first])),
                    "day": day_of,
                    "name": name_of,
                    "dest": dest_of,
                    "hq": hq_of,
                    "place": place_of,
                    "dated": dated_m[first],
                    "named": named_m[first],
                    "coded": coded_m[first],
                }
            )
            .select(
                text.str.replace_all(DATE_MARK, day_text, literal=True).str.replace_all(
                    PARTY_PLACEHOLDER, name_text, literal=True
                )
            )
            .to_series()
        )
        added, filled_codes = _extend(node.pool, filled)
        codes = codes.scatter(marked, filled_codes.gather(inverse))
        dictionary = pl.concat([node.pool, added])
    return pa.DictionaryArray.from_arrays(codes.to_arrow(), dictionary.to_arrow())


def _distinct(values: pl.Series) -> tuple[np.ndarray, pl.Series]:
    """The positions of each distinct value's first occurrence, and each value's number among those (hashing:
    about twice as fast as ``np.unique``'s sort on a chunk's integers)."""
    first = values.arg_unique()
    return first.to_numpy(), _codes(values, values.gather(first))


def _extend(pool: pl.Series, texts: pl.Series) -> tuple[pl.Series, pl.Series]:
    """The texts to add to the dictionary ``pool`` so that it holds every one of ``texts`` once, and each text's
    code into the extended dictionary. A specialised text can equal a text already in the pool or another
    specialised one (a key of a one-day epoch, whose day some data names, gets its texts back as they were); a
    dictionary with a value twice makes the Parquet writer give up dictionary encoding for the whole column chunk
    (it then writes every value out, slower and twice the size)."""
    found = _codes(texts, pool)
    new = found.is_null()
    added, added_codes = _dictionary(texts.filter(new))
    codes = found.scatter(new.arg_true(), added_codes + len(pool)) if len(added) else found
    return added, codes


def _build(node: _Node, pos: pl.Series, owner: pl.Series, lines: _Lines) -> pa.Array:
    """The Arrow array of ``node``'s values at key-level positions ``pos`` (``owner``: each one's line)."""
    if node.child is not None:
        assert node.starts is not None and node.lengths is not None
        lengths = node.lengths.gather(pos)
        child_pos = _explode_ranges(node.starts.gather(pos), lengths)
        child_owner = owner.repeat_by(lengths).explode(empty_as_null=False, keep_nulls=False)
        values = _build(node.child, child_pos, child_owner, lines)
        mask = node.nulls.gather(pos).to_arrow() if node.nulls is not None else None
        return pa.LargeListArray.from_arrays(_offsets(lengths), values, mask=mask)
    if node.fields is not None:
        children = [_build(child, pos, owner, lines) for child in node.fields.values()]
        return pa.StructArray.from_arrays(children, list(node.fields))
    if node.pool is not None:
        return _texts(node, pos, owner, lines)
    assert node.values is not None
    return node.values.gather(pos).to_arrow()


class Assembler:
    """Every key's decision of a run, flattened once; ``columns`` gives a chunk of lines' decision columns."""

    def __init__(self, decisions: pl.DataFrame, scalars: list[str]) -> None:
        """``decisions``: one row per key, row i is key_id i (``templates`` form); ``scalars``: plain columns."""
        self.nodes = {c: _node(decisions[c]) for c in [*scalars, *NESTED]}

    def columns(self, lines: pl.DataFrame) -> dict[str, pa.Array]:
        """The decision columns of ``lines`` (``key_id``, ``as_of``, ``end_user_name``), in line order; every
        string as a dictionary array (codes into the distinct texts: written without copying a text per line)."""
        keys = lines["key_id"].cast(pl.Int64)
        owner = pl.int_range(0, lines.height, dtype=pl.Int64, eager=True)
        at = _Lines(lines)
        return {column: _build(node, keys, owner, at) for column, node in self.nodes.items()}


__all__ = ["DATE_MARK", "NESTED", "Assembler", "hit_row", "python_value", "templates"]
