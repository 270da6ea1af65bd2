"""Stand-in deciders for tests: a real one that fails for one item, to show failures become bad rows."""

from __future__ import annotations

from typing import Any

from chipclear.decision import Decision, OrderLine
from chipclear.determination import determine
from chipclear.errors import InputError


def fails_on_l4(line: OrderLine, **kwargs: Any) -> Decision:
    if line.item in ("nvidia-l4", "L4"):
        raise InputError("stand-in: cannot decide L4 lines", field="item")
    if line.item in ("nvidia-a10", "A10"):
        raise RuntimeError("stand-in bug")
    return determine(line, **kwargs)
