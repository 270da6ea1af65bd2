"""The 4E091 audit (2026-12-07) at the CLI door, with the audit's own model specs (tests/models/audit_specs): a
low-confidence figure never shows a model under the line; figures are numbers; Note 2 needs its basis; a spec
cannot take a catalog chip's name."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from chipclear.cli import app

runner = CliRunner()
SPECS = Path(__file__).parent / "audit_specs"


def _check(item: str, spec: str, *extra: str) -> tuple[int, str, str]:
    args = ["check", "--item", item, "--model-spec", str(SPECS / spec), "--to", "CN", "--end-user-hq", "CN"]
    out = runner.invoke(app, [*args, "--date", "2025-06-01", "--layer", "codified", "--json", *extra])
    return out.exit_code, out.stdout, out.stderr


@pytest.mark.parametrize(
    ("item", "spec"), [("ft-eight", "ft8.yaml"), ("lowconf-model", "low.yaml"), ("lowconf-six", "low6.yaml")]
)
def test_a_low_confidence_figure_under_the_line_holds(item: str, spec: str) -> None:
    code, stdout, stderr = _check(item, spec)
    assert code == 0, stderr
    d = json.loads(stdout)
    assert d["verdict"] == "HOLD", d["reasons"]
    assert any("training_operations" in m for m in d["missing"]), d["missing"]


def test_a_fine_tune_of_a_low_confidence_base_over_the_line_is_flagged() -> None:
    code, stdout, stderr = _check("ft-six", "ft6.yaml")
    assert code == 0, stderr
    d = json.loads(stdout)
    assert d["verdict"] == "LICENSE_REQUIRED" and d["classification"]["eccn"] == "4E091"
    result = next(r for r in d["reasons"] if r["rule"] == "classify#result")
    assert "LOW CONFIDENCE" in result["detail"] and result["confidence"] == "L"
