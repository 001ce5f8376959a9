"""Terminal table: layout by display width, content of each section."""
from wcwidth import wcswidth, wcwidth

from compliance.report.model import Finding, RuleSummary


def _columns(separator: str) -> list[tuple[int, int]]:
    """(start, end) display columns of each dash run in a tabulate separator line."""
    spans, start = [], None
    for i, ch in enumerate(separator + " "):
        if ch == "-" and start is None:
            start = i
        elif ch != "-" and start is not None:
            spans.append((start, i))
            start = None
    return spans


def _cut(line: str, start: int, end: int) -> str:
    """The characters between two display columns; fails if a wide character straddles one."""
    out, col = [], 0
    for ch in line:
        width = max(wcwidth(ch), 0)
        if col < start < col + width or col < end < col + width:
            raise AssertionError(f"wide character {ch!r} straddles a column edge in {line!r}")
        if start <= col and col + width <= end:
            out.append(ch)
        col += width
    return "".join(out)


def _table_after(text: str, heading: str) -> list[str]:
    lines = text.splitlines()
    start = lines.index(heading) + 2
    end = lines.index("", start) if "" in lines[start:] else len(lines)
    return lines[start:end]


def test_chinese_and_ascii_titles_line_up(result, render_text):
    result.rules.append(RuleSummary("MIX-9", "混合 mixed 标题 ABC", "minor", "tickets"))
    table = _table_after(render_text(result, "table"), "Rules")
    header, separator, *rows = table
    spans = _columns(separator)
    assert [_cut(header, a, b).strip() for a, b in spans] == [
        "ID", "Title", "Severity", "Dataset", "Violations", "Pending", "Status"]
    cells = {row.split()[0]: [_cut(row, a, b).strip() for a, b in spans] for row in rows}
    assert cells["CS-001"][:3] == ["CS-001", "投诉须在24小时内回复", "major"]
    assert cells["RST-002"][:3] == ["RST-002", "Rest 11h between shifts", "critical"]
    assert cells["CHAT-003"][1:3] == ["首次响应 60 秒内", "minor"]
    assert cells["MIX-9"][1:3] == ["混合 mixed 标题 ABC", "minor"]
    # Code points would put "major" further left on the Chinese row than on the ASCII one;
    # by display width the Severity column starts at the same place on every row.
    severity_start = spans[2][0]
    for row in rows:
        prefix = _cut(row, 0, severity_start)
        assert wcswidth(prefix) == severity_start
    assert len(rows[0].split("major")[0]) != len(rows[1].split("critical")[0])


def test_header_has_as_of_period_and_time_zone(result, render_text):
    head = render_text(result, "table").splitlines()[:5]
    assert head[1] == "As of:     2024-07-01T09:00:00+08:00"
    assert head[2] == "Period:    2024-06 (2024-06-01 .. 2024-07-01, end exclusive)"
    assert head[3] == "Time zone: Asia/Shanghai"
    assert head[4] == "Totals:    3 violations, 1 pending, 1 rule error, 1 rejected row"


def test_rule_with_error_is_shown_as_error(result, render_text):
    text = render_text(result, "table")
    row = next(line for line in _table_after(text, "Rules") if line.startswith("CHAT-003"))
    assert row.split()[-3:] == ["-", "-", "ERROR"]
    assert "  CHAT-003: column 'first_reply_at' not found in chats.csv" in text.splitlines()


def test_dataset_accounting(result, render_text):
    rows = _table_after(render_text(result, "table"), "Datasets")
    assert rows[2].split() == ["tickets", "tickets_2024-06.csv", "120", "119", "1", "98"]
    assert rows[3].split() == ["roster", "roster.xlsx", "40", "40", "0", "-"]


def test_findings_list_locations_with_sheet_and_remainder(result, render_text):
    text = render_text(result, "table")
    assert ("      at tickets_2024-06.csv:3, tickets_2024-06.csv:9, tickets_2024-06.csv:11"
            " and 2 more") in text
    assert "      at roster.xlsx#六月:5, roster.xlsx#六月:6" in text
    assert "  [pending] ticket_id=T-1003" in text
    assert "CHAT-003 首次响应" not in text.split("Findings", 1)[1]  # no findings, no group


def test_rejections_and_duplicates(result, render_text):
    text = render_text(result, "table")
    rejected = _table_after(text, "Rejected rows")[2]
    assert rejected.split("  ")[0] == "tickets"
    assert "tickets_2024-06.csv:58" in rejected and "2024-13-01 08:00" in rejected
    assert ("  dataset: tickets; key: ticket_id=T-1005; locations: tickets_2024-06.csv:20, "
            "tickets_2024-06.csv:21") in text


def test_sections_without_content_are_left_out(result, render_text):
    result.rejections.clear()
    result.duplicates.clear()
    text = render_text(result, "table")
    assert "Rejected rows" not in text and "Duplicates" not in text


def test_terminal_control_characters_are_neutralised(result, render_text):
    result.findings.append(Finding("CS-004", "Callbacks logged", "info", "violation", "tickets",
                                   {"ticket_id": "T-9\x1b[2J"}, "line one\nline two\x07"))
    text = render_text(result, "table")
    assert "\x1b" not in text and "\x07" not in text
    assert "      line one line two\n" in text
