"""One vocabulary for dated, cited values (chipclear.provenance), shared by rules, tariffs, geography and catalog.

Every period is ``[from, until)``: in force on ``from``, no longer on ``until``. Old spellings of the data files
(a tariff period's ``to``, a requirement's ``since``, the catalog's high/medium/low) fail with file and field.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import pytest
from pydantic import ValidationError

from chipclear.catalog.loader import load_catalog_file
from chipclear.errors import DataFileError
from chipclear.geography import Membership, load_geography
from chipclear.provenance import Period
from chipclear.rules import load_rules
from chipclear.rules.loader import parse_rule_text
from chipclear.rules.schema import EnforcementPeriod
from chipclear.tariffs import bundled_data, load_tariff_data
from chipclear.tariffs.data import DATA_DIR
from chipclear.tariffs.models import Period as TariffPeriod

SRC = Path(__file__).resolve().parents[2] / "src" / "chipclear"
D = dt.date
CITED = {"citation": "test citation", "confidence": "H"}


@pytest.mark.parametrize(
    "period",
    [
        Period.model_validate({"from": "2025-01-13", "until": "2025-05-15"}),
        EnforcementPeriod.model_validate({"from": "2025-01-13", "until": "2025-05-15", "enforced": False, **CITED}),
        Membership.model_validate({"country": "AE", "from": "2025-01-13", "until": "2025-05-15"}),
        TariffPeriod.model_validate(
            {"from": "2025-01-13", "until": "2025-05-15", "rate": 25, "sources": ["S1"], **CITED}
        ),
    ],
    ids=["provenance", "rules-enforcement", "geography-membership", "tariff-rate"],
)
def test_every_period_is_from_inclusive_until_exclusive(period: Period) -> None:
    assert not period.covers(D(2025, 1, 12))
    assert period.covers(D(2025, 1, 13))  # in force on `from`
    assert period.covers(D(2025, 5, 14))
    assert not period.covers(D(2025, 5, 15))  # no longer on `until`


def test_a_missing_bound_is_open() -> None:
    assert Period.model_validate({}).covers(D(1990, 1, 1))
    assert Period.model_validate({"until": "2020-01-01"}).covers(D(2019, 12, 31))
    assert not Period.model_validate({"until": "2020-01-01"}).covers(D(2020, 1, 1))
    assert Period.model_validate({"from": "2020-01-01"}).covers(D(2099, 1, 1))


def test_an_empty_or_reversed_period_is_refused() -> None:
    with pytest.raises(ValidationError, match="on or before it starts"):
        Period.model_validate({"from": "2025-01-13", "until": "2025-01-13"})


def test_bundled_boundaries_on_both_sides() -> None:
    """The same boundaries in the bundled data: the diffusion rule's compliance window, the UAE's A:5 rows and
    Section 301 List 3's first rate."""
    diffusion = next(a for a in load_rules().actions if a.id == "2025-01-13_90FR4544_ai-diffusion")
    assert not diffusion.section_in_force("licensing", D(2025, 5, 14), "enforced")  # compliance not yet due
    assert diffusion.section_in_force("licensing", D(2025, 5, 14), "codified")
    geo = load_geography()
    unknown, member = [m for m in geo.groups["A:5"].members if m.country == "AE"]
    assert unknown.start == D(2026, 6, 20) and unknown.end == member.start == D(2026, 7, 23)
    assert geo.member("AE", "A:5", D(2026, 6, 19)).value is False
    assert geo.member("AE", "A:5", D(2026, 6, 20)).value is None  # unknown from `from`
    assert geo.member("AE", "A:5", D(2026, 7, 22)).value is None
    assert geo.member("AE", "A:5", D(2026, 7, 23)).value is True  # the unknown row ends, the member row starts
    lst = bundled_data().measures["us-301-list3"]
    first = lst.periods[0]
    assert first.end is not None and first.covers(first.end - dt.timedelta(days=1)) and not first.covers(first.end)


def test_an_old_tariff_period_to_fails_naming_file_and_field(tmp_path: Path) -> None:
    root = tmp_path / "data"
    shutil.copytree(DATA_DIR, root)
    path = root / "us" / "2018-09-24_83FR47974_sec301-list3.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("until:", "to:", 1), encoding="utf-8")
    with pytest.raises(DataFileError) as err:
        load_tariff_data(root)
    message = str(err.value)
    assert (
        path.name in message and "field periods.0" in message and "'to' is the old spelling: write 'until'" in message
    )


def test_an_old_requirement_since_fails_naming_file_and_field() -> None:
    path = next((SRC / "rules" / "data").glob("2022-10-07_*.yaml"))
    text = path.read_text(encoding="utf-8").replace("    from: 2022-10-21", "    since: 2022-10-21")
    assert "since:" in text
    with pytest.raises(DataFileError) as err:
        parse_rule_text(text, "my-rules/advanced.yaml")
    message = str(err.value)
    assert "my-rules/advanced.yaml" in message and "field licensing.requirements" in message
    assert "'since' is the old spelling: write 'from'" in message


@pytest.mark.parametrize(("old", "new"), [("high", "H"), ("medium", "M"), ("low", "L")])
def test_an_old_catalog_confidence_fails_naming_file_part_and_field(tmp_path: Path, old: str, new: str) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text(f"parts:\n- id: acme-x1\n  vendor: Acme\n  name: X1\n  sources: [x]\n  confidence: {old}\n")
    with pytest.raises(DataFileError) as err:
        load_catalog_file(path)
    message = str(err.value)
    assert str(path) in message and "'acme-x1'" in message and "field confidence" in message
    assert f"write {new}" in message


def test_one_definition_of_confidence_and_covers() -> None:
    """No package keeps its own Confidence literal or covers(): they come from chipclear.provenance."""
    offenders = []
    for path in SRC.rglob("*.py"):
        if path.name == "provenance.py":
            continue
        text = path.read_text(encoding="utf-8")
        if re.search(r"Literal\[\s*\"H\", \"M\", \"L\"", text) or re.search(r"Literal\[\"high\", \"medium\"", text):
            offenders.append(f"{path.relative_to(SRC)}: Confidence literal")
        if re.search(r"def covers\(self", text):
            offenders.append(f"{path.relative_to(SRC)}: covers()")
    assert [o for o in offenders if not o.startswith("models/")] == []
