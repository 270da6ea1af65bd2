"""Every command that reads a file the user names refuses what is not a regular file, unopened, and every command
that writes one refuses a FIFO, a device, a directory or a symbolic link in its place (a door audit, 2026-12-07:
`screen --file` and `lists update --from` on /dev/zero ended in MemoryError tracebacks, on a FIFO they waited for
ever; `whatif --orders /dev/zero` said "no such order book file"; outputs were renamed over the node or the link).
The tests use a FIFO for a special file: the check must refuse it before opening it (opening would wait)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from chipclear.cli import app
from chipclear.errors import InputError
from chipclear.userfiles import input_file, output_file

runner = CliRunner()


@pytest.fixture
def special(tmp_path: Path) -> dict[str, Path]:
    os.mkfifo(tmp_path / "f.fifo")
    (tmp_path / "adir").mkdir()
    (tmp_path / "real.txt").write_text("", encoding="utf-8")
    (tmp_path / "link.txt").symlink_to(tmp_path / "real.txt")
    (tmp_path / "parties.csv").write_text("name,country\nAcme Widgets,DE\n", encoding="utf-8")
    return {"fifo": tmp_path / "f.fifo", "dir": tmp_path / "adir", "link": tmp_path / "link.txt"}


READS = [
    (["screen", "--file", "{p}"], "--file"),
    (["lists", "update", "--from", "{p}", "--allow-older"], "--from"),
    (["whatif", "nvidia-h20-informed", "--orders", "{p}"], "--orders"),
    (["ship", "--file", "{p}"], "--file"),
    (["audit", "verify", "--file", "{p}"], "--file"),
    (["classify", "--spec", "{p}"], "catalog file"),
    (["classify", "--model-spec", "{p}"], "model spec"),
    (["whatif", "{p}"], "DRAFT"),
    (["db", "restore", "{p}"], "PATH"),
    (["audit", "verify", "--anchor", "{p}"], "--anchor"),
]


@pytest.mark.parametrize(("args", "flag"), READS)
def test_a_fifo_named_as_an_input_is_refused_unopened(
    special: dict[str, Path], args: list[str], flag: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("CHIPCLEAR_DATABASE_URL", f"sqlite:///{tmp_path}/l.db")
    fifo = special["fifo"]
    result = runner.invoke(app, [a.format(p=fifo) for a in args])
    assert result.exit_code == 2, result.output
    assert f"chipclear: error: {flag}: {fifo} is not a regular file (a FIFO)" in result.output, result.output


@pytest.mark.parametrize(
    ("args", "flag"),
    [
        (["screen", "--file", "{p}"], "--file"),
        (["whatif", "nvidia-h20-informed", "--orders", "{p}"], "--orders"),
        (["ship", "--file", "{p}"], "--file"),
    ],
)
def test_a_directory_named_as_an_input_file_is_refused(special: dict[str, Path], args: list[str], flag: str) -> None:
    folder = special["dir"]
    result = runner.invoke(app, [a.format(p=folder) for a in args])
    assert result.exit_code == 2, result.output
    assert f"chipclear: error: {flag}: {folder} is not a regular file (a directory)" in result.output


def test_lists_update_still_takes_a_folder(special: dict[str, Path]) -> None:
    assert input_file(special["dir"], "--from", folder_ok=True) == special["dir"]
    with pytest.raises(InputError, match="give a file or a folder to read"):
        input_file(special["fifo"], "--from", folder_ok=True)


def test_a_link_to_a_regular_file_is_an_input_and_a_missing_file_is_left_to_the_door(special: dict[str, Path]) -> None:
    assert input_file(special["link"], "--file") == special["link"]
    missing = special["dir"] / "missing.csv"
    assert input_file(missing, "--file") == missing
    result = runner.invoke(app, ["screen", "--file", str(missing)])
    assert result.exit_code == 2 and "file not found" in result.output


WRITES = [
    (["screen", "--file", "{parties}", "--out", "{p}"], "--out"),
    (["lists", "export", "--out", "{p}"], "--out"),
    (["demo", "orders", "--rows", "5", "--out", "{p}"], "--out"),
    (["db", "backup", "{p}"], "PATH"),
]


@pytest.mark.parametrize(("args", "flag"), WRITES)
@pytest.mark.parametrize("kind", ["fifo", "link", "dir"])
def test_an_output_that_is_a_fifo_a_link_or_a_directory_is_refused(
    special: dict[str, Path], args: list[str], flag: str, kind: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("CHIPCLEAR_DATABASE_URL", f"sqlite:///{tmp_path}/l.db")
    target = special[kind]
    given = [a.format(p=target, parties=tmp_path / "parties.csv") for a in args]
    result = runner.invoke(app, given)
    assert result.exit_code == 2, result.output
    said = {
        "fifo": f"{flag}: {target} is not a regular file (a FIFO)",
        "link": f"{flag}: {target} is a symbolic link",
        "dir": f"{flag}: {target} is a directory",
    }[kind]
    if not (flag == "PATH" and kind == "dir"):  # db backup's own check says a directory "already exists"
        assert f"chipclear: error: {said}" in result.output, result.output
    assert (tmp_path / "link.txt").is_symlink() and (tmp_path / "real.txt").read_text() == ""
    assert not special["fifo"].is_file() and special["dir"].is_dir()


def test_screen_out_writes_the_hits_whole(special: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "hits.csv"
    result = runner.invoke(app, ["screen", "--file", str(tmp_path / "parties.csv"), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8").startswith("row,party,country,entry_id")
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_output_file_refuses_an_existing_file_in_its_place_only_when_it_is_not_regular(tmp_path: Path) -> None:
    (tmp_path / "old.csv").write_text("x", encoding="utf-8")
    assert output_file(tmp_path / "old.csv", "--out") == tmp_path / "old.csv"
    assert output_file(tmp_path / "new" / "n.csv", "--out") == tmp_path / "new" / "n.csv"
    assert (tmp_path / "new").is_dir()  # a missing folder is made, as before
    with pytest.raises(InputError, match=r"folder .* does not exist"):
        output_file(tmp_path / "none" / "n.csv", "--out", make_folder=False)
    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere")
    with pytest.raises(InputError, match="is a symbolic link"):
        output_file(tmp_path / "dangling", "--out")
