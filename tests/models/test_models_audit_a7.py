"""The model-weights audit A7 (2026-12-07) at its doors: figures compared and shown exactly (3.8e25 + 6.2e25 is
10^26, 9.99999999e25 is not shown as 1e+26); the two readings of Note 1's "25 %" hold the line where they disagree;
a spec goes with its own model only; the enforced layer shows the doubts on the non-enforcement (GAO, M); model
timelines are not cut by chip events; owners and locations at the CLI, batch and API doors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from typer.testing import CliRunner

from chipclear.batch import BatchOptions, run_batch
from chipclear.cli import app
from chipclear.determination.history import timeline

runner = CliRunner()
HERE = Path(__file__).parent
SPECS = HERE / "audit_specs"
MODELS = HERE / "a7_models"


def _json(args: list[str]) -> dict[str, Any]:
    out = runner.invoke(app, [*args, "--json"])
    assert out.exit_code == 0, out.stderr
    return json.loads(out.stdout)  # type: ignore[no-any-return]


def _check_spec(item: str, spec: str, *extra: str) -> dict[str, Any]:
    args = ["check", "--item", item, "--model-spec", str(SPECS / spec), "--to", "CN", "--end-user-hq", "CN"]
    return _json([*args, "--date", "2025-03-01", "--layer", "codified", *extra])


def test_a_derived_model_at_exactly_1e26_is_4e091() -> None:
    d = _check_spec("sum-line", "a7-sum.yaml")
    assert d["verdict"] == "LICENSE_REQUIRED" and d["review_policy"] == "presumption_of_denial"
    assert d["classification"]["training_operations"] == 1e26
    assert any(
        "1e+26 (base llama-3.1-405b 3.8e+25 + additional 6.2e+25) >= 1e+26: yes" in r["detail"] for r in d["reasons"]
    )


def test_the_threshold_shows_the_exact_figure() -> None:
    spec = str(SPECS / "a7-under.yaml")
    out = runner.invoke(app, ["classify", "--model-spec", spec, "--layer", "codified", "--as-of", "2025-03-01"])
    assert out.exit_code == 0, out.stderr
    assert "9.99999999e+25" in out.stdout and "1e+26 (reported)" not in out.stdout
    c = _json(["classify", "--model-spec", spec, "--layer", "codified", "--as-of", "2025-03-01"])
    assert c["status"] == "not_controlled"
    assert any("9.99999999e+25 (reported) >= 1e+26: no" in r["detail"] for r in c["trace"])


def test_the_two_readings_of_25_percent_hold_where_they_disagree() -> None:
    d = _check_spec("derived-big", "a7-derbig.yaml")
    assert d["verdict"] == "HOLD"
    missing = " ".join(d["missing"])
    assert "25 % of the training operations" in missing and "unexplained gap" in missing
    derived = next(r for r in d["classification"]["trace"] if "Note 1 (derived)" in r["rule"])
    assert "the readings disagree" in derived["detail"] and "[UNCONFIRMED]" in derived["detail"]


@pytest.mark.parametrize(
    "args",
    [
        ["check", "--item", "grok-3", "--model-spec", str(SPECS / "a7-pubfuture.yaml"), "--to", "GB"],
        ["classify", "--model", "grok-3", "--model-spec", str(SPECS / "a7-pubfuture.yaml")],
    ],
)
def test_a_catalog_model_with_a_spec_is_refused(args: list[str]) -> None:
    out = runner.invoke(app, args)
    assert out.exit_code == 2, out.output
    lines = [x for x in out.stderr.splitlines() if x.strip()]
    assert len(lines) == 1 and "'grok-3' is not the --model-spec model 'published-later'" in lines[0]


def test_the_spec_model_by_its_own_name_is_decided() -> None:
    d = _json(["classify", "--model", "Published Later", "--model-spec", str(SPECS / "a7-pubfuture.yaml")])
    assert d["item"]["id"] == "published-later"


def test_a_date_and_time_names_the_field_not_the_validator() -> None:
    out = runner.invoke(app, ["classify", "--model-spec", str(SPECS / "a7-pubdatetime.yaml")])
    assert out.exit_code == 2
    assert "field weights_published: " in out.stderr and "function-before" not in out.stderr, out.stderr


def test_the_enforced_layer_shows_the_doubts_on_the_non_enforcement() -> None:
    d = _json(["check", "--item", "grok-3", "--to", "CN", "--end-user-hq", "CN", "--date", "2026-06-01"])
    assert d["verdict"] == "NLR"  # regulations.md 4.6 l.271: the non-enforcement is encoded
    gao = next(r for r in d["reasons"] if r["rule"].endswith("#event-2026-05-12"))
    assert "Congressional Review Act" in gao["detail"] and gao["confidence"] == "M"
    held = next(r for r in d["reasons"] if r["rule"].endswith("#742.6(a)(13)"))
    assert "not enforced" in held["detail"] and held["confidence"] == "M"  # not H after the GAO decision
    before = _json(["check", "--item", "grok-3", "--to", "CN", "--end-user-hq", "CN", "--date", "2026-01-01"])
    assert next(r for r in before["reasons"] if r["rule"].endswith("#742.6(a)(13)"))["confidence"] == "H"
    assert not any("event-2026-05-12" in r["rule"] for r in before["reasons"])


@pytest.mark.parametrize("layer", ["enforced", "codified"])
@pytest.mark.parametrize("model", ["grok-3", "deepseek-r1", "gpt-oss-120b"])
def test_model_timelines_are_not_cut_by_chip_events(model: str, layer: str) -> None:
    t = timeline(model, "CN", end_user_hq="CN", layer=layer)  # type: ignore[arg-type]
    starts = [p.start.isoformat() for p in t.periods]
    assert "2022-10-07" not in starts, starts
    chip = ("nvidia", "amd_mi250", "87FR62186")
    assert not any(any(w in c["rule"] for w in chip) for p in t.periods for c in p.caused_by)


def test_the_enforced_timeline_shows_the_non_enforcement_events() -> None:
    t = timeline("grok-3", "CN", end_user_hq="CN")
    # from 2025-05-13 the 4E091 requirement is not enforced for another cause, cited as such: BIS's announcement,
    # not the compliance date (a period per set of cited rules and paragraphs)
    assert [p.start.isoformat() for p in t.periods] == ["2022-01-01", "2025-01-13", "2025-05-13"]
    assert {p.verdict for p in t.periods} == {"NLR"}
    events = {e["date"]: e["confidence"] for p in t.periods for e in p.events}
    assert events.get("2025-05-13") == "H" and events.get("2026-05-12") == "M", events


# -- the parties' doors (CLI, batch, API) ------------------------------------------------------------------------


def test_cli_a_sole_owner_in_china_needs_a_license() -> None:
    args = ["check", "--item", "H100", "--to", "GB", "--date", "2026-03-01", "--end-user", "Acme UK Ltd"]
    d = _json([*args, "--end-user-hq", "GB", "--end-user-owner", "Dragon Holdings,100,CN"])
    assert d["verdict"] == "LICENSE_REQUIRED"
    held = _json([*args, "--end-user-hq", "GB", "--end-user-owner", "Dragon Holdings,100,"])
    assert held["verdict"] == "HOLD" and any("ultimate parent" in m for m in held["missing"])


def test_cli_aia_tests_where_the_end_user_is_located() -> None:
    args = ["check", "--item", "grok-3", "--to", "GB", "--end-user", "Acme UK Ltd", "--end-user-hq", "GB"]
    args += ["--certify", "aia-4e091-storage", "--layer", "codified", "--date", "2026-03-01"]
    assert _json([*args, "--end-user-country", "CN"])["verdict"] == "LICENSE_REQUIRED"
    assert _json([*args, "--end-user-country", "FR"])["verdict"] == "LICENSE_EXCEPTION"
    h20 = ["check", "--item", "H20", "--to", "GB", "--end-user", "Acme UK Ltd", "--end-user-hq", "GB"]
    assert _json([*h20, "--end-user-country", "CN", "--date", "2026-03-01"])["verdict"] == "HOLD"


def test_batch_owners_and_locations(tmp_path: Path) -> None:
    base = {"order_id": "o2", "quantity": 10, "ship_date": "2026-03-01", "end_user_headquarters_country": ""}
    rows = [
        {**base, "item": "H100", "destination": "GB", "end_user_name": "Acme UK Ltd", "end_user_country": "GB",
         "end_user_headquarters_country": "GB", "end_user_owners": "Dragon Holdings,100,CN"},
        {**base, "item": "H100", "destination": "SG", "end_user_name": "Acme SG Pte Ltd", "end_user_country": "SG",
         "end_user_headquarters_country": "SG", "end_user_owners": "Dragon Holdings,100,CN"},
        {**base, "item": "H20", "destination": "MY", "end_user_name": "Acme Malaysia Sdn Bhd", "end_user_country": "MY",
         "end_user_headquarters_country": "MY", "end_user_owners": "Dragon Holdings,100,CN"},
        {**base, "item": "H20", "destination": "GB", "end_user_name": "Acme UK Ltd", "end_user_country": "CN",
         "end_user_headquarters_country": "GB", "end_user_owners": ""},
        {**base, "item": "H20", "destination": "GB", "end_user_name": "Acme UK Ltd", "end_user_country": "GB",
         "end_user_headquarters_country": "GB", "end_user_owners": ""},
    ]  # fmt: skip
    orders = tmp_path / "book2.csv"
    pl.DataFrame(rows).write_csv(orders)
    result = run_batch(BatchOptions(orders=orders, out=tmp_path / "out.parquet", verify=len(rows)))
    assert result.bad == 0
    got = pl.read_parquet(result.out).sort("row")
    assert got["verdict"].to_list() == ["LICENSE_REQUIRED", "LICENSE_REQUIRED", "LICENSE_REQUIRED", "HOLD", "NLR"]


def test_batch_a_derived_catalog_model_at_1e26(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHIPCLEAR_MODELS", str(MODELS))
    row = {"order_id": "o3", "item": "example-ft", "quantity": 1, "destination": "CN", "ship_date": "2025-06-01",
           "end_user_name": "Beijing Example AI Co", "end_user_country": "CN", "end_user_headquarters_country": "CN"}  # fmt: skip
    orders = tmp_path / "book3.csv"
    pl.DataFrame([row]).write_csv(orders)
    result = run_batch(BatchOptions(orders=orders, out=tmp_path / "out.parquet", layer="codified", verify=1))
    got = pl.read_parquet(result.out)
    assert got["verdict"].to_list() == ["LICENSE_REQUIRED"]
