"""A disk cache of decided keys, so that a second run over the same rules, catalog, geography, lists and code does
not decide them again.

A cached row is one distinct key's decision with its nested columns decoded and the representative date it was
decided on replaced by a mark (``nested.templates``: a warm run joins them to its lines without parsing any text).
Its key names the epoch by its first and last day, not by its number (the epoch numbers move with the run date),
and a party that has screening hits by a digest of its screening result (by name and country) and of each named
owner's, so a changed list, review or threshold never reuses a stale decision. The file name is a fingerprint of
everything else a decision depends on: the chipclear package (code and bundled data), every decision setting
(``settings.decision_settings``: the user's catalog, rule and model files, the listing lag, the list age and the
screening thresholds), the rules and list versions, the layer and the decider. Anything unknown disables
the cache (a custom decider, ``--exact``, re-checks): a cache miss only costs time, a wrong hit would cost a wrong
decision.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from functools import lru_cache
from pathlib import Path
from typing import Any

import polars as pl

from chipclear import tempfiles
from chipclear.batch.engine import DECISION_COLUMNS
from chipclear.batch.nested import NESTED
from chipclear.batch.plan import KEY_COLUMNS

CACHE_KEY = [c for c in KEY_COLUMNS if c != "epoch"] + ["epoch_start", "epoch_end", "party_digest"]
FORMAT = "9"  # 2: the party placeholder changed (batch keys go through the compiled rows); 3: nested templates;
# 4: party_digest by name and country, with the owners' results; 5: keys by country class (``by_class``); 6: a
# key by class names the first epoch of its data state (``plan.epoch_groups``); 7: every
# decision setting (``settings.decision_settings``), the listing lag among them; 8: a located end user's country
# by class (``plan.located_country_classes``); 9: review policies cited as the paragraph then in force
# (``renumbered`` on a policy)
SCHEMA: dict[str, Any] = {c: NESTED.get(c, t) for c, t in DECISION_COLUMNS.items()}


def _hash_paths(digest: Any, paths: Iterable[Path]) -> None:
    for root in paths:
        files = sorted(p for p in root.rglob("*") if p.is_file()) if root.is_dir() else [root]
        for path in files:
            if "__pycache__" in path.parts:
                continue
            digest.update(str(path).encode())
            try:
                digest.update(path.read_bytes())
            except OSError:
                digest.update(b"<unreadable>")


@lru_cache(maxsize=1)
def package_digest() -> str:
    """The chipclear package's code and bundled data files (a new version or an edited file: a new cache)."""
    import chipclear

    digest = hashlib.sha256()
    _hash_paths(digest, [Path(chipclear.__file__).parent])
    return digest.hexdigest()


def fingerprint(parts: dict[str, Any]) -> str:
    """The cache file's name: the package, every decision setting (``settings.decision_settings``: the listing lag,
    the list age, the thresholds, the user's catalog, rule and model files...) and ``parts``."""
    from chipclear.settings import decision_settings

    digest = hashlib.sha256(FORMAT.encode())
    digest.update(package_digest().encode())
    digest.update(json.dumps([decision_settings(), parts], sort_keys=True, default=str).encode())
    return digest.hexdigest()[:32]


def result_digest(result: Any) -> str:
    """A screening result without its time stamp, as a short digest."""
    data = result.to_json() if hasattr(result, "to_json") else repr(result)
    if isinstance(data, dict):
        data = {k: v for k, v in data.items() if k != "screened_at"}
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()[:24]


def with_epoch_days(keys: pl.DataFrame, boundaries: list[dt.date]) -> pl.DataFrame:
    """``epoch_start`` and ``epoch_end`` (first and last day) of each key's epoch."""
    starts = [dt.date.min, *boundaries]
    ends = [b - dt.timedelta(days=1) for b in boundaries] + [dt.date.max]
    days = pl.DataFrame(
        {"epoch": range(len(starts)), "epoch_start": starts, "epoch_end": ends},
        schema={"epoch": keys.schema["epoch"], "epoch_start": pl.Date, "epoch_end": pl.Date},
    )
    return keys.join(days, on="epoch", how="left")


class DecisionCache:
    """``<data dir>/cache/batch/<fingerprint>.parquet``: cached key decisions."""

    def __init__(self, directory: Path, fingerprint: str) -> None:
        self.path = directory / f"{fingerprint}.parquet"
        self._rows: pl.DataFrame | None = None
        self._reading: Future[pl.DataFrame | None] | None = None

    def _read(self) -> pl.DataFrame | None:
        if not self.path.exists():
            return None
        try:
            # One chunk: Polars gathers nested columns (reasons, screening hits) spread over several chunks (one per
            # row group) 30-50x slower than from one, and ``split`` gathers every cached key's decision.
            return pl.read_parquet(self.path).rechunk()
        except (pl.exceptions.PolarsError, OSError):
            return None  # a damaged cache is a miss, never an error

    def prefetch(self) -> None:
        """Start reading the file in a thread (Polars reads without the GIL), while the run plans its keys."""
        if self._rows is None and self._reading is None:
            pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="chipclear-cache")
            self._reading = pool.submit(self._read)
            pool.shutdown(wait=False)

    def _load(self) -> pl.DataFrame | None:
        if self._reading is not None:
            reading, self._reading = self._reading, None
            self._rows = reading.result()
        if self._rows is None:
            self._rows = self._read()
        return self._rows

    def split(self, keys: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
        """(``key_id`` and decision columns of the cached keys, ``nested.templates`` form; the keys to decide)."""
        cached = self._load()
        schema = {"key_id": pl.UInt32, **SCHEMA}
        if cached is None:
            return pl.DataFrame(schema=schema), keys
        found = keys.select("key_id", *CACHE_KEY).join(cached, on=CACHE_KEY, how="inner", nulls_equal=True)
        found = found.select(list(schema))
        return found, keys.join(found.select("key_id"), on="key_id", how="anti")

    def add(self, keys: pl.DataFrame, decisions: pl.DataFrame) -> None:
        """Store the decided keys (``nested.templates`` form; an error too: the same code and data give the same
        error)."""
        decided = decisions.select("key_id", *SCHEMA)
        fresh = keys.select("key_id", *CACHE_KEY).join(decided, on="key_id", how="inner")
        if fresh.height == 0:
            return
        fresh = fresh.drop("key_id")
        cached = self._load()
        rows = fresh if cached is None else pl.concat([cached, fresh.select(cached.columns)], rechunk=True)
        rows = rows.unique(CACHE_KEY, keep="first", maintain_order=True)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = tempfiles.temp_path(self.path)
        rows.write_parquet(tmp, compression="zstd")
        os.replace(tmp, self.path)
        self._rows = rows


__all__ = ["CACHE_KEY", "DecisionCache", "fingerprint", "result_digest", "with_epoch_days"]
