"""Reading and validating order books (CSV or Parquet) with Polars; writing files atomically.

Every input row is either a valid line or a bad row with its row number and the reason: nothing is dropped
silently and a bad row never stops the run. Row numbers count data rows from 1 (the header is not a row), so
in a CSV file row N is on line N + 1.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path

import polars as pl

from chipclear.bounds import (
    COUNTRY_LENGTH,
    ID_LENGTH,
    ITEM_LENGTH,
    MAX_QUANTITY,
    MAX_VALUE_USD,
    NAME_LENGTH,
    NOTE_LENGTH,
)
from chipclear.catalog import Catalog
from chipclear.errors import ChipclearError, InputError
from chipclear.geography import Geography
from chipclear.models import load_models

# Canonical input columns (the same names as the decision JSON's input) and the headers accepted for each.
ALIASES: dict[str, list[str]] = {
    "order_id": ["order_id", "order", "order_no", "order_number", "so", "sales_order"],
    "line_id": ["line_id", "line", "line_no", "line_number"],
    "item": ["item", "item_id", "product", "part", "sku", "model"],
    "quantity": ["quantity", "qty", "units"],
    "destination": ["destination", "destination_country", "ship_to_country", "to", "country"],
    "ship_date": ["ship_date", "shipping_date", "date", "ship_on"],
    "end_user_name": ["end_user_name", "end_user", "customer", "customer_name"],
    "end_user_country": ["end_user_country", "customer_country"],
    "end_user_headquarters_country": [
        "end_user_headquarters_country",
        "end_user_hq_country",
        "end_user_hq",
        "headquarters_country",
        "hq_country",
    ],
    "end_use": ["end_use", "end_use_text", "use"],
    "supercomputer": ["supercomputer"],
    "advanced_node_ic_production": ["advanced_node_ic_production", "advanced_node"],
    "military": ["military", "military_end_use"],
    "value_usd": ["value_usd", "value", "amount_usd"],
}
# The identifying columns every output row starts with (decisions and re-checks alike).
LINE_COLUMNS = [
    "row",
    "order_id",
    "line_id",
    "item",
    "item_id",
    "quantity",
    "destination",
    "ship_date",
    "as_of",
    "end_user_name",
    "end_user_country",
    "end_user_headquarters_country",
]
REQUIRED = ["item", "destination"]
# The text bounds of the request models (chipclear.bounds), per column.
TEXT_LIMITS = {
    "order_id": ID_LENGTH,
    "line_id": ID_LENGTH,
    "item": ITEM_LENGTH,
    "destination": COUNTRY_LENGTH,
    "end_user_name": NAME_LENGTH,
    "end_user_country": COUNTRY_LENGTH,
    "end_user_headquarters_country": COUNTRY_LENGTH,
    "end_use": NOTE_LENGTH,
}
FLAGS = ["supercomputer", "advanced_node_ic_production", "military"]
TRUE_WORDS = {"true", "t", "yes", "y", "1", "x"}
FALSE_WORDS = {"false", "f", "no", "n", "0", ""}


def _key(header: str) -> str:
    return re.sub(r"[^0-9a-z]+", "_", header.strip().casefold()).strip("_")


def read_orders(path: Path) -> pl.DataFrame:
    """The raw order book with canonical column names, every value as text, and a 1-based ``row``."""
    if not path.exists():
        raise InputError(f"{path}: no such file", field="orders")
    suffix = path.suffix.casefold()
    try:
        if suffix == ".parquet":
            raw = pl.read_parquet(path)
            raw = raw.with_columns(pl.all().cast(pl.String))
        elif suffix in (".csv", ".txt"):
            raw = pl.read_csv(path, infer_schema=False)
        else:
            raise InputError(f"{path}: expected a .csv or .parquet order book", field="orders")
    except (pl.exceptions.PolarsError, OSError) as exc:
        raise InputError(f"{path}: cannot read the order book: {str(exc).splitlines()[0]}", field="orders") from None
    lookup = {alias: canon for canon, aliases in ALIASES.items() for alias in aliases}
    rename: dict[str, str] = {}
    for column in raw.columns:
        canon = lookup.get(_key(column))
        if canon is not None and canon not in rename.values():
            rename[column] = canon
    missing = [c for c in REQUIRED if c not in rename.values()]
    if missing:
        raise InputError(
            f"{path}: missing column(s) {', '.join(missing)}; found {', '.join(raw.columns)}", field=missing[0]
        )
    frame = raw.select([pl.col(src).alias(dst) for src, dst in rename.items()])
    for canon in ALIASES:
        if canon not in frame.columns:
            frame = frame.with_columns(pl.lit(None, dtype=pl.String).alias(canon))
    frame = frame.select(list(ALIASES)).with_columns(pl.all().str.strip_chars().fill_null(""))
    return frame.with_row_index("row", offset=1)


def _lookup_errors(values: pl.Series, check: Callable[[str], str]) -> tuple[dict[str, str], dict[str, str]]:
    """Apply ``check`` to each distinct value: (value -> canonical form, value -> error message)."""
    good: dict[str, str] = {}
    bad: dict[str, str] = {}
    for value in values.drop_nulls().unique().to_list():
        if value == "":
            continue
        try:
            good[value] = check(value)
        except ChipclearError as exc:
            bad[value] = str(exc)
    return good, bad


def validate(raw: pl.DataFrame, catalog: Catalog, geography: Geography) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Split ``raw`` into typed valid lines and bad rows (``row``, ``reason`` and the raw values).

    Checks run once per distinct value (items, countries), so validation grows with distinct values, not lines.
    """
    reasons: list[pl.Expr] = []
    models = load_models()  # an AI model's weights (ECCN 4E091) are an item too
    item_ok, item_bad = _lookup_errors(raw["item"], lambda v: m.id if (m := models.find(v)) else catalog.get(v).id)
    reasons.append(
        pl.when(pl.col("item").is_null() | (pl.col("item") == ""))
        .then(pl.lit("item: empty (a catalog id or name is required)"))
        .when(pl.col("item").is_in(list(item_bad)))
        .then(pl.col("item").replace_strict(item_bad, default=None))
    )
    countries = pl.concat(
        [raw[c] for c in ("destination", "end_user_country", "end_user_headquarters_country")]
    ).rename("code")
    country_ok, country_bad = _lookup_errors(countries, lambda v: geography.normalize(v, field="country"))
    reasons.append(
        pl.when(pl.col("destination").is_null() | (pl.col("destination") == ""))
        .then(pl.lit("destination: a country code is required (ISO 3166-1 alpha-2, e.g. CN)"))
        .when(pl.col("destination").is_in(list(country_bad)))
        .then(pl.format("destination: unknown country code '{}'", pl.col("destination")))
    )
    for column in ("end_user_country", "end_user_headquarters_country"):
        reasons.append(
            pl.when(pl.col(column).is_in(list(country_bad))).then(
                pl.format(f"{column}: unknown country code '{{}}'", pl.col(column))
            )
        )
    quantity = pl.col("quantity").cast(pl.Int64, strict=False)
    reasons.append(
        pl.when((pl.col("quantity") != "") & quantity.is_null())
        .then(pl.format("quantity: '{}' is not a whole number", pl.col("quantity")))
        .when(quantity < 1)
        .then(pl.format("quantity: {} must be at least 1", pl.col("quantity")))
        .when(quantity > MAX_QUANTITY)
        .then(pl.format(f"quantity: {{}} must be at most {MAX_QUANTITY}", pl.col("quantity")))
    )
    ship = pl.col("ship_date").str.to_date("%Y-%m-%d", strict=False)
    reasons.append(
        pl.when((pl.col("ship_date") != "") & ship.is_null()).then(
            pl.format("ship_date: '{}' is not a date in YYYY-MM-DD form", pl.col("ship_date"))
        )
    )
    for flag in FLAGS:
        reasons.append(
            pl.when(~pl.col(flag).str.to_lowercase().is_in([*TRUE_WORDS, *FALSE_WORDS])).then(
                pl.format(f"{flag}: '{{}}' is not true/false", pl.col(flag))
            )
        )
    value = pl.col("value_usd").cast(pl.Float64, strict=False)
    reasons.append(
        pl.when((pl.col("value_usd") != "") & value.is_null())
        .then(pl.format("value_usd: '{}' is not a number", pl.col("value_usd")))
        .when(~value.is_finite() | (value < 0) | (value > MAX_VALUE_USD))
        .then(pl.format(f"value_usd: {{}} must be a finite number from 0 to {MAX_VALUE_USD:.0f}", pl.col("value_usd")))
    )
    for column, limit in TEXT_LIMITS.items():
        reasons.append(
            pl.when(pl.col(column).str.len_chars() > limit)
            .then(pl.lit(f"{column}: longer than {limit} characters"))
            .when(pl.col(column).str.contains("\x00", literal=True))
            .then(pl.lit(f"{column}: must not contain a NUL character"))
        )
    checked = raw.with_columns(
        pl.concat_str([r for r in reasons], separator="; ", ignore_nulls=True).alias("reason")
    ).with_columns(pl.when(pl.col("reason") == "").then(None).otherwise(pl.col("reason")).alias("reason"))
    bad = checked.filter(pl.col("reason").is_not_null()).select("row", "reason", *ALIASES)
    good = checked.filter(pl.col("reason").is_null())

    def text_or_null(name: str) -> pl.Expr:
        return pl.when(pl.col(name) == "").then(None).otherwise(pl.col(name)).alias(name)

    def country(name: str) -> pl.Expr:
        return pl.col(name).replace_strict(country_ok, default=None, return_dtype=pl.String).alias(name)

    lines = good.select(
        pl.col("row").cast(pl.UInt32),
        text_or_null("order_id"),
        text_or_null("line_id"),
        pl.col("item"),
        pl.col("item").replace_strict(item_ok, default=None, return_dtype=pl.String).alias("item_id"),
        quantity.fill_null(1).alias("quantity"),
        country("destination"),
        ship.alias("ship_date"),
        text_or_null("end_user_name"),
        country("end_user_country"),
        country("end_user_headquarters_country"),
        pl.col("end_use").fill_null(""),
        *[pl.col(f).str.to_lowercase().is_in(list(TRUE_WORDS)).fill_null(False).alias(f) for f in FLAGS],
        value.alias("value_usd"),
    )
    return lines, bad


def atomic_write_parquet(df: pl.DataFrame, target: Path, metadata: dict[str, str] | None = None) -> None:
    """Write to a temporary file in the same directory, fsync, then rename: a reader sees all or nothing."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    df.write_parquet(tmp, compression="zstd", metadata=metadata)
    with open(tmp, "rb") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, target)


def atomic_write_text(text: str, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, target)


__all__ = ["ALIASES", "FLAGS", "atomic_write_parquet", "atomic_write_text", "read_orders", "validate"]
