"""Order-book parties in a what-if are screened, once, on the current lists, the same in both worlds: "before" is
what ``chipclear check`` says of the line, and a listed party is not counted as newly needing a license.

(An outside audit, December 2026: the what-if decided both worlds with no screening at all, so a line for an Entity
List end user was NLR "before" and then counted as newly needing a license under the draft.)"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from chipclear.catalog import load_catalog
from chipclear.cli import app
from chipclear.errors import ChipclearError
from chipclear.geography import load_geography
from chipclear.rules import RuleSet
from chipclear.screening import default_screener
from chipclear.whatif import load_draft
from chipclear.whatif.verdicts import (
    ScreenedOnce,
    decide_order_lines,
    order_book_impact,
    order_lines,
    screen_lines,
    summary,
)
from chipclear.whatif.verdicts import _table as world_table

HEADER = "order_id,line_id,item,quantity,destination,ship_date,end_user_name,end_user_headquarters_country,value_usd\n"
# Lines whose "before" must be what ``chipclear check`` says: Entity List end users, possible matches, a party
# listed between two ship dates of one rules period, a clean name and no party at all. A listed party is given its
# entry's country as its headquarters: a headquarters the entry does not list, with no country where the party is
# located, makes the hit a possible match (docs/screening.md, "Only a headquarters country").
CHECKED = HEADER + (
    "A,1,RTX 4090,10,CN,2023-08-14,Centre for Integrated Photonics Ltd.,GB,100\n"  # Entity List (GB entry)
    "A,2,RTX 4090,10,CN,2023-08-14,Acme Toys,CN,100\n"  # not listed
    "B,1,amd-mi210,10,HK,2022-12-01,Inspur,CN,100\n"  # possible match
    "B,2,amd-mi210,10,HK,2026-12-01,Inspur,HK,100\n"
    "C,1,nvidia-l20,10,CN,2026-12-01,Beijing 8-Star International Co.,CN,100\n"  # Entity List
    "C,2,nvidia-l20,10,CN,2026-12-01,,,100\n"  # no party
    "D,1,nvidia-l20,10,CN,2025-02-01,Inspur Electronic Information Industry Co. Ltd.,CN,100\n"  # listed 2025-03
    "D,2,nvidia-l20,10,CN,2025-05-01,Inspur Electronic Information Industry Co. Ltd.,CN,100\n"
    "E,1,A30,4,SA,2027-02-01,Centre for Integrated Photonics Ltd.,GB,100\n"
)
# A30 to Saudi Arabia under the TPP 2400 draft loses ACA (3A090.b -> .a): LICENSE_EXCEPTION -> LICENSE_REQUIRED for
# a clean end user only. A listed end user needs a license before the draft too, a possible match is on hold.
SAUDI = HEADER + (
    "A,1,A30,4,SA,2027-02-01,Centre for Integrated Photonics Ltd.,GB,100\n"  # Entity List
    "A,2,A30,4,SA,2027-02-01,Inspur,SA,200\n"  # possible match
    "A,3,A30,4,SA,2027-02-01,Desert AI,SA,400\n"  # not listed
    "A,4,A30,4,SA,2027-02-01,Beijing 8-Star International Co.,CN,800\n"  # Entity List (CN entry)
)


def _book(tmp_path: Path, text: str) -> Path:
    book = tmp_path / "book.csv"
    book.write_text(text, encoding="utf-8")
    return book


def _check(line: Any) -> dict[str, Any]:
    """``chipclear check --json`` on the line (item, destination, date, end user and headquarters)."""
    args = ["check", "--item", line.item, "--to", line.destination, "--date", line.ship_date.isoformat(), "--json"]
    for party in line.parties:
        args += ["--end-user", party.name]
        if party.headquarters_country:
            args += ["--end-user-hq", party.headquarters_country]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    decision = json.loads(result.stdout)
    return {
        "verdict": decision["verdict"],
        "review_policy": decision["review_policy"],
        "license_exceptions": [e["code"] for e in decision["license_exceptions"]],
    }


def test_before_is_what_check_says(tmp_path: Path, rules: RuleSet) -> None:
    book = _book(tmp_path, CHECKED)
    draft = load_draft("tpp-threshold-2400", rules)
    drafted, cat, geo = draft.apply(rules), load_catalog(), load_geography()
    screened = ScreenedOnce(default_screener())
    lines, bad = screen_lines(order_lines(book, cat, geo)[0], screened)
    assert not bad and len(lines) == 9
    tables = (world_table(rules, cat, geo, "enforced"), world_table(drafted, cat, geo, "enforced"))
    decided, _ = decide_order_lines(lines, tables, screened)
    before = {row: summary(b) for row, _, _, b, _ in decided}
    for row, line in lines:
        assert before[row] == _check(line), row
    # what the audit found: NLR "before" for listed parties and a possible match
    assert before[1]["verdict"] == before[5]["verdict"] == "LICENSE_REQUIRED"
    assert before[1]["review_policy"] == "presumption_of_denial"
    assert before[2]["verdict"] != before[1]["verdict"]  # the same line for a name on no list
    assert before[3]["verdict"] == "HOLD"
    assert before[6]["verdict"] == "NLR"  # L20: PCIe Gen4 only (64 GB/s), under the H20 letter's bandwidths
    assert before[7] != before[8]  # listed between the two dates: each line is decided on its own date
    assert before[8]["verdict"] == "LICENSE_REQUIRED"


def test_listed_party_is_the_same_before_and_after(tmp_path: Path, rules: RuleSet) -> None:
    book = _book(tmp_path, SAUDI)
    draft = load_draft("tpp-threshold-2400", rules)
    result = order_book_impact(rules, draft.apply(rules), draft.actions, load_catalog(), book)
    changed = {c["row"]: (c["before"]["verdict"], c["after"]["verdict"]) for c in result["changes"]}
    # the Entity List lines need a license in both worlds; the possible match is on hold before the draft
    assert changed == {2: ("HOLD", "LICENSE_REQUIRED"), 3: ("LICENSE_EXCEPTION", "LICENSE_REQUIRED")}
    assert result["newly_needing_license_or_hold"] == 1
    assert result["newly_needing_license_or_hold_value_usd"] == 400
    assert result["list_version"] == default_screener().list_version
    assert result["parties_screened"] == 4


class _Counting:
    """The default screener, counting its searches; a name with "unreachable" in it fails as a list service may."""

    def __init__(self) -> None:
        self.inner = default_screener()
        self.list_version = self.inner.list_version
        self.searches: list[tuple[str, str | None]] = []

    def search(self, name: str, country: str | None = None) -> Any:
        self.searches.append((name, country))
        if "unreachable" in name.lower():
            raise ChipclearError("the lists could not be read")
        return self.inner.search(name, country=country)


def test_each_party_screened_once_and_a_failure_is_a_bad_row(tmp_path: Path, rules: RuleSet) -> None:
    rows = [f"O,{i},A30,1,SA,2027-02-{1 + i % 20:02d},Desert AI,SA,10\n" for i in range(30)]
    rows.append("O,99,A30,1,SA,2027-02-01,Beijing 8-Star International Co.,CN,10\n")
    rows.append("O,100,A30,1,SA,2027-02-01,Unreachable Corp,SA,10\n")
    book = _book(tmp_path, HEADER + "".join(rows))
    draft = load_draft("tpp-threshold-2400", rules)
    screener = _Counting()
    result = order_book_impact(rules, draft.apply(rules), draft.actions, load_catalog(), book, screener=screener)
    assert sorted(set(screener.searches)) == sorted(screener.searches)  # each (name, country) once
    assert result["lines"] == 31
    assert result["bad_rows"] == [{"row": 32, "reason": "screening: the lists could not be read"}]
    assert result["distinct_decisions"] == 2  # one for the 30 clean lines of one period, one for the listed party
    verdicts = {c["row"]: c["before"]["verdict"] for c in result["changes"]}
    assert 31 not in verdicts and len(verdicts) == 30  # the listed party's line needs a license before and after


@pytest.mark.parametrize("draft_name", ["tpp-threshold-2400", "ai-diffusion-as-codified"])
def test_whatif_cli_reports_the_screening(tmp_path: Path, draft_name: str) -> None:
    book = _book(tmp_path, SAUDI)
    result = CliRunner().invoke(app, ["whatif", draft_name, "--date", "2027-02-01", "--orders", str(book), "--json"])
    assert result.exit_code == 0, result.output
    orders = json.loads(result.stdout)["orders"]
    assert orders["list_version"] and orders["parties_screened"] == 4
    for change in orders["changes"]:
        assert change["row"] not in (1, 4) or change["before"]["verdict"] == "LICENSE_REQUIRED"
