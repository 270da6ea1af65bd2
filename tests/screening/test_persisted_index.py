"""The index is stored beside the list once per list version and loaded by later processes."""

from __future__ import annotations

import gc
import subprocess
import sys
from pathlib import Path

from chipclear.screening import LoadedList, Screener, load_embedded
from chipclear.screening.persist import SUFFIX, load_or_build


def _small(n: int, sha: str) -> LoadedList:
    full = load_embedded()
    return LoadedList(full.entries[:n], full.list_date, sha, "test", "test", {})


def test_built_once_then_loaded_with_the_same_answers(tmp_path: Path) -> None:
    calls: list[int] = []

    def loader() -> LoadedList:
        calls.append(1)
        return _small(800, "a" * 64)

    lists, index, _, how = load_or_build(tmp_path, "list-a", loader)
    assert how == "built" and len(calls) == 1
    assert len(list(tmp_path.glob(f"*{SUFFIX}"))) == 1
    again, loaded_index, listings, how = load_or_build(tmp_path, "list-a", loader)
    assert how == "loaded" and len(calls) == 1, "a stored index is not rebuilt"
    assert listings is not None and dict(listings) == Screener(lists, index=index).listings
    assert again.entries == lists.entries and again.version == lists.version
    query = lists.entries[5].name
    first = Screener(lists, index=index).search(query).to_json()
    second = Screener(again, index=loaded_index).search(query).to_json()
    for body in (first, second):
        body.pop("screened_at")
    assert first == second and first["hits"]


def test_a_new_list_version_rebuilds_and_replaces_the_old_file(tmp_path: Path) -> None:
    load_or_build(tmp_path, "list-a", lambda: _small(300, "a" * 64))
    old = {p.name for p in tmp_path.glob(f"*{SUFFIX}")}
    _, _, _, how = load_or_build(tmp_path, "list-b", lambda: _small(400, "b" * 64))
    new = {p.name for p in tmp_path.glob(f"*{SUFFIX}")}
    assert how == "built" and len(new) == 1 and new != old


def test_a_damaged_file_is_rebuilt_not_trusted(tmp_path: Path) -> None:
    load_or_build(tmp_path, "list-a", lambda: _small(300, "a" * 64))
    (path,) = tmp_path.glob(f"*{SUFFIX}")
    path.write_bytes(path.read_bytes()[:1000])
    lists, _, _, how = load_or_build(tmp_path, "list-a", lambda: _small(300, "a" * 64))
    assert how == "built" and len(lists.entries) == 300


def test_loading_leaves_the_garbage_collector_as_it_found_it(tmp_path: Path) -> None:
    """The collector is paused while the index is made (speed), never left off."""
    load_or_build(tmp_path, "list-a", lambda: _small(300, "a" * 64))
    assert gc.isenabled()
    load_or_build(tmp_path, "list-a", lambda: _small(300, "a" * 64))  # loaded
    assert gc.isenabled()
    (path,) = tmp_path.glob(f"*{SUFFIX}")
    path.write_bytes(path.read_bytes()[:1000])
    load_or_build(tmp_path, "list-a", lambda: _small(300, "a" * 64))  # a failed load
    assert gc.isenabled()
    gc.disable()
    try:
        load_or_build(tmp_path, "list-a", lambda: _small(300, "a" * 64))
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_the_cli_stores_the_index_in_the_data_dir(tmp_path: Path) -> None:
    env = {"CHIPCLEAR_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    code = "import sys; from chipclear.cli import main; main(sys.argv[1:])"
    cmd = [sys.executable, "-c", code, "screen", "Sophgo", "--json"]
    first = subprocess.run(cmd, capture_output=True, text=True, env=env, check=True)
    assert list((tmp_path / "lists" / "index").glob(f"*{SUFFIX}"))
    second = subprocess.run(cmd, capture_output=True, text=True, env=env, check=True)
    assert '"Sophgo Technologies Ltd."' in second.stdout
    assert first.stdout.split('"screened_at"')[0] == second.stdout.split('"screened_at"')[0]
