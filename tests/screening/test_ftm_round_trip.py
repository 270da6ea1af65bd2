"""chipclear's own FtM export reads back as the lists it was (a door audit, 2026-12-07: `lists export --format ftm`
then `lists update --format ftm-jsonl` made every entry source "FTM" with no listing date, so an exact Entity List
match held as "a source chipclear does not map to an EAR outcome" instead of LICENSE_REQUIRED with the Entity
List's presumption of denial). The whole bundled list goes round; a few entries of each list are decided on both."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from chipclear.decision import OrderLine, Party, Verdict
from chipclear.determination import determine
from chipclear.screening import ListStore, Screener, default_screener, reset_default_screener
from chipclear.screening.ftm import list_entities
from chipclear.screening.model import ListEntry

pytestmark = pytest.mark.slow

PER_LIST = 3
ON = dt.date(2026, 8, 15)  # after the bundled lists' date


def _sample(screener: Screener) -> list[ListEntry]:
    taken: dict[str, list[ListEntry]] = {}
    for entry in screener.entries:
        if len(taken.setdefault(entry.source, [])) < PER_LIST:
            taken[entry.source].append(entry)
    moore = [e for e in screener.entries if e.name.startswith("Moore Thread Intelligent Technology (Beijing)")]
    return [*moore, *(e for group in taken.values() for e in group)]


def _decided(entry: ListEntry, screener: Screener) -> dict[str, Any]:
    country = entry.countries[0] if entry.countries and len(entry.countries[0]) == 2 else "CN"
    line = OrderLine(
        item="nvidia-a10",
        quantity=1,
        destination=country,
        ship_date=ON,
        parties=[Party(name=entry.name, role="end_user", country=country)],
    )
    d = determine(line, as_of=ON, screener=screener)
    return {
        "verdict": d.verdict,
        "review_policy": d.review_policy,
        "rules": [r.rule for r in d.reasons],
        "hits": sorted((h["entry_id"], h["source"], h.get("license_requirement") or "") for h in d.screening),
    }


def test_the_export_reads_back_with_each_entrys_list_license_terms_and_listing_date(
    screener: Screener, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sample = _sample(screener)
    assert {e.source for e in sample} >= {"EL", "SDN", "DPL", "MEU", "UVL"} and sample[0].source == "EL"
    before = {e.entry_id: _decided(e, screener) for e in sample}
    listed = {e.entry_id: screener.listings[e.entry_id] for e in sample}

    path = tmp_path / "lists.ftm.jsonl"
    with path.open("w", encoding="utf-8") as out:
        out.writelines(
            json.dumps(e, ensure_ascii=False) + "\n" for e in list_entities(screener.entries, screener.listings)
        )
    monkeypatch.setenv("CHIPCLEAR_DATA_DIR", str(tmp_path / "data"))
    reset_default_screener()
    try:
        report = ListStore().update(str(path), fmt="ftm-jsonl", list_date=screener.lists.list_date)
        assert report.counts_by_source == screener.lists.counts_by_source  # no entry became "FTM"
        after = default_screener()
        by_id = {e.entry_id: e for e in after.entries}
        for entry in sample:
            back = by_id[entry.entry_id]
            assert (back.source, back.source_name, back.license_requirement, back.license_policy) == (
                entry.source,
                entry.source_name,
                entry.license_requirement,
                entry.license_policy,
            ), entry.entry_id
            again = after.listings[entry.entry_id]
            assert (again.listed_on, again.effective_on, again.action) == (
                listed[entry.entry_id].listed_on,
                listed[entry.entry_id].effective_on,
                listed[entry.entry_id].action,
            ), entry.entry_id
            assert _decided(back, after) == before[entry.entry_id], entry.entry_id
        moore = before[sample[0].entry_id]
        assert moore["verdict"] == Verdict.LICENSE_REQUIRED and ("EL" in {h[1] for h in moore["hits"]})
    finally:
        reset_default_screener()
