"""License applications and licenses: ``/api/applications``, ``/api/licenses``."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Path, Request
from pydantic import BaseModel, ConfigDict, Field

from chipclear.api.deps import api_key, read, read_transaction, transaction
from chipclear.api.responses import WRITE, errors
from chipclear.bounds import (
    MAX_LIST,
    MAX_PARTIES,
    Day,
    ItemId,
    LicenseNumber,
    Name,
    Note,
    Quantity,
    Reason,
    Role,
    TolerancePercent,
    ValueUSD,
)
from chipclear.geography import CountryCode
from chipclear.ledger import licenses as ledger_licenses
from chipclear.ledger import views
from chipclear.ledger.views import (
    ApplicationView,
    LicenseDetailView,
    LicenseView,
    application_json,
)

router = APIRouter(tags=["licenses"], responses=errors(*WRITE))


class PartyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name
    role: Role = "end_user"
    country: CountryCode | None = None


class ApplicationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    items: list[ItemId] = Field(min_length=1, max_length=MAX_LIST)
    destinations: list[CountryCode] = Field(min_length=1, max_length=MAX_LIST)
    parties: list[PartyIn] = Field(default_factory=list, max_length=MAX_PARTIES)
    quantity: Quantity | None = None
    value_usd: ValueUSD | None = None
    note: Note = ""
    application_number: LicenseNumber | None = None
    submitted_on: Day | None = None


class SubmitIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    application_number: LicenseNumber
    submitted_on: Day | None = None


class CloseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: Literal["denied", "returned", "withdrawn"]
    reason: Reason
    decided_on: Day | None = None


class GrantIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    number: LicenseNumber
    valid_from: Day
    valid_to: Day
    quantity_limit: Quantity | None = None
    value_limit_usd: ValueUSD | None = None
    quantity_tolerance_percent: TolerancePercent = 0
    value_tolerance_percent: TolerancePercent = 0
    conditions: Note = ""
    decided_on: Day | None = None


class StatusIn(BaseModel):
    """The agency's suspension, revocation or reinstatement (``active``) of a license, and the day it took effect."""

    model_config = ConfigDict(extra="forbid")

    status: Literal["suspended", "revoked", "active"] = Field(
        description="The license's new status: suspended, revoked, or active (a reinstatement of a suspended license)"
    )
    effective_on: Day | None = Field(
        default=None, description="YYYY-MM-DD, the day it took effect (default today; not after today)"
    )
    reason: Reason


AppId = Path(ge=1, le=2**31 - 1)


@router.get("/applications", response_model=list[ApplicationView], summary="License applications")
def applications(request: Request, key: str | None = Depends(api_key)) -> list[dict[str, Any]]:
    with read_transaction(request, key) as tx:
        return [application_json(a) for a in ledger_licenses.list_applications(tx.session, tx.actor)]


@router.post(
    "/applications",
    status_code=201,
    response_model=ApplicationView,
    summary="Create a license application (draft or submitted)",
)
def create_application(request: Request, body: ApplicationIn, key: str | None = Depends(api_key)) -> dict[str, Any]:
    with transaction(request, key) as tx:
        app = ledger_licenses.apply_for_license(
            tx.session,
            tx.actor,
            items=body.items,
            destinations=body.destinations,
            parties=[p.model_dump() for p in body.parties],
            quantity=body.quantity,
            value_usd=body.value_usd,
            note=body.note,
            application_number=body.application_number,
            submitted_on=body.submitted_on,
        )
        return application_json(app)


@router.get("/applications/{app_id}", response_model=ApplicationView, summary="One license application")
def application(request: Request, app_id: int = AppId, key: str | None = Depends(api_key)) -> dict[str, Any]:
    with read_transaction(request, key) as tx:
        return application_json(ledger_licenses.get_application(tx.session, tx.actor, app_id))


@router.post(
    "/applications/{app_id}/submit", response_model=ApplicationView, summary="Record the agency's application number"
)
def submit(request: Request, body: SubmitIn, app_id: int = AppId, key: str | None = Depends(api_key)) -> dict[str, Any]:
    with transaction(request, key) as tx:
        app = ledger_licenses.submit_application(
            tx.session, tx.actor, app_id, application_number=body.application_number, submitted_on=body.submitted_on
        )
        return application_json(app)


@router.post(
    "/applications/{app_id}/close",
    response_model=ApplicationView,
    summary="Record a denial, a return without action or a withdrawal",
)
def close(request: Request, body: CloseIn, app_id: int = AppId, key: str | None = Depends(api_key)) -> dict[str, Any]:
    with transaction(request, key) as tx:
        app = ledger_licenses.close_application(
            tx.session, tx.actor, app_id, body.status, reason=body.reason, decided_on=body.decided_on
        )
        return application_json(app)


@router.post(
    "/applications/{app_id}/grant",
    status_code=201,
    response_model=LicenseView,
    summary="Record the agency's grant as a license",
)
def grant(request: Request, body: GrantIn, app_id: int = AppId, key: str | None = Depends(api_key)) -> dict[str, Any]:
    with transaction(request, key) as tx:
        lic = ledger_licenses.grant_license(
            tx.session,
            tx.actor,
            app_id,
            number=body.number,
            valid_from=body.valid_from,
            valid_to=body.valid_to,
            quantity_limit=body.quantity_limit,
            value_limit_usd=body.value_limit_usd,
            quantity_tolerance_percent=body.quantity_tolerance_percent,
            value_tolerance_percent=body.value_tolerance_percent,
            conditions=body.conditions,
            decided_on=body.decided_on,
        )
        return ledger_licenses.license_json(lic)


@router.get("/licenses", response_model=list[LicenseView], summary="Licenses with their balances")
async def licenses(request: Request, key: str | None = Depends(api_key)) -> list[dict[str, Any]]:
    return await read(request, key, views.license_list)


@router.post(
    "/licenses/{number:path}/status",
    response_model=LicenseView,
    summary="Record the agency's suspension, revocation or reinstatement of a license (approver)",
)
def change_status(request: Request, number: str, body: StatusIn, key: str | None = Depends(api_key)) -> dict[str, Any]:
    with transaction(request, key) as tx:
        lic = ledger_licenses.change_license_status(
            tx.session, tx.actor, number, body.status, reason=body.reason, effective_on=body.effective_on
        )
        return ledger_licenses.license_json(lic)


@router.get("/licenses/{number:path}", response_model=LicenseDetailView, summary="One license with its usage history")
async def license_detail(request: Request, number: str, key: str | None = Depends(api_key)) -> dict[str, Any]:
    return await read(request, key, lambda reader, actor: views.license_detail(reader, actor, number))
