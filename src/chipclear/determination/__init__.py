"""License determination: order line -> Decision (engine), and the timeline / diff services built on it."""

from __future__ import annotations

from typing import Any

__all__ = ["determine"]


def __getattr__(name: str) -> Any:
    # Lazy, so importing a submodule (``determination.conditions`` from ``models.classify``) does not load the
    # engine, which itself imports ``models.classify``: no import cycle whichever module is imported first.
    if name == "determine":
        from chipclear.determination.engine import determine

        return determine
    raise AttributeError(f"module 'chipclear.determination' has no attribute {name!r}")
