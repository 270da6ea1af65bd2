"""Where the lists come from: the embedded default, or a validated update stored in the data directory.

``ListStore.update`` loads a file or URL into memory, validates it (parser checks, the entry checks of
``loaders.check_entries``: names of at most 1,000 characters, no NUL or lone surrogate, one id per entry; plus a
row-count check against the list in use), writes it under a temporary name and swaps it in with ``os.replace``: a broken or
truncated file never replaces a good one. ``current.json`` records the active file, its version and dates.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import tempfile
import threading
from dataclasses import dataclass, replace
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from chipclear.errors import DataFileError, InputError
from chipclear.screening.loaders import load_list, parse_bis_parse_json, parse_csl_projection, parse_list_bytes
from chipclear.screening.model import ListEntry, LoadedList
from chipclear.settings import get_settings
from chipclear.userfiles import input_file

if TYPE_CHECKING:
    from chipclear.screening.screener import Screener

CSL_URL = "https://data.trade.gov/downloadable_consolidated_screening_list/v1/consolidated.json"
# An update may not shrink the list in use by more than this share unless the user says so (truncation guard).
MAX_SHRINK = 0.2


@lru_cache(maxsize=1)
def embedded_manifest() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        (resources.files("chipclear.screening") / "data" / "manifest.json").read_text(encoding="utf-8")
    )
    return data


def _data_bytes(name: str) -> bytes:
    return (resources.files("chipclear.screening") / "data" / name).read_bytes()


def _name_key(name: str) -> str:
    return " ".join(name.lower().split())


@dataclass(frozen=True, slots=True)
class _ParseJoin:
    """What the bundled Supplement No. 4 parse adds to the CSL's Entity List entries, by name key."""

    addresses: dict[str, tuple[str, ...]]
    notices: dict[str, str]
    # name key -> the parse's a.k.a. names; (name key, country) when the parse lists one name under several countries
    aliases: dict[str, tuple[str, ...]]
    aliases_by_country: dict[tuple[str, str], tuple[str, ...]]
    citation: str


@lru_cache(maxsize=1)
def _entity_list_parse() -> _ParseJoin:
    """Name key -> addresses, FR citation text and a.k.a. names, from the bundled Supplement No. 4 parse."""
    info = embedded_manifest()["lists"]["entity_list_addresses"]
    el_file = info["file"]
    el = parse_bis_parse_json(_data_bytes(el_file), f"chipclear:data/{el_file}")
    addresses: dict[str, tuple[str, ...]] = {}
    notices: dict[str, str] = {}
    aliases: dict[str, list[str]] = {}
    by_country: dict[tuple[str, str], list[str]] = {}
    for entry in el.entries:
        key = _name_key(entry.name)
        addresses.setdefault(key, entry.addresses)
        if entry.federal_register_notice:
            notices.setdefault(key, entry.federal_register_notice)
        aliases.setdefault(key, []).extend(entry.aliases)
        for country in entry.countries:
            by_country.setdefault((key, country), []).extend(entry.aliases)
    citation = (
        f"a.k.a. in the Entity List, Supplement No. 4 to Part 744 ({info['origin']}; chipclear:data/{el_file}), "
        "not among the CSL's alternate names"
    )
    return _ParseJoin(
        addresses,
        notices,
        {k: tuple(v) for k, v in aliases.items() if v},
        {k: tuple(v) for k, v in by_country.items() if v},
        citation,
    )


def _parse_aliases(join: _ParseJoin, entry: ListEntry) -> tuple[str, ...]:
    """The parse's a.k.a. names of ``entry`` that its own names lack: those of the same name in the same country
    where the parse has that name there, else those of the same name."""
    key = _name_key(entry.name)
    found: list[str] = []
    for country in entry.countries:
        found.extend(join.aliases_by_country.get((key, country), ()))
    if not found:
        found.extend(join.aliases.get(key, ()))
    have = {_name_key(n) for n in entry.names}
    new: list[str] = []
    for alias in found:
        if _name_key(alias) not in have:
            have.add(_name_key(alias))
            new.append(alias)
    return tuple(new)


def with_entity_list_parse(lists: LoadedList, **changes: Any) -> LoadedList:
    """``lists`` with Entity List addresses, dated citations and a.k.a. names joined in from the Supplement No. 4
    parse.

    The CSL leaves out a.k.a. names that the Entity List prints (an audit of 2026-12-07 found 256 of them, 55 of
    which no spelling in the CSL found: "Sunton Tech (HK) Limited", "XWSESA"), so an Entity List entry also gets
    the parse's a.k.a. names of the same name, each recorded in ``alias_sources`` with where it comes from (a hit
    on one says so). Applied to every load, embedded or stored: a screener must answer from the content, so two
    loads with one content hash (the embedded CSL, and the same file stored by ``lists update --list-date ...``)
    give the same hits, entry hashes and listing dates whatever their list date."""
    if "EL" not in lists.counts_by_source:
        return replace(lists, **changes) if changes else lists
    join = _entity_list_parse()
    merged: list[ListEntry] = []
    citations: dict[str, str] = dict(lists.listing_citations)
    sources: dict[str, dict[str, str]] = {k: dict(v) for k, v in lists.alias_sources.items()}
    for entry in lists.entries:
        if entry.source == "EL":
            key = _name_key(entry.name)
            if not entry.addresses and key in join.addresses:
                entry = replace(entry, addresses=join.addresses[key])
            if key in join.notices:
                citations.setdefault(entry.entry_id, join.notices[key])
            extra = _parse_aliases(join, entry)
            if extra:
                entry = replace(entry, aliases=(*entry.aliases, *extra))
                sources.setdefault(entry.entry_id, {}).update(dict.fromkeys(extra, join.citation))
        merged.append(entry)
    return replace(lists, entries=tuple(merged), listing_citations=citations, alias_sources=sources, **changes)


@lru_cache(maxsize=1)
def load_embedded() -> LoadedList:
    """The embedded CSL, with Entity List addresses joined in from the Supplement No. 4 parse."""
    manifest = embedded_manifest()["lists"]
    csl_file = manifest["csl"]["file"]
    csl = parse_csl_projection(_data_bytes(csl_file), f"chipclear:data/{csl_file}")
    return with_entity_list_parse(
        csl, format="embedded:" + csl.format, origin=f"embedded ({manifest['csl']['origin']})"
    )


@dataclass(frozen=True, slots=True)
class UpdateReport:
    version: str
    list_date: str | None
    entries: int
    previous_version: str
    previous_entries: int
    counts_by_source: dict[str, int]
    path: str

    def to_json(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "list_date": self.list_date,
            "entries": self.entries,
            "previous_version": self.previous_version,
            "previous_entries": self.previous_entries,
            "counts_by_source": self.counts_by_source,
            "path": self.path,
        }


class ListStore:
    """Updated lists under ``<data dir>/lists`` (or ``CHIPCLEAR_LISTS_DIR``)."""

    def __init__(self, directory: Path | None = None) -> None:
        settings = get_settings()
        self.directory = Path(directory or settings.lists_dir or settings.data_dir / "lists")

    @property
    def pointer(self) -> Path:
        return self.directory / "current.json"

    def current(self) -> dict[str, Any] | None:
        if not self.pointer.exists():
            return None
        try:
            data: dict[str, Any] = json.loads(self.pointer.read_text(encoding="utf-8"))
        except ValueError as exc:
            raise DataFileError(f"{self.pointer}: unreadable list pointer ({exc})") from None
        return data

    def load_active(self) -> LoadedList:
        """The stored update if there is one, else the embedded default."""
        info = self.current()
        if info is None:
            return load_embedded()
        return self._load_recorded(info)

    def load_previous(self) -> LoadedList | None:
        """The load that the last update replaced (with the date recorded for it), or None."""
        previous = (self.current() or {}).get("previous") or {}
        return self._load_recorded(previous) if previous.get("file") else None

    def _load_recorded(self, info: dict[str, Any]) -> LoadedList:
        """A stored load with the list date recorded at update time: files are named by content hash, so two
        updates of the same content with different ``--list-date`` share one file, and the date inside the file
        is not the version's date."""
        loaded = load_list(self.directory / info["file"], info.get("format"))
        date = dt.date.fromisoformat(info["list_date"]) if info.get("list_date") else loaded.list_date
        return with_entity_list_parse(loaded, list_date=date, origin=info.get("origin", ""))

    @staticmethod
    def _version_and_count(info: dict[str, Any] | None) -> tuple[str, int]:
        """The version and entry count of the list in use (``info``: its pointer, None for the embedded list)."""
        if info is not None:
            return str(info["version"]), int(info["entries"])
        csl = embedded_manifest()["lists"]["csl"]
        return f"{csl['list_date']}:{csl['sha256'][:12]}", int(csl["entries"])

    def update(
        self,
        source: str | None = None,
        *,
        fmt: str | None = None,
        list_date: dt.date | None = None,
        allow_shrink: bool = False,
        timeout: float = 60.0,
        allow_older: bool = False,
        allow_redate: bool = False,
    ) -> UpdateReport:
        """Fetch (URL) or read (file/folder) a list, validate it, then swap it in atomically.

        The list's date decides when it is stale (and lines hold), so it is checked: a ``list_date`` other than the
        file's own date is refused unless ``allow_redate``, a date after today always, and a list older than the
        one in use unless ``allow_older`` (a door audit, 2026-12-07: nothing stopped a list from going back in time
        or an old file from being stored as today's)."""
        source = source or CSL_URL
        before = self.current()  # the list in use: read once for the checks and the new pointer's "previous"
        previous_version, previous_count = self._version_and_count(before)
        is_url = source.startswith(("http://", "https://"))
        path = Path(source)
        if not is_url:
            input_file(path, "--from", folder_ok=True)  # a FIFO or a device: never opened
        if is_url:
            raw = _fetch(source, timeout)
            name = source.rsplit("/", 1)[-1] or "list.json"
            loaded = parse_list_bytes(raw, source, fmt, strict=True)
        elif path.is_dir():
            loaded, raw, name = load_list(path, strict=True), b"", path.name
        elif path.exists():
            raw, name = path.read_bytes(), path.name
            loaded = parse_list_bytes(raw, str(path), fmt, strict=True)
        else:
            raise InputError(f"lists update: {source}: no such file, folder or URL", field="from")
        floor = int(previous_count * (1 - MAX_SHRINK))
        if not allow_shrink and len(loaded.entries) < floor:
            raise DataFileError(
                f"{source}: {len(loaded.entries)} entries, fewer than {floor} "
                f"({int((1 - MAX_SHRINK) * 100)}% of the {previous_count} in use): truncated or partial "
                "list refused; pass --allow-shrink if this is intended"
            )
        date = list_date or loaded.list_date
        _check_list_date(date, loaded.list_date, list_date, before, allow_older, allow_redate)
        self.directory.mkdir(parents=True, exist_ok=True)
        target_name = f"{loaded.content_sha256[:16]}-{name}"
        target = self.directory / target_name
        if path.is_dir() and not is_url:
            tmp_dir = Path(tempfile.mkdtemp(dir=self.directory, prefix=".incoming-"))
            shutil.copytree(path, tmp_dir, dirs_exist_ok=True)
            if target.exists():
                shutil.rmtree(tmp_dir)
            else:
                os.replace(tmp_dir, target)
        else:
            _atomic_write(target, raw)
        version = LoadedList(loaded.entries, date, loaded.content_sha256, loaded.format).version
        previous_info = {k: v for k, v in before.items() if k != "previous"} if before else None
        info: dict[str, Any] = {
            "file": target_name,
            "format": fmt or (None if path.is_dir() else loaded.format),
            "list_date": date.isoformat() if date else None,
            "version": version,
            "sha256": loaded.content_sha256,
            "entries": len(loaded.entries),
            "counts_by_source": loaded.counts_by_source,
            "origin": source,
            # the file's own date when --list-date replaced it (``allow_redate``)
            "file_list_date": loaded.list_date.isoformat() if loaded.list_date and loaded.list_date != date else None,
            "loaded_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "previous": previous_info,
        }
        _atomic_write(self.pointer, json.dumps(info, indent=1).encode("utf-8"))
        return UpdateReport(
            version=version,
            list_date=info["list_date"],
            entries=len(loaded.entries),
            previous_version=previous_version,
            previous_entries=previous_count,
            counts_by_source=loaded.counts_by_source,
            path=str(target),
        )


def _check_list_date(
    date: dt.date | None,
    own: dt.date | None,
    given: dt.date | None,
    current: dict[str, Any] | None,
    allow_older: bool,
    allow_redate: bool,
) -> None:
    """Refuse a list date that would make a list look newer or older than it is (see ``ListStore.update``)."""
    if given is not None and own is not None and given != own and not allow_redate:
        raise InputError(
            f"list_date: {given} is not the file's own date {own}; the file's date stands (pass --allow-redate if"
            " the file's date is wrong: the change is recorded)",
            field="list_date",
        )
    if date is not None and date > dt.date.today():
        raise InputError(f"list_date: {date} is after today: a list cannot be dated in the future", field="list_date")
    in_use = current.get("list_date") if current is not None else embedded_manifest()["lists"]["csl"].get("list_date")
    if date is None and in_use and not allow_older:
        raise InputError(
            f"list_date: the list has no date, and the list in use is dated {in_use}: give --list-date (the day the"
            " list was published) or pass --allow-older",
            field="list_date",
        )
    if date is not None and in_use and date < dt.date.fromisoformat(in_use) and not allow_older:
        raise InputError(
            f"list_date: {date} is older than the list in use ({in_use}); pass --allow-older to go back to it",
            field="list_date",
        )


def _fetch(url: str, timeout: float) -> bytes:
    import httpx

    try:
        response = httpx.get(url, timeout=timeout, follow_redirects=True)
        response.raise_for_status()
    except httpx.HTTPError as exc:
        raise DataFileError(f"{url}: download failed ({exc}); the list in use is unchanged") from None
    expected = response.headers.get("content-length")
    if (
        expected
        and expected.isdigit()
        and int(expected) != len(response.content)
        and "content-encoding" not in (response.headers)
    ):
        raise DataFileError(f"{url}: got {len(response.content)} of {expected} bytes (truncated download)")
    return response.content


def _atomic_write(target: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


_LOCK = threading.Lock()
_CACHE: dict[str, Any] = {}


def _screener_key(store: ListStore, info: dict[str, Any] | None) -> str:
    return f"{store.directory}:{info['version']}" if info else "embedded"


def default_screener() -> Screener:
    """The process-wide Screener over the active lists (stored update or embedded default), built once.

    Rebuilt only when the active list (its pointer file) changes, e.g. after ``chipclear lists update``. Building
    takes seconds, with the lock held: an event loop must not call this (``built_default_screener``).
    """

    store = ListStore()
    info = store.current()
    key = _screener_key(store, info)
    with _LOCK:
        cached: Screener | None = _CACHE.get(key)
        if cached is not None:
            return cached
        screener = _persisted_screener(store, info)
        if len(_CACHE) >= 3:  # keep the embedded one and a couple of stored updates
            _CACHE.pop(next(k for k in _CACHE if k != "embedded"), None)
        _CACHE[key] = screener
        return screener


def built_default_screener() -> Screener | None:
    """``default_screener()`` if the screener over the active lists is built already, else None: never builds,
    never waits on the lock (for an event loop, which then hands the check to a worker thread)."""
    store = ListStore()
    found: Screener | None = _CACHE.get(_screener_key(store, store.current()))
    return found


def _persisted_screener(store: ListStore, info: dict[str, Any] | None) -> Screener:
    """The screener over the active list, its index loaded from beside the list (built and stored once)."""
    from chipclear.screening.persist import load_or_build
    from chipclear.screening.screener import Screener

    if info is None:
        lists = embedded_manifest()["lists"]
        identity = "embedded:" + ":".join(str(v.get("sha256")) for _, v in sorted(lists.items()))
    else:
        identity = ":".join(str(info.get(k)) for k in ("file", "sha256", "list_date", "format", "origin"))
    loaded, index, listings, _ = load_or_build(store.directory / "index", identity, store.load_active)
    screener = Screener(loaded, index=index)
    if listings is not None:
        screener._listings = cast(dict[str, Any], listings)  # derived from this list when the index was stored
    return screener


def reset_default_screener() -> None:
    with _LOCK:
        _CACHE.clear()


def list_status() -> dict[str, Any]:
    """The screening list in use, as every door shows it (``screening.views.ListStatusView``: ``chipclear lists
    status --json`` and ``GET /api/lists/status``)."""
    screener = default_screener()
    stale, reason = screener.staleness()
    info = ListStore().current()
    loaded = screener.lists
    return {
        "list_version": screener.list_version,
        "list_date": loaded.list_date.isoformat() if loaded.list_date else None,
        "entries": len(loaded.entries),
        "names": len(screener.index.alias_text),
        "counts_by_source": loaded.counts_by_source,
        "origin": loaded.origin,
        "embedded": info is None,
        "loaded_at": info.get("loaded_at") if info else None,
        "stale": stale,
        "stale_reason": reason,
        "max_age_days": screener.max_age_days,
    }
