"""Screening list status and update: ``/api/lists/status``, ``/api/lists/update`` (admin, file upload)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile

from chipclear.api.deps import api_key, read_transaction, transaction
from chipclear.api.responses import WRITE, errors
from chipclear.bounds import Day
from chipclear.errors import ChipclearError, InputError
from chipclear.ledger.lists import ListUpdate, update_lists
from chipclear.screening.store import list_status
from chipclear.screening.views import ListStatusView, ListUpdateView

router = APIRouter(tags=["lists"], responses=errors(*WRITE))

FILENAME_LENGTH = 200


@router.get(
    "/lists/status",
    response_model=ListStatusView,
    summary="The screening list in use: version, date, entries, staleness",
)
def status(request: Request, key: str | None = Depends(api_key)) -> dict[str, Any]:
    with read_transaction(request, key) as tx:
        tx.require("read")
    return list_status()


def upload_name(filename: str | None) -> str:
    """The uploaded file's own name (its extension tells the format), refused when it is not a plain name."""
    name = (filename or "").strip() or "upload.json"
    if (
        name in (".", "..")
        or "/" in name
        or "\\" in name
        or "\x00" in name
        or len(name) > FILENAME_LENGTH
        or not name.isprintable()
    ):
        shown = name if len(name) <= 40 else name[:40] + "..."
        raise InputError(
            f"file: {shown!r} is not a plain file name of at most {FILENAME_LENGTH} characters", field="file"
        )
    return name


@router.post(
    "/lists/update", response_model=ListUpdateView, summary="Replace the screening list with an uploaded file (admin)"
)
def update(
    request: Request,
    file: UploadFile = File(..., description="A CSL JSON/CSV, OFAC CSV, FtM or BIS list file"),
    format: str | None = Form(None, max_length=40),
    list_date: Day | None = Form(None),
    allow_shrink: bool = Form(False),
    allow_older: bool = Form(False, description="accept a list older than the one in use"),
    allow_redate: bool = Form(False, description="let list_date replace the file's own date (recorded)"),
    key: str | None = Depends(api_key),
) -> dict[str, Any]:
    with transaction(request, key) as tx:
        tx.require("lists.write")  # before the upload is read
        name = upload_name(file.filename)
        with tempfile.TemporaryDirectory(prefix="chipclear-upload-") as tmp:
            path = Path(tmp) / name
            path.write_bytes(file.file.read())
            asked = ListUpdate(
                file=name,
                source=str(path),
                fmt=format,
                list_date=list_date,
                allow_shrink=allow_shrink,
                allow_older=allow_older,
                allow_redate=allow_redate,
            )
            try:
                report = update_lists(tx.session, tx.actor, asked)  # the CLI's `lists update` calls it too
            except ChipclearError as exc:
                # The client knows its file by its own name, never by the server's temporary path.
                exc.message = exc.message.replace(str(path), name).replace(tmp, "")
                exc.args = (exc.message,)
                raise
        return report.to_json()
