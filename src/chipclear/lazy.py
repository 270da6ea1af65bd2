"""A package's public names imported on first use (PEP 562), so that importing the package stays cheap.

    _EXPORTS = {"Screener": ("chipclear.screening.screener", "Screener"), "audit": ("chipclear.ledger.audit", None)}
    __getattr__ = exports(globals(), _EXPORTS)

Each name maps to (module, attribute), or (module, None) for the module itself. A name is bound in the package
once loaded, so later reads do not come back here.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def exports(namespace: dict[str, Any], names: Mapping[str, tuple[str, str | None]]) -> Callable[[str], Any]:
    """The ``__getattr__`` of the package whose ``globals()`` is ``namespace``, for ``names``."""
    package = namespace["__name__"]

    def load(name: str) -> Any:
        if name not in names:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        module_name, attr = names[name]
        module = importlib.import_module(module_name)
        value = module if attr is None else getattr(module, attr)
        namespace[name] = value
        return value

    return load
