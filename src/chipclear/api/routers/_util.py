"""Small helpers shared by the routers."""

from __future__ import annotations

import datetime as dt
import importlib
from types import ModuleType
from typing import Literal

from chipclear.api.errors import NotAvailable
from chipclear.rules.schema import Layer

LayerParam = Literal["enforced", "codified"]


def optional_module(name: str, what: str) -> ModuleType:
    """Import a part of chipclear that may not be installed yet; 503 ``not_available`` when it is missing."""
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name and (exc.name == name or name.startswith(exc.name + ".")):
            raise NotAvailable(f"{what} is not available in this chipclear installation ({name})") from None
        raise


def layer_of(value: LayerParam) -> Layer:
    return "codified" if value == "codified" else "enforced"


def today() -> dt.date:
    return dt.date.today()


__all__ = ["LayerParam", "layer_of", "optional_module", "today"]
