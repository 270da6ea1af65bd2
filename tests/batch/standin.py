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


class _Marks:
    """Writes its file when freed: shows whether a worker process freed what it held when it ended."""

    def __init__(self, path: str) -> None:
        import os

        self.path, self.open, self.close = path, os.open, os.close
        self.flags = os.O_CREAT | os.O_WRONLY

    def __del__(self) -> None:
        self.close(self.open(self.path, self.flags))


_HELD: list[_Marks] = []


def hold_until_teardown(path: str) -> int:
    """Keep an object that marks ``path`` when freed, for as long as this process lives; returns the process id."""
    import os

    _HELD.append(_Marks(path))
    return os.getpid()


def collector_enabled(_: object = None) -> bool:
    """Whether this process runs Python's cyclic garbage collector."""
    import gc

    return gc.isenabled()
