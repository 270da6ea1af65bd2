"""Replacing a file all at once: written to a temporary file beside it, then renamed over it, so a reader sees the
old file or the new one, never half of one. Used for caches that are rebuilt when lost (no fsync)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

INCOMING = ".incoming-"


def replace_bytes(path: Path, raw: bytes, suffix: str = "") -> None:
    """Write ``raw`` as ``path`` (its folder made if needed); the temporary file is removed on any failure."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=INCOMING, suffix=suffix)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(raw)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


__all__ = ["INCOMING", "replace_bytes"]
