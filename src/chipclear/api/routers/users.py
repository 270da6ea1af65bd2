"""Users and API keys (admin): ``/api/users``. A new key is returned once and stored only as a hash."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from chipclear.api.deps import api_key, read_transaction, transaction
from chipclear.api.responses import WRITE, errors
from chipclear.bounds import Identifier, Role
from chipclear.ledger import users
from chipclear.ledger.views import ActorView, NewUserView, UserView, user_json

router = APIRouter(tags=["users"], responses=errors(*WRITE))


class UserIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Identifier = Field(min_length=1)
    role: Role = Field(max_length=20, description="viewer, analyst, approver or admin")


@router.get("/me", response_model=ActorView, summary="The user the API key belongs to")
def me(request: Request, key: str | None = Depends(api_key)) -> dict[str, Any]:
    with read_transaction(request, key) as tx:
        return {"name": tx.actor.name, "role": tx.actor.role}


@router.get("/users", response_model=list[UserView], summary="Users and their roles (admin)")
def list_users(request: Request, key: str | None = Depends(api_key)) -> list[dict[str, Any]]:
    with read_transaction(request, key) as tx:
        return [user_json(u) for u in users.list_users(tx.session, tx.actor)]


@router.post(
    "/users",
    status_code=201,
    response_model=NewUserView,
    summary="Create a user; the response holds its API key, shown once",
)
def create_user(request: Request, body: UserIn, key: str | None = Depends(api_key)) -> dict[str, Any]:
    with transaction(request, key) as tx:
        user, new_key = users.create_user(tx.session, body.name, body.role, tx.actor)
        return {**user_json(user), "api_key": new_key}
