"""The HTTP API (FastAPI) and the web console, served by ``chipclear serve``.

``create_app()`` builds the application: JSON routes under ``/api`` (OpenAPI schema at ``/openapi.json``, docs at
``/docs``), the console pages at ``/``, and the vendored static assets at ``/static``. Every route calls the same
service functions as the CLI, so the JSON field names are the CLI's ``--json`` field names.
"""

from __future__ import annotations

from chipclear.api.app import create_app

__all__ = ["create_app"]
