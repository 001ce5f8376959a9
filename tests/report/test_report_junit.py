"""JUnit XML: one test case per rule, counts in the suite, always well-formed."""
import xml.etree.ElementTree as ET

from compliance.report.model import Finding, RuleSummary


def _parse(render_bytes, result) -> ET.Element:
    return ET.fromstring(render_bytes(result, "junit"))


def test_counts_and_cases(result, render_bytes):
    root = _parse(render_bytes, result)
    (suite,) = root.findall("testsuite")
    for node in (root, suite):
        assert node.get("name") == "compliance"
        assert (node.get("tests"), node.get("failures"), node.get("errors")) == ("4", "2", "1")
    cases = suite.findall("testcase")
    assert [(c.get("classname"), c.get("name")) for c in cases] == [
        ("tickets", "CS-001 投诉须在24小时内回复"),
        ("roster", "RST-002 Rest 11h between shifts"),
        ("chats", "CHAT-003 首次响应 60 秒内"),
        ("tickets", "CS-004 Callbacks logged"),
    ]


def test_one_failure_listing_every_violation(result, render_bytes):
    case = _parse(render_bytes, result).find("testsuite/testcase")
    (failure,) = case.findall("failure")
    assert failure.get("message") == "2 violations of CS-001"
    assert failure.get("type") == "major"
    assert failure.text.splitlines() == [
        "ticket_id=T-1001: 首次回复用时 30 小时，超过 24 小时 "
        "(tickets_2024-06.csv:2, tickets_2024-06.csv:7)",
        "ticket_id=T-1002, agent=王芳: =HYPERLINK(\"http://evil.example\",\"点击\") replied "
        "after 26 hours (tickets_2024-06.csv:3, tickets_2024-06.csv:9, tickets_2024-06.csv:11"
        " and 2 more)",
    ]
    assert case.find("system-out").text == (
        "pending: ticket_id=T-1003: no reply yet; 20 of 24 hours used (tickets_2024-06.csv:4)")


def test_rule_error_and_passing_rule(result, render_bytes):
    cases = _parse(render_bytes, result).findall("testsuite/testcase")
    error = cases[2].find("error")
    assert error.get("message") == "column 'first_reply_at' not found in chats.csv"
    assert cases[2].find("failure") is None
    assert list(cases[3]) == []


def test_pending_only_rule_passes(result, render_bytes):
    result.findings[:] = [f for f in result.findings if f.status == "pending"]
    root = _parse(render_bytes, result)
    assert root.get("failures") == "0"
    assert root.find("testsuite/testcase/system-out") is not None


def test_control_characters_and_markup_stay_valid(result, render_bytes):
    result.rules.append(RuleSummary("X-1", "bad\x0btitle <&>", "minor", "chats\x00"))
    result.findings.append(Finding("X-1", "bad\x0btitle <&>", "minor", "violation", "chats",
                                   {"chat": "c\x1b1"}, "said \"<b>hi</b>\" & left\x07\ufffe"))
    root = _parse(render_bytes, result)
    case = root.findall("testsuite/testcase")[-1]
    assert case.get("name") == "X-1 badtitle <&>"
    assert case.get("classname") == "chats"
    assert case.find("failure").text == "chat=c1: said \"<b>hi</b>\" & left"
    assert root.get("failures") == "3"


def test_finding_of_unsummarised_rule_is_not_dropped(result, render_bytes):
    result.findings.append(Finding("GHOST-1", "未登记规则", "minor", "violation", "chats",
                                   {"chat": "c9"}, "late"))
    root = _parse(render_bytes, result)
    case = root.findall("testsuite/testcase")[-1]
    assert (case.get("classname"), case.get("name")) == ("chats", "GHOST-1 未登记规则")
    assert case.find("failure").get("message") == "1 violation of GHOST-1"
    assert (root.get("tests"), root.get("failures")) == ("5", "3")
