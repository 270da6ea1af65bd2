"""Exclusive advisory locks on files (POSIX ``flock``), for the processes of one machine that share a data
directory (``chipclear serve --workers N``). A lock is held by an open descriptor and released when it is closed,
or by the kernel when the holding process dies, so a crash never leaves a stale lock behind. Without ``flock`` (not
POSIX) ``AVAILABLE`` is False and the functions hold nothing: one process only."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

try:
    import fcntl
except ImportError:
    fcntl = None  # type: ignore[assignment]

AVAILABLE = fcntl is not None


def take(path: str | Path, *, wait: bool = True) -> int | None:
    """Lock ``path`` (created if missing) and return the descriptor that holds the lock (``release`` it); with
    ``wait=False`` raise ``BlockingIOError`` at once when another descriptor holds it. None without ``flock``."""
    if fcntl is None:
        return None
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)  # waits without holding the GIL
    except BaseException:
        os.close(fd)
        raise
    return fd


def release(fd: int | None) -> None:
    if fd is not None:
        os.close(fd)


@contextmanager
def holding(path: str | Path) -> Iterator[None]:
    """Hold the lock on ``path`` for the block (waiting for it first)."""
    fd = take(path)
    try:
        yield
    finally:
        release(fd)


def take_removable(path: str | Path) -> int | None:
    """``take(path, wait=False)`` for a lock file that its holder removes when done (``release_removing``): taken
    only once the lock is held on the file that is at ``path`` now (not one removed meanwhile by its holder)."""
    while True:
        fd = take(path, wait=False)
        if fd is None:
            return None
        try:
            same = os.stat(path).st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:
            same = False
        if same:
            return fd
        release(fd)


def release_removing(path: str | Path, fd: int | None) -> None:
    """Remove the lock file, then release the lock (a process waiting on the removed file tries again)."""
    if fd is not None:
        Path(path).unlink(missing_ok=True)
        release(fd)


def held(path: str | Path) -> bool:
    """Whether another descriptor holds the lock on ``path`` (False when the file does not exist)."""
    if fcntl is None:
        return False
    try:
        fd = os.open(path, os.O_RDWR)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # also releases the lock if this call took it
    return False


__all__ = ["AVAILABLE", "held", "holding", "release", "release_removing", "take", "take_removable"]
