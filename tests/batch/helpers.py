"""Shared helpers of the batch tests."""

from __future__ import annotations

from typing import Any

import pytest

from chipclear.batch import BatchOptions, run_batch
from chipclear.batch import runner as batch_runner


def run_with_setting(setting: str, runs: dict[str, tuple[int, BatchOptions, Any]]) -> dict[str, Any]:
    """Each named run (value, options, progress or None) with ``runner.<setting>`` set to its value, restored
    after: the same book through two paths of the runner."""
    patch = pytest.MonkeyPatch()
    try:
        out = {}
        for name, (value, options, progress) in runs.items():
            patch.setattr(batch_runner, setting, value)
            out[name] = run_batch(options, progress)
        return out
    finally:
        patch.undo()
