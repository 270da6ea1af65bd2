"""The HTTP API (FastAPI) and the web console, served by ``chipclear serve``.

``create_app()`` builds the application: JSON routes under ``/api`` (OpenAPI schema at ``/openapi.json``, docs at
``/docs``), the console pages at ``/``, and the vendored static assets at ``/static``. Every route calls the same
service functions as the CLI, so the JSON field names are the CLI's ``--json`` field names.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    # Loaded on first use: the console imports ``chipclear.api.deps``, and ``app`` imports the console, so an eager
    # import here would make the package and the console import each other.
    if name == "create_app":
        return importlib.import_module("chipclear.api.app").create_app
    raise AttributeError(f"module 'chipclear.api' has no attribute {name!r}")
