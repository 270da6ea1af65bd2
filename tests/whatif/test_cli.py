"""``chipclear whatif`` as a user meets it: the cited impact table, --json, --orders, --plots, exit code 2."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from chipclear.cli import app

runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), env={"COLUMNS": "200"})
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize(
    ("draft", "date", "changed_item"),
    [
        ("tpp-threshold-2400", "2027-01-01", "nvidia-a30"),
        ("h20-class-bandwidth", "2026-06-01", "nvidia-h20"),
        ("ai-diffusion-as-codified", "2026-06-01", None),
    ],
)
def test_bundled_drafts_json_is_cited(draft: str, date: str, changed_item: str | None) -> None:
    code, out, err = run("whatif", draft, "--date", date, "--json")
    assert code == 0, err
    data = json.loads(out)
    ids = data["classification"]["draft"]["ids"]
    assert data["hypothetical"] is True and data["classification"]["as_of"] == date
    changes = data["classification"]["changes"]
    if changed_item:
        change = next(c for c in changes if c["item"]["id"] == changed_item)
        assert change["reasons"][0]["rule"].split("#")[0] in ids and "DRAFT" in change["reasons"][0]["citation"]
    else:  # the diffusion rule changes license requirements, not ECCNs
        assert changes == []
    dest = data["destinations"]
    assert dest["changed"] > 0
    for c in dest["changes"]:
        assert any(w["rule"].split("#")[0] in ids for w in c["why"]), c


def test_table_output_names_the_draft_and_its_reasons() -> None:
    code, out, _ = run("whatif", "tpp-threshold-2400", "--date", "2027-01-01")
    assert code == 0
    assert "HYPOTHETICAL DRAFT" in out and "draft-tpp-threshold-2400#3A090.a" in out
    assert "Classification changes as of 2027-01-01" in out and "Verdict changes by item" in out


def test_orders_and_plots(tmp_path: Path) -> None:
    book = tmp_path / "book.csv"
    # A30 to Saudi Arabia loses ACA under the draft (an order book carries no certifications, so NAC lines to China
    # are LICENSE_REQUIRED before and after: NAC needs the 25-day notification certified)
    book.write_text(
        "item,destination,ship_date,value_usd,end_user_name,end_user_headquarters_country\n"
        "A30,SA,2027-02-01,1000,Desert AI,SA\nH100,DE,2027-02-01,5,,\n"
    )
    code, out, err = run(
        "whatif",
        "tpp-threshold-2400",
        "--date",
        "2027-01-01",
        "--orders",
        str(book),
        "--plots",
        str(tmp_path / "p"),
        "--destinations",
        "CN",
        "--json",
    )
    assert code == 0, err
    data = json.loads(out)
    assert data["orders"]["lines"] == 2 and data["orders"]["changed"] == 1
    assert data["orders"]["changed_value_usd"] == 1000
    assert len(data["plots"]) == 6 and all(Path(p).exists() for p in data["plots"])


def test_draft_before_its_date_says_nothing_changes() -> None:
    code, out, _ = run("whatif", "tpp-threshold-2400", "--date", "2026-06-01", "--destinations", "CN")
    assert code == 0 and "nothing changes on 2026-06-01" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["no-such-draft"], "neither a file nor a bundled draft"),
        (["tpp-threshold-2400", "--date", "2027/01/01"], "date: '2027/01/01' is not a date"),
        (["tpp-threshold-2400", "--orders", "missing.csv"], "missing.csv: no such order book file"),
        (["tpp-threshold-2400", "--layer", "enacted"], "layer: 'enacted'"),
    ],
)
def test_bad_inputs_exit_2_with_one_line(args: list[str], message: str) -> None:
    code, out, err = run("whatif", *args)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("chipclear: error:") and message in err, err


def test_real_process_bad_draft_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: x\nkind: rule\ntitle: t\ncitation: c\neffective: 2027-01-01\nconfidence: L\nsource: s\n")
    proc = subprocess.run(
        [sys.executable, "-m", "chipclear", "whatif", str(bad)],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
        timeout=120,
    )
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and str(bad) in proc.stderr and "kind: draft" in proc.stderr


def test_two_drafts_applied_together() -> None:
    code, out, err = run(
        "whatif", "tpp-threshold-2400", "h20-class-bandwidth", "--date", "2027-01-01", "--destinations", "CN", "--json"
    )
    assert code == 0, err
    data = json.loads(out)
    assert data["classification"]["draft"]["ids"] == ["draft-tpp-threshold-2400", "draft-h20-class-bandwidth"]
    changed = {c["item"]["id"]: c["after"]["eccn"] for c in data["classification"]["changes"]}
    assert changed["nvidia-a30"] == "3A090.a" and changed["nvidia-h20"] == "3A090.d (draft)"
    code, _, err = run("whatif", "tpp-threshold-2400", "tpp-threshold-2400")
    assert code == 2 and "the same draft id is given twice" in err


def test_destinations_option() -> None:
    code, out, err = run("whatif", "tpp-threshold-2400", "--date", "2027-01-01", "--destinations", "cn, de", "--json")
    assert code == 0, err
    dest = json.loads(out)["destinations"]
    assert dest["destinations"] == ["CN", "DE"] and set(dest["changed_by_destination"]) == {"CN"}
    code, _, err = run("whatif", "tpp-threshold-2400", "--destinations", "CN,XX")
    assert code == 2 and "unknown country 'XX'" in err
