from __future__ import annotations

from pathlib import Path

import pytest

from chipclear.catalog import Part, System, load_catalog, load_catalog_file
from chipclear.errors import DataFileError, InputError, UnknownItemError


def test_bundled_catalog_has_every_reference_row_and_the_required_systems() -> None:
    cat = load_catalog()
    assert len(cat.parts) == 62  # chips.csv rows
    for sid in ("nvidia-hgx-h100-8gpu", "nvidia-hgx-h20-8gpu", "nvidia-hgx-b200-8gpu", "amd-mi300x-platform-8gpu"):
        system = cat.systems[sid]
        assert isinstance(system, System)
        assert sum(c.count for c in system.components) == 8
    vendors = {p.origin for p in cat.parts.values()}
    assert len(vendors) == 9  # one file per vendor


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("H20", "nvidia-h20"),
        ("nvidia h20", "nvidia-h20"),
        ("  NVIDIA-H20 ", "nvidia-h20"),
        ("h-100", "nvidia-h100-sxm5-80gb"),
        ("RTX 4090D", "nvidia-rtx-4090-d"),
        ("rtx 4090 d", "nvidia-rtx-4090-d"),
        ("MI308", "amd-mi308x"),
        ("DGX H100", "nvidia-hgx-h100-8gpu"),
        ("amd-mi300x", "amd-mi300x"),
    ],
)
def test_lookup_is_case_space_and_punctuation_tolerant(name: str, expected: str) -> None:
    assert load_catalog().get(name).id == expected


def test_unknown_name_suggests_close_matches() -> None:
    with pytest.raises(UnknownItemError) as err:
        load_catalog().get("H2O")
    assert "nvidia-h20" in err.value.suggestions
    assert "did you mean" in str(err.value)


def test_empty_cells_stay_unknown() -> None:
    mi308 = load_catalog().get("MI308X")
    assert isinstance(mi308, Part)
    assert mi308.dense_throughput == {}
    assert mi308.die_area_mm2 is None
    b200 = load_catalog().get("B200")
    assert isinstance(b200, Part)
    assert b200.die_area_mm2 is None  # not published; never guessed


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "my-chip.yaml"
    path.write_text(text)
    return path


def test_validation_error_names_file_part_and_field(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "parts:\n- id: acme-x1\n  vendor: Acme\n  name: X1\n  dense_throughput: {fp16: -5}\n"
        "  sources: [internal]\n  confidence: H\n",
    )
    with pytest.raises(DataFileError) as err:
        load_catalog_file(path)
    message = str(err.value)
    assert str(path) in message and "'acme-x1'" in message and "dense_throughput.fp16" in message


def test_unknown_precision_is_rejected(tmp_path: Path) -> None:
    path = _write(
        tmp_path, "id: acme-x1\nvendor: Acme\nname: X1\ndense_throughput: {fp12: 5}\nsources: [x]\nconfidence: L\n"
    )
    with pytest.raises(DataFileError, match="unknown precision"):
        load_catalog_file(path)


def test_user_catalog_files_load_through_the_same_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _write(
        tmp_path,
        "parts:\n- id: acme-x1\n  vendor: Acme\n  name: Acme X1\n  aliases: [X1]\n  datacenter: true\n"
        "  dense_throughput: {int8: 700}\n  die_area_mm2: 700\n  sources: [internal datasheet]\n  confidence: H\n",
    )
    monkeypatch.setenv("CHIPCLEAR_CATALOG", str(path))
    assert load_catalog().get("x1").id == "acme-x1"


def test_duplicate_id_is_rejected(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _write(tmp_path, "parts:\n- id: nvidia-h20\n  vendor: X\n  name: Y\n  sources: [x]\n  confidence: L\n")
    monkeypatch.setenv("CHIPCLEAR_CATALOG", str(path))
    with pytest.raises(DataFileError, match="duplicate id 'nvidia-h20'"):
        load_catalog()


def test_system_with_unknown_component_is_rejected(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _write(
        tmp_path,
        "systems:\n- id: acme-box\n  vendor: Acme\n  name: Box\n  components: [{part: nope, count: 2}]\n"
        "  sources: [x]\n  confidence: L\n",
    )
    monkeypatch.setenv("CHIPCLEAR_CATALOG", str(path))
    with pytest.raises(DataFileError, match="unknown part 'nope'"):
        load_catalog()


def test_ambiguous_alias_is_an_input_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _write(
        tmp_path,
        "parts:\n- id: acme-h20\n  vendor: Acme\n  name: Acme thing\n  aliases: [H20]\n  sources: [x]\n  confidence: L\n",
    )
    monkeypatch.setenv("CHIPCLEAR_CATALOG", str(path))
    with pytest.raises(InputError, match="ambiguous"):
        load_catalog().get("H20")
