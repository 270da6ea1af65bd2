"""The optional parts of chipclear and the packages each needs (pyproject.toml's extras).

The core (classify, check, timeline, screen, duty, the ledger commands) needs none of them. A command that reaches
an optional package that is not installed stops with one line naming the extra to install, exit code 2.
"""

from __future__ import annotations

from chipclear.errors import ChipclearError

# top-level import name -> the extra that installs it
PACKAGES: dict[str, str] = {
    "fastapi": "server",
    "starlette": "server",
    "uvicorn": "server",
    "multipart": "server",
    "python_multipart": "server",
    "jinja2": "server",  # also in [batch] (the batch report)
    "polars": "batch",
    "pyarrow": "batch",
    "dask": "batch",
    "distributed": "batch",
    "matplotlib": "plots",
    "adjustText": "plots",
}
WHAT = {"server": "the web console and HTTP API", "batch": "batch runs over order books", "plots": "what-if plots"}


class MissingExtra(ChipclearError):
    """An optional part of chipclear is not installed."""

    code = "missing_extra"
    http_status = 503


def missing_extra(exc: ModuleNotFoundError) -> MissingExtra | None:
    """The one-line error for an optional package that is not installed, or None for any other missing module."""
    top = (exc.name or "").split(".")[0]
    extra = PACKAGES.get(top)
    if extra is None:
        return None
    return MissingExtra(
        f"this needs {WHAT[extra]}, which is not installed ({top} is missing): pip install 'chipclear[{extra}]'",
        field=extra,
    )


__all__ = ["PACKAGES", "MissingExtra", "missing_extra"]
