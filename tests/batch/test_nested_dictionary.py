"""The batch output's decision columns are dictionary arrays whose dictionaries hold each text once.

A text specialised for a line (its as-of date or end user put in) can equal a text that is already in the
dictionary, or another specialised one. A dictionary holding a value twice is still a valid Arrow array, but the
Parquet writer then gives up dictionary encoding for the whole column chunk and writes every value out: slower and
about twice the size (the 1M-line book's output went from 67 to 35 MB once the dictionaries were unique).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from chipclear.batch.nested import DATE_MARK, NESTED, Assembler, templates
from chipclear.batch.plan import PARTY_PLACEHOLDER
from chipclear.batch.runner import BatchOptions, run_batch
from chipclear.batch.synthetic import generate_orders

DAY = dt.date(2026, 1, 5)


def _reason(detail: str) -> dict[str, str]:
    return {"rule": "r#1", "citation": "15 CFR 744.23", "detail": detail, "confidence": "H"}


def _dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


def _decisions() -> pl.DataFrame:
    """Three keys: one whose text holds the mark, one whose text already reads as key 0's text does on DAY, and
    one whose text names the end user."""
    reasons = [
        [_reason(f"as of {DATE_MARK}"), _reason("fixed")],
        [_reason(f"as of {DAY.isoformat()}")],
        [_reason(f"end user {PARTY_PLACEHOLDER}"), _reason(f"end user {PARTY_PLACEHOLDER} as of {DATE_MARK}")],
    ]
    return pl.DataFrame(
        {
            "verdict": ["NLR", "NLR", "HOLD"],
            "reasons": reasons,
            "license_exceptions": [[], [], []],
            "missing": [[], [], [f"end user {PARTY_PLACEHOLDER}"]],
            "screening": [None, None, None],
        },
        schema={"verdict": pl.String, **NESTED},
    )


def _leaves(array: pa.Array) -> list[pa.DictionaryArray]:
    if isinstance(array, pa.DictionaryArray):
        return [array]
    if pa.types.is_struct(array.type):
        return [leaf for i in range(array.type.num_fields) for leaf in _leaves(array.field(i))]
    if pa.types.is_large_list(array.type) or pa.types.is_list(array.type):
        return _leaves(array.values)
    return []


def test_specialised_texts_that_equal_a_dictionary_text_are_not_added_twice() -> None:
    lines = pl.DataFrame(
        {
            "key_id": [0, 1, 0, 2, 2, 2],
            "as_of": [DAY, DAY, DAY + dt.timedelta(days=1), DAY, DAY, DAY],
            # key 2 for an end user spelt like the fixed text, and the same end user twice
            "end_user_name": [None, None, None, "fixed", "Acme", "Acme"],
        },
        schema={"key_id": pl.UInt32, "as_of": pl.Date, "end_user_name": pl.String},
    )
    columns = Assembler(_decisions(), ["verdict"]).columns(lines)
    leaves = [leaf for array in columns.values() for leaf in _leaves(array)]
    assert len(leaves) >= 5
    for leaf in leaves:
        texts = leaf.dictionary.to_pylist()
        assert len(texts) == len(set(texts)), texts
    details = [[r["detail"] for r in line] for line in columns["reasons"].to_pylist()]
    assert details == [
        ["as of 2026-01-05", "fixed"],
        ["as of 2026-01-05"],
        ["as of 2026-01-06", "fixed"],
        ["end user fixed", "end user fixed as of 2026-01-05"],
        ["end user Acme", "end user Acme as of 2026-01-05"],
        ["end user Acme", "end user Acme as of 2026-01-05"],
    ]
    assert columns["missing"].to_pylist()[3:] == [["end user fixed"], ["end user Acme"], ["end user Acme"]]


def test_a_batch_output_keeps_dictionary_encoding_for_every_text_of_the_reasons(tmp_path: Path) -> None:
    """A 2,000-line book: before the dictionaries were made unique, its ``reasons.citation`` was written PLAIN."""
    orders = tmp_path / "orders.csv"
    generate_orders(2_000).write_csv(orders)
    result = run_batch(BatchOptions(orders=orders, out=tmp_path / "d.parquet", verify=0, screening=False))
    metadata = pq.ParquetFile(result.out).metadata
    encodings = {
        (group, metadata.row_group(group).column(i).path_in_schema): metadata.row_group(group).column(i).encodings
        for group in range(metadata.num_row_groups)
        for i in range(metadata.num_columns)
    }
    texts = {at: found for at, found in encodings.items() if at[1].startswith(("reasons.", "missing."))}
    assert len(texts) == 5 * metadata.num_row_groups
    for at, found in texts.items():
        assert "RLE_DICTIONARY" in found, (at, found)
    assert pl.read_parquet(result.out).height == 2_000 - result.bad


def test_templates_mark_each_keys_own_date_wherever_it_stands() -> None:
    """The representative date replaced in every text of its own key only: at the start, at the end, twice in a row,
    right after other text; another key's date, a key without a date and a key without texts are left as they are."""
    day = DAY.isoformat()
    other = "2026-01-06"
    reasons = [
        [_reason(f"{day} as of {day}{day}"), _reason(f"x{day}")],
        [_reason(f"as of {day}, not {other}")],  # the same day, but this key's date is another
        [_reason(f"as of {day}")],  # no date: nothing is replaced
        None,
    ]
    decisions = pl.DataFrame(
        {
            "key_id": [0, 1, 2, 3],
            "rep_as_of": [DAY, DAY + dt.timedelta(days=1), None, DAY],
            "reasons": [None if r is None else _dumps(r) for r in reasons],
            "license_exceptions": ["[]", "[]", "[]", None],
            "missing": [_dumps([f"date {day}"]), "[]", "[]", None],
            "screening": [None, None, None, None],
        },
        schema_overrides={"rep_as_of": pl.Date, "screening": pl.String},
    )
    out = templates(decisions)
    details = [None if r is None else [x["detail"] for x in r] for r in out["reasons"].to_list()]
    assert details == [
        [f"{DATE_MARK} as of {DATE_MARK}{DATE_MARK}", f"x{DATE_MARK}"],
        [f"as of {day}, not {DATE_MARK}"],
        [f"as of {day}"],
        None,
    ]
    assert out["missing"].to_list() == [[f"date {DATE_MARK}"], [], [], None]
    assert out["key_id"].to_list() == [0, 1, 2, 3]
