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


def _refused(out_code: int, stderr: str, *words: str) -> None:
    assert out_code == 2, stderr
    lines = [line for line in stderr.strip().splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert all(w in lines[0] for w in words), stderr


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("yes", "not true or false"),
        ("true", "not true or false"),
        ("1_000", "not a string"),
        ('"1e27"', "not a string"),
    ],
)
def test_training_operations_must_be_a_number(tmp_path: Path, value: str, why: str) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(f"name: Yes Model\ndeveloper: L\ntraining_operations: {value}\nweights_published: null\n")
    code, _, stderr = _check("yes-model", str(spec))  # a path outside SPECS: joined, it stays itself
    _refused(code, stderr, str(spec), "training_operations", why)


def test_an_unquoted_exponent_is_a_number(tmp_path: Path) -> None:
    # YAML 1.1 reads 1e27 as the text "1e27"; it is read as the number it plainly is (and "1e27" quoted is refused)
    spec = tmp_path / "spec.yaml"
    spec.write_text("name: Exp Model\ndeveloper: L\ntraining_operations: 1e27\nweights_published: null\n")
    code, stdout, stderr = _check("exp-model", str(spec))
    assert code == 0, stderr
    assert json.loads(stdout)["classification"]["training_operations"] == 1e27


def test_the_bundled_yes_spec_is_refused() -> None:
    code, _, stderr = _check("yes-model", "yes.yaml")
    _refused(code, stderr, "yes.yaml", "training_operations")


def test_a_capability_exclusion_needs_its_basis() -> None:
    code, _, stderr = _check("cap-model", "cap.yaml")
    _refused(code, stderr, "cap.yaml", "capability_exclusion_basis")


@pytest.mark.parametrize(("item", "spec", "chip"), [("H100", "chipname.yaml", "H100"), ("H20", "alias.yaml", "H20")])
def test_a_model_spec_cannot_take_a_chips_name(item: str, spec: str, chip: str) -> None:
    code, _, stderr = _check(item, spec)
    _refused(code, stderr, spec, "chip catalog")
    classify = runner.invoke(app, ["classify", "--model-spec", str(SPECS / spec), "--as-of", "2025-06-01", "--json"])
    _refused(classify.exit_code, classify.stderr, spec, "chip catalog")
