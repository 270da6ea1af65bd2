"""An XLSX book is read as a user sees it or refused (a door audit, 2026-12-07): the rows under a merged customer
cell came out NLR with no party; a `military` formula without a saved value read as false (NLR instead of HOLD); a
hidden first worksheet was decided and the visible one skipped."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook

from chipclear.batch.io import read_orders
from chipclear.errors import InputError

HEADER = ["item", "quantity", "destination", "ship_date", "end_user_name", "end_user_country", "military"]


def _book(path: Path, rows: list[list[object]], merge: str | None = None) -> Path:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(HEADER)
    for row in rows:
        ws.append(row)
    if merge:
        ws.merge_cells(merge)
    wb.save(path)
    return path


def test_rows_under_a_merged_cell_are_bad_rows_naming_the_cells(tmp_path: Path) -> None:
    huawei = ["A10", 1, "CN", "2026-01-01", "Huawei Technologies Co., Ltd.", "CN", None]
    rows = [huawei, ["A10", 1, "CN", "2026-01-01", None, "CN", None], ["A10", 1, "CN", "2026-01-01", None, "CN", None]]
    raw = read_orders(_book(tmp_path / "merged.xlsx", rows, merge="E2:E4"))
    assert raw["parse_error"].to_list() == [
        "",
        "row 2 (sheet row 3): E3 is part of merged cells E2:E4 (unmerge them and fill each row)",
        "row 3 (sheet row 4): E4 is part of merged cells E2:E4 (unmerge them and fill each row)",
    ]


def test_a_formula_without_a_saved_value_is_a_bad_row_and_one_with_a_value_is_read(tmp_path: Path) -> None:
    path = _book(tmp_path / "formula.xlsx", [["A10", 1, "CN", "2026-01-01", None, None, "=TRUE()"]] * 2)
    raw = read_orders(path)
    assert raw["parse_error"].to_list() == [
        f"row {n} (sheet row {n + 1}): G{n + 1} holds a formula without a saved value (open and save the workbook"
        " in a spreadsheet application)"
        for n in (1, 2)
    ]
    # the same workbook as a spreadsheet application saves it: each formula with its value
    data = io.BytesIO()
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(data, "w") as out:
        for item in src.infolist():
            body = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                body = re.sub(
                    rb'<c r="(G\d)"([^>]*)><f>([^<]*)</f><v\s*/>', rb'<c r="\1" t="b"><f>\3</f><v>1</v>', body
                )
                body = re.sub(
                    rb'<c r="(G\d)"([^>]*)><f>([^<]*)</f></c>', rb'<c r="\1" t="b"><f>\3</f><v>1</v></c>', body
                )
            out.writestr(item, body)
    saved = tmp_path / "saved.xlsx"
    saved.write_bytes(data.getvalue())
    raw = read_orders(saved)
    assert raw["parse_error"].to_list() == ["", ""] and raw["military"].to_list() == ["true", "true"]


def test_a_hidden_first_worksheet_or_a_workbook_open_on_another_is_refused(tmp_path: Path) -> None:
    wb = Workbook()
    old = wb.active
    assert old is not None
    old.title = "old"
    old.append(HEADER)
    old.append(["H20", 1, "DE", "2026-01-01", None, None, None])
    orders = wb.create_sheet("orders")
    orders.append(HEADER)
    orders.append(["H100", 1, "CN", "2026-01-01", "Huawei Technologies Co., Ltd.", "CN", None])
    wb.active = 1
    wb.save(tmp_path / "open-on-orders.xlsx")
    with pytest.raises(InputError, match="opens on worksheet 'orders', but chipclear reads the first worksheet, 'old'"):
        read_orders(tmp_path / "open-on-orders.xlsx")
    old.sheet_state = "hidden"
    wb.save(tmp_path / "hidden.xlsx")
    with pytest.raises(InputError, match="the first worksheet 'old' is hidden"):
        read_orders(tmp_path / "hidden.xlsx")
