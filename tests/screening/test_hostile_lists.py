"""Hostile list files: an update that cannot be screened is refused with one line naming the file and the entry
(line where known), and the list in use stays."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from chipclear.cli import app
from chipclear.errors import DataFileError
from chipclear.ledger import open_ledger, users
from chipclear.screening import ListStore, load_list
from chipclear.screening.loaders import MAX_LISTED_NAME_LENGTH


def _ftm(entity_id: str, *names: str) -> str:
    return json.dumps({"id": entity_id, "schema": "Company", "properties": {"name": list(names)}})


def _ftm_file(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


GOOD = [_ftm(f"Q{i}", f"Zorblat Unit {i} Devices") for i in range(5)]


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        ("junk.bin", bytes(range(256)) * 50, "line 2: not UTF-8 text: byte 128"),
        ("utf16.csv", "name,source\nFoo,EL\n".encode("utf-16"), "UTF-16"),
        ("bad.jsonl", (GOOD[0] + "\n" + GOOD[1]).encode() + b"\xff\n", "line 2: not UTF-8 text"),
        ("deep.json", b"[" * 200_000, "nested too deeply"),
        ("deep_obj.json", b'{"results":' + b"[" * 100_000, "nested too deeply"),
        ("deep.jsonl", (GOOD[0] + "\n").encode() + b"[" * 100_000 + b"\n", "line 2: JSON nested too deeply"),
        ("wrong_shape.json", b'{"results": [{"name": "A", "source": "EL", "alt_names": [1, 2]}]}', "csl-json"),
        ("big_field.csv", b'name,source\n"' + b"x" * 200_000 + b'",EL\n', "line 2"),
        ("huge.jsonl", _ftm("Q1", "Q" * 10_000_000).encode(), "10,000,000 characters"),
        ("alias.jsonl", _ftm("Q1", "Zorblat", "Z" * (MAX_LISTED_NAME_LENGTH + 1)).encode(), "more than 1,000"),
        ("nul_id.jsonl", _ftm("X\u0000", "Zorblat").encode(), "entry id must not contain a NUL"),
        ("nul_name.jsonl", _ftm("Q1", "BAD\u0000NAME").encode(), "must not contain a NUL"),
        ("surrogate.jsonl", _ftm("Q1", "\ud800bad").encode(), "lone surrogate"),
        ("dup.jsonl", "\n".join([*GOOD, GOOD[0]]).encode(), "entry 6 (id 'FTM-Q0'): the id is also that of entry 1"),
        ("long_id.jsonl", _ftm("Q" * 300, "Zorblat").encode(), "entry id is 304 characters"),
    ],
)
def test_an_update_that_cannot_be_screened_is_refused_and_the_list_in_use_stays(
    data_dir: Path, name: str, content: bytes, words: str
) -> None:
    store = ListStore()
    store.update(str(_ftm_file(data_dir / "good.jsonl", GOOD)), allow_shrink=True, allow_older=True)
    before = store.current()
    path = data_dir / name
    path.write_bytes(content)
    with pytest.raises(DataFileError) as refused:
        store.update(str(path), allow_shrink=True)
    message = str(refused.value)
    assert words in message and message.startswith(str(path)) and "\n" not in message and len(message) < 600
    assert store.current() == before


def test_the_cli_refuses_a_binary_list_with_exit_2_and_one_line(data_dir: Path) -> None:
    path = data_dir / "junk.bin"
    path.write_bytes(bytes(range(256)) * 50)
    ledger = open_ledger()
    with ledger.session() as s:
        _, key = users.create_user(s, "root", "admin", None)
    ledger.close()
    result = CliRunner().invoke(app, ["lists", "update", "--from", str(path), "--api-key", key])
    assert result.exit_code == 2, result.output
    assert "not UTF-8 text" in result.output and "Traceback" not in result.output


def test_a_list_already_stored_still_loads_though_an_update_would_now_refuse_it(tmp_path: Path) -> None:
    # nothing stored is lost: the entry checks apply to updates, not to files accepted before them
    path = _ftm_file(tmp_path / "old.jsonl", [*GOOD, _ftm("Q9", "Zorblat " + "z" * 2000), GOOD[0]])
    loaded = load_list(path)
    assert len(loaded.entries) == 7 and loaded.entries[-1].entry_id == "FTM-Q0-2"
    with pytest.raises(DataFileError):
        load_list(path, strict=True)
