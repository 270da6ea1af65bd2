"""Public entry points of license determination: ``determine``, ``timeline`` and ``diff``.

The CLI, the HTTP API, the console and batch call these same functions, so every interface gives the same answer.
"""

from chipclear.determination.engine import determine
from chipclear.determination.history import Period, TimelineResult, VerdictChange, diff, timeline

__all__ = ["Period", "TimelineResult", "VerdictChange", "determine", "diff", "timeline"]
