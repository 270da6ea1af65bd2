"""Catalog and classification: ``/api/catalog``, ``/api/classify/{item}``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request

from chipclear.api.deps import api_key, read_transaction
from chipclear.api.responses import READ, errors
from chipclear.api.routers._util import ItemPath, LayerParam, layer_of
from chipclear.bounds import Day
from chipclear.catalog import load_catalog
from chipclear.catalog.views import CatalogItemView, ClassificationView
from chipclear.classification import classify
from chipclear.errors import InputError

router = APIRouter(tags=["catalog"], responses=errors(*READ))


@router.get(
    "/catalog",
    response_model=list[ClassificationView],
    summary="Catalog parts and systems with TPP, density and ECCN as of a date",
)
def catalog(
    request: Request,
    vendor: str | None = Query(None, max_length=100),
    as_of: Day | None = None,
    layer: LayerParam = "enforced",
    key: str | None = Depends(api_key),
) -> list[dict[str, Any]]:
    with read_transaction(request, key) as tx:
        tx.require("read")
    cat = load_catalog()
    items = [i for i in cat.items() if vendor is None or i.vendor.casefold() == vendor.casefold()]
    if vendor is not None and not items:
        vendors = sorted({i.vendor for i in cat.items()})
        raise InputError(f"vendor: no parts for {vendor!r}; known vendors: {', '.join(vendors)}", field="vendor")
    return [classify(i, as_of, layer=layer_of(layer), catalog=cat).to_json() for i in items]


@router.get(
    "/catalog/{item}", response_model=CatalogItemView, summary="One catalog item's specs, sources and confidence"
)
def catalog_item(request: Request, item: ItemPath, key: str | None = Depends(api_key)) -> dict[str, Any]:
    with read_transaction(request, key) as tx:
        tx.require("read")
    found = load_catalog().get(item)
    data = found.model_dump(mode="json")
    data["origin"] = found.origin
    return data


@router.get(
    "/classify/{item}",
    response_model=ClassificationView,
    summary="ECCN 3A090/4A090 classification of an item as of a date, with trace",
)
def classify_item(
    request: Request,
    item: ItemPath,
    as_of: Day | None = None,
    layer: LayerParam = "enforced",
    key: str | None = Depends(api_key),
) -> dict[str, Any]:
    with read_transaction(request, key) as tx:
        tx.require("read")
    return classify(item, as_of, layer=layer_of(layer)).to_json()
