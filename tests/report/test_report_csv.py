"""CSV: BOM for Excel, one finding per row, no cell a spreadsheet would run."""
import csv
import io
import json

import pytest

from compliance.report.csv_report import COLUMNS
from compliance.report.model import Finding, Location
from compliance.report.sanitize import neutralise_formula


def _rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline="")))


def test_starts_with_bom_and_uses_crlf(result, render_bytes):
    data = render_bytes(result, "csv")
    assert data.startswith(b"\xef\xbb\xbfrule,title,")
    assert data.count(b"\r\n") == len(result.findings) + 1


def test_one_row_per_finding(result, render_text):
    header, *rows = _rows(render_text(result, "csv"))
    assert header == list(COLUMNS)
    assert len(rows) == len(result.findings)
    first = dict(zip(header, rows[0]))
    assert first["title"] == "投诉须在24小时内回复"
    assert first["file"] == "tickets_2024-06.csv" and first["row"] == "2" and first["sheet"] == ""
    assert first["other_locations"] == "tickets_2024-06.csv:7"
    assert json.loads(first["evidence"]) == {"hours": 30, "limit": 24}
    second = dict(zip(header, rows[1]))
    assert second["subject"] == "ticket_id=T-1002; agent=王芳"
    assert second["other_locations"] == ("tickets_2024-06.csv:9, tickets_2024-06.csv:11"
                                         " and 2 more")
    roster = dict(zip(header, rows[3]))
    assert (roster["file"], roster["row"], roster["sheet"]) == ("roster.xlsx", "5", "六月")


def test_formula_message_is_neutralised(result, render_text):
    rows = _rows(render_text(result, "csv"))
    assert rows[2][6] == "'=HYPERLINK(\"http://evil.example\",\"点击\") replied after 26 hours"


def test_every_column_is_neutralised(result, render_text):
    trap = Finding("=R", "+title", "-major", "@violation", "\tdata", {"=k": "v"}, "\rmessage",
                   evidence={}, locations=[Location("=file.csv", 2, sheet="-s"),
                                           Location("@b.csv", 3)], locations_total=2)
    result.findings[:] = [trap]
    cells = _rows(render_text(result, "csv"))[1]
    expected = ["'=R", "'+title", "'-major", "'@violation", "'\tdata", "'=k=v", "'\rmessage",
                "'=file.csv", "2", "'-s", "'@b.csv:3", "{}"]
    assert cells == expected


def test_finding_without_locations_leaves_location_columns_empty(result, render_text):
    result.findings[:] = [Finding("CS-004", "Callbacks logged", "info", "violation", "tickets",
                                  {"agent": "a1"}, "missing", locations_total=3)]
    row = dict(zip(COLUMNS, _rows(render_text(result, "csv"))[1]))
    assert (row["file"], row["row"], row["sheet"]) == ("", "", "")
    assert row["other_locations"] == "3 more"


@pytest.mark.parametrize("text, expected", [
    ("=1+1", "'=1+1"), ("+1", "'+1"), ("-1", "'-1"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\t=1", "'\t=1"), ("\r=1", "'\r=1"), ("a=1", "a=1"), ("", ""), ("投诉", "投诉"),
])
def test_neutralise_formula(text, expected):
    assert neutralise_formula(text) == expected
