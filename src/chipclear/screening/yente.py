"""Matching in the shape of OpenSanctions' yente ``POST /match/{dataset}``: FtM example entities in, scored FtM
entities out, so a tool written for yente's API can screen against chipclear's lists.

The scores are chipclear's (``Screener.search``): a query with one name and no filter answers exactly what
``chipclear screen NAME --json`` answers (same hits, order, scores and explanations; reviewers' not-a-match
decisions applied). A query with several names, countries or addresses is screened for each combination and each
entry keeps its best hit. What chipclear does not use (birth dates, identifiers ...) is listed per query in
``ignored_properties``, never silently dropped. The request and answer models are here; the API route
(``chipclear.api.routers.match``) only authenticates and calls ``match``.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Collection
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from chipclear.bounds import (
    ID_LENGTH,
    MAX_MATCH_COMBINATIONS,
    MAX_MATCH_QUERIES,
    MAX_PROPERTY_VALUES,
    NAME_LENGTH,
    NOTE_LENGTH,
    no_nul,
)
from chipclear.errors import InputError, NotFound
from chipclear.geography import load_geography
from chipclear.screening.ftm import (
    DEFAULT_DATASET,
    FEATURES,
    PARTY_SCHEMATA,
    TOPICS,
    dataset_name,
    schema_of,
    scored_entity,
    topics_of,
)
from chipclear.screening.model import ListEntry
from chipclear.screening.reviews import ReviewStore
from chipclear.screening.screener import Hit, Screener
from chipclear.screening.views import HitView, ListStateView

ALGORITHM = "chipclear"
ALGORITHMS = (ALGORITHM, "best")  # "best" is yente's default name for the best algorithm it has
DEFAULT_LIMIT = 10  # chipclear screen's default (yente's is 5)
MAX_LIMIT = 100  # the API's /screen bound
ADDRESS_LENGTH = 1000

# FtM properties chipclear screens with; every other property is reported back as ignored.
NAME_PROPS = ("name", "alias", "previousName", "weakAlias")
COUNTRY_PROPS = ("country", "jurisdiction", "nationality", "citizenship", "mainCountry")
ADDRESS_PROPS = ("address",)

Text = Annotated[str, Field(max_length=NOTE_LENGTH), AfterValidator(no_nul)]
PropertyName = Annotated[str, Field(min_length=1, max_length=64), AfterValidator(no_nul)]
Key = Annotated[str, Field(min_length=1, max_length=ID_LENGTH), AfterValidator(no_nul)]


# --- request ---------------------------------------------------------------------------------------------------


class EntityExample(BaseModel):
    """One example entity (yente's ``EntityExample``): an FtM schema and properties, each a value or a list.
    The other keys of an FtM entity (``caption``, ``datasets`` ...) are accepted, so a returned entity can be sent
    back, and not used."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    id: Key | None = None
    schema_: str = Field(alias="schema", max_length=64, description=f"An FtM party schema: {', '.join(PARTY_SCHEMATA)}")
    properties: dict[PropertyName, Text | list[Text]] = Field(max_length=50)
    caption: Text | None = None
    datasets: list[Key] | None = Field(None, max_length=50)
    referents: list[Key] | None = Field(None, max_length=50)
    target: bool | None = None
    first_seen: str | None = Field(None, max_length=40)
    last_seen: str | None = Field(None, max_length=40)
    last_change: str | None = Field(None, max_length=40)


class EntityMatchQuery(BaseModel):
    """The body of ``POST /match/{dataset}`` (yente's ``EntityMatchQuery``)."""

    model_config = ConfigDict(extra="forbid")

    queries: dict[Key, EntityExample | None] = Field(max_length=MAX_MATCH_QUERIES)
    weights: dict[PropertyName, float] = Field(
        default_factory=dict, max_length=20, description="yente's feature weights: chipclear's score takes none"
    )
    config: dict[PropertyName, str | int | float | bool | None] = Field(
        default_factory=dict, max_length=20, description="yente's algorithm configuration: chipclear's takes none"
    )


class MatchOptions(BaseModel):
    """yente's query parameters."""

    limit: int = DEFAULT_LIMIT
    threshold: float | None = None
    cutoff: float | None = None
    algorithm: str = "best"
    include_dataset: list[str] = Field(default_factory=list)
    exclude_dataset: list[str] = Field(default_factory=list)
    exclude_schema: list[str] = Field(default_factory=list)
    topics: list[str] = Field(default_factory=list)
    exclude_entity_ids: list[str] = Field(default_factory=list)
    changed_since: str | None = None


# --- answer ----------------------------------------------------------------------------------------------------


class FeatureResultView(BaseModel):
    score: float
    detail: str | None
    query: str | None = None
    candidate: str | None = None


class FeatureDocView(BaseModel):
    description: str | None
    coefficient: float
    url: str


class TotalView(BaseModel):
    value: int
    relation: str = "eq"


class FtmEntityView(BaseModel):
    """An FtM entity as OpenSanctions and yente write one."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    id: str
    caption: str
    schema_: str = Field(alias="schema")
    properties: dict[str, list[str]]
    datasets: list[str]
    referents: list[str] = Field(default_factory=list)
    target: bool = False
    first_seen: str | None = None
    last_seen: str | None = None
    last_change: str | None = None


class ScoredEntityView(FtmEntityView):
    """A result: the listed party's entity with yente's ``score``, ``match``, ``features`` and ``explanations``,
    and chipclear's whole ``hit`` (the JSON of ``chipclear screen --json``)."""

    score: float
    match: bool
    features: dict[str, float]
    explanations: dict[str, FeatureResultView]
    hit: HitView


class ParsedExampleView(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    id: str | None
    schema_: str = Field(alias="schema")
    properties: dict[str, list[str]]


class EntityMatchesView(BaseModel):
    status: int = 200
    results: list[ScoredEntityView]
    total: TotalView
    query: ParsedExampleView
    suppressed: list[ScoredEntityView] = Field(description="Hits a reviewer cleared as not this party")
    ignored_properties: list[str] = Field(description="Properties of the query chipclear does not screen with")


class EntityMatchResponseView(ListStateView):
    responses: dict[str, EntityMatchesView]
    matcher: dict[str, FeatureDocView]
    limit: int
    dataset: str
    algorithm: str
    threshold: float
    cutoff: float


# --- service ---------------------------------------------------------------------------------------------------


_INDEX: tuple[object, dict[str, frozenset[str]], dict[str, ListEntry]] | None = None


def _index(screener: Screener) -> tuple[dict[str, frozenset[str]], dict[str, ListEntry]]:
    """The datasets and the entries by id of the screener's list load, built once per load."""
    global _INDEX
    memo = _INDEX
    if memo is None or memo[0] is not screener.lists:
        codes = sorted({e.source for e in screener.entries})
        found: dict[str, frozenset[str]] = {DEFAULT_DATASET: frozenset(codes)}
        for code in codes:
            found.setdefault(dataset_name(code), frozenset({code}))
        memo = _INDEX = (screener.lists, found, {e.entry_id: e for e in screener.entries})
    return memo[1], memo[2]


def datasets(screener: Screener) -> dict[str, frozenset[str]]:
    """Dataset name -> the list codes it covers: ``default`` (every list) and one per list."""
    return _index(screener)[0]


def _dataset_codes(names: Collection[str], known: dict[str, frozenset[str]], field: str) -> frozenset[str]:
    unknown = sorted(set(names) - set(known))
    if unknown:
        raise InputError(f"{field}: no dataset {', '.join(unknown)}; known: {', '.join(known)}", field=field)
    return frozenset().union(*(known[n] for n in names))


def _sources(dataset: str, opts: MatchOptions, screener: Screener) -> frozenset[str]:
    known = datasets(screener)
    if dataset not in known:
        raise NotFound(f"no dataset {dataset!r}; known: {', '.join(known)}", field="dataset")
    codes = known[dataset]
    if opts.include_dataset:
        codes &= _dataset_codes(opts.include_dataset, known, "include_dataset")
    return codes - _dataset_codes(opts.exclude_dataset, known, "exclude_dataset")


def _check_options(opts: MatchOptions, body: EntityMatchQuery) -> None:
    if opts.algorithm.strip().lower() not in ALGORITHMS:
        raise InputError(
            f"algorithm: {opts.algorithm!r} is not available; chipclear scores with {ALGORITHM!r} "
            f"(also accepted as 'best')",
            field="algorithm",
        )
    if not 1 <= opts.limit <= MAX_LIMIT:
        raise InputError(f"limit: {opts.limit} must be between 1 and {MAX_LIMIT}", field="limit")
    for name in ("threshold", "cutoff"):
        value = getattr(opts, name)
        if value is not None and not 0 <= value <= 1:
            raise InputError(f"{name}: {value} must be between 0 and 1", field=name)
    for name in ("weights", "config"):
        if getattr(body, name):
            raise InputError(f"{name}: chipclear's algorithm takes no {name}; send an empty object", field=name)
    if opts.changed_since:
        raise InputError("changed_since: chipclear's lists carry no change dates per entry", field="changed_since")
    bad_schema = sorted(set(opts.exclude_schema) - set(PARTY_SCHEMATA))
    if bad_schema:
        raise InputError(
            f"exclude_schema: {', '.join(bad_schema)} is not a party schema; known: {', '.join(PARTY_SCHEMATA)}",
            field="exclude_schema",
        )
    bad_topics = sorted(set(opts.topics) - set(TOPICS))
    if bad_topics:
        raise InputError(
            f"topics: chipclear's lists carry no topic {', '.join(bad_topics)}; they carry {', '.join(TOPICS)}",
            field="topics",
        )
    if not body.queries or all(q is None for q in body.queries.values()):
        raise InputError("queries: no queries provided", field="queries")


def _values(example: EntityExample, names: tuple[str, ...]) -> list[str]:
    found: list[str] = []
    for name in names:
        given = example.properties.get(name, [])
        found += [given] if isinstance(given, str) else given
    return list(dict.fromkeys(v.strip() for v in found if v.strip()))


class _Query:
    """One example entity read for screening: its names, countries and addresses, checked."""

    def __init__(self, key: str, example: EntityExample) -> None:
        field = f"queries.{key}"
        if example.schema_ not in PARTY_SCHEMATA:
            raise InputError(
                f"{field}.schema: {example.schema_!r} is not an FtM party schema; use one of {', '.join(PARTY_SCHEMATA)}",
                field=f"{field}.schema",
            )
        for prop, given in example.properties.items():
            if isinstance(given, list) and len(given) > MAX_PROPERTY_VALUES:
                raise InputError(
                    f"{field}.properties.{prop}: {len(given)} values; at most {MAX_PROPERTY_VALUES}",
                    field=f"{field}.properties.{prop}",
                )
        self.example = example
        self.names = _values(example, NAME_PROPS)
        if not self.names:
            raise InputError(f"{field}.properties.name: a query needs a name", field=f"{field}.properties.name")
        for name in self.names:
            if len(name) > NAME_LENGTH:
                raise InputError(
                    f"{field}.properties.name: a name is longer than {NAME_LENGTH} characters",
                    field=f"{field}.properties.name",
                )
        geography = load_geography()
        self.countries = list(
            dict.fromkeys(
                geography.normalize(c, field=f"{field}.properties.country") for c in _values(example, COUNTRY_PROPS)
            )
        )
        self.addresses = _values(example, ADDRESS_PROPS)
        if any(len(a) > ADDRESS_LENGTH for a in self.addresses):
            raise InputError(
                f"{field}.properties.address: an address is longer than {ADDRESS_LENGTH} characters",
                field=f"{field}.properties.address",
            )
        combinations = len(self.names) * max(1, len(self.countries)) * max(1, len(self.addresses))
        if combinations > MAX_MATCH_COMBINATIONS:
            raise InputError(
                f"{field}.properties: {combinations} name x country x address combinations to screen; "
                f"at most {MAX_MATCH_COMBINATIONS}",
                field=f"{field}.properties",
            )
        used = set(NAME_PROPS + COUNTRY_PROPS + ADDRESS_PROPS)
        self.ignored = sorted(p for p in example.properties if p not in used)

    def parsed(self) -> dict[str, Any]:
        """The query as chipclear read it (yente's ``query``: countries as FtM's lower-case codes)."""
        props: dict[str, list[str]] = {}
        for prop in NAME_PROPS + ADDRESS_PROPS:
            if _values(self.example, (prop,)):
                props[prop] = _values(self.example, (prop,))
        if self.countries:
            props["country"] = [c.lower() for c in self.countries]
        return {"id": self.example.id, "schema": self.example.schema_, "properties": props}


def _best(
    query: _Query, screener: Screener, sources: frozenset[str], floor: float, reviews: ReviewStore | None
) -> tuple[dict[str, tuple[Hit, str, str | None]], dict[str, tuple[Hit, str, str | None]]]:
    """Each entry's best hit over the query's combinations: (hit, the query name, the country) for kept and for
    reviewer-suppressed hits."""
    kept: dict[str, tuple[Hit, str, str | None]] = {}
    cleared: dict[str, tuple[Hit, str, str | None]] = {}
    countries: list[str | None] = [*query.countries] or [None]
    addresses: list[str | None] = [*query.addresses] or [None]
    for name, country, address in itertools.product(query.names, countries, addresses):
        result = screener.search(
            name, country, address, limit=10**6, min_score=floor, reviews=reviews, sources=sorted(sources)
        )
        for into, hits in ((kept, result.hits), (cleared, result.suppressed)):
            for hit in hits:
                if hit.entry_id not in into or hit.score > into[hit.entry_id][0].score:
                    into[hit.entry_id] = (hit, name, country)
    for entry_id in kept:
        cleared.pop(entry_id, None)
    return kept, cleared


def _order(found: dict[str, tuple[Hit, str, str | None]]) -> list[tuple[Hit, str, str | None]]:
    """Best first, Entity List first among equals, then by entry id: the order of ``Screener.search``."""
    return sorted(found.values(), key=lambda t: (-t[0].score, t[0].source != "EL", t[0].entry_id))


def match(
    screener: Screener,
    dataset: str,
    body: EntityMatchQuery,
    opts: MatchOptions,
    *,
    reviews: ReviewStore | None = None,
) -> dict[str, Any]:
    """Screen every example of ``body`` against ``dataset`` (``EntityMatchResponseView``)."""
    _check_options(opts, body)
    sources = _sources(dataset, opts, screener)
    threshold = screener.match_threshold if opts.threshold is None else opts.threshold
    cutoff = min(screener.review_threshold if opts.cutoff is None else opts.cutoff, threshold)
    by_id = _index(screener)[1]
    excluded = set(opts.exclude_entity_ids)
    queries = {key: _Query(key, example) for key, example in body.queries.items() if example is not None}

    def wanted(hit: Hit) -> bool:
        entry = by_id[hit.entry_id]
        return (
            hit.entry_id not in excluded
            and schema_of(entry) not in opts.exclude_schema
            and (not opts.topics or bool(set(topics_of(entry.source)) & set(opts.topics)))
        )

    def result(found: tuple[Hit, str, str | None]) -> dict[str, Any]:
        hit, name, country = found
        return scored_entity(hit, by_id[hit.entry_id], threshold, country=country, query_name=name)

    responses: dict[str, Any] = {}
    for key, query in queries.items():
        kept, cleared = _best(query, screener, sources, cutoff, reviews) if sources else ({}, {})
        hits = [t for t in _order(kept) if wanted(t[0])]
        responses[key] = {
            "status": 200,
            "results": [result(t) for t in hits[: opts.limit]],
            "total": {"value": len(hits), "relation": "eq"},
            "query": query.parsed(),
            "suppressed": [result(t) for t in _order(cleared) if wanted(t[0])],
            "ignored_properties": query.ignored,
        }
    stale, reason = screener.staleness()
    lists = screener.lists
    return {
        "responses": responses,
        "matcher": {
            name: {"description": text, "coefficient": 1.0, "url": "docs/screening.md#matching"}
            for name, text in FEATURES.items()
        },
        "limit": opts.limit,
        "dataset": dataset,
        "algorithm": ALGORITHM,
        "threshold": threshold,
        "cutoff": cutoff,
        "list_version": screener.list_version,
        "list_date": lists.list_date.isoformat() if lists.list_date else None,
        "stale": stale,
        "stale_reason": reason,
        "match_threshold": screener.match_threshold,
        "review_threshold": screener.review_threshold,
        "screened_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }


__all__ = [
    "ALGORITHM",
    "ALGORITHMS",
    "DEFAULT_LIMIT",
    "MAX_LIMIT",
    "EntityExample",
    "EntityMatchQuery",
    "EntityMatchResponseView",
    "EntityMatchesView",
    "FtmEntityView",
    "MatchOptions",
    "ScoredEntityView",
    "datasets",
    "match",
]
