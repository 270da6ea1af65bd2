"""AI models and their weights: ``/api/models``, ``/api/models/{model}/classify`` (ECCN 4E091)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request

from chipclear.api.deps import api_key, read_transaction
from chipclear.api.responses import READ, errors
from chipclear.api.routers._util import ItemPath, LayerParam, layer_of
from chipclear.bounds import Day
from chipclear.models import load_models
from chipclear.models.classify import ModelClassification, classify_model

router = APIRouter(tags=["models"], responses=errors(*READ))


@router.get("/models", summary="AI models with parameters, training compute (cited) and 4E091 status as of a date")
def models(
    request: Request,
    as_of: Day | None = None,
    layer: LayerParam = "enforced",
    key: str | None = Depends(api_key),
) -> list[ModelClassification]:
    with read_transaction(request, key) as tx:
        tx.require("read")
    cat = load_models()
    return [classify_model(m, as_of, layer=layer_of(layer), catalog=cat) for m in cat.all()]


@router.get("/models/{model}/classify", summary="ECCN 4E091 classification of a model's weights, with trace")
def classify(
    request: Request,
    model: ItemPath,
    as_of: Day | None = None,
    layer: LayerParam = "enforced",
    key: str | None = Depends(api_key),
) -> ModelClassification:
    with read_transaction(request, key) as tx:
        tx.require("read")
    return classify_model(model, as_of, layer=layer_of(layer))
