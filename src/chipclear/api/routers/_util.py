"""Small helpers shared by the routers."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from chipclear.rules.schema import Layer

LayerParam = Literal["enforced", "codified"]


def layer_of(value: LayerParam) -> Layer:
    return "codified" if value == "codified" else "enforced"


def today() -> dt.date:
    return dt.date.today()


__all__ = ["LayerParam", "layer_of", "today"]
