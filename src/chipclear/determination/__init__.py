"""License determination: order line -> Decision (engine), and the timeline / diff services built on it."""

from chipclear.determination.engine import determine

__all__ = ["determine"]
