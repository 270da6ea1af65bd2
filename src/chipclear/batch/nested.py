"""The decision columns of a batch output as native Parquet types (lists and structs), not JSON text.

``reasons``, ``license_exceptions``, ``screening`` and ``missing`` are decoded once per distinct key and joined to
the lines; a line's copy is then specialised (the representative date replaced by the line's as-of date, the
placeholder party by the line's end user, see ``plan``) with vectorised string replacement on the leaf strings.
A screening hit's ``suppressed_by`` (a reviewer's record, free-form) stays JSON text inside its struct.
"""

from __future__ import annotations

import json
from typing import Any

import polars as pl
import pyarrow as pa

from chipclear.batch.plan import PARTY_PLACEHOLDER

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


def decode_keys(decisions: pl.DataFrame) -> pl.DataFrame:
    """Key-level decisions with the nested columns decoded, the representative date marked and ``_marked_<col>``
    flags saying which keys' text needs a per-line replacement."""
    texts = list(NESTED)
    marked: dict[str, list[str | None]] = {c: [] for c in texts}
    flags: dict[str, list[bool]] = {c: [] for c in texts}
    for rep, *values in decisions.select("rep_as_of", *texts).iter_rows():
        rep_iso = rep.isoformat() if rep is not None else None
        for column, value in zip(texts, values, strict=True):
            if value is not None and rep_iso is not None and rep_iso in value:
                value = value.replace(rep_iso, DATE_MARK)
            flags[column].append(value is not None and (DATE_MARK in value or PARTY_PLACEHOLDER in value))
            marked[column].append(value)
    marked["screening"] = [
        v if v is None or v == "[]" else _dumps([hit_row(h) for h in json.loads(v)]) for v in marked["screening"]
    ]
    out = decisions.with_columns(
        *[pl.Series(c, marked[c], dtype=pl.String).str.json_decode(NESTED[c]) for c in texts],
        *[pl.Series(f"_marked_{c}", flags[c], dtype=pl.Boolean) for c in texts],
    )
    return out


def _replace(expr: pl.Expr) -> pl.Expr:
    return expr.str.replace_all(DATE_MARK, pl.col("_date"), literal=True).str.replace_all(
        PARTY_PLACEHOLDER, pl.col("_name"), literal=True
    )


def _fill_list(frame: pl.DataFrame, column: str) -> pl.Series:
    """Replace the marks in ``column`` (a list of strings or of structs of strings) on its flat values, vectorised;
    the lists are rebuilt from their lengths (a line without marks is left as it is)."""
    values = frame[column]
    lengths = values.list.len().fill_null(0)
    per_value = frame.select(
        pl.col("_date").repeat_by(lengths).explode().alias("_date"),
        pl.col("_name").repeat_by(lengths).explode().alias("_name"),
        values.explode().alias(column),
    ).filter(pl.col(column).is_not_null())
    inner = values.dtype.inner if isinstance(values.dtype, pl.List) else None
    if isinstance(inner, pl.Struct):
        fields = [_replace(pl.field(f.name)).alias(f.name) for f in inner.fields if f.dtype == pl.String]
        flat = per_value.select(pl.col(column).struct.with_fields(fields))[column]
    else:
        flat = per_value.select(_replace(pl.col(column)))[column]
    offsets = pl.concat([pl.Series([0], dtype=pl.Int64), lengths.cast(pl.Int64).cum_sum()]).to_arrow()
    rebuilt = pa.LargeListArray.from_arrays(offsets, flat.to_arrow())
    out = pl.Series(column, rebuilt).cast(NESTED[column])
    return out.set(values.is_null(), None) if values.null_count() else out


def _fill_json(frame: pl.DataFrame, column: str) -> pl.Series:
    """Columns with lists nested in their structs (license exceptions): each marked row replaced in its JSON text."""
    out = []
    for value, day, name in zip(frame[column].to_list(), frame["_date"], frame["_name"], strict=True):
        out.append(_dumps(value).replace(DATE_MARK, day).replace(PARTY_PLACEHOLDER, name))
    return pl.Series(column, out, dtype=pl.String).str.json_decode(NESTED[column])


def specialise(joined: pl.DataFrame) -> pl.DataFrame:
    """Lines joined to ``decode_keys`` output: every mark replaced by the line's date and end user; row order kept."""
    frame = joined.with_row_index("_pos").with_columns(
        pl.col("as_of").cast(pl.String).alias("_date"),
        pl.col("end_user_name").fill_null(PARTY_PLACEHOLDER).alias("_name"),
    )
    for column in ("reasons", "missing", "screening"):
        if frame[f"_marked_{column}"].any():
            frame = frame.with_columns(_fill_list(frame, column))
    todo = frame.filter(pl.col("_marked_license_exceptions") & (pl.col("license_exceptions").list.len() > 0))
    if todo.height:
        filled = todo.select("_pos", _fill_json(todo, "license_exceptions"))
        frame = frame.update(filled, on="_pos")
    return frame.drop("_pos", "_date", "_name", *[f"_marked_{c}" for c in NESTED])


__all__ = ["DATE_MARK", "NESTED", "decode_keys", "hit_row", "python_value", "specialise"]
