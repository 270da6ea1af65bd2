"""AI model pages: the model catalog with each model's 4E091 classification, and the compute-versus-date chart."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from chipclear.bounds import iso_date
from chipclear.errors import ChipclearError, InputError
from chipclear.models import load_models
from chipclear.models.classify import classify_model
from chipclear.rules import load_rules
from chipclear.web.model_chart import ModelPoint, compute_chart
from chipclear.web.render import console_tx, message, page

router = APIRouter(include_in_schema=False)


def _date(value: str | None) -> dt.date:
    if not value:
        return dt.date.today()
    try:
        return iso_date(value)
    except ValueError:
        raise InputError(f"as_of: {value!r} is not a date (YYYY-MM-DD)", field="as_of") from None


def _threshold() -> tuple[float | None, str]:
    for action in load_rules().actions:
        sec = action.model_classification
        if sec is not None:
            return (
                sec.threshold.value,
                f"{sec.eccn}: {sec.threshold.value:.0e} operations ({action.citation.split(' (')[0]})",
            )
    return None, ""


@router.get("/models", response_class=HTMLResponse)
def models_page(request: Request, as_of: str | None = None) -> HTMLResponse:
    with console_tx(request) as tx:
        pass
    try:
        when = _date(as_of)
    except ChipclearError as exc:
        return message(request, tx, "AI models", exc.message, back="/models")
    cat = load_models()
    rows = [
        (m, classify_model(m, when, "codified", catalog=cat), classify_model(m, when, "enforced", catalog=cat))
        for m in cat.all()
    ]
    points = [
        ModelPoint(
            id=m.id,
            name=m.name,
            released=m.release_date,
            operations=m.compute.operations,
            published_from=m.weights_published if isinstance(m.weights_published, dt.date) else None,
            low_confidence=m.compute.confidence == "L",
        )
        for m in cat.all()
        if m.release_date and m.compute.operations
    ]
    threshold, label = _threshold()
    chart = compute_chart(points, threshold, label, dt.date.today())
    not_drawn = [m for m in cat.all() if not m.compute.operations]
    return page(
        request,
        "models.html",
        tx,
        title="AI models",
        rows=rows,
        as_of=when,
        chart=chart,
        not_drawn=not_drawn,
    )
