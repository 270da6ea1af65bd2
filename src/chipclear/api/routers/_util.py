"""Small helpers shared by the routers."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import Path

from chipclear.bounds import ITEM_LENGTH
from chipclear.rules.schema import Layer

# A catalog item or model named in a path: at most as long as an item may be (chipclear.bounds.ITEM_LENGTH); a
# longer one is a 422 before any lookup (a not-found lookup suggests near names at a cost that grows with length).
ItemPath = Annotated[str, Path(max_length=ITEM_LENGTH, description="Catalog id or alias")]
LayerParam = Literal["enforced", "codified"]


def layer_of(value: LayerParam) -> Layer:
    return "codified" if value == "codified" else "enforced"


def today() -> dt.date:
    return dt.date.today()


__all__ = ["ItemPath", "LayerParam", "layer_of", "today"]
