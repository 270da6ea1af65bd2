"""Public entry points of license determination: ``determine``, ``timeline`` and ``diff``.

The CLI, the HTTP API, the console and batch call these same functions, so every interface gives the same answer.

``chipclear.determine`` is both this module and, in the package's public API, the function: once the module has been
imported, Python binds the package attribute to the module, so the module is made callable (it calls ``determine``)
and ``chipclear.determine(line)`` works either way.
"""

import sys
import types
from typing import Any

from chipclear.determination.engine import determine
from chipclear.determination.history import Period, TimelineResult, VerdictChange, diff, timeline


class _CallableModule(types.ModuleType):
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return determine(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule

__all__ = ["Period", "TimelineResult", "VerdictChange", "determine", "diff", "timeline"]
