"""Checks every console form post passes, shared by the page modules (so none of them imports ``routes``)."""

from __future__ import annotations

from urllib.parse import urlparse

from fastapi import Request

from chipclear.errors import InputError


def same_origin(request: Request) -> None:
    """Refuse a form post from another site (the cookie is SameSite=Strict too)."""
    origin = request.headers.get("origin") or request.headers.get("referer")
    if origin and urlparse(origin).netloc != request.headers.get("host"):
        raise InputError("form posted from another site", field="origin")


__all__ = ["same_origin"]
