"""The bundled model catalog (every figure cited, 6ND computed, not invented), its validation errors, and the
``chipclear classify --model/--model-spec`` and ``chipclear check --model-spec`` contract."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from chipclear.cli import app
from chipclear.errors import DataFileError
from chipclear.models import load_models
from chipclear.models.loader import parse_model_catalog_text, parse_model_spec_text

runner = CliRunner()


def test_bundled_catalog_has_the_backdrop_models_with_sources() -> None:
    cat = load_models()
    for wanted in ("deepseek-v3", "deepseek-r1", "qwen2.5-72b", "qwen3-235b-a22b", "llama-3.1-405b", "gpt-4"):
        assert wanted in cat.models
    for m in cat.all():
        assert m.sources and m.headquarters
        if m.compute.method != "unknown":
            assert m.compute.sources, m.id
    v3 = cat.get("DeepSeek V3")
    assert v3.compute.operations == pytest.approx(6 * 37e9 * 14.8e12)
    assert cat.get("llama-3.1-405b").compute.operations == 3.8e25  # reported by Meta, not 6ND
    assert cat.get("gpt-4.5").compute.operations is None  # unknown stays unknown
    assert cat.get("grok-3").compute.confidence == "L"  # an estimate is marked as one


def test_catalog_error_names_file_model_and_field() -> None:
    text = """
developer: {name: X, headquarters: US, sources: [s]}
models:
- id: bad-one
  name: Bad
  compute: {method: six_n_d, parameters_used: 1.0e9, confidence: H, sources: [s]}
  sources: [s]
"""
    with pytest.raises(DataFileError, match=r"^x.yaml: model 'bad-one': field compute: .*six_n_d needs"):
        parse_model_catalog_text(text, "x.yaml")


@pytest.mark.parametrize(
    ("mark", "why"),
    [
        ("high", "old spelling: write H"),
        ("low", "old spelling: write L"),
        ("UNCONFIRMED", "UNCONFIRMED compute figure is method unknown"),
    ],
)
def test_compute_confidence_is_the_house_vocabulary(mark: str, why: str) -> None:
    """The model catalog marks confidence H/M/L like every other data file (issue 15): the old words are refused by
    file, model and field, and a figure cannot be UNCONFIRMED (an unconfirmed figure is ``method: unknown``)."""
    text = f"""
developer: {{name: X, headquarters: US, sources: [s]}}
models:
- id: est
  name: Est
  compute: {{method: estimate, operations: 1.0e25, confidence: {mark}, sources: [s]}}
  sources: [s]
"""
    with pytest.raises(DataFileError, match=rf"^x.yaml: model 'est': field compute.*{why}"):
        parse_model_catalog_text(text, "x.yaml")


def test_spec_error_names_the_field() -> None:
    with pytest.raises(DataFileError, match=r"spec.yaml: model 'm': field weights_published"):
        parse_model_spec_text("name: M\ndeveloper: D\nweights_published: someday\n", "spec.yaml")


def test_classify_model_json_contract() -> None:
    out = runner.invoke(
        app, ["classify", "--model", "deepseek-v3", "--as-of", "2025-03-01", "--layer", "codified", "--json"]
    )
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert {"item", "as_of", "eccn", "status", "trace", "missing", "training_operations", "published"} <= set(data)
    assert data["item"]["id"] == "deepseek-v3" and data["item"]["name"] == "DeepSeek-V3"
    assert data["eccn"] is None and data["status"] == "not_controlled" and data["published"] is True


def test_classify_model_spec_controlled_then_not_enforced(tmp_path: Path) -> None:
    spec = tmp_path / "mine.yaml"
    spec.write_text("name: My Model\ndeveloper: Me\ntraining_operations: 3.0e26\nweights_published: null\n")
    args = ["classify", "--model-spec", str(spec), "--as-of", "2025-05-13", "--json"]
    codified = json.loads(runner.invoke(app, [*args, "--layer", "codified"]).output)
    enforced = json.loads(runner.invoke(app, [*args, "--layer", "enforced"]).output)
    assert (codified["eccn"], codified["status"], codified["training_operations"]) == ("4E091", "controlled", 3e26)
    assert enforced["eccn"] is None and "not enforced" in enforced["trace"][0]["detail"]


def test_classify_model_spec_unknown_compute_is_indeterminate(tmp_path: Path) -> None:
    spec = tmp_path / "mine.yaml"
    spec.write_text("name: My Model\ndeveloper: Me\nweights_published: null\n")
    out = runner.invoke(
        app, ["classify", "--model-spec", str(spec), "--as-of", "2025-03-01", "--layer", "codified", "--json"]
    )
    data = json.loads(out.output)
    assert data["status"] == "indeterminate" and data["missing"] == ["training_operations"]


def test_bad_spec_exits_2_with_one_line(tmp_path: Path) -> None:
    spec = tmp_path / "bad.yaml"
    spec.write_text("name: X\ndeveloper: Y\nderived_from: no-such-model\nadditional_training_operations: 1e25\n")
    out = runner.invoke(app, ["classify", "--model-spec", str(spec), "--json"])
    assert out.exit_code == 2
    assert "derived_from" in out.output and "no-such-model" in out.output


def test_check_weights_with_a_spec(tmp_path: Path) -> None:
    spec = tmp_path / "mine.yaml"
    spec.write_text("name: My Model\ndeveloper: Me\ntraining_operations: 3.0e26\nweights_published: null\n")
    base = [
        "check",
        "--item",
        "my-model",
        "--model-spec",
        str(spec),
        "--date",
        "2025-03-01",
        "--layer",
        "codified",
        "--export-from",
        "US",
        "--json",
    ]
    to_gb = json.loads(
        runner.invoke(app, [*base, "--to", "GB", "--end-user-hq", "GB", "--certify", "aia-4e091-storage"]).output
    )
    to_cn = json.loads(runner.invoke(app, [*base, "--to", "CN", "--end-user-hq", "CN"]).output)
    assert to_gb["verdict"] == "LICENSE_EXCEPTION" and to_gb["license_exceptions"][0]["code"] == "AIA"
    assert to_cn["verdict"] == "LICENSE_REQUIRED" and to_cn["review_policy"] == "presumption_of_denial"


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ("training_operations: .inf\n", "training_operations"),  # the field as the spec wrote it
        ("training_operations: -1\n", "training_operations"),  # the field as the spec wrote it
        (
            "training_operations: 1.0e25\nderived_from: llama-3.1-405b\nadditional_training_operations: 2.0e25\n",
            "(entry)",
        ),
    ],
)
def test_spec_rejects_impossible_figures(extra: str, field: str) -> None:
    with pytest.raises(DataFileError, match=rf"s.yaml: model 'm': field {re.escape(field)}"):
        parse_model_spec_text("name: M\ndeveloper: D\nweights_published: null\n" + extra, "s.yaml")


def test_extra_model_files_load_through_chipclear_models(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    extra = tmp_path / "lab.yaml"
    extra.write_text(
        "developer: {name: Extra Lab, headquarters: FR, sources: [test]}\nmodels:\n"
        "- {id: extra-model, name: Extra Model, compute: {method: reported, operations: 2.0e26, sources: [test]},"
        " weights_published: null, sources: [test]}\n"
    )
    monkeypatch.setenv("CHIPCLEAR_MODELS", str(tmp_path))
    out = runner.invoke(
        app, ["classify", "--model", "extra-model", "--as-of", "2025-03-01", "--layer", "codified", "--json"]
    )
    assert json.loads(out.output)["eccn"] == "4E091"


def test_a_model_spec_cannot_take_a_catalog_models_name_or_undercut_its_base(tmp_path: Path) -> None:
    # A door audit (2026-12-07): a spec named "Grok 3" with 1e20 operations replaced the catalog's Grok 3 (its id is
    # the spec's slug), and its weights to China came out NLR where the catalog model is LICENSE_REQUIRED.
    args = ["check", "--item", "grok-3", "--to", "CN", "--end-user-hq", "CN", "--date", "2025-06-01"]
    args += ["--layer", "codified", "--json"]
    catalog = runner.invoke(app, args)
    assert catalog.exit_code == 0 and json.loads(catalog.stdout)["verdict"] == "LICENSE_REQUIRED"
    for name in ("Grok 3", "grok-3", "xAI Grok 3"):
        spec = tmp_path / "grok.yaml"
        spec.write_text(f"name: {name}\ndeveloper: xAI\ntraining_operations: 1.0e20\nweights_published: null\n")
        out = runner.invoke(app, [*args, "--model-spec", str(spec)])
        assert out.exit_code == 2, (name, out.output)
        assert "is the catalog's model grok-3: a model spec describes another model" in out.stderr
    derived = tmp_path / "tune.yaml"
    derived.write_text(
        "name: My Grok Tune\ndeveloper: Me\nderived_from: grok-3\ntraining_operations: 1.0e20\nweights_published: null\n"
    )
    out = runner.invoke(app, ["classify", "--model-spec", str(derived), "--as-of", "2025-03-01", "--json"])
    assert out.exit_code == 2 and "is less than its base model grok-3's" in out.stderr
