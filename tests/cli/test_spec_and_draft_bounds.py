"""Part and draft files are read as strictly as a request (an audit, 2026-12-07): a figure of a part is bounded
(``chipclear.bounds.SpecFigure``: 1e308 TOPS gave ``"tpp": Infinity``, not JSON; an integer of 10^59 was taken), a
key given twice is refused (``dense_throughput`` twice was read from the second; a draft's ``effective`` twice as
the last), and a date is ``YYYY-MM-DD`` only (``effective: 1798761600`` was read as 2027-01-01)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from chipclear.cli import app

runner = CliRunner()
DRAFTS = Path(__file__).resolve().parents[2] / "src" / "chipclear" / "whatif" / "drafts"
PART = """id: acme-x1
vendor: Acme
name: Acme X1
datacenter: true
die_area_mm2: {area}
sources: ["x"]
confidence: H
dense_throughput: {throughput}
"""


def _never_a_constant(name: str) -> None:
    raise AssertionError(f"{name} is not JSON")


@pytest.mark.parametrize(
    ("area", "throughput", "message"),
    [
        ("620", "{bf16: 1e308, int8: 1e308}", "field dense_throughput.bf16: Input should be less than or equal to"),
        ("620", "{bf16: " + "9" * 59 + ", int8: 800}", "field dense_throughput.bf16: Input should be less than or"),
        ("620", "{bf16: .inf}", "field dense_throughput.bf16: Input should be a finite number"),
        ("620", "{bf16: '400'}", "field dense_throughput.bf16: must be a number, not a string"),
        ("1e-300", "{bf16: 400}", "field die_area_mm2: Input should be greater than or equal to 0.01"),
        ("620\ndense_throughput: {bf16: 100}", "{bf16: 400}", "key 'dense_throughput' is given twice in one mapping"),
    ],
)
def test_a_part_file_out_of_bounds_is_refused_naming_the_field(
    tmp_path: Path, area: str, throughput: str, message: str
) -> None:
    spec = tmp_path / "part.yaml"
    spec.write_text(PART.format(area=area, throughput=throughput), encoding="utf-8")
    result = runner.invoke(app, ["classify", "--spec", str(spec), "--json"])
    assert result.exit_code == 2, result.output
    assert message in result.output, result.output


def test_the_largest_part_allowed_gives_finite_json(tmp_path: Path) -> None:
    spec = tmp_path / "part.yaml"
    spec.write_text(PART.format(area="0.01", throughput="{fp64: 1000000000}"), encoding="utf-8")
    result = runner.invoke(app, ["classify", "--spec", str(spec), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout, parse_constant=_never_a_constant)
    assert data["tpp"] == 64 * 10**9 and data["performance_density"] == pytest.approx(64 * 10**9 / 0.01)


@pytest.mark.parametrize(
    ("effective", "message"),
    [
        ("1798761600", "field effective: must be a date in YYYY-MM-DD form"),
        ("'20270101'", "field effective: '20270101' is not a date in YYYY-MM-DD form"),
        ("2027-01-01\neffective: 2020-01-01", "key 'effective' is given twice in one mapping"),
    ],
)
def test_a_draft_date_is_yyyy_mm_dd_and_given_once(tmp_path: Path, effective: str, message: str) -> None:
    text = (DRAFTS / "tpp-threshold-2400.yaml").read_text(encoding="utf-8")
    assert "\neffective: 2027-01-01\n" in text
    draft = tmp_path / "draft.yaml"
    draft.write_text(text.replace("\neffective: 2027-01-01\n", f"\neffective: {effective}\n"), encoding="utf-8")
    result = runner.invoke(app, ["whatif", str(draft), "--date", "2027-01-01", "--destinations", "CN"])
    assert result.exit_code == 2, result.output
    assert message in result.output, result.output
