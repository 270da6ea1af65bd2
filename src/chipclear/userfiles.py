"""Files a user names at a door (a CLI argument or option, a list source): an input is a regular file, an output a
regular file or a new one, checked before anything is read or written.

Why (a door audit, 2026-12-07): a FIFO named as an input was waited on for ever, a device (``/dev/zero``) read
without end or misreported as missing; an output was written to a temporary file and renamed over its target, so
a FIFO or a device node was replaced by a regular file, a symbolic link by a file of its own (its target left as
it was), and an output in a folder nothing can be created in (``/proc``) failed only after the other outputs of the
run were written. Each is refused here in one line naming the option (exit code 2 on the CLI).
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

from chipclear.errors import InputError

_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISLNK, "a symbolic link"),
)


def _kind(mode: int) -> str:
    return next((name for test, name in _KINDS if test(mode)), "not a file")


def _field(flag: str) -> str:
    return flag.lstrip("-").replace("-", "_") or "file"


def input_file(path: Path, flag: str, *, folder_ok: bool = False) -> Path:
    """``path`` when it names a regular file (a symbolic link is followed to one), a directory where ``folder_ok``,
    or nothing (each door says "no such file" in its own words); else an ``InputError`` naming ``flag``. The file
    is never opened here: opening a FIFO waits for a writer."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return path
    except OSError as exc:
        raise InputError(f"{flag}: {path}: cannot read: {exc.strerror or exc}", field=_field(flag)) from None
    if stat.S_ISREG(mode) or (folder_ok and stat.S_ISDIR(mode)):
        return path
    what = "a file or a folder" if folder_ok else "a file"
    raise InputError(f"{flag}: {path} is not a regular file ({_kind(mode)}); give {what} to read", field=_field(flag))


def output_file(path: Path, flag: str, *, make_folder: bool = True) -> Path:
    """``path`` when a file can be written there whole (a temporary file beside it, renamed over it): it is a
    regular file or does not exist, in a folder a file can be created in (made, with its parents, when missing and
    ``make_folder``). A symbolic link, a FIFO, a device or a directory is refused, never replaced."""
    field = _field(flag)
    try:
        mode: int | None = os.lstat(path).st_mode
    except (FileNotFoundError, NotADirectoryError):  # a parent that is a file: said below
        mode = None
    except OSError as exc:
        raise InputError(f"{flag}: cannot write {path}: {exc.strerror or exc}", field=field) from None
    if mode is not None and stat.S_ISDIR(mode):
        raise InputError(f"{flag}: {path} is a directory", field=field)
    if mode is not None and stat.S_ISLNK(mode):
        raise InputError(
            f"{flag}: {path} is a symbolic link; chipclear writes a new file in its place, so name the file itself",
            field=field,
        )
    if mode is not None and not stat.S_ISREG(mode):
        raise InputError(f"{flag}: {path} is not a regular file ({_kind(mode)}); name a file to write", field=field)
    parent = next((p for p in path.parents if p.exists()), None)
    if parent is not None and not parent.is_dir():
        raise InputError(f"{flag}: cannot write {path}: {parent} is not a directory", field=field)
    folder = path.parent
    if not folder.exists() and not make_folder:
        raise InputError(f"{flag}: cannot write {path}: folder {folder} does not exist", field=field)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"{flag}: cannot write {path}: {exc.strerror or exc}", field=field) from None
    try:  # a file created and removed: the one test that holds on every file system (root may "access" /proc)
        handle, probe = tempfile.mkstemp(dir=folder, prefix=".chipclear-probe-")
        os.close(handle)
        os.unlink(probe)
    except OSError as exc:
        reason = (exc.strerror or str(exc)).lower()
        raise InputError(
            f"{flag}: cannot write {path}: no file can be created in {folder} ({reason})", field=field
        ) from None
    if mode is not None and not os.access(path, os.W_OK):
        raise InputError(f"{flag}: cannot write {path}: permission denied", field=field)
    return path


__all__ = ["input_file", "output_file"]
