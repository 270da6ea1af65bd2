"""What a batch run reads and writes is checked before any work (a door audit, 2026-12-07): an XLSX zip bomb took
8.6 GB of memory; a FIFO as the book waited for ever and /dev/zero was read without end; a FIFO or a symbolic link
named as an output was replaced by a regular file (the link's target left empty); an output that could not be
created failed after the decisions were written, leaving a checkpoint behind; --workers and --verify past a machine
integer ended in OverflowError tracebacks."""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook
from typer.testing import CliRunner

from chipclear import tabular
from chipclear.batch.io import read_orders
from chipclear.cli import app
from chipclear.errors import InputError

runner = CliRunner()
BOOK = "item,destination\nH20,CN\n"


def _bomb(path: Path, spaces: int) -> Path:
    """A valid one-line workbook whose worksheet XML holds ``spaces`` blanks: a few KB on disk per MB unpacked."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["item", "destination"])
    ws.append(["H20", "CN"])
    plain = io.BytesIO()
    wb.save(plain)
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for entry in src.infolist():
            body = src.read(entry.filename)
            if entry.filename != "xl/worksheets/sheet1.xml":
                out.writestr(entry.filename, body)
                continue
            head, tail = body.split(b"<sheetData>", 1)
            with out.open(entry.filename, "w") as sheet:
                sheet.write(head + b"<sheetData>")
                chunk = b" " * 1_000_000
                for _ in range(spaces // len(chunk)):
                    sheet.write(chunk)
                sheet.write(tail)
    return path


@pytest.fixture
def small_cap(monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr(tabular, "MAX_XLSX_UNPACKED", 2_000_000)
    return 2_000_000


def test_an_xlsx_that_unpacks_past_the_limit_is_refused_before_it_is_read(tmp_path: Path, small_cap: int) -> None:
    bomb = _bomb(tmp_path / "bomb.xlsx", 5_000_000)
    assert bomb.stat().st_size < 100_000
    with pytest.raises(InputError) as refused:
        read_orders(bomb)
    assert str(refused.value) == (
        f"{bomb}: its part 'xl/worksheets/sheet1.xml' unpacks to more than 2,000,000 bytes, the most chipclear reads"
        " from a workbook (a zip bomb, or a book too large for XLSX: save it as CSV or Parquet)"
    )
    # under the limit, the same padding is read as the book it is
    assert read_orders(_bomb(tmp_path / "padded.xlsx", 1_000_000))["item"].to_list() == ["H20"]


def test_the_worksheet_is_read_with_a_hard_cap_whatever_its_header_says(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="the first worksheet unpacks to more than 10 bytes"):
        tabular._read_capped(tmp_path / "b.xlsx", io.BytesIO(b"x" * 11), 10)
    assert tabular._read_capped(tmp_path / "b.xlsx", io.BytesIO(b"x" * 10), 10) == b"x" * 10


def test_an_xlsx_bomb_is_one_line_and_exit_2_at_batch_and_screen(tmp_path: Path, small_cap: int) -> None:
    bomb = _bomb(tmp_path / "bomb.xlsx", 5_000_000)
    out = tmp_path / "x.parquet"
    result = runner.invoke(app, ["batch", str(bomb), "--out", str(out), "-q", "--no-screening"])
    assert result.exit_code == 2, result.output
    assert result.output.startswith(f"chipclear: error: {bomb}: its part 'xl/worksheets/sheet1.xml' unpacks to")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bomb.xlsx"]
    result = runner.invoke(app, ["screen", "--file", str(bomb)])
    assert result.exit_code == 2, result.output
    assert "unpacks to more than 2,000,000 bytes" in result.output and "Traceback" not in result.output


def test_the_xlsx_limit_is_above_a_million_line_book() -> None:
    # a generated 1,000,000-line book written by openpyxl: its worksheet unpacked to 621,932,830 bytes (measured
    # 2026-12-07, docs/batch.md); a few more columns must still pass
    assert tabular.MAX_XLSX_UNPACKED >= 2 * 621_932_830


@pytest.mark.parametrize("kind", ["fifo", "directory"])
def test_an_order_book_that_is_not_a_regular_file_is_refused_unopened(tmp_path: Path, kind: str) -> None:
    book = tmp_path / "book"
    os.mkfifo(book) if kind == "fifo" else book.mkdir()
    what = "a FIFO" if kind == "fifo" else "a directory"
    out = tmp_path / "out" / "z.parquet"
    result = runner.invoke(app, ["batch", str(book), "--out", str(out), "-q", "--no-screening"])
    assert result.exit_code == 2, result.output
    assert result.output == f"chipclear: error: ORDERS: {book} is not a regular file ({what}); give a file to read\n"
    assert not (tmp_path / "out").exists()  # refused before an output folder is made
    with pytest.raises(InputError, match=f"is not a regular file \\({what}\\)"):
        read_orders(book)  # the API's door too (it reads through read_orders)


def test_a_symbolic_link_to_a_book_is_read(tmp_path: Path) -> None:
    (tmp_path / "real.csv").write_text(BOOK, encoding="utf-8")
    (tmp_path / "link.csv").symlink_to(tmp_path / "real.csv")
    assert read_orders(tmp_path / "link.csv")["item"].to_list() == ["H20"]


def test_since_lists_naming_a_fifo_is_refused(tmp_path: Path) -> None:
    (tmp_path / "o.csv").write_text(BOOK, encoding="utf-8")
    os.mkfifo(tmp_path / "lists.fifo")
    args = ["batch", str(tmp_path / "o.csv"), "--out", str(tmp_path / "o.parquet"), "-q"]
    result = runner.invoke(app, [*args, "--since-lists", str(tmp_path / "lists.fifo")])
    assert result.exit_code == 2, result.output
    assert "--since-lists: " in result.output and "is not a regular file (a FIFO)" in result.output


@pytest.mark.parametrize(
    ("option", "target", "message"),
    [
        ("--report", "rep.fifo", "--report: {tmp}/rep.fifo is not a regular file (a FIFO); name a file to write"),
        ("--bad-rows", "rep.fifo", "--bad-rows: {tmp}/rep.fifo is not a regular file (a FIFO); name a file to write"),
        ("--jsonl", "rep.link", "--jsonl: {tmp}/rep.link is a symbolic link; chipclear writes a new file in its place"),
        ("--report", "rep.link", "--report: {tmp}/rep.link is a symbolic link"),
        ("--out", "link.parquet", "--out: {tmp}/link.parquet is a symbolic link"),
        ("--bad-rows", "adir", "--bad-rows: {tmp}/adir is a directory"),
    ],
)
def test_an_output_that_is_a_fifo_a_link_or_a_directory_is_refused_before_the_run(
    tmp_path: Path, option: str, target: str, message: str
) -> None:
    (tmp_path / "small.csv").write_text(BOOK, encoding="utf-8")
    os.mkfifo(tmp_path / "rep.fifo")
    (tmp_path / "real.html").write_text("", encoding="utf-8")
    (tmp_path / "rep.link").symlink_to(tmp_path / "real.html")
    (tmp_path / "link.parquet").symlink_to(tmp_path / "real.parquet")
    (tmp_path / "adir").mkdir()
    before = sorted(p.name for p in tmp_path.iterdir())
    out = ["--out", str(tmp_path / "k.parquet")] if option != "--out" else []
    args = ["batch", str(tmp_path / "small.csv"), *out, option, str(tmp_path / target), "-q", "--no-screening"]
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert result.output.startswith("chipclear: error: " + message.format(tmp=tmp_path)), result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # nothing written, no checkpoint
    assert (tmp_path / "rep.link").is_symlink() and not (tmp_path / "rep.fifo").is_file()


def test_an_output_folder_nothing_can_be_created_in_is_refused_before_the_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # as /proc: root may "access" it, but no file can be created there (found: --bad-rows /proc/version)
    import tempfile

    (tmp_path / "small.csv").write_text(BOOK, encoding="utf-8")
    (tmp_path / "sealed").mkdir()
    real = tempfile.mkstemp

    def mkstemp(*args: object, dir: str | Path | None = None, **kwargs: object) -> tuple[int, str]:
        if dir is not None and Path(dir) == tmp_path / "sealed":
            raise FileNotFoundError(2, "No such file or directory")
        return real(*args, dir=dir, **kwargs)  # type: ignore[call-overload,no-any-return]

    monkeypatch.setattr(tempfile, "mkstemp", mkstemp)
    bad = tmp_path / "sealed" / "version"
    args = ["batch", str(tmp_path / "small.csv"), "--out", str(tmp_path / "k.parquet"), "--bad-rows", str(bad)]
    result = runner.invoke(app, [*args, "-q", "--no-screening"])
    assert result.exit_code == 2, result.output
    assert result.output == (
        f"chipclear: error: --bad-rows: cannot write {bad}: no file can be created in {bad.parent} (no such file or"
        " directory)\n"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sealed", "small.csv"]


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--workers", "99999999999999999999", "--workers: "),
        ("--workers", "65", "--workers: "),
        ("--workers", "-1", "--workers: "),
        ("--verify", "99999999999999999999", "--verify: "),
        ("--verify", "-1", "--verify: "),
        ("--batch-size", "99999999999999999999", "--batch-size: "),
        ("--batch-size", "0", "--batch-size: "),
    ],
)
def test_numeric_options_past_their_bounds_are_one_line_and_exit_2(
    tmp_path: Path, option: str, value: str, message: str
) -> None:
    (tmp_path / "small.csv").write_text(BOOK, encoding="utf-8")
    args = ["batch", str(tmp_path / "small.csv"), "--out", str(tmp_path / "v.parquet"), option, value, "-q"]
    result = runner.invoke(app, [*args, "--no-screening"])
    assert result.exit_code == 2, result.output
    assert message in result.output and "Traceback" not in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["small.csv"]


def test_the_library_bounds_workers_and_verify_too(tmp_path: Path) -> None:
    from chipclear.batch import BatchOptions, run_batch

    (tmp_path / "small.csv").write_text(BOOK, encoding="utf-8")
    for options in ({"workers": 10**20}, {"verify": 10**20}, {"batch_size": 10**20}):
        with pytest.raises(InputError, match="must be from"):
            run_batch(BatchOptions(orders=tmp_path / "small.csv", out=tmp_path / "v.parquet", **options))  # type: ignore[arg-type]


def test_two_outputs_of_one_run_named_alike_are_refused(tmp_path: Path) -> None:
    (tmp_path / "small.csv").write_text(BOOK, encoding="utf-8")
    out = tmp_path / "k.parquet"
    args = ["batch", str(tmp_path / "small.csv"), "--out", str(out), "--bad-rows", str(out), "-q", "--no-screening"]
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert result.output == f"chipclear: error: --out: {out}: named for two outputs of the run (and {out})\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["small.csv"]
