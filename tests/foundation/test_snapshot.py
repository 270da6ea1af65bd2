"""The loaded-data snapshot (chipclear.snapshot): the same answers with and without it, a new one whenever a data
file changes, and a damaged file ignored and rebuilt, never a wrong answer or a crash."""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from chipclear import snapshot
from chipclear.catalog import loader as catalog_loader
from chipclear.geography import load_geography
from chipclear.models import loader as models_loader
from chipclear.rules import loader as rules_loader

CHIPCLEAR = str(Path(sys.executable).with_name("chipclear"))
CHECK = ["check", "--item", "H20", "--to", "CN", "--date", "2025-06-01", "--json"]


@pytest.fixture(autouse=True)
def _fresh_caches() -> Iterator[None]:
    """The loaders memoise per process: each load here goes to the snapshot (or builds)."""
    caches = (rules_loader._load, catalog_loader._load, models_loader._load, load_geography)
    for cache in caches:
        cache.cache_clear()
    yield
    for cache in caches:
        cache.cache_clear()


def _files(kind: str) -> list[Path]:
    return sorted(snapshot.snapshot_dir().glob(f"{kind}-*.pickle"))


def _load_all() -> tuple[object, ...]:
    return (rules_loader.load_rules(), catalog_loader.load_catalog(), models_loader.load_models(), load_geography())


def _shape(rules: object, catalog: object, models: object, geography: object) -> object:
    """Everything the loaded objects hold, comparable."""
    return (
        rules.version,  # type: ignore[attr-defined]
        rules.actions,  # type: ignore[attr-defined]
        catalog.parts,  # type: ignore[attr-defined]
        catalog.systems,  # type: ignore[attr-defined]
        catalog._index._ids,  # type: ignore[attr-defined]
        models.models,  # type: ignore[attr-defined]
        geography.countries,  # type: ignore[attr-defined]
        geography.regions,  # type: ignore[attr-defined]
        geography.groups_file,  # type: ignore[attr-defined]
        geography.names,  # type: ignore[attr-defined]
    )


def _clear() -> None:
    for cache in (rules_loader._load, catalog_loader._load, models_loader._load, load_geography):
        cache.cache_clear()


def test_loaded_from_the_snapshot_equals_built_from_the_files() -> None:
    built = _load_all()
    for kind in ("rules", "catalog", "models", "geography"):
        assert len(_files(kind)) == 1, kind
    _clear()
    loaded = _load_all()
    assert all(a is not b for a, b in zip(built, loaded, strict=True))  # really read back from disk
    assert _shape(*loaded) == _shape(*built)


def _run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([CHIPCLEAR, *args], env=env, capture_output=True, text=True, timeout=120)


def _answer(result: subprocess.CompletedProcess[str]) -> object:
    assert result.returncode == 0, result.stderr
    decision = json.loads(result.stdout)
    decision.pop("decided_at", None)
    return decision


def test_the_cli_answers_the_same_from_the_snapshot(tmp_path: Path) -> None:
    env = {**os.environ, "CHIPCLEAR_DATA_DIR": str(tmp_path)}
    first = _run(*CHECK, env=env)  # builds and stores
    assert list((tmp_path / "cache" / "loaded-data").glob("rules-*.pickle"))
    second = _run(*CHECK, env=env)  # loads
    assert _answer(second) == _answer(first)
    assert _answer(first)["verdict"] == "LICENSE_REQUIRED"


def test_an_edited_user_catalog_file_is_read_again(tmp_path: Path) -> None:
    spec = tmp_path / "acme.yaml"
    part = (
        "parts:\n- id: acme-x1\n  vendor: Acme\n  name: Acme X1\n  datacenter: true\n  dense_throughput: {{int8: {}}}\n"
    )
    part += "  die_area_mm2: 700\n  sources: [internal datasheet]\n  confidence: H\n"
    env = {**os.environ, "CHIPCLEAR_DATA_DIR": str(tmp_path / "data"), "CHIPCLEAR_CATALOG": str(spec)}
    spec.write_text(part.format(100), encoding="utf-8")
    small = json.loads(_run("classify", "acme-x1", "--json", "--as-of", "2025-06-01", env=env).stdout)
    spec.write_text(part.format(4000), encoding="utf-8")
    large = json.loads(_run("classify", "acme-x1", "--json", "--as-of", "2025-06-01", env=env).stdout)
    assert small["status"] == "not_controlled"
    assert large["status"] != "not_controlled"
    assert small["tpp"] < large["tpp"]
    assert len(list((tmp_path / "data" / "cache" / "loaded-data").glob("catalog-*.pickle"))) == 1  # old one gone


def test_a_changed_bundled_rule_file_gives_a_new_snapshot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = tmp_path / "rules"
    shutil.copytree(Path(rules_loader.__file__).parent / "data", data)
    monkeypatch.setattr(rules_loader, "_DATA", data)
    before = rules_loader.load_rules()
    (old,) = _files("rules")
    target = data / "2025-04-09_nvidia-8k_h20-is-informed.yaml"
    text = target.read_text(encoding="utf-8")
    assert "indefinite future" in text
    # same length, other bytes: the name follows the content, not only the size
    target.write_text(text.replace("indefinite future", "INDEFINITE future"), encoding="utf-8")
    _clear()
    after = rules_loader.load_rules()
    (new,) = _files("rules")
    assert new != old and not old.exists()
    assert after.version != before.version
    dumped = json.dumps([a.model_dump(mode="json") for a in after.actions])
    assert "INDEFINITE future" in dumped and "indefinite future" not in dumped


def _damage(how: str, path: Path) -> None:
    raw = path.read_bytes()
    if how == "truncated":
        path.write_bytes(raw[: len(raw) // 2])
    elif how == "flipped":  # one letter of a text changes case: still a loadable pickle, with another text
        words = re.compile(rb"[a-z]{5,} [a-z]{5,}")
        found = words.search(raw, len(raw) // 2) or words.search(raw)
        assert found is not None
        at = found.start()
        path.write_bytes(raw[:at] + bytes([raw[at] ^ 0x20]) + raw[at + 1 :])
    elif how == "empty":
        path.write_bytes(b"")
    elif how == "foreign":  # a valid header and checksum over something that is not what the loader built
        key = raw.split(b"\n")[1]
        body = pickle.dumps({"not": "rules"})
        checksum = hashlib.sha256(body).hexdigest().encode()
        path.write_bytes(snapshot.MAGIC + key + b"\n" + checksum + b"\n" + body)
    else:
        raise AssertionError(how)


@pytest.mark.parametrize("how", ["truncated", "flipped", "empty", "foreign"])
def test_a_damaged_snapshot_is_ignored_and_rebuilt(how: str) -> None:
    built = rules_loader.load_rules()
    (path,) = _files("rules")
    _damage(how, path)
    _clear()
    again = rules_loader.load_rules()
    assert again.version == built.version and again.actions == built.actions
    _clear()
    assert rules_loader.load_rules().actions == built.actions  # the rebuilt file is whole again
    (rebuilt,) = _files("rules")
    assert snapshot._read(rebuilt, rebuilt.read_bytes().split(b"\n")[1].decode())[0]


def test_the_cli_answers_right_with_a_damaged_snapshot(tmp_path: Path) -> None:
    env = {**os.environ, "CHIPCLEAR_DATA_DIR": str(tmp_path)}
    good = _answer(_run(*CHECK, env=env))
    for path in (tmp_path / "cache" / "loaded-data").glob("*.pickle"):
        _damage("flipped", path)
    assert _answer(_run(*CHECK, env=env)) == good


def test_an_unwritable_snapshot_directory_only_costs_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    monkeypatch.setattr(snapshot, "snapshot_dir", lambda: blocker / "loaded-data")
    assert rules_loader.load_rules().actions


def test_the_name_covers_every_input() -> None:
    base = snapshot.key_of("rules", [("a.yaml", b"x: 1")])
    assert snapshot.key_of("rules", [("a.yaml", b"x: 2")]) != base  # content
    assert snapshot.key_of("rules", [("b.yaml", b"x: 1")]) != base  # the name a file is known by (origin)
    assert snapshot.key_of("rules", [("a.yaml", b"x: 1"), ("b.yaml", b"")]) != base  # one file more
    assert snapshot.key_of("catalog", [("a.yaml", b"x: 1")]) != base  # kind
    assert snapshot.key_of("rules", [("a.yaml", b"x: 1")], extra="pycountry 2") != base
    assert snapshot.key_of("rules", [("a.yaml", b"x: 1")]) == base


def test_the_code_version_follows_the_loader_source(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A change to a loader or data model module gives other names (objects are unpickled without validation)."""
    root = Path(snapshot.__file__).parent
    covered = {p.relative_to(root).as_posix() for p in [root / n for n in snapshot._TOP]}
    for package in snapshot._CODE:
        covered |= {p.relative_to(root).as_posix() for p in (root / package).glob("*.py")}
    for needed in ("rules/schema.py", "rules/licensing_schema.py", "catalog/models.py", "geography/__init__.py"):
        assert needed in covered
    fake = tmp_path / "chipclear"
    shutil.copytree(root, fake, ignore=shutil.ignore_patterns("data", "__pycache__", "web", "api"))
    snapshot.code_version.cache_clear()  # memoised per process: the source as it is now
    before = snapshot.code_version()
    monkeypatch.setattr(snapshot, "__file__", str(fake / "snapshot.py"))
    snapshot.code_version.cache_clear()
    try:
        assert snapshot.code_version() == before
        with (fake / "catalog" / "models.py").open("a", encoding="utf-8") as handle:
            handle.write("\n# changed\n")
        snapshot.code_version.cache_clear()
        assert snapshot.code_version() != before
    finally:
        snapshot.code_version.cache_clear()
