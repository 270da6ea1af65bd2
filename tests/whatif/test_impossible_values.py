"""A draft with an impossible date or a threshold that is not a number is one line naming the file and the field,
exit code 2 (outside audits, 2026-12: ``effective: 2027-02-30`` was a traceback and exit 1; ``value: .nan`` was
accepted, and as NaN compares false with everything the report said 20 items changed)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from chipclear.cli import app
from chipclear.errors import DataFileError
from chipclear.whatif.overlay import bundled_drafts, load_draft

runner = CliRunner()


def _write(tmp_path: Path, old: str, new: str) -> Path:
    text = bundled_drafts()["tpp-threshold-2400"]
    assert old in text
    path = tmp_path / "mine.yaml"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


def _refused(path: Path, *needles: str) -> None:
    result = runner.invoke(app, ["whatif", str(path), "--destinations", "CN"])
    assert result.exit_code == 2, (result.exit_code, result.output)
    err = result.stderr
    assert err.startswith(f"chipclear: error: {path}: ") and len(err.strip().splitlines()) == 1, err
    for needle in needles:
        assert needle in err, err


@pytest.mark.parametrize("date", ["2027-02-30", "2027-13-01", "2027-04-31"])
def test_an_impossible_effective_date_is_one_line_and_exit_2(tmp_path: Path, date: str) -> None:
    path = _write(tmp_path, "effective: 2027-01-01", f"effective: {date}")
    _refused(path, "not valid YAML: line ", f"'{date}' is not a valid date")
    with pytest.raises(DataFileError, match=rf"^{path}: not valid YAML"):
        load_draft(path)


@pytest.mark.parametrize("value", [".nan", ".inf", "-.inf", ".NAN", "1e999"])
def test_a_threshold_must_be_a_finite_number(tmp_path: Path, value: str) -> None:
    path = _write(tmp_path, "value: 2400", f"value: {value}")
    _refused(path, "field classification.paragraphs.0.any_of.0.0.value", "finite number")


def test_a_density_threshold_must_be_finite_too(tmp_path: Path) -> None:
    path = _write(tmp_path, "value: 5.92", "value: .inf")
    _refused(path, "field classification.paragraphs.0.any_of.1.1.value", "finite number")


def test_a_draft_that_is_not_utf8_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_bytes(b"id: \xff\n")
    _refused(path, "cannot read draft file: not UTF-8 text")
