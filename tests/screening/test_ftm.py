"""The FollowTheMoney export of the lists and of hits: every line an FtM entity of FtM's model, every listing's
legal effect and Federal Register citation kept, and what chipclear's own FtM loader reads back is the list."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from chipclear.cli import app
from chipclear.screening import Screener, default_screener, parse_list_bytes
from chipclear.screening.ftm import dataset_name, list_entities, party_entity, sanction_entity

# FtM's model, read from followthemoney/schema/*.yaml (Thing.yaml, LegalEntity.yaml, Person.yaml, Vessel.yaml,
# Airplane.yaml, Interval.yaml, Sanction.yaml): the schemata an export may use, the properties each has (only
# those of Thing for a party; Interval's and Sanction's own for a sanction) and each one's required properties.
THING = {
    "name", "alias", "previousName", "weakAlias", "country", "summary", "notes", "description", "sourceUrl",
    "publisher", "publisherUrl", "wikipediaUrl", "wikidataId", "keywords", "topics", "address", "addressEntity",
    "program", "programId", "proof", "createdAt", "modifiedAt", "retrievedAt",
}  # fmt: skip
SANCTION = {
    "entity", "authority", "authorityId", "unscId", "program", "programId", "programUrl", "provisions", "status",
    "duration", "reason", "country", "listingDate", "startDate", "endDate", "date", "summary", "description",
    "recordId", "sourceUrl", "proof", "publisher", "publisherUrl", "modifiedAt", "retrievedAt",
}  # fmt: skip
FTM_SCHEMATA = {
    "LegalEntity": (THING, {"name"}),
    "Person": (THING, {"name"}),
    "Organization": (THING, {"name"}),
    "Company": (THING, {"name"}),
    "Vessel": (THING, {"name"}),
    "Airplane": (THING, {"name"}),
    "Sanction": (SANCTION, {"entity"}),
}
FTM_TOPICS = {"sanction", "export.control", "debarment", "invest.ban"}  # all in followthemoney/types/topic.py
ENTITY_KEYS = {"id", "caption", "schema", "properties", "datasets", "referents", "target"}
DATASET_NAME = re.compile(r"^[a-z0-9_]+$")  # FtM's dataset_name_check: a slug with underscores


def check_entity(line: dict[str, Any]) -> None:
    missing = ENTITY_KEYS - line.keys()
    assert not missing, (missing, line)
    assert line["schema"] in FTM_SCHEMATA, line["schema"]
    allowed, required = FTM_SCHEMATA[line["schema"]]
    props = line["properties"]
    assert set(props) <= allowed, (set(props) - allowed, line["id"])
    assert required <= set(props), (line["id"], required)
    for name, values in props.items():
        assert isinstance(values, list) and values, (line["id"], name)
        assert all(isinstance(v, str) and v.strip() for v in values), (line["id"], name)
    for code in props.get("country", []):
        assert re.fullmatch(r"[a-z]{2}", code), (line["id"], code)
    assert set(props.get("topics", [])) <= FTM_TOPICS
    assert line["datasets"] and all(DATASET_NAME.match(d) for d in line["datasets"]), line["datasets"]
    assert isinstance(line["id"], str) and line["id"] and isinstance(line["caption"], str) and line["caption"]


def test_every_exported_line_is_an_ftm_entity(screener: Screener) -> None:
    lines = list(list_entities(screener.entries, screener.listings))
    assert len(lines) == 2 * len(screener.entries)
    for line in lines:
        check_entity(json.loads(json.dumps(line)))
    ids = [line["id"] for line in lines]
    assert len(ids) == len(set(ids))
    parties = {line["id"] for line in lines if line["schema"] != "Sanction"}
    for line in lines:
        if line["schema"] == "Sanction":
            assert line["properties"]["entity"][0] in parties


def test_the_export_keeps_the_legal_effect_and_the_federal_register_citation(screener: Screener) -> None:
    entry = next(e for e in screener.entries if e.source == "EL" and e.federal_register_notice and e.license_policy)
    sanction = sanction_entity(entry, screener.listings.get(entry.entry_id))
    props = sanction["properties"]
    assert props["entity"] == [entry.entry_id]
    assert props["authority"] == [entry.source_name]
    assert f"Federal Register: {entry.federal_register_notice}" in props["description"]
    assert f"License requirement: {entry.license_requirement}" in props["provisions"]
    assert f"License review policy: {entry.license_policy}" in props["provisions"]
    listing = screener.listings[entry.entry_id]
    if listing.listed_on is not None:
        assert props["listingDate"] == [listing.listed_on.isoformat()]
    party = party_entity(entry)
    assert party["schema"] == "LegalEntity" and party["target"] is True
    assert party["datasets"] == ["el"] and party["properties"]["topics"] == ["export.control"]
    person = next(e for e in screener.entries if e.entity_type == "Individual")
    assert party_entity(person)["schema"] == "Person"
    assert dataset_name("NS-MBS") == "ns_mbs"


def test_chipclears_ftm_loader_reads_the_export_back_as_the_same_list(screener: Screener) -> None:
    raw = "".join(json.dumps(e) + "\n" for e in list_entities(screener.entries, screener.listings))
    back = parse_list_bytes(raw.encode(), "export.ftm.jsonl", "ftm-jsonl")
    assert len(back.entries) == len(screener.entries)
    for original, read in zip(screener.entries, back.entries, strict=True):
        # its own id and list, not "FTM-..." of source FTM (until 2026-12-07): tests/screening/test_ftm_round_trip.py
        assert (read.entry_id, read.source) == (original.entry_id, original.source)
        assert read.name == original.name.strip()
        assert set(read.names) == {n.strip() for n in original.names if n.strip()}, original.entry_id
        iso = tuple(c for c in original.countries if re.fullmatch(r"[A-Z]{2}", c))
        assert read.countries[: len(iso)] == iso or set(iso) <= set(read.countries), original.entry_id
        for other in set(original.countries) - set(iso):  # a name such as TURKIYE resolved, or kept as written
            assert len(read.countries) > len(iso) or f"Country as listed: {other}" in (read.remarks or "")
        assert read.addresses == tuple(dict.fromkeys(a.strip() for a in original.addresses if a.strip()))
        assert read.programs == tuple(dict.fromkeys(p.strip() for p in original.programs if p.strip()))


def test_cli_lists_export_writes_the_lines_to_a_file_or_stdout(tmp_path: Path, data_dir: Path) -> None:
    screener = default_screener()
    out = tmp_path / "lists.ftm.jsonl"
    result = CliRunner().invoke(app, ["lists", "export", "--format", "ftm", "-o", str(out)])
    assert result.exit_code == 0, result.output
    written = out.read_text(encoding="utf-8").splitlines()
    assert len(written) == 2 * len(screener.entries)
    assert json.loads(written[0]) == next(list_entities(screener.entries, screener.listings))
    to_stdout = CliRunner().invoke(app, ["lists", "export", "-o", "-"])
    assert to_stdout.exit_code == 0
    assert to_stdout.output.splitlines()[:3] == written[:3]
    bad = CliRunner().invoke(app, ["lists", "export", "--format", "csv"])
    assert bad.exit_code == 2 and "ftm" in bad.output
    nowhere = CliRunner().invoke(app, ["lists", "export", "-o", str(tmp_path / "missing" / "x.jsonl")])
    assert nowhere.exit_code == 2


@pytest.mark.parametrize("name", ["Moore Threads", "Rosneft"])
def test_cli_screen_ftm_prints_each_hit_as_a_scored_entity_and_its_sanction(name: str, data_dir: Path) -> None:
    as_json = CliRunner().invoke(app, ["screen", name, "--country", "CN", "--json"])
    as_ftm = CliRunner().invoke(app, ["screen", name, "--country", "CN", "--ftm"])
    assert as_json.exit_code == 0 and as_ftm.exit_code == 0, as_ftm.output
    hits = json.loads(as_json.output)["hits"]
    lines = [json.loads(line) for line in as_ftm.output.splitlines()]
    assert len(lines) == 2 * len(hits) and hits
    for hit, scored, sanction in zip(hits, lines[::2], lines[1::2], strict=True):
        check_entity(scored)
        check_entity(sanction)
        assert scored["id"] == hit["entry_id"] and scored["hit"] == hit
        assert scored["score"] == hit["score"] and scored["match"] == (hit["determination"] == "match")
        assert sanction["properties"]["entity"] == [hit["entry_id"]]
        assert scored["explanations"]["name"]["query"] == name
    refused = CliRunner().invoke(app, ["screen", name, "--ftm", "--json"])
    assert refused.exit_code == 2
