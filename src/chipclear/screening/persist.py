"""The screening index stored beside the list it was built from, so a new process loads it in a fraction of a
second instead of rebuilding it (seconds of CPU, hundreds of MB) on every ``chipclear screen``.

One file per list version under ``<lists dir>/index/``, named by a key over the list's content hash, its date and
format, and a fingerprint of everything that shapes the index (the index format, the entry fields and the
normalization tables). A list update or a code change that alters the index changes the key, so the stale file
is never read; it is rebuilt on first use and the older files are removed. The file is written under a temporary
name and renamed into place, so a reader never sees half a file; an unreadable file is rebuilt.

The file is a pickle of plain containers and numpy arrays. Like the list files and the ledger in the same data
directory, it is trusted: whoever can write the data directory can already change the lists.
"""

from __future__ import annotations

import dataclasses
import gc
import hashlib
import pickle
from collections.abc import Callable, Iterator, Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from chipclear.atomic import INCOMING, replace_bytes
from chipclear.screening.index import NameIndex
from chipclear.screening.listing import Listing, derive_listings
from chipclear.screening.model import ListEntry, LoadedList

# 2: containment anchors (screening/containment.py); 3: acronym rows from "(SMIC)", "(NSCC-TJ)"; 4: the Entity List
# parse's a.k.a. names joined in (store.py), ";"-joined aliases split (loaders.py); 5: hyphenated names also read
# apart, the lists' acronyms and joined word pairs (2026-12-07)
INDEX_FORMAT = 5
SUFFIX = ".index.pickle"


def fingerprint() -> str:
    """What, besides the list, decides the index: format, entry fields, normalization tables, index code."""
    list_fields = [f.name for f in dataclasses.fields(LoadedList)]
    digest = hashlib.sha256(f"{INDEX_FORMAT}:{ListEntry.__slots__}:{list_fields}".encode())
    data = resources.files("chipclear.screening") / "data"
    digest.update((data / "normalization.json").read_bytes())
    for name in (
        "index.py",
        "containment.py",
        "normalize.py",
        "listing.py",
        "loaders.py",
        "store.py",
        "data/listing-effective-dates.yaml",
        "data/dpl-effective-dates.json",
    ):
        digest.update((resources.files("chipclear.screening") / name).read_bytes())
    return digest.hexdigest()[:16]


def index_key(list_identity: str) -> str:
    return hashlib.sha256(f"{list_identity}|{fingerprint()}".encode()).hexdigest()[:24]


def _dump(lists: LoadedList, index: NameIndex) -> bytes:
    fields = ListEntry.__slots__
    payload = {
        "format": INDEX_FORMAT,
        "list": {f.name: getattr(lists, f.name) for f in dataclasses.fields(LoadedList) if f.name != "entries"},
        "entries": [tuple(getattr(e, f) for f in fields) for e in lists.entries],
        "index": index.to_state(),
        "listings": {
            entry_id: tuple(getattr(listing, f.name) for f in dataclasses.fields(Listing))
            for entry_id, listing in derive_listings(
                lists.entries, lists.listing_citations, stated=lists.stated_effective
            ).items()
        },
    }
    return pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)


class LazyListings(Mapping[str, Listing]):
    """Entry id -> ``Listing``, each made from its stored fields on first use (a search reads a handful)."""

    def __init__(self, stored: dict[str, tuple[Any, ...]]) -> None:
        self._stored = stored
        self._made: dict[str, Listing] = {}

    def __getitem__(self, entry_id: str) -> Listing:
        made = self._made.get(entry_id)
        if made is None:
            made = self._made[entry_id] = Listing(*self._stored[entry_id])
        return made

    def __iter__(self) -> Iterator[str]:
        return iter(self._stored)

    def __len__(self) -> int:
        return len(self._stored)


def _load(raw: bytes) -> tuple[LoadedList, NameIndex, Mapping[str, Listing]]:
    # Millions of small containers, all kept for the life of the process: the cyclic collector would walk the
    # growing heap several times while they are made (about half the load time) and once more soon after, for
    # nothing. So it is paused while they are made, and they are moved out of its sight (gc.freeze) afterwards;
    # reference counting still frees them when the index is replaced.
    enabled = gc.isenabled()
    gc.disable()
    try:
        payload: dict[str, Any] = pickle.loads(raw)  # our own file in the trusted data directory
        if payload.get("format") != INDEX_FORMAT:
            raise ValueError("index format changed")
        entries = tuple(ListEntry(*values) for values in payload["entries"])
        lists = LoadedList(entries=entries, **payload["list"])
        loaded = lists, NameIndex.from_state(entries, payload["index"]), LazyListings(payload["listings"])
        gc.freeze()
        return loaded
    finally:
        if enabled:
            gc.enable()


def load_or_build(
    directory: Path, list_identity: str, load_list: Callable[[], LoadedList]
) -> tuple[LoadedList, NameIndex, Mapping[str, Listing] | None, str]:
    """The list, its index and its entries' listings (dates, actions) from ``directory`` when stored for this list
    version, else the list and index built and stored (listings then derived when first needed).

    Returns (list, index, listings, how) with ``how`` one of ``loaded``, ``built``, ``built (not stored: ...)``."""
    path = directory / f"{index_key(list_identity)}{SUFFIX}"
    if path.exists():
        try:
            lists, index, listings = _load(path.read_bytes())
            return lists, index, listings, "loaded"
        except Exception:  # a damaged or foreign file is rebuilt, never trusted half-read
            pass
    lists = load_list()
    index = NameIndex(lists.entries)
    try:
        _store(path, _dump(lists, index))
    except OSError as exc:
        return lists, index, None, f"built (not stored: {exc})"
    return lists, index, None, "built"


def _store(path: Path, raw: bytes) -> None:
    replace_bytes(path, raw, SUFFIX)
    for other in path.parent.glob(f"*{SUFFIX}"):
        if other != path and not other.name.startswith(INCOMING):
            other.unlink(missing_ok=True)
