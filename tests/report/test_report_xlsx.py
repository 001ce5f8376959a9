"""Workbook layout, text kept as text, reproducible bytes."""
import io
import zipfile
from datetime import datetime

import pytest
from openpyxl import load_workbook

from compliance.report.model import Finding, RuleSummary
from compliance.report.sheet_names import SheetNames


def _load(render_bytes, result):
    return load_workbook(io.BytesIO(render_bytes(result, "xlsx")))


def _values(ws) -> list[list]:
    return [list(row) for row in ws.iter_rows(values_only=True)]


def test_sheets_in_order(result, render_bytes):
    wb = _load(render_bytes, result)
    assert wb.sheetnames == ["Summary", "CS-001", "RST-002", "Rejected"]


def test_summary(result, render_bytes):
    rows = _values(_load(render_bytes, result)["Summary"])
    assert rows[0][:2] == ["As of", "2024-07-01T09:00:00+08:00"]
    assert rows[4][:2] == ["Time zone", "Asia/Shanghai"]
    assert rows[6] == ["Rule", "Title", "Severity", "Dataset", "Violations", "Pending", "Error"]
    assert rows[7] == ["CS-001", "投诉须在24小时内回复", "major", "tickets", 2, 1, None]
    assert rows[9] == ["CHAT-003", "首次响应 60 秒内", "minor", "chats", 0, 0,
                       "column 'first_reply_at' not found in chats.csv"]
    assert rows[12][:6] == ["Dataset", "Files", "Read", "Evaluated", "Rejected", "In period"]
    assert rows[13][:6] == ["tickets", "tickets_2024-06.csv", 120, 119, 1, 98]


def test_rule_sheet(result, render_bytes):
    rows = _values(_load(render_bytes, result)["CS-001"])
    assert rows[0] == ["Status", "ticket_id", "agent", "Message", "File", "Row", "Sheet",
                       "Other locations", "Evidence"]
    assert rows[1][:3] == ["violation", "T-1001", None]
    assert rows[2][7] == "tickets_2024-06.csv:9, tickets_2024-06.csv:11 and 2 more"
    assert rows[3][0] == "pending"
    roster = _values(_load(render_bytes, result)["RST-002"])
    assert roster[1][:7] == ["violation", "@李雷", "2024-06-12", "rest 8h between shifts",
                             "roster.xlsx", 5, "六月"]


def test_formula_text_is_stored_as_string(result, render_bytes):
    data = render_bytes(result, "xlsx")
    cell = load_workbook(io.BytesIO(data))["CS-001"]["D3"]
    assert cell.value.startswith("=HYPERLINK(")
    assert cell.data_type == "s"
    assert cell.quotePrefix
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/sheet")]
        assert not any(b"<f>" in archive.read(n) or b"<f " in archive.read(n) for n in sheets)


def test_rejected_sheet(result, render_bytes):
    rows = _values(_load(render_bytes, result)["Rejected"])
    assert rows == [["Dataset", "File", "Sheet", "Row", "Column", "Value", "Expected"],
                    ["tickets", "tickets_2024-06.csv", None, 58, "created_at",
                     "2024-13-01 08:00", "date-time (YYYY-MM-DD HH:MM)"]]


def test_no_rejected_sheet_without_rejections(result, render_bytes):
    result.rejections.clear()
    assert "Rejected" not in _load(render_bytes, result).sheetnames


def test_fixed_dates(result, render_bytes):
    data = render_bytes(result, "xlsx")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    props = load_workbook(io.BytesIO(data)).properties
    assert props.created == props.modified == datetime(2024, 7, 1, 1, 0, 0)


def test_awkward_rule_ids_get_valid_unique_sheet_names(result, render_bytes):
    ids = ["A/1", "A:1", "summary", "x" * 40, "'q'"]
    result.rules += [RuleSummary(i, "t", "minor", "chats") for i in ids]
    result.findings += [Finding(i, "t", "minor", "violation", "chats", {"c": "1"},
                                "m\x07") for i in ids]
    names = _load(render_bytes, result).sheetnames
    assert names[3:] == ["A_1", "A_1 (2)", "summary (2)", "x" * 31, "q", "Rejected"]


@pytest.mark.parametrize("wanted, expected", [
    ("CS-001", "CS-001"), ("a[b]c*d?e/f\\g:h", "a_b_c_d_e_f_g_h"), ("", "Sheet"),
    ("History", "History (2)"), ("'x'", "x"), ("投诉" * 20, "投诉" * 15 + "投"),
])
def test_sheet_names(wanted, expected):
    assert SheetNames(("Summary",)).claim(wanted) == expected


def test_sheet_name_repeats_stay_within_limit():
    names = SheetNames()
    long = "y" * 31
    assert [names.claim(long) for _ in range(3)] == [long, "y" * 27 + " (2)", "y" * 27 + " (3)"]


def test_bytes_do_not_depend_on_the_clock(result, render_bytes, monkeypatch):
    import time

    before = render_bytes(result, "xlsx")
    later = time.time() + 400 * 24 * 3600
    monkeypatch.setattr(time, "time", lambda: later)
    assert render_bytes(result, "xlsx") == before
