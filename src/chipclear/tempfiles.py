"""Temporary files written beside their target and renamed over it: ``.NAME.PID.tmp`` in the target's folder (the
same file system, so the rename is atomic). A process killed with SIGKILL cannot remove its own; ``remove_stale``
removes those of processes no longer running when the next run writes the same target."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable
from pathlib import Path

# SQLite's companions of a database file, removed with it
SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")


def temp_path(target: Path) -> Path:
    """This process's temporary file for ``target``."""
    return target.with_name(f".{target.name}.{os.getpid()}.tmp")


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # EPERM: alive, another user's
        return True
    return True


def remove_stale(target: Path, *, owner: bool = False) -> list[Path]:
    """Remove the temporary files (and their SQLite companions) left for ``target`` by processes that are no longer
    running; returns what was removed. Another live process's file is left alone, unless ``owner``: the caller
    holds the lock on ``target`` (no other process may write it), so every other process's file is stale."""
    pattern = re.compile(rf"\.{re.escape(target.name)}\.(\d+)\.tmp(?:-wal|-shm|-journal)?")
    return _remove(target.parent.iterdir, pattern, owner)


def remove_stale_under(folder: Path, *, owner: bool = False) -> list[Path]:
    """``remove_stale`` for every file under ``folder`` (a run's checkpoint pieces)."""
    return _remove(lambda: folder.rglob(".*.tmp"), re.compile(r"\..+\.(\d+)\.tmp"), owner)


def _remove(entries: Callable[[], Iterable[Path]], pattern: re.Pattern[str], owner: bool) -> list[Path]:
    removed: list[Path] = []
    try:
        found = list(entries())
    except OSError:
        return removed
    for entry in found:
        match = pattern.fullmatch(entry.name)
        if match is None or int(match[1]) == os.getpid() or (not owner and pid_alive(int(match[1]))):
            continue
        try:
            entry.unlink()
        except OSError:
            continue  # gone meanwhile, or not ours to remove: the run goes on
        removed.append(entry)
    return removed


def unlink_with_side_files(path: Path) -> None:
    for suffix in ("", *SQLITE_SIDE_FILES):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def fsync_path(path: Path) -> None:
    """Flush a file's (or a folder's) data to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


__all__ = ["fsync_path", "pid_alive", "remove_stale", "remove_stale_under", "temp_path", "unlink_with_side_files"]
