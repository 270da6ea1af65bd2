"""Interfaces screening users already know: yente's ``POST /match/{dataset}`` (``/api/match/{dataset}``) and the
lists as FollowTheMoney JSON lines (``GET /api/lists/export.ftm``). Thin: authenticate, then call
``chipclear.screening.yente.match`` / ``chipclear.screening.ftm``.

yente's clients send their key as ``Authorization: ApiKey <key>``; that is accepted here beside ``X-API-Key`` and
``Authorization: Bearer <key>``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response, Security
from fastapi.responses import StreamingResponse
from fastapi.security import APIKeyHeader

from chipclear.api.deps import api_key_header, ledger_of
from chipclear.api.errors import Unauthorized
from chipclear.api.responses import READ, errors
from chipclear.api.routers.screening import authenticated
from chipclear.bounds import MIN_SCREEN_SCORE
from chipclear.ledger.screening import review_store
from chipclear.screening import default_screener
from chipclear.screening.ftm import list_entities
from chipclear.screening.yente import (
    ALGORITHMS,
    DEFAULT_LIMIT,
    MAX_LIMIT,
    EntityMatchQuery,
    EntityMatchResponseView,
    FtmEntityView,
    MatchOptions,
    match,
)

router = APIRouter(tags=["matching"], responses=errors(*READ, 413))

authorization_header = APIKeyHeader(
    name="Authorization",
    auto_error=False,
    description="`ApiKey <key>` (as OpenSanctions' and yente's clients send it) or `Bearer <key>`",
)

Names = Annotated[list[Annotated[str, Query(max_length=64)]], Query(max_length=50)]


def yente_key(
    header_key: str | None = Security(api_key_header),
    authorization: str | None = Security(authorization_header),
) -> str | None:
    """The key from ``X-API-Key`` or ``Authorization: ApiKey|Bearer <key>``; none given is a 401."""
    if header_key and header_key.strip():
        return header_key.strip()
    scheme, _, value = (authorization or "").strip().partition(" ")
    if scheme.lower() in ("apikey", "bearer") and value.strip():
        return value.strip()
    raise Unauthorized(
        "no API key given: send it in the X-API-Key header or as Authorization: ApiKey <key>", field="X-API-Key"
    )


@router.post(
    "/match/{dataset}",
    response_model=EntityMatchResponseView,
    response_model_exclude_unset=True,  # each hit as `chipclear screen --json` has it (no unset note written null)
    summary="Screen FtM example entities the way yente's /match does: scored FtM entities, each explained",
)
def match_entities(
    request: Request,
    response: Response,
    body: EntityMatchQuery,
    dataset: str,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Results per query")] = DEFAULT_LIMIT,
    threshold: Annotated[
        float | None,
        Query(
            ge=MIN_SCREEN_SCORE,
            le=1,
            description=f"Score from which a result is a match, {MIN_SCREEN_SCORE}-1 (default: chipclear's)",
        ),
    ] = None,
    cutoff: Annotated[
        float | None,
        Query(
            ge=MIN_SCREEN_SCORE,
            le=1,
            description=f"Lowest score returned, {MIN_SCREEN_SCORE}-1 (default: chipclear's review threshold)",
        ),
    ] = None,
    algorithm: Annotated[str, Query(max_length=64, description=f"One of {', '.join(ALGORITHMS)}")] = "best",
    include_dataset: Names = [],  # noqa: B006 - FastAPI copies defaults
    exclude_dataset: Names = [],  # noqa: B006
    exclude_schema: Names = [],  # noqa: B006
    topics: Names = [],  # noqa: B006
    exclude_entity_ids: Annotated[list[Annotated[str, Query(max_length=200)]], Query(max_length=50)] = [],  # noqa: B006
    changed_since: Annotated[str | None, Query(max_length=40)] = None,
    fuzzy: Annotated[
        bool | None,
        Query(
            description="yente's switch for slow candidate generation (no effect on scores): accepted as true or"
            " false; chipclear's candidate search always tolerates misspellings, so the answer is the same"
        ),
    ] = None,
    key: str | None = Depends(yente_key),
) -> dict[str, Any]:
    # ``fuzzy`` is declared so a yente client that sends it is answered, and a value that is not a boolean refused
    # (an undeclared parameter is a 422: deps.query_as_declared); it selects nothing here (see its description).
    del fuzzy
    actor = authenticated(request, key, "screen")
    opts = MatchOptions(
        limit=limit,
        threshold=threshold,
        cutoff=cutoff,
        algorithm=algorithm,
        include_dataset=include_dataset,
        exclude_dataset=exclude_dataset,
        exclude_schema=exclude_schema,
        topics=topics,
        exclude_entity_ids=exclude_entity_ids,
        changed_since=changed_since,
    )
    answer = match(default_screener(), dataset, body, opts, reviews=review_store(ledger_of(request), actor))
    response.headers["x-batch-size"] = str(len(answer["responses"]))
    return answer


@router.get(
    "/lists/export.ftm",
    summary="The screening lists as FollowTheMoney JSON lines: each entry a party entity and its Sanction",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "One FtM entity per line (the schema is that of one line)",
            "content": {"application/x-ndjson": {"schema": FtmEntityView.model_json_schema()}},
        }
    },
)
def export_ftm(request: Request, key: str | None = Depends(yente_key)) -> StreamingResponse:
    authenticated(request, key, "read")
    screener = default_screener()

    def lines() -> Iterator[str]:
        for entity in list_entities(screener.entries, screener.listings):
            yield json.dumps(entity, ensure_ascii=False) + "\n"

    version = screener.list_version.replace(":", "-")
    return StreamingResponse(
        lines(),
        media_type="application/x-ndjson",
        headers={"Content-Disposition": f'attachment; filename="chipclear-lists-{version}.ftm.jsonl"'},
    )
