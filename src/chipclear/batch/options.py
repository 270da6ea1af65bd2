"""What a batch run is asked to do (``BatchOptions``), its progress callback, and the row helpers that the
full run (``runner``) and the re-check run (``recheck``) share, so that neither imports the other."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any, Protocol

import polars as pl

from chipclear.batch.engine import DEFAULT_DECIDER
from chipclear.batch.io import ALIASES
from chipclear.screening.reviews import ReviewSnapshot


class Progress(Protocol):
    def phase(self, name: str, total: int | None = None) -> None: ...

    def advance(self, amount: int) -> None: ...


@dataclass
class BatchOptions:
    orders: Path
    out: Path
    as_of: dt.date | None = None  # decide every line as of this date (default: its ship date, else the run date)
    layer: str = "enforced"
    workers: int = 1  # 0: one per CPU core for a large book (runner.auto_workers); the CLI's default
    dask: str | None = None  # scheduler address, e.g. tcp://10.0.0.5:8786
    screening: bool = True
    since_rules: dt.date | None = None
    since_lists: str | Path | None = None  # an earlier list: a file, "embedded", "previous" or their version
    exact: bool = False  # one determination per distinct full line (no epochs, no party placeholder)
    verify: int = 20  # lines checked against a direct per-line determine()
    batch_size: int = 200  # distinct keys per task
    chunk_rows: int = 100_000  # lines per output piece (bounds the memory of the assemble phase)
    decider: str = DEFAULT_DECIDER
    bad_rows: Path | None = None
    report: Path | None = None
    resume: bool = True
    keep_checkpoint: bool = False
    cache: bool = True  # reuse decisions of earlier runs over the same rules, lists and code (batch.cache)
    input_format: str | None = None  # csv, parquet, xlsx, jsonl (default: the suffix, else the first bytes)
    ignore_columns: tuple[str, ...] = ()  # columns of the book that are not read, named by the user (io.read_orders)
    # the screening reviews to apply (None: the settings' ledger's, read once when the run starts; a server passes
    # its own ledger's)
    reviews: ReviewSnapshot | None = None

    @property
    def recheck(self) -> bool:
        return self.since_rules is not None or self.since_lists is not None

    def signature(self) -> dict[str, Any]:
        keep = ("as_of", "layer", "screening", "since_rules", "since_lists", "exact", "batch_size", "chunk_rows")
        data = asdict(self) if self.reviews is None else asdict(replace(self, reviews=None))
        return {k: str(data[k]) if data[k] is not None else None for k in keep} | {"decider": self.decider}


def bad_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """Bad rows in one shape: row, reason and the input columns as text."""
    cols = [pl.col("row").cast(pl.UInt32), pl.col("reason").cast(pl.String)]
    for name in ALIASES:
        cols.append((pl.col(name).cast(pl.String) if name in frame.columns else pl.lit(None, pl.String)).alias(name))
    return frame.select(cols)


def sample_rows(keyed: pl.DataFrame, count: int) -> pl.DataFrame:
    """A fixed, evenly spread sample of lines (the same on every run of the same book)."""
    if count <= 0 or keyed.height == 0:
        return keyed.head(0)
    step = max(keyed.height // count, 1)
    return keyed.gather_every(step).head(count)


__all__ = ["BatchOptions", "Progress", "bad_frame", "sample_rows"]
