"""Users page (admin): users and roles, a new user or a new key for a user, each key shown once."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from chipclear.errors import ChipclearError
from chipclear.ledger import users
from chipclear.ledger.roles import Role
from chipclear.ledger.views import user_json
from chipclear.web.render import console_tx, message, page
from chipclear.web.security import same_origin

router = APIRouter(include_in_schema=False)


def _render(request: Request, tx: Any, rows: list[dict[str, Any]], new_key: dict[str, str] | None) -> HTMLResponse:
    return page(request, "users.html", tx, title="Users", rows=rows, roles=[r.value for r in Role], new_key=new_key)


@router.get("/users", response_class=HTMLResponse)
def users_page(request: Request) -> HTMLResponse:
    with console_tx(request) as tx:
        rows = [user_json(u) for u in users.list_users(tx.session, tx.actor)]
    return _render(request, tx, rows, None)


@router.post("/users", response_class=HTMLResponse)
def add_or_rotate(request: Request, name: str = Form(""), role: str = Form(""), rotate: str = Form("")) -> Response:
    same_origin(request)
    holder: list[Any] = []
    try:
        with console_tx(request) as tx:
            holder.append(tx)
            if rotate:
                key = users.rotate_key(tx.session, rotate, tx.actor)
                shown = {"name": rotate, "key": key}
            else:
                user, key = users.create_user(tx.session, name, role, tx.actor)
                shown = {"name": user.name, "key": key}
            rows = [user_json(u) for u in users.list_users(tx.session, tx.actor)]
    except ChipclearError as exc:
        return message(
            request,
            holder[0] if holder else None,
            "Cannot change users",
            exc.message,
            status_code=exc.http_status,
            back="/users",
        )
    # The key is in this response only; it is stored as a hash and cannot be shown again.
    response = _render(request, tx, rows, shown)
    response.headers["Cache-Control"] = "no-store"
    return response
