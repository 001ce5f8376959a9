"""XLSX: sheet choice, cell-to-text conversion, spreadsheet row numbers, damaged files."""
from __future__ import annotations

import datetime as dt

import openpyxl
import pytest

from compliance.inputs import DatasetMapping, InputError, load_raw
from compliance.inputs.workbook import cell_text

from .conftest import table_rows


@pytest.fixture
def book(tmp_path):
    """shifts.xlsx: sheet 说明 (notes) first, then 排班 (roster) with typed cells."""
    wb = openpyxl.Workbook()
    notes = wb.active
    notes.title = "说明"
    notes.append(["导出说明"])
    notes.append(["第二行"])
    roster = wb.create_sheet("排班")
    roster.append(["班次号", "坐席工号", "日期", "计划开始", "签到时间", "人数", "时长", "已换班", "备注"])
    roster.append(["S1", "A07", dt.date(2024, 5, 6), dt.time(18, 30), dt.datetime(2024, 5, 6, 18, 25, 7),
                   3, 7.5, True, None])
    roster.append([])  # an empty row: skipped, numbering kept
    roster.append(["S2", "A08", dt.datetime(2024, 5, 7), dt.time(9, 30), dt.datetime(2024, 5, 7, 9, 31),
                   4.0, 0.25, False, "多行\n备注"])
    roster["E4"].number_format = "yyyy-mm-dd hh:mm"
    roster["C4"].number_format = "yyyy-mm-dd"
    path = tmp_path / "shifts.xlsx"
    wb.save(path)
    return str(path)


ROSTER_ROWS = [
    ("S1", "A07", "2024-05-06", "18:30:00", "2024-05-06 18:25:07", "3", "7.5", "true", None, 2),
    ("S2", "A08", "2024-05-07", "09:30:00", "2024-05-07 09:31:00", "4", "0.25", "false", "多行\n备注", 4),
]
ROSTER_COLUMNS = '"班次号", "坐席工号", "日期", "计划开始", "签到时间", "人数", "时长", "已换班", "备注", "__row"'


def test_sheet_selected_by_spec(con, book):
    raw = load_raw(con, "shifts", f"{book}#排班", "t")
    assert raw.files == [book]
    assert raw.rows == 2
    assert raw.headers[:3] == ["班次号", "坐席工号", "日期"]
    assert table_rows(con, "t", ROSTER_COLUMNS) == ROSTER_ROWS
    assert table_rows(con, "t", '"__file", "__sheet"') == [(book, "排班")] * 2


def test_sheet_from_mapping_and_first_sheet_by_default(con, book):
    load_raw(con, "shifts", book, "t", mapping=DatasetMapping(sheet="排班"))
    assert table_rows(con, "t", ROSTER_COLUMNS) == ROSTER_ROWS
    raw = load_raw(con, "notes", book, "t")
    assert raw.columns == ["导出说明"]
    assert table_rows(con, "t", '"导出说明", "__row", "__sheet"') == [("第二行", 2, "说明")]


def test_missing_sheet_lists_the_sheets(con, book):
    with pytest.raises(InputError) as caught:
        load_raw(con, "shifts", f"{book}#Sheet9", "t")
    assert str(caught.value) == f"{book}: no sheet 'Sheet9' (sheets: '说明', '排班')"


def test_header_not_on_row_one_and_stray_cells(con, tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "S"
    ws["A3"], ws["B3"] = "id", "name"
    ws["A4"], ws["B4"] = 1, "a"
    ws["A7"], ws["B7"] = 2, "b"
    path = tmp_path / "late.xlsx"
    wb.save(path)
    load_raw(con, "x", str(path), "t")
    assert table_rows(con, "t", 'id, name, "__row"') == [("1", "a", 4), ("2", "b", 7)]
    ws["D7"] = "stray"
    wb.save(path)
    with pytest.raises(InputError, match=r"late\.xlsx#S: row 7: cell D7 has a value but its column has no header"):
        load_raw(con, "x", str(path), "t")


def test_duplicate_headers_use_column_letters(con, tmp_path):
    wb = openpyxl.Workbook()
    wb.active.append(["id", "name", "id"])
    path = tmp_path / "dup.xlsx"
    wb.save(path)
    with pytest.raises(InputError, match=r"dup\.xlsx#Sheet: duplicate column headers: 'id' \(column A and column C\)"):
        load_raw(con, "x", str(path), "t")


def test_empty_sheet(con, tmp_path):
    path = tmp_path / "blank.xlsx"
    openpyxl.Workbook().save(path)
    with pytest.raises(InputError, match=r"blank\.xlsx#Sheet: sheet is empty"):
        load_raw(con, "x", str(path), "t")


def test_truncated_workbook(con, book, tmp_path):
    data = open(book, "rb").read()
    path = tmp_path / "cut.xlsx"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError, match=r"cut\.xlsx: not a readable XLSX workbook"):
        load_raw(con, "x", str(path), "t")


def test_text_named_xlsx(con, tmp_path):
    path = tmp_path / "fake.xlsx"
    path.write_text("id,name\n1,a\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"fake\.xlsx: not a readable XLSX workbook"):
        load_raw(con, "x", str(path), "t")


def test_sheet_selector_only_for_workbooks(con, fixture_path):
    with pytest.raises(InputError, match="applies only to .xlsx"):
        load_raw(con, "x", fixture_path("calls.tsv") + "#Sheet1", "t")


@pytest.mark.parametrize("value, fmt, text", [
    (None, None, None),
    (True, None, "true"),
    (12, None, "12"),
    (12.0, None, "12"),
    (13800138000.0, None, "13800138000"),
    (0.1, None, "0.1"),
    (dt.datetime(2024, 5, 1, 9, 30), "yyyy-mm-dd h:mm", "2024-05-01 09:30:00"),
    (dt.datetime(2024, 5, 1), "yyyy-mm-dd", "2024-05-01"),
    (dt.datetime(2024, 5, 1), "yyyy-mm-dd hh:mm", "2024-05-01 00:00:00"),
    (dt.datetime(2024, 5, 1, 9, 29, 59, 999700), "yyyy-mm-dd h:mm:ss", "2024-05-01 09:30:00"),
    (dt.datetime(2024, 5, 1, 9, 30, 0, 250000), "yyyy-mm-dd h:mm:ss.000", "2024-05-01 09:30:00.250"),
    (dt.date(2024, 5, 1), None, "2024-05-01"),
    (dt.time(18, 30), "h:mm", "18:30:00"),
    (dt.timedelta(days=1), "[h]:mm", "24:00:00"),
    ("  text ", None, "  text "),
])
def test_cell_text(value, fmt, text):
    assert cell_text(value, fmt) == text
