"""`chipclear duty` and `chipclear duty timeline` as a user runs them: JSON contract, tables, one-line errors, exit 2.

Two tests run the real ``python -m chipclear`` process; the rest run the same Typer app in-process (faster).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass

import pytest
from typer.testing import CliRunner

from chipclear.cli import app

CLI = [sys.executable, "-m", "chipclear"]


@dataclass
class Outcome:
    returncode: int
    stdout: str
    stderr: str


def run(*args: str) -> Outcome:
    result = CliRunner().invoke(app, list(args))
    return Outcome(result.exit_code, result.stdout, result.stderr)


def run_process(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, env=dict(os.environ), timeout=120)


def test_duty_json_contract() -> None:
    out = run_process(
        "duty", "--hts", "8473.30.1180", "--origin", "CN", "--date", "2025-06-01", "--value", "25000", "--json"
    )
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert {
        "hts",
        "origin",
        "entry_date",
        "lines",
        "total_rate",
        "total_amount",
        "stacking",
        "unknowns",
        "status",
    } <= set(data)
    assert data["status"] == "determined" and data["total_rate"] == 45.0 and data["total_amount"] == 11250.0
    for line in data["lines"]:
        assert {"measure", "heading", "rate", "amount", "citation", "confidence", "note"} <= set(line)
    assert all({"rule", "citation"} <= set(rule) for rule in data["stacking"])


def test_duty_with_catalog_item_and_end_use() -> None:
    base = ["duty", "--hts", "8471.50.0150", "--origin", "TW", "--date", "2026-02-01", "--item", "H200", "--json"]
    covered = json.loads(run(*base).stdout)
    assert covered["total_rate"] == 25.0
    assert any(line["heading"] == "9903.79.01" for line in covered["lines"])
    exempt = json.loads(run(*base, "--end-use", "us_datacenter").stdout)
    assert exempt["total_rate"] == 0.0


def test_duty_claim_option() -> None:
    out = run(
        "duty", "--hts", "8473.30.1180", "--origin", "CN", "--date", "2024-07-01", "--claim", "9903.88.69", "--json"
    )
    data = json.loads(out.stdout)
    assert data["total_rate"] == 0.0 and data["claims"] == ["9903.88.69"]


def test_indeterminate_result_names_the_open_question() -> None:
    out = run("duty", "--hts", "8471.50.0150", "--origin", "TW", "--date", "2026-02-01", "--json")
    data = json.loads(out.stdout)
    assert data["status"] == "indeterminate" and data["total_rate"] is None
    assert data["total_rate_range"] == {"low": 0.0, "high": 25.0}
    assert data["unknowns"][0]["range"] == {"low": 0.0, "high": 25.0}


def test_duty_table_output() -> None:
    out = run("duty", "--hts", "8542.31", "--origin", "CN", "--date", "2025-01-02")
    assert out.returncode == 0, out.stderr
    assert "9903.91.05" in out.stdout and "Total" in out.stdout and "50%" in out.stdout


def test_timeline_json_and_table() -> None:
    out = run("duty", "timeline", "--hts", "8542.31.00", "--origin", "CN", "--json")
    assert out.returncode == 0, out.stderr
    segments = json.loads(out.stdout)["segments"]
    starts = [s["from"] for s in segments]
    assert {"2018-08-23", "2025-01-01", "2025-02-04", "2025-03-04", "2025-11-10", "2026-02-24", "2027-06-23"} <= set(
        starts
    )
    totals = {s["from"]: s["total_rate"] for s in segments}
    assert totals["2018-08-23"] == 25.0 and totals["2025-01-01"] == 50.0 and totals["2025-03-04"] == 70.0
    assert segments[-1]["status"] == "indeterminate"
    table = run("duty", "timeline", "--hts", "8473.30.1180", "--origin", "CN")
    assert table.returncode == 0 and "2019-05-10" in table.stdout


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["duty", "--hts", "1234.56", "--origin", "CN", "--date", "2025-06-01"], "hts"),
        (["duty", "--hts", "8542.31", "--origin", "XX", "--date", "2025-06-01"], "origin"),
        (["duty", "timeline", "--hts", "8542.31", "--origin", "Q1"], "origin"),
        (["duty", "timeline", "--hts", "9999.99", "--origin", "CN"], "hts"),
        (["duty", "--hts", "8542.31", "--origin", "CN", "--date", "2025-13-01"], "date"),
        (["duty", "--hts", "8471.50", "--origin", "TW", "--end-use", "mining"], "--end-use: "),
        (["duty", "--hts", "8471.50", "--origin", "TW", "--item", "H2O"], "unknown item"),
        (["duty", "--origin", "TW"], "--hts"),
    ],
)
def test_bad_input_is_one_line_exit_2(args: list[str], needle: str) -> None:
    out = run(*args)
    assert out.returncode == 2, (out.stdout, out.stderr)
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0], out.stderr


def test_real_process_error_is_one_line_exit_2() -> None:
    out = run_process("duty", "--hts", "8542.31", "--origin", "XX", "--date", "2025-06-01")
    assert out.returncode == 2 and out.stdout == ""
    assert out.stderr.strip().splitlines() == [
        "chipclear: error: --origin: unknown country 'XX' (use an ISO 3166-1 code such as CN or a country name such as"
        " China)"
    ]


def test_duty_entry_type_section321_and_headings_to_file() -> None:
    """Issue 19: a $500 board entered under Section 321 in 2024 pays nothing; from 2025-05-02 it pays 45%."""
    base = ["duty", "--hts", "8473.30.1180", "--origin", "CN", "--value", "500", "--entry-type", "section321"]
    before = run(*base, "--date", "2024-06-01", "--json")
    assert before.returncode == 0, before.stderr
    data = json.loads(before.stdout)
    assert data["entry_type"] == "section321" and data["total_rate"] == 0 and data["headings_to_file"] == []
    after = run(*base, "--date", "2025-05-02")
    assert after.returncode == 0, after.stderr
    assert "Chapter 99 headings to file: 9903.88.03, 9903.01.24, 9903.01.32" in " ".join(after.stdout.split())
    missing = run(
        "duty", "--hts", "8473.30.1180", "--origin", "CN", "--date", "2024-06-01", "--entry-type", "section321"
    )
    assert missing.returncode == 2 and "value" in missing.stderr


def test_duty_timeline_shows_headings_to_file() -> None:
    out = run("duty", "timeline", "--hts", "8517.62.0090", "--origin", "CN", "--json")
    assert out.returncode == 0, out.stderr
    segments = json.loads(out.stdout)["segments"]
    by_start = {s["from"]: s for s in segments}
    assert by_start["2019-09-01"]["headings_to_file"] == ["9903.88.15"]
    assert by_start["2020-02-14"]["lines"][1]["rate"] == 7.5
    claimed = run("duty", "timeline", "--hts", "8473.30.1180", "--origin", "CN", "--claim", "9903.01.23", "--json")
    rows = {s["from"]: s for s in json.loads(claimed.stdout)["segments"]}
    assert rows["2025-02-04"]["headings_to_file"] == ["9903.88.03", "9903.01.23"]
    assert rows["2025-03-07"]["headings_to_file"] == ["9903.88.03", "9903.01.24"]
    table = run("duty", "timeline", "--hts", "8473.30.1180", "--origin", "CN")
    assert table.returncode == 0 and "Headings to" in table.stdout and "9903.01.24" in table.stdout


def test_duty_network_line_needs_the_statistical_suffix() -> None:
    out = run("duty", "--hts", "8517.62.00", "--origin", "CN", "--date", "2025-06-01")
    assert out.returncode == 2
    assert "8517.62.0090" in out.stderr and len(out.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(
    "args",
    [
        ["duty", "--hts", "8473.30.1180", "--origin", "CN", "--value", "99999999999999999999"],
        ["duty", "--hts", "8473.30.1180", "--origin", "CN", "--value", "-1"],
        ["duty", "--hts", "8473.30.1180", "--origin", "CN", "--value", "nan"],
        ["duty", "timeline", "--hts", "8473.30.1180", "--origin", "CN", "--value", "1e14"],
    ],
)
def test_a_value_past_the_bound_is_one_line_and_exit_2(args: list[str]) -> None:
    # the API's bound (chipclear.bounds.MAX_VALUE_USD, 10**13 dollars): the CLI took any number (a door audit,
    # 2026-12-07)
    out = run(*args)
    assert out.returncode == 2, out.stdout
    assert out.stderr.startswith("chipclear: error: --value: ") and out.stderr.count("\n") == 1, out.stderr


def test_a_value_at_the_bound_is_taken() -> None:
    out = run("duty", "--hts", "8473.30.1180", "--origin", "CN", "--date", "2025-06-01", "--value", "1e13", "--json")
    assert out.returncode == 0, out.stderr
