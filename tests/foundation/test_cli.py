"""The command line as a user meets it: JSON contract, one-line errors, exit code 2."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

CLI = [sys.executable, "-m", "chipclear"]


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, env={**os.environ, **(env or {})}, timeout=120)


def test_classify_json_contract() -> None:
    out = run("classify", "H100", "--as-of", "2024-01-01", "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert {"item", "as_of", "tpp", "performance_density", "eccn", "status", "trace"} <= set(data)
    assert data["item"]["id"] == "nvidia-h100-sxm5-80gb" and data["item"]["name"]
    assert data["eccn"] == "3A090.a" and data["status"] == "controlled" and data["as_of"] == "2024-01-01"
    assert all({"rule", "citation", "detail"} <= set(step) for step in data["trace"])


def test_classify_unknown_item_is_one_line_exit_2() -> None:
    out = run("classify", "H2O", "--json")
    assert out.returncode == 2
    assert out.stdout == ""
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and "unknown item 'H2O'" in lines[0] and "nvidia-h20" in lines[0]
    assert lines[0].startswith("chipclear: error: ITEM: unknown item 'H2O'"), lines[0]  # the argument named


@pytest.mark.parametrize("bad", ["2024-13-01", "yesterday", "2024/01/01"])
def test_classify_malformed_date_is_exit_2(bad: str) -> None:
    out = run("classify", "H20", "--as-of", bad)
    assert out.returncode == 2
    assert out.stderr.count("\n") == 1 and "as-of" in out.stderr


def test_classify_spec_file(tmp_path: Path) -> None:
    spec = tmp_path / "my-chip.yaml"
    spec.write_text(
        "id: acme-x1\nvendor: Acme\nname: Acme X1\ndatacenter: true\ndense_throughput: {int8: 400}\n"
        "die_area_mm2: 800\nsources: [internal]\nconfidence: H\n"
    )
    out = run("classify", "--spec", str(spec), "--as-of", "2025-01-01", "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert (data["item"]["id"], data["eccn"], data["tpp"]) == ("acme-x1", "3A090.b", 3200)


def test_invalid_spec_file_names_file_and_field(tmp_path: Path) -> None:
    spec = tmp_path / "bad.yaml"
    spec.write_text("id: acme-x1\nvendor: Acme\nname: X\ndense_throughput: {fp16: abc}\nsources: [x]\nconfidence: H\n")
    out = run("classify", "--spec", str(spec))
    assert out.returncode == 2
    assert str(spec) in out.stderr and "dense_throughput.fp16" in out.stderr


def test_catalog_json_lists_every_item() -> None:
    out = run("catalog", "--vendor", "nvidia", "--json", "--as-of", "2024-06-01")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    ids = {d["item"]["id"] for d in data}
    assert "nvidia-h20" in ids and "nvidia-hgx-h100-8gpu" in ids and "amd-mi300x" not in ids


def test_catalog_table_renders() -> None:
    out = run("catalog", "--vendor", "Huawei", env={"COLUMNS": "200"})
    assert out.returncode == 0, out.stderr
    assert "huawei-ascend-910b" in out.stdout and "3A090.a" in out.stdout


def test_version_names_the_package_rules_and_lists(tmp_path: Path) -> None:
    from importlib.metadata import version

    from chipclear.rules import load_rules

    out = run("--version", env={"CHIPCLEAR_DATA_DIR": str(tmp_path)})
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0] == f"chipclear {version('chipclear')}"
    assert lines[1] == f"rules {load_rules().version}"
    assert lines[2].startswith("lists bundled, list dates 2026-")
