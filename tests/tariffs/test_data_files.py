"""The tariff data files: every value cited, UNCONFIRMED never a fact, bad files rejected with file and field."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
import yaml

from chipclear.errors import DataFileError
from chipclear.tariffs import bundled_data, duty, load_tariff_data
from chipclear.tariffs.data import DATA_DIR


def _copy(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target)
    return target


def test_bundled_data_loads_and_covers_every_measure_of_the_issue() -> None:
    data = bundled_data()
    families = {type(m).__name__ for m in data.measures.values()}
    assert {
        "Sec301List",
        "Sec301Exclusion",
        "Sec301Increase",
        "IeepaDuty",
        "UsmcaExemption",
        "IeepaReciprocal",
        "Sec122",
        "Sec232Semiconductors",
        "Sec301ForcedLabor",
    } <= families
    assert len(data.china) >= 4
    assert {line.hts[:7] for line in data.column1.lines} >= {"8471.50", "8471.80", "8473.30", "8542.31", "8542.32"}


def test_every_period_is_cited_with_s_numbers_and_a_confidence() -> None:
    data = bundled_data()
    for measure in [*data.measures.values(), *data.china.values()]:
        for period in measure.periods:
            assert period.citation and period.sources, measure.id
            assert all(s in data.sources for s in period.sources), measure.id
            assert period.confidence in {"H", "M", "L", "UNCONFIRMED"}
            if period.confidence == "UNCONFIRMED":
                assert period.rate is None and period.question, measure.id


def test_one_file_per_measure_named_by_date_and_instrument() -> None:
    data = bundled_data()
    for measure_id, name in data.files.items():
        assert name.split("/")[-1][:4].isdigit(), (measure_id, name)


def _edit(path: Path, change: dict) -> None:  # type: ignore[type-arg]
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    doc.update(change)
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")


def test_unconfirmed_value_stated_as_fact_is_rejected(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    path = root / "us" / "2026-07-24_91FR47318_sec301-forced-labor.yaml"
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    doc["periods"][0]["rate"] = 12.5
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    with pytest.raises(DataFileError, match=r"2026-07-24_91FR47318_sec301-forced-labor.yaml: field periods"):
        load_tariff_data(root)


def test_unknown_source_key_is_rejected(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    path = root / "us" / "2018-09-24_83FR47974_sec301-list3.yaml"
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    doc["periods"][0]["sources"] = ["S999"]
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    with pytest.raises(DataFileError, match="S999"):
        load_tariff_data(root)


def test_missing_citation_is_rejected(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    path = root / "us" / "2018-09-24_83FR47974_sec301-list3.yaml"
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    del doc["periods"][1]["citation"]
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    with pytest.raises(DataFileError, match=r"sec301-list3.yaml: field periods.1.citation"):
        load_tariff_data(root)


def test_dangling_measure_reference_is_rejected(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    _edit(root / "us" / "2025-01-01_89FR76581_sec301-four-year-review.yaml", {"replaces": ["us-301-list9"]})
    with pytest.raises(DataFileError, match="us-301-list9"):
        load_tariff_data(root)


def test_a_new_measure_is_a_new_file_and_no_engine_change(tmp_path: Path) -> None:
    """Adding a dated rate change is adding data: here a hypothetical test-only List 3 period in a copy."""
    root = _copy(tmp_path)
    path = root / "us" / "2018-09-24_83FR47974_sec301-list3.yaml"
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    doc["periods"][1]["until"] = "2030-01-01"
    doc["periods"].append({**doc["periods"][1], "from": "2030-01-01", "until": None, "rate": 30})
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    import datetime as dt

    from chipclear.tariffs import duty

    data = load_tariff_data(root)
    assert duty("8471.50.0150", "CN", dt.date(2031, 1, 1), claims=["9903.79.02"], data=data).total_low == 30.0 + 0.0


def _citations(node: object) -> list[str]:
    if isinstance(node, dict):
        found = [v for k, v in node.items() if k == "citation" and isinstance(v, str)]
        return found + [c for v in node.values() for c in _citations(v)]
    if isinstance(node, list):
        return [c for v in node for c in _citations(v)]
    return []


def test_no_shown_citation_names_a_document_that_was_not_read() -> None:
    # A citation is what the user sees as the basis of a rate: a document named but not read (e.g. the CSMS message
    # issue 19 names for 9903.01.24) belongs in a YAML comment or an open question, never in the citation.
    for path in sorted(DATA_DIR.rglob("*.yaml")):
        for citation in _citations(yaml.safe_load(path.read_text(encoding="utf-8"))):
            assert "not read" not in citation and "as named in" not in citation, (path.name, citation)
    line = next(
        ln
        for ln in duty("8542.31.00", "CN", dt.date(2025, 6, 1)).lines
        if ln.measure_id == "us-ieepa-china-eo14228"  # the 20% fentanyl duty
    )
    # The CSMS message itself was not read: it may be named only as quoted by the texts that were (S103).
    assert "EO 14228" in line.citation and line.citation.count("CSMS") == line.citation.count(
        "CSMS #64299816 (Mar 3 2025) as quoted"
    )
    # rate H, heading M (the CSMS read only as quoted): the line takes the lower mark
    assert line.heading == "9903.01.24" and line.confidence == "M"


@pytest.mark.parametrize("hts", ["8542.32.00", "8542.33.00", "8542.39.00", "8542.90.00", "8541.10.00", "8541.59.00"])
def test_the_other_semiconductor_lines_are_on_list_2_at_m_before_2025(hts: str) -> None:
    # tariffs.md §2: List 2 holds "8542.31 (and, per USTR's 'semiconductors 25%->50%', the other 8541/8542 lines)"
    # until 2024-12-31 (M: no primary List-2 annex read); every such line gets the same treatment as 8542.32.
    (line,) = [ln for ln in duty(hts, "CN", dt.date(2024, 6, 1)).lines if ln.measure_id.startswith("us-301")]
    assert (line.measure_id, line.rate, line.confidence) == ("us-301-list2", 25.0, "M")
    assert "semiconductors 25% -> 50%" in bundled_data().measures["us-301-list2"].scope.citation
    assert not [ln for ln in duty(hts, "CN", dt.date(2018, 8, 22)).lines if ln.measure_id.startswith("us-301")]
    (after,) = [ln for ln in duty(hts, "CN", dt.date(2025, 1, 2)).lines if ln.measure_id.startswith("us-301")]
    assert (after.measure_id, after.rate) == ("us-301-four-year-review", 50.0)
