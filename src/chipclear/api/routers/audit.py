"""The audit chain: ``/api/audit/verify`` and ``/api/audit/export`` (JSON lines)."""

from __future__ import annotations

import io
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from chipclear.api.deps import api_key, read_transaction
from chipclear.api.responses import READ, errors
from chipclear.ledger import audit
from chipclear.ledger.roles import allowed
from chipclear.ledger.views import AuditRecordView, AuditVerifyView

router = APIRouter(tags=["audit"], responses=errors(*READ))


@router.get(
    "/audit/verify",
    response_model=AuditVerifyView,
    summary="Verify the hash chain and that every audited row matches its last record",
)
def verify(request: Request, key: str | None = Depends(api_key)) -> dict[str, Any]:
    with read_transaction(request, key) as tx:
        tx.require("audit.verify")
        return audit.verify(tx.session).to_json()


@router.get(
    "/audit/export",
    summary="The audit log as JSON lines (one record per line, with its hash links; key hashes and prefixes "
    "are redacted for every role but admin)",
    response_class=Response,
    responses={
        200: {
            "description": "One audit record per line (the schema is that of one line)",
            "content": {"application/x-ndjson": {"schema": AuditRecordView.model_json_schema()}},
        }
    },
)
def export(request: Request, key: str | None = Depends(api_key)) -> Response:
    with read_transaction(request, key) as tx:
        tx.require("audit.export")
        out = io.StringIO()
        audit.export(tx.session, out, redact_secrets=not allowed(tx.actor.role, "audit.export.secrets"))
    return Response(
        out.getvalue(),
        media_type="application/x-ndjson",
        headers={"Content-Disposition": 'attachment; filename="chipclear-audit.jsonl"'},
    )
