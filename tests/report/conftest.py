"""Shared fixture: a small run result that exercises every part of the report formats."""
from __future__ import annotations

import io
import os

import pytest

from compliance.report import FORMATS, render
from compliance.report.model import (
    DatasetSummary, Derived, Finding, Location, Rejection, RuleSummary, RunResult,
)

UPDATE_ENV = "COMPLIANCE_UPDATE_GOLDEN"


def pytest_addoption(parser):
    try:
        parser.addoption("--update-golden", action="store_true", default=False,
                         help="rewrite tests/report/golden/* from the current renderers")
    except ValueError:
        pass  # another conftest registered it already


@pytest.fixture
def update_golden(request) -> bool:
    """The option only exists when this conftest loads before argument parsing (i.e. when
    tests/report is named on the command line); the variable works from anywhere."""
    try:
        flag = request.config.getoption("--update-golden")
    except ValueError:
        flag = False
    return bool(flag) or os.environ.get(UPDATE_ENV) == "1"


@pytest.fixture
def result() -> RunResult:
    tickets = "tickets_2024-06.csv"
    roster = "roster.xlsx"
    return RunResult(
        as_of="2024-07-01T09:00:00+08:00",
        period={"label": "2024-06", "start": "2024-06-01", "end": "2024-07-01"},
        timezone="Asia/Shanghai",
        rules=[
            RuleSummary("CS-001", "投诉须在24小时内回复", "major", "tickets",
                        violations=2, pending=1),
            RuleSummary("RST-002", "Rest 11h between shifts", "critical", "roster",
                        violations=1),
            RuleSummary("CHAT-003", "首次响应 60 秒内", "minor", "chats",
                        error="column 'first_reply_at' not found in chats.csv"),
            RuleSummary("CS-004", "Callbacks logged", "info", "tickets"),
        ],
        datasets=[
            DatasetSummary("tickets", [tickets], read=120, evaluated=119, rejected=1,
                           in_period=98),
            DatasetSummary("roster", [roster], read=40, evaluated=40, rejected=0),
            DatasetSummary("chats", ["chats.csv"], read=0, evaluated=0, rejected=0),
        ],
        findings=[
            Finding("CS-001", "投诉须在24小时内回复", "major", "violation", "tickets",
                    {"ticket_id": "T-1001"}, "首次回复用时 30 小时，超过 24 小时",
                    evidence={"hours": 30, "limit": 24},
                    locations=[Location(tickets, 2), Location(tickets, 7)], locations_total=2),
            Finding("CS-001", "投诉须在24小时内回复", "major", "violation", "tickets",
                    {"ticket_id": "T-1002", "agent": "王芳"},
                    "=HYPERLINK(\"http://evil.example\",\"点击\") replied after 26 hours",
                    evidence={"note": "-2+3"},
                    locations=[Location(tickets, 3), Location(tickets, 9), Location(tickets, 11)],
                    locations_total=5),
            Finding("CS-001", "投诉须在24小时内回复", "major", "pending", "tickets",
                    {"ticket_id": "T-1003"}, "no reply yet; 20 of 24 hours used",
                    locations=[Location(tickets, 4)], locations_total=1),
            Finding("RST-002", "Rest 11h between shifts", "critical", "violation", "roster",
                    {"agent": "@李雷", "date": "2024-06-12"}, "rest 8h between shifts",
                    evidence={"rest_hours": 8},
                    locations=[Location(roster, 5, sheet="六月"),
                               Location(roster, 6, sheet="六月")],
                    locations_total=2),
        ],
        rejections=[
            Rejection("tickets", Location(tickets, 58), "created_at", "2024-13-01 08:00",
                      "date-time (YYYY-MM-DD HH:MM)"),
        ],
        duplicates=[
            {"dataset": "tickets", "key": {"ticket_id": "T-1005"},
             "locations": [{"file": tickets, "row": 20}, {"file": tickets, "row": 21}]},
        ],
        derived=[
            Derived("RFM-005", "tickets", {"customer": "C-9"}, "grade", "A",
                    location=Location(tickets, 12)),
        ],
    )


GOLDEN_DIR = os.path.join(os.path.dirname(__file__), "golden")


@pytest.fixture
def golden(update_golden):
    """Compare bytes with tests/report/golden/<name>, or rewrite the file when updating."""

    def check(name: str, data: bytes) -> None:
        path = os.path.join(GOLDEN_DIR, name)
        if update_golden:
            os.makedirs(GOLDEN_DIR, exist_ok=True)
            with open(path, "wb") as fh:
                fh.write(data)
            return
        if not os.path.exists(path):
            pytest.fail(f"missing golden file {name}; run: pytest tests/report --update-golden")
        with open(path, "rb") as fh:
            expected = fh.read()
        assert data.decode("utf-8") == expected.decode("utf-8"), (
            f"{name} differs; if the change is intended run: pytest tests/report --update-golden")

    return check


def _text(result: RunResult, fmt: str) -> str:
    assert not FORMATS[fmt].binary
    stream = io.StringIO(newline="")  # keep CRLF from the csv format as written
    render(result, fmt, stream)
    return stream.getvalue()


def _bytes(result: RunResult, fmt: str) -> bytes:
    if FORMATS[fmt].binary:
        stream = io.BytesIO()
        render(result, fmt, stream)
        return stream.getvalue()
    return _text(result, fmt).encode("utf-8")


@pytest.fixture
def render_text():
    """Render a text format in memory: render_text(result, "table") -> str."""
    return _text


@pytest.fixture
def render_bytes():
    """Render any format in memory as the bytes a file would hold."""
    return _bytes
