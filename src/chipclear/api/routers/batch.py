"""Batch runs over HTTP (``chipclear.api.jobs``): ``POST /api/batch`` uploads an order book and returns at once;
``GET /api/batch/{job}`` gives the state and progress; the decisions (Parquet or JSON lines), the bad rows and the
report are fetched when the job is done. The same run as ``chipclear batch``."""

from __future__ import annotations

import importlib
from typing import Any, Literal

from fastapi import APIRouter, Depends, File, Form, Path, Query, Request, UploadFile
from fastapi.responses import FileResponse, Response
from pydantic import BaseModel

from chipclear.api.deps import api_key, read_transaction, transaction
from chipclear.api.jobs import JOB_ID, BatchJobs, check_options
from chipclear.api.responses import WRITE, errors
from chipclear.api.routers.lists import upload_name
from chipclear.batch.views import BadRow, BatchDecisionRow
from chipclear.bounds import Day
from chipclear.errors import Conflict, InputError
from chipclear.extras import missing_extra

router = APIRouter(tags=["batch"], responses=errors(*WRITE))
JobId = Path(pattern=JOB_ID, description="The job id POST /api/batch returned")


class JobProgress(BaseModel):
    phase: str
    done: int
    total: int


class BatchJobView(BaseModel):
    id: str
    state: Literal["queued", "running", "done", "failed", "interrupted"]
    actor: str
    file: str
    options: dict[str, Any]
    submitted_at: str
    started_at: str | None = None
    finished_at: str | None = None
    progress: JobProgress
    summary: dict[str, Any] | None = None
    error: str | None = None
    links: dict[str, str] = {}


def _jobs(request: Request) -> BatchJobs:
    jobs: BatchJobs = request.app.state.batch_jobs
    return jobs


def _view(record: dict[str, Any]) -> dict[str, Any]:
    base = f"/api/batch/{record['id']}"
    links = {"self": base}
    if record["state"] == "done":
        links |= {
            "decisions": f"{base}/result?format=parquet",
            "decisions_jsonl": f"{base}/result?format=jsonl",
            "bad_rows": f"{base}/bad-rows",
        }
    return {**record, "links": links}


@router.post(
    "/batch",
    status_code=202,
    response_model=BatchJobView,
    summary="Decide an uploaded order book in the background (CSV, Parquet, XLSX or JSON lines)",
)
def submit(
    request: Request,
    file: UploadFile = File(..., description="The order book (columns: docs/batch.md)"),
    format: str | None = Form(None, max_length=20, description="csv, parquet, xlsx or jsonl (default: name, content)"),
    date: Day | None = Form(None, description="Decide every line as of this date (default: its ship date)"),
    layer: str = Form("enforced", max_length=20),
    screening: bool = Form(True),
    key: str | None = Depends(api_key),
) -> dict[str, Any]:
    with transaction(request, key) as tx:
        tx.require("check")
        actor = tx.actor.name
    check_options(layer, format)
    try:
        importlib.import_module("chipclear.batch.runner")  # the [batch] extra (polars, pyarrow, dask)
    except ModuleNotFoundError as exc:
        raise missing_extra(exc) or exc from None
    name = upload_name(file.filename or "orders.csv")
    data = file.file.read()
    if not data.strip():
        raise InputError(f"file: {name} is empty", field="file")
    options = {"date": date.isoformat() if date else None, "layer": layer, "screening": screening, "format": format}
    return _view(_jobs(request).submit(actor, name, data, options))


@router.get("/batch/{job}", response_model=BatchJobView, summary="A batch job's state, progress and summary")
def status(request: Request, job: str = JobId, key: str | None = Depends(api_key)) -> dict[str, Any]:
    with read_transaction(request, key) as tx:
        tx.require("read")
        return _view(_jobs(request).get(job, tx.actor.name, tx.actor.role))


def _done(request: Request, job: str, key: str | None) -> BatchJobs:
    jobs = _jobs(request)
    with read_transaction(request, key) as tx:
        tx.require("read")
        record = jobs.get(job, tx.actor.name, tx.actor.role)
    if record["state"] != "done":
        raise Conflict(f"batch job {job} is {record['state']}, not done", field="job")
    return jobs


@router.get(
    "/batch/{job}/result",
    response_class=Response,
    responses={
        200: {
            "description": "One decision per order line (the JSON-lines schema is that of one line)",
            "content": {
                "application/x-ndjson": {"schema": BatchDecisionRow.model_json_schema()},
                "application/vnd.apache.parquet": {"schema": {"type": "string", "format": "binary"}},
            },
        }
    },
    summary="The decisions of a finished job: Parquet (default) or JSON lines",
)
def result(
    request: Request,
    job: str = JobId,
    format: Literal["parquet", "jsonl"] = Query("parquet"),
    key: str | None = Depends(api_key),
) -> Response:
    folder = _done(request, job, key).directory(job)
    decisions = folder / "decisions.parquet"
    if format == "parquet":
        return FileResponse(decisions, media_type="application/vnd.apache.parquet", filename=f"{job}.parquet")
    import polars as pl

    text = pl.read_parquet(decisions).write_ndjson()
    headers = {"Content-Disposition": f'attachment; filename="{job}.jsonl"'}
    return Response(text, media_type="application/x-ndjson", headers=headers)


@router.get(
    "/batch/{job}/bad-rows",
    response_class=FileResponse,
    responses={
        200: {
            "description": "CSV with a header; the schema is that of one row",
            "content": {"text/csv": {"schema": BadRow.model_json_schema()}},
        }
    },
    summary="The bad rows of a finished job (CSV: row, reason and the input values)",
)
def bad_rows(request: Request, job: str = JobId, key: str | None = Depends(api_key)) -> FileResponse:
    folder = _done(request, job, key).directory(job)
    return FileResponse(folder / "bad-rows.csv", media_type="text/csv", filename=f"{job}.bad-rows.csv")
