"""The restricted-party lists and screening hits as FollowTheMoney (FtM) entities, the JSON shape OpenSanctions,
yente and Aleph read: ``{"id", "schema", "properties": {name: [values]}, "datasets", ...}``, one per line.

Pure functions: a ``ListEntry`` (and a ``Hit``) in, plain dicts out; the CLI (``chipclear lists export --format
ftm``, ``chipclear screen --ftm``) and the API (``GET /api/lists/export.ftm``, ``POST /api/match/{dataset}``) write
them. Schema and property names are FtM's (``followthemoney/schema/*.yaml``): a listed party is the entity of its
kind (``Person``, ``Vessel``, ``Airplane``, else ``LegalEntity``, FtM's schema for a party whose kind the source
does not say) with only ``Thing`` properties, and its listing is a ``Sanction`` entity that keeps what the list says
about the legal effect: the authority (the list's title), programs, the license requirement and review policy
(``provisions``), the Federal Register citation and the listing date chipclear derives from it.

Dataset names are FtM dataset names (lower case, digits, underscores): one per list, from its short code (``el``,
``sdn``, ``ns_mbs`` ...), and ``default`` for all of them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from chipclear.errors import InputError
from chipclear.geography import load_geography
from chipclear.screening.listing import Listing
from chipclear.screening.model import ListEntry
from chipclear.screening.screener import ADDRESS_MAX_BONUS, COUNTRY_MATCH_BONUS, COUNTRY_MISMATCH_PENALTY, Hit

DEFAULT_DATASET = "default"

# FtM schemata a party on a restricted-party list can be (the matchable ones of FtM's model).
PARTY_SCHEMATA = ("LegalEntity", "Person", "Organization", "Company", "PublicBody", "Vessel", "Airplane")

# The list's entity type (CSL ``type``, OFAC ``sdn_type``) -> FtM schema; anything else is a LegalEntity.
_SCHEMA_OF_TYPE = {"individual": "Person", "vessel": "Vessel", "aircraft": "Airplane"}

# FtM topics (followthemoney/types/topic.py) of each list, by what the list does (the CSL's own statement of
# each list's legal effect, screening/data/csl-*.json ``listAuthority``): BIS export-control lists,
# Treasury/State sanctions, ITAR debarment, and CMIC's ban on buying the companies' securities.
TOPICS_OF_SOURCE = {
    "EL": "export.control",
    "MEU": "export.control",
    "UVL": "export.control",
    "DPL": "export.control",
    "SDN": "sanction",
    "SSI": "sanction",
    "PLC": "sanction",
    "NS-MBS": "sanction",
    "CAP": "sanction",
    "ISN": "sanction",
    "CMIC": "invest.ban",
    "DTC": "debarment",
}
TOPICS = tuple(sorted(set(TOPICS_OF_SOURCE.values())))

_ISO2 = re.compile(r"^[A-Za-z]{2}$")
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def dataset_name(source: str) -> str:
    """A list's FtM dataset name: its short code in lower case, other characters as underscores (``NS-MBS`` ->
    ``ns_mbs``)."""
    return _NOT_SLUG.sub("_", source.lower()).strip("_") or "list"


def schema_of(entry: ListEntry) -> str:
    """The FtM schema of a listed party (an FtM list loaded into chipclear keeps its own)."""
    kind = (entry.entity_type or "").strip()
    if kind in PARTY_SCHEMATA:
        return kind
    return _SCHEMA_OF_TYPE.get(kind.lower(), "LegalEntity")


def topics_of(source: str) -> list[str]:
    topic = TOPICS_OF_SOURCE.get(source.upper())
    return [topic] if topic else []


def _props(**values: Iterable[str | None]) -> dict[str, list[str]]:
    """FtM properties: each a list of distinct non-empty strings; empty properties left out."""
    out: dict[str, list[str]] = {}
    for name, given in values.items():
        kept = list(dict.fromkeys(v.strip() for v in given if v and v.strip()))
        if kept:
            out[name] = kept
    return out


def countries(codes: Iterable[str]) -> tuple[list[str], list[str]]:
    """FtM writes countries as lower-case ISO 3166-1 alpha-2 codes: a list's code as is, a country name the
    geography data knows (``PRC``, ``TURKIYE``) as its code; the rest (``REGION: WEST BANK``) come back apart, as
    written, for the entity's notes."""
    geography = load_geography()
    found: list[str] = []
    unresolved: list[str] = []
    for code in codes:
        if _ISO2.match(code):
            found.append(code.lower())
            continue
        try:
            found.append(geography.normalize(code, field="country").lower())
        except InputError:
            unresolved.append(code)
    return list(dict.fromkeys(found)), unresolved


def _entity(entity_id: str, schema: str, caption: str, properties: dict[str, list[str]], source: str) -> dict[str, Any]:
    return {
        "id": entity_id,
        "caption": caption,
        "schema": schema,
        "properties": properties,
        "datasets": [dataset_name(source)],
        "referents": [],
        "target": False,
        "first_seen": None,
        "last_seen": None,
        "last_change": None,
    }


def party_entity(entry: ListEntry) -> dict[str, Any]:
    """The listed party: names, countries, addresses, programs, notes, the list's URL and title."""
    codes, as_listed = countries(entry.countries)
    properties = _props(
        name=[entry.name],
        alias=entry.aliases,
        country=codes,
        address=entry.addresses,
        program=entry.programs,
        notes=[entry.remarks, *(f"Country as listed: {c}" for c in as_listed)],
        sourceUrl=[entry.source_list_url],
        publisher=[entry.source_name or entry.source],
        topics=topics_of(entry.source),
    )
    entity = _entity(entry.entry_id, schema_of(entry), entry.name, properties, entry.source)
    entity["target"] = True  # OpenSanctions' mark for an entity that is itself listed
    return entity


def sanction_id(entry: ListEntry) -> str:
    return f"{entry.entry_id}-sanction"


def sanction_entity(entry: ListEntry, listing: Listing | None = None) -> dict[str, Any]:
    """The listing of ``entry``: who listed it (authority), under which programs, with which license requirement
    and policy, the Federal Register citation, and the listing date where the citations give one."""
    provisions = []
    if entry.license_requirement:
        provisions.append(f"License requirement: {entry.license_requirement}")
    if entry.license_policy:
        provisions.append(f"License review policy: {entry.license_policy}")
    properties = _props(
        entity=[entry.entry_id],
        authority=[entry.source_name or entry.source],
        program=entry.programs,
        provisions=provisions,
        description=[f"Federal Register: {entry.federal_register_notice}" if entry.federal_register_notice else None],
        summary=[listing.describe() if listing else None],
        listingDate=[listing.listed_on.isoformat() if listing and listing.listed_on else None],
        sourceUrl=[entry.source_list_url],
        recordId=[entry.entry_id],
    )
    return _entity(sanction_id(entry), "Sanction", entry.source_name or entry.source, properties, entry.source)


def list_entities(entries: Iterable[ListEntry], listings: Mapping[str, Listing]) -> Iterator[dict[str, Any]]:
    """Every entry of a list load as its party entity followed by its Sanction entity."""
    for entry in entries:
        yield party_entity(entry)
        yield sanction_entity(entry, listings.get(entry.entry_id))


# --- scored hits (yente's result shape: an FtM entity with a score) ------------------------------------------

FEATURES = {
    "name": "Name score: rarity-weighted share of the query's words found in the listed name and of the listed "
    "name's words found in the query (docs/screening.md, Matching)",
    "country": f"+{COUNTRY_MATCH_BONUS} when the query's country is one of the entry's countries, "
    f"-{COUNTRY_MISMATCH_PENALTY} when the entry lists only other countries",
    "address": f"Up to +{ADDRESS_MAX_BONUS} for address words the query shares with the entry's addresses",
}


def hit_features(
    hit: Hit, entry: ListEntry, country: str | None = None, query_name: str | None = None
) -> dict[str, dict[str, Any]]:
    """The parts of a hit's score (they add up to it, clamped to [0, 1]), each with its reason, in yente's
    explanation shape ``{score, detail, query, candidate}``."""
    how = hit.explanation
    tokens = ", ".join(f"{m['query']}~{m['listed']}" for m in how.get("matched_tokens", []))
    parts: dict[str, dict[str, Any]] = {
        "name": {
            "score": how.get("name_score", hit.score),
            "detail": f"matched {hit.matched_name!r}" + (f" ({tokens})" if tokens else ""),
            "query": query_name,
            "candidate": hit.matched_name,
        }
    }
    if "country" in how:
        listed = country is not None and country.upper() in entry.countries
        parts["country"] = {
            "score": COUNTRY_MATCH_BONUS if listed else -COUNTRY_MISMATCH_PENALTY,
            "detail": str(how["country"]),
            "query": country,
            "candidate": ", ".join(entry.countries) or None,
        }
    if isinstance(how.get("address"), dict):
        shared = how["address"].get("shared_tokens", [])
        parts["address"] = {
            "score": how["address"].get("bonus", 0.0),
            "detail": f"address words shared with the entry: {', '.join(shared)}",
            "query": None,
            "candidate": None,
        }
    return parts


def scored_entity(
    hit: Hit, entry: ListEntry, threshold: float, *, country: str | None = None, query_name: str | None = None
) -> dict[str, Any]:
    """A hit as yente answers one: the listed party's entity plus ``score``, ``match`` (score >= ``threshold``),
    ``features`` (the score's parts), ``explanations`` (each part with its reason) and chipclear's whole ``hit``
    (the JSON of ``chipclear screen --json``, with its explanation, license requirement and FR citation)."""
    parts = hit_features(hit, entry, country, query_name)
    return {
        **party_entity(entry),
        "score": hit.score,
        "match": hit.score >= threshold,
        "features": {name: part["score"] for name, part in parts.items()},
        "explanations": parts,
        "hit": hit.to_json(),
    }


def hit_entities(
    hits: Iterable[Hit],
    entries: Mapping[str, ListEntry],
    listings: Mapping[str, Listing],
    threshold: float,
    *,
    country: str | None = None,
    query_name: str | None = None,
) -> Iterator[dict[str, Any]]:
    """Screening hits as FtM lines: each hit's scored entity followed by its entry's Sanction entity."""
    for hit in hits:
        entry = entries[hit.entry_id]
        yield scored_entity(hit, entry, threshold, country=country, query_name=query_name)
        yield sanction_entity(entry, listings.get(hit.entry_id))


__all__ = [
    "DEFAULT_DATASET",
    "FEATURES",
    "PARTY_SCHEMATA",
    "TOPICS",
    "TOPICS_OF_SOURCE",
    "countries",
    "dataset_name",
    "hit_entities",
    "hit_features",
    "list_entities",
    "party_entity",
    "sanction_entity",
    "sanction_id",
    "schema_of",
    "scored_entity",
    "topics_of",
]
