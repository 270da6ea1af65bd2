"""Loaded data kept between processes: the validated rules, catalogs and geography of the last run, so a CLI call
unpickles them in a few milliseconds instead of parsing and validating every YAML file again.

A snapshot is named by a SHA-256 over every byte of every data file it was built from (bundled and user files
alike, with the name each is known by) and over the code that shapes the loaded objects (``code_version()``). Any
change to a data file, to ``CHIPCLEAR_RULES``/``CATALOG``/``MODELS`` or to that code gives another name, so a stale
snapshot is never read; the new one is built on first use and the older ones of that kind are removed.

The file carries its own name and a SHA-256 of its body, checked before anything is unpickled: a truncated,
corrupt or foreign file is ignored and rebuilt, never trusted half-read. Writing is best effort (a read-only data
directory just means no snapshot). The files sit in ``<data dir>/cache/loaded-data/`` beside the compiled decision
tables; like those and the screening index, they are trusted: whoever can write the data directory can already
change the lists and the ledger.
"""

from __future__ import annotations

import contextlib
import hashlib
import pickle
import sys
from collections.abc import Callable, Iterable
from functools import lru_cache
from pathlib import Path
from typing import TypeVar

from chipclear.atomic import replace_bytes

T = TypeVar("T")

FORMAT = 1
MAGIC = b"chipclear-snapshot 1\n"
SUFFIX = ".pickle"
# The code whose classes and parsing decide what a loaded object holds: its source is part of every snapshot name.
_CODE = ("rules", "catalog", "models", "geography")
_TOP = (
    "provenance.py",
    "datafiles.py",
    "bounds.py",
    "errors.py",
    "logic.py",
    "decision.py",
    "classification.py",
    "snapshot.py",
)


@lru_cache(maxsize=1)
def code_version() -> str:
    """SHA-256 over the source of the loaders and data models, the pydantic version and the Python version."""
    import pydantic

    root = Path(__file__).resolve().parent
    digest = hashlib.sha256(f"{FORMAT}|{sys.version_info[:2]}|{pydantic.VERSION}".encode())
    files = [root / name for name in _TOP]
    for package in _CODE:
        files.extend(sorted((root / package).glob("*.py")))
    for path in files:
        digest.update(path.name.encode() + b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()


def snapshot_dir() -> Path:
    from chipclear.settings import get_settings

    return Path(get_settings().data_dir) / "cache" / "loaded-data"


def key_of(kind: str, sources: Iterable[tuple[str, bytes]], extra: str = "") -> str:
    """The snapshot name for ``kind`` built from ``sources`` (name, content) by the current code."""
    digest = hashlib.sha256(f"{kind}|{code_version()}|{extra}".encode())
    for name, content in sources:
        digest.update(f"\0{name}\0{len(content)}\0".encode())
        digest.update(content)
    return digest.hexdigest()


def _read(path: Path, key: str, expect: type = object) -> tuple[bool, object]:
    try:
        raw = path.read_bytes()
    except OSError:
        return False, None
    header = MAGIC + key.encode() + b"\n"
    if not raw.startswith(header) or len(raw) < len(header) + 65:
        return False, None
    checksum, body = raw[len(header) : len(header) + 64], raw[len(header) + 65 :]
    if hashlib.sha256(body).hexdigest().encode() != checksum:
        return False, None
    try:
        value = pickle.loads(body)  # checked above: our own complete file
    except Exception:
        return False, None
    return isinstance(value, expect), value


def _write(path: Path, key: str, value: object) -> None:
    body = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    raw = MAGIC + key.encode() + b"\n" + hashlib.sha256(body).hexdigest().encode() + b"\n" + body
    replace_bytes(path, raw, SUFFIX)
    kind = path.name.split("-")[0]
    for other in path.parent.glob(f"{kind}-*{SUFFIX}"):
        if other != path:
            other.unlink(missing_ok=True)


def cached(
    kind: str, sources: Iterable[tuple[str, bytes]], build: Callable[[], T], expect: type[T], extra: str = ""
) -> T:
    """The object ``build()`` makes from ``sources`` (an ``expect``), from its snapshot when one exists for exactly
    these bytes and this code; else built (errors propagate: nothing is stored for bad data) and stored for the
    next process."""
    key = key_of(kind, sources, extra)
    path = snapshot_dir() / f"{kind}-{key[:32]}{SUFFIX}"
    found, value = _read(path, key, expect)
    if found:
        return value  # type: ignore[return-value]  # an ``expect`` pickled under this very key
    made = build()
    with contextlib.suppress(OSError, pickle.PicklingError, TypeError, AttributeError):
        _write(path, key, made)  # else no snapshot this time; the answer is the same
    return made


__all__ = ["FORMAT", "cached", "code_version", "key_of", "snapshot_dir"]
