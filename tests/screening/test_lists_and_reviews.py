"""Loaders, list updates (validated, atomic), reviews and re-screening, through the CLI where a user would."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from chipclear.cli import app
from chipclear.errors import DataFileError
from chipclear.ledger import open_ledger, users
from chipclear.screening import ListStore, Screener, load_list

CSL_HEADER = (
    "_id,source,entity_number,type,programs,name,title,addresses,federal_register_notice,start_date,end_date,"
    "standard_order,license_requirement,license_policy,call_sign,vessel_type,gross_tonnage,"
    "gross_registered_tonnage,vessel_flag,vessel_owner,remarks,source_list_url,alt_names,citizenships,"
    "dates_of_birth,nationalities,places_of_birth,source_information_url,ids"
)
EL = "Entity List (EL) - Bureau of Industry and Security"


def _csl_row(uid: str, name: str, aliases: str = "", requirement: str = "For all items subject to the EAR.") -> str:
    cells = [
        uid,
        EL,
        "",
        "",
        "",
        name,
        "",
        "Room 1, Beijing, CN",
        "90 FR 4621",
        "",
        "",
        "",
        requirement,
        "Presumption of denial",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        aliases,
        "",
        "",
        "",
        "",
        "",
        "",
    ]
    return ",".join(f'"{c}"' for c in cells)


def _write_csl(path: Path, rows: list[str]) -> Path:
    path.write_text(CSL_HEADER + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_csl_csv_is_parsed_by_column_name(tmp_path: Path) -> None:
    loaded = load_list(_write_csl(tmp_path / "c.csv", [_csl_row("a1", "Zorblat Devices Co., Ltd.", "Zorblat; ZDC")]))
    entry = loaded.entries[0]
    assert (entry.source, entry.name, entry.aliases, entry.countries) == (
        "EL",
        "Zorblat Devices Co., Ltd.",
        ("Zorblat", "ZDC"),
        ("CN",),
    )
    assert entry.license_policy == "Presumption of denial" and entry.federal_register_notice == "90 FR 4621"


def test_truncated_csv_is_rejected_with_its_row(tmp_path: Path) -> None:
    path = _write_csl(tmp_path / "c.csv", [_csl_row("a1", "Zorblat Devices")])
    path.write_text(path.read_text() + '"a2","' + EL + '","",\n')
    with pytest.raises(DataFileError, match="row 3"):
        load_list(path)


def test_missing_column_is_named(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text("source,title\nx,y\n")
    with pytest.raises(DataFileError, match="missing required column"):
        load_list(path)


def test_truncated_json_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    path.write_text('{"results": [{"name": "A", "source": "' + EL + '"}, {"name": "B"')
    with pytest.raises(DataFileError, match="truncated"):
        load_list(path)


def test_other_formats_load(tmp_path: Path) -> None:
    (tmp_path / "dpl.txt").write_text(
        '"Name"\t"Street_Address"\t"City"\t"State"\t"Country"\t"Postal_Code"\t"Effective_Date"\t'
        '"Expiration_Date"\t"Standard_Order"\t"Last_Update"\t"Action"\t"FR_Citation"\n'
        '"JOHN ZORBLAT"\t"1 MAIN ST"\t"EL PASO"\t"TX"\t"US"\t"79905"\t"08/24/2022"\t"01/14/2026"\t"Y"\t'
        '"2022-08-29"\t"F.R. NOTICE ADDED"\t"87 F.R. 52741 8/29/2022"\n'
    )
    dpl = load_list(tmp_path / "dpl.txt")
    assert dpl.entries[0].name == "JOHN ZORBLAT" and str(dpl.list_date) == "2022-08-24"
    ofac = tmp_path / "ofac"
    ofac.mkdir()
    (ofac / "sdn.csv").write_text('36,"ZORBLAT AIRLINES",-0- ,"CUBA",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n\x1a')
    (ofac / "alt.csv").write_text('36,12,"aka","ZORBLAT AIR",-0- \r\n')
    (ofac / "add.csv").write_text('36,25,-0- ,"Havana","Cuba",-0- \r\n')
    sdn = load_list(ofac)
    assert sdn.entries[0].entry_id == "SDN-36" and sdn.entries[0].aliases == ("ZORBLAT AIR",)
    (tmp_path / "x.jsonl").write_text(
        json.dumps({"id": "Q1", "schema": "Company", "properties": {"name": ["Zorblat"], "country": ["cn"]}}) + "\n"
    )
    ftm = load_list(tmp_path / "x.jsonl")
    assert ftm.entries[0].countries == ("CN",)


def test_update_from_file_swaps_atomically_and_refuses_a_truncated_list(data_dir: Path) -> None:
    rows = [_csl_row(f"id{i}", f"Zorblat Unit {i} Devices") for i in range(20)]
    good = _write_csl(data_dir / "good.csv", rows)
    store = ListStore()
    with pytest.raises(DataFileError, match="truncated or partial"):
        store.update(str(good))  # 20 rows against the embedded 25,921
    report = store.update(str(good), allow_shrink=True, allow_older=True)  # (an undated CSV over the dated list)
    assert report.entries == 20 and store.current() is not None
    small = _write_csl(data_dir / "small.csv", rows[:3])
    with pytest.raises(DataFileError):
        store.update(str(small))
    assert store.current()["version"] == report.version  # the good list is still in use


def test_cli_update_rescreens_known_parties_and_review_suppression(data_dir: Path) -> None:
    runner = CliRunner()
    first = _write_csl(
        data_dir / "v1.csv",
        [_csl_row("id1", "Zorblat Devices Co., Ltd.")] + [_csl_row(f"f{i}", f"Filler Entity {i}") for i in range(10)],
    )
    # replacing the lists is an admin's (audited); reviews live in the ledger (one store for the CLI, the API and
    # the console): an approver records them
    ledger = open_ledger()
    with ledger.session() as s:
        admin, root_key = users.create_user(s, "root", "admin", None)
        _, ann_key = users.create_user(s, "ann", "approver", admin)
    ledger.close()
    update = ["lists", "update", "--api-key", root_key, "--json", "--from"]
    res = runner.invoke(app, [*update, str(first), "--allow-shrink", "--list-date", "2026-11-01"])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["screen", "Zorblat Devices", "--remember", "--json"])
    data = json.loads(res.output)
    assert data["list_date"] == "2026-11-01" and data["hits"][0]["name"] == "Zorblat Devices Co., Ltd."
    entry_id = data["hits"][0]["entry_id"]

    res = runner.invoke(
        app,
        [
            "reviews",
            "add",
            "--party",
            "Zorblat Devices",
            "--entry",
            entry_id,
            "--by",
            "ann",
            "--reason",
            "different company, other city",
            "--api-key",
            ann_key,
        ],
    )
    assert res.exit_code == 0, res.output
    data = json.loads(runner.invoke(app, ["screen", "ZORBLAT DEVICES", "--json"]).output)
    assert data["hits"] == [] and data["suppressed"][0]["suppressed_by"]["reviewer"] == "ann"

    # v2 changes the entry (new alias) and adds a new one: the review no longer applies, the new entry hits
    second = _write_csl(
        data_dir / "v2.csv",
        [
            _csl_row("id1", "Zorblat Devices Co., Ltd.", "Zorblat Microsystems"),
            _csl_row("id2", "Zorblat Devices Shenzhen Branch"),
        ]
        + [_csl_row(f"f{i}", f"Filler Entity {i}") for i in range(10)],
    )
    res = runner.invoke(app, [*update, str(second), "--list-date", "2026-11-20"])
    assert res.exit_code == 0, res.output
    report = json.loads(res.output)
    change = report["rescreen"][0]
    assert change["party"]["name"] == "Zorblat Devices"
    assert entry_id in change["changed_entries"]
    data = json.loads(runner.invoke(app, ["screen", "Zorblat Devices", "--json"]).output)
    assert entry_id in [h["entry_id"] for h in data["hits"]]  # raised again: the entry changed


def test_cli_file_screening_and_bad_rows(data_dir: Path, screener: Screener) -> None:
    runner = CliRunner()
    parties = data_dir / "parties.csv"
    parties.write_text('name,country\nSophgo,CN\n"Apple Inc.",US\n')
    out = data_dir / "hits.csv"
    res = runner.invoke(app, ["screen", "--file", str(parties), "--out", str(out)])
    assert res.exit_code == 0, res.output
    lines = out.read_text().splitlines()
    assert lines[0].startswith("row,party,country,entry_id")
    assert any("Sophgo Technologies Ltd." in line for line in lines[1:])
    assert not any("Apple" in line for line in lines[1:])
    parties.write_text("name,country\nSophgo,CHINAA\n")  # a country name resolves ("China"); a misspelling does not
    res = runner.invoke(app, ["screen", "--file", str(parties)])
    assert res.exit_code == 2 and "row 2" in res.output and "country" in res.output


def test_cli_lists_status_reports_date_and_staleness(data_dir: Path, screener: Screener) -> None:
    res = CliRunner().invoke(app, ["lists", "status", "--json"])
    data = json.loads(res.output)
    assert data["list_date"] == "2026-07-31" and data["entries"] == 25921
    assert isinstance(data["stale"], bool)


def test_embedded_version_matches_its_manifest(data_dir: Path) -> None:
    from chipclear.screening import load_embedded

    store = ListStore()
    version, count = store._version_and_count(store.current())
    embedded = load_embedded()
    assert (version, count) == (embedded.version, len(embedded.entries))


def test_bis_parse_keeps_address_and_maps_the_country_heading(tmp_path: Path) -> None:
    doc = {
        "list_id": "bis-entity-list",
        "extracted": "2026-07-09",
        "count": 1,
        "entities": [
            {
                "name": "Zorblat Devices",
                "aliases": ["ZD"],
                "country": "Russia",
                "address": "1 Lenina St., Moscow",
                "federal_register": "90 FR 1, 1/1/25",
                "notes": "For all items subject to the EAR.",
            }
        ],
    }
    (tmp_path / "el.json").write_text(json.dumps(doc))
    entry = load_list(tmp_path / "el.json").entries[0]
    assert (entry.source, entry.countries, entry.addresses) == ("EL", ("RU",), ("1 Lenina St., Moscow",))
    assert entry.license_requirement == "For all items subject to the EAR."
