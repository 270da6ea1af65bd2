"""A party given only a headquarters country is screened as a party located in that country would be, where the
screening rule asks (docs/screening.md, "A name in a country the entry does not list"): a hit on an entry that does
not list that country is at most a possible match, the line HELD for a reviewer ("Delta Electronics, Inc.", TW
headquarters, was a definitive match against the Entity List's Iranian "General Electronic", whose aliases include
"Delta Electronic"). A hit on an entry of that country, or a party with a country where it is located, is unchanged.
Every door decides it alike: the engine, the compiled table, the CLI and the API."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from chipclear.cli import app
from chipclear.decision import Decision, OrderLine, Party
from chipclear.determination.compiled import DecisionTable
from chipclear.determination.engine import determine
from chipclear.screening import Screener

DELTA = "Delta Electronics, Inc."
HUAWEI = "Huawei Technologies Co., Ltd."
DAY = dt.date(2025, 6, 2)


def _line(name: str, country: str | None, hq: str | None, to: str = "DE") -> OrderLine:
    party = Party(name=name, role="end_user", country=country, headquarters_country=hq)
    return OrderLine(item="H100", destination=to, ship_date=DAY, parties=[party])


def _hits(d: Decision, entry: str | None = None) -> list[tuple[str, float]]:
    return [(h["determination"], h["score"]) for h in d.screening if entry is None or h["entry"] == entry]


def test_delta_with_only_a_taiwan_headquarters_is_a_possible_match(screener: Screener) -> None:
    d = determine(_line(DELTA, None, "TW", to="TW"), screener=screener)
    assert d.verdict.value == "HOLD"
    assert _hits(d, "General Electronic") == [("possible", screener.across_cap)]
    (finding,) = [r for r in d.reasons if r.rule.endswith("#EL")]
    assert "possible match" in finding.detail and "headquarters country TW is not among" in finding.detail
    assert any("review of possible match EL entry 'General Electronic'" in m for m in d.missing)


@pytest.mark.parametrize(
    ("name", "country", "hq", "determination"),
    [
        (DELTA, None, None, "match"),  # no country at all: the name alone, as before
        (DELTA, "TW", None, "possible"),  # a located country the entry does not list: as before
        (HUAWEI, None, "CN", "match"),  # a headquarters the entry lists: a definitive match stays one
        (HUAWEI, "CN", "TW", "match"),  # a country where it is located decides; the headquarters is not read
        (HUAWEI, None, "TW", "possible"),  # only a headquarters, not the entry's: at most a possible match
    ],
)
def test_only_a_differing_headquarters_lowers_a_match(
    screener: Screener, name: str, country: str | None, hq: str | None, determination: str
) -> None:
    d = determine(_line(name, country, hq), screener=screener)
    found = {det for det, _ in _hits(d)}  # the best hit decides: a match, or possible matches only
    assert found and ("match" in found) == (determination == "match")


def test_the_compiled_table_decides_it_as_the_engine(screener: Screener) -> None:
    table = DecisionTable.for_current(layer="enforced", cache=False)
    for name, country, hq in [(DELTA, None, "TW"), (HUAWEI, None, "TW"), (HUAWEI, None, "CN"), (DELTA, None, None)]:
        line = _line(name, country, hq)
        want = determine(line, screener=screener).model_dump(mode="json", exclude={"decided_at"})
        assert table.decide(line, screener=screener).model_dump(mode="json", exclude={"decided_at"}) == want


def test_cli_check_holds_the_line(data_dir: Path) -> None:
    args = ["check", "--item", "H100", "--to", "TW", "--date", "2025-06-02", "--end-user", DELTA]
    out = CliRunner().invoke(app, [*args, "--end-user-hq", "TW", "--json"])
    assert out.exit_code in (0, 1), out.output
    d = json.loads(out.stdout)
    assert d["verdict"] == "HOLD"
    assert {h["determination"] for h in d["screening"] if h["entry"] == "General Electronic"} == {"possible"}
