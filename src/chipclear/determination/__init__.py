"""License determination: order line -> Decision (engine), and the timeline / diff services built on it.

The CLI, the HTTP API, the console and batch call these same functions, so every interface gives the same answer.
``chipclear.determine`` (the package's public API) is ``determine`` from here."""

from chipclear.determination.engine import determine
from chipclear.determination.history import Period, TimelineResult, VerdictChange, diff, timeline

__all__ = ["Period", "TimelineResult", "VerdictChange", "determine", "diff", "timeline"]
