"""Checkpoints: a run writes each finished piece of work to ``<out>.checkpoint/`` atomically, so a killed run
re-run with the same input and options picks up where it stopped and produces the same output.

The manifest pins what the pieces depend on (input file hash, options, rules and list versions, the run's start
time and date); a checkpoint whose manifest differs is discarded, never mixed into a new run.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

import polars as pl

from chipclear.batch.io import atomic_write_ipc, atomic_write_text

FORMAT = 2  # 2: pieces are Arrow IPC files (1: Parquet)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class Checkpoint:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.manifest_path = directory / "manifest.json"

    def open(self, signature: dict[str, Any], fresh: dict[str, Any]) -> tuple[dict[str, Any], bool]:
        """The manifest to use and whether it resumes an earlier run.

        ``signature`` must match an existing manifest for it to be resumed; ``fresh`` (start time, run date) is
        recorded when a new run starts, and read back when one resumes.
        """
        if self.manifest_path.exists():
            try:
                found = json.loads(self.manifest_path.read_text(encoding="utf-8"))
            except ValueError:
                found = {}
            if found.get("signature") == signature and found.get("format") == FORMAT:
                return found, True
            shutil.rmtree(self.directory, ignore_errors=True)
        manifest = {"format": FORMAT, "signature": signature, **fresh}
        self.directory.mkdir(parents=True, exist_ok=True)
        atomic_write_text(json.dumps(manifest, indent=2, default=str), self.manifest_path)
        return manifest, False

    def piece(self, kind: str, name: str) -> Path:
        return self.directory / kind / f"{name}.arrow"

    def done(self, kind: str, name: str) -> bool:
        return self.piece(kind, name).exists()

    def save(self, kind: str, name: str, frame: pl.DataFrame) -> None:
        atomic_write_ipc(frame, self.piece(kind, name))

    def load(self, kind: str, name: str) -> pl.DataFrame:
        return pl.read_ipc(self.piece(kind, name))

    def pieces(self, kind: str) -> list[Path]:
        folder = self.directory / kind
        return sorted(folder.glob("*.arrow")) if folder.exists() else []

    def remove(self) -> None:
        shutil.rmtree(self.directory, ignore_errors=True)


__all__ = ["Checkpoint", "file_sha256"]
