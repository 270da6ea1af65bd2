"""chipclear: export-control, screening and import-duty decisions for AI chips, with cited reasons.

The public Python API::

    import chipclear
    chipclear.classify("H20", datetime.date(2025, 5, 1))          # ECCN with a cited trace
    chipclear.determine(chipclear.OrderLine(item="H20", destination="CN", ship_date=...))
    chipclear.screening.name_similarity("Moore Threads", "MOORE THREADS TECHNOLOGY CO., LTD.")

Names are imported lazily, so ``import chipclear`` stays cheap.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import Any

__version__ = "0.1.0"

_EXPORTS: dict[str, tuple[str, str | None]] = {
    "classify": ("chipclear.classify", "classify"),
    "Classification": ("chipclear.classify", "Classification"),
    "determine": ("chipclear.determine", "determine"),
    "load_catalog": ("chipclear.catalog", "load_catalog"),
    "load_rules": ("chipclear.rules", "load_rules"),
    "Decision": ("chipclear.decision", "Decision"),
    "OrderLine": ("chipclear.decision", "OrderLine"),
    "Party": ("chipclear.decision", "Party"),
    "EndUse": ("chipclear.decision", "EndUse"),
    "Reason": ("chipclear.decision", "Reason"),
    "Verdict": ("chipclear.decision", "Verdict"),
    "ReviewPolicy": ("chipclear.decision", "ReviewPolicy"),
    "ChipclearError": ("chipclear.errors", "ChipclearError"),
    "screening": ("chipclear.screening", None),
    "tariffs": ("chipclear.tariffs", None),
}

__all__ = [
    "ChipclearError",
    "Classification",
    "Decision",
    "EndUse",
    "OrderLine",
    "Party",
    "Reason",
    "ReviewPolicy",
    "Verdict",
    "__version__",
    "classify",
    "determine",
    "load_catalog",
    "load_rules",
    "screening",
    "tariffs",
]


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'chipclear' has no attribute {name!r}")
    module_name, attr = _EXPORTS[name]
    module = importlib.import_module(module_name)
    value = module if attr is None else getattr(module, attr)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


# ``classify`` and ``determine`` are also submodule names. Importing a submodule sets the package attribute to
# the module; this package keeps those names bound to the functions instead (the modules stay in sys.modules),
# so they can be imported lazily and ``chipclear --help`` does not load the rules and the catalog.
_FUNCTION_NAMES = frozenset({"classify", "determine"})


class _Package(types.ModuleType):
    def __setattr__(self, name: str, value: Any) -> None:
        if name in _FUNCTION_NAMES and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
