"""`compliance check` as QA and CI use it: exit codes, formats, accounting, errors."""
from __future__ import annotations

import json
import os
import re

from click.testing import CliRunner

from compliance.cli import main

ROOT = os.path.normpath(os.path.join(os.path.dirname(__file__), ".."))
RULES = os.path.join(ROOT, "rules", "response.rules")

TICKETS = """ticket_id,kind,severity,cause,created_at,first_reply_at,explained_at,promised_at,decided_at,due_at,resolved_at,escalated_at
240506001,complaint,normal,other,2024-05-06 09:00,2024-05-07 09:00,,,,,,
240506002,complaint,normal,other,2024-05-06 09:00,2024-05-07 11:05,,,,,,
240506003,complaint,normal,other,2024/5/30 9:00,,,,,,,
240506004,complaint,normal,other,not a date,,,,,,,
"""


def run(args, tmp_path, tickets=TICKETS):
    path = tmp_path / "tickets.csv"
    path.write_text(tickets, encoding="utf-8")
    return CliRunner().invoke(main, ["check", "--rules", RULES, "--data", f"tickets={path}", *args])


def test_json_report_findings_and_accounting(tmp_path):
    result = run(["--period", "2024-05", "--as-of", "2024-05-31T00:00", "--format", "json",
                  "--rule", "COMPLAINT-REPLY-24H"], tmp_path)
    assert result.exit_code == 1, result.output
    doc = json.loads(result.stdout)
    found = {(f["rule"], f["status"], f["subject"]["ticket_id"]) for f in doc["findings"]}
    assert found == {("COMPLAINT-REPLY-24H", "violation", "240506002"),
                     ("COMPLAINT-REPLY-24H", "pending", "240506003")}
    late = next(f for f in doc["findings"] if f["subject"]["ticket_id"] == "240506002")
    assert "26 h 05 min" in late["message"] and "late by 2 h 05 min" in late["message"]
    assert late["locations"][0]["row"] == 3
    ds = doc["summary"]["datasets"][0]
    assert (ds["read"], ds["evaluated"], ds["rejected"]) == (4, 3, 1)
    assert doc["rejections"][0]["row"] == 5 and doc["rejections"][0]["column"] == "created_at"


def test_fail_on_threshold_and_strict(tmp_path):
    base = ["--period", "2024-05", "--as-of", "2024-05-31T00:00", "--rule", "COMPLAINT-REPLY-24H"]
    assert run(base + ["--fail-on", "critical"], tmp_path).exit_code == 0
    assert run(base + ["--fail-on", "major"], tmp_path).exit_code == 1
    strict = run(base + ["--fail-on", "never", "--strict"], tmp_path)
    assert strict.exit_code == 2 and "rejected" in strict.output and "Traceback" not in strict.output


def test_deterministic_output(tmp_path):
    args = ["--period", "2024-05", "--as-of", "2024-05-31T00:00", "--format", "json"]
    assert run(args, tmp_path).stdout == run(args, tmp_path).stdout


def test_missing_column_names_rule_dataset_and_field(tmp_path):
    result = run(["--as-of", "2024-05-31T00:00"], tmp_path,
                 tickets="ticket_id,kind,created_at,first_replied\nT1,complaint,2024-05-06 09:00,\n")
    assert result.exit_code == 2
    assert "needs field first_reply_at of dataset tickets" in result.output
    assert "first_replied" in result.output  # the close match among the headers


def test_rule_error_exits_2_with_position(tmp_path):
    bad = tmp_path / "bad.rules"
    bad.write_text('import "%s"\nrule A-B {\n  for tickets\n  require kind = 5\n}\n'
                   % os.path.join(ROOT, "rules", "datasets.rules").replace("\\", "/"), encoding="utf-8")
    result = CliRunner().invoke(main, ["check", "--rules", str(bad), "--data", f"tickets={tmp_path}/x.csv"])
    assert result.exit_code == 2
    assert "bad.rules:4:11: E301 cannot compare text with int" in result.output


def test_unbound_dataset_marks_rules_not_evaluated(tmp_path):
    result = run(["--period", "2024-05", "--as-of", "2024-05-31T00:00", "--format", "json"], tmp_path)
    doc = json.loads(result.stdout)
    chat = next(r for r in doc["summary"]["rules"] if r["id"] == "CHAT-GREET-15S")
    assert "chat_messages" in chat["error"]


def test_bad_period_and_as_of(tmp_path):
    assert "invalid period" in run(["--period", "2024-13"], tmp_path).output
    assert run(["--as-of", "yesterday"], tmp_path).exit_code == 2


def test_every_failing_row_is_reported_across_fetch_chunks(tmp_path, monkeypatch):
    """Rows are fetched in chunks while other queries run in between: none may be lost,
    and they come in report order."""
    from compliance.engine import stream

    monkeypatch.setattr(stream, "FETCH_ROWS", 3)
    rows = ["ticket_id,kind,severity,created_at,first_reply_at,explained_at,promised_at"]
    rows += [f"T{i:03d},complaint,normal,2024-05-06 09:00,2024-05-08 09:00,," for i in range(25)]
    result = run(["--period", "2024-05", "--as-of", "2024-05-31T00:00", "--format", "json",
                  "--rule", "COMPLAINT-REPLY-24H"], tmp_path, tickets="\n".join(rows) + "\n")
    doc = json.loads(result.stdout)
    assert len(doc["findings"]) == 25
    assert [f["locations"][0]["row"] for f in doc["findings"]] == list(range(2, 27))


def _mini(tmp_path, require: str, csv_text: str, extra=()):
    rules = tmp_path / "mini.rules"
    rules.write_text('import "%s"\nrule MINI-ONE {\n  title "t"\n  severity minor\n  source "s"\n'
                     '  for tickets\n  require %s\n}\n'
                     % (os.path.join(ROOT, "rules", "datasets.rules").replace("\\", "/"), require), encoding="utf-8")
    data = tmp_path / "tickets.csv"
    data.write_text(csv_text, encoding="utf-8")
    return CliRunner().invoke(main, ["check", "--rules", str(rules), "--data", f"tickets={data}", "--as-of",
                                     "2024-06-01T00:00", "--format", "json", *extra])


def test_backslashes_in_patterns_stay_as_written(tmp_path):
    result = _mini(tmp_path, r'ticket_id matches "^\d{3}$"',
                   "ticket_id,created_at\n123,2024-05-01 09:00\nabc,2024-05-01 09:00\n")
    doc = json.loads(result.stdout)
    assert [f["subject"]["ticket_id"] for f in doc["findings"]] == ["abc"]


def test_blank_cells_are_missing_and_utc_offsets_parse(tmp_path):
    result = _mini(tmp_path, "first_reply_at within 24 h after created_at",
                   "ticket_id,created_at,first_reply_at\nT1,2024-05-01 09:00,  \nT2,2024-05-01T01:00:00Z,2024-05-01 10:00\n")
    doc = json.loads(result.stdout)
    assert doc["summary"]["datasets"][0]["rejected"] == 0
    assert {f["subject"]["ticket_id"]: f["status"] for f in doc["findings"]} == {"T1": "violation"}


def test_evaluation_error_is_a_message_not_a_traceback(tmp_path):
    result = _mini(tmp_path, "length(ticket_id) * 9223372036854775807 > 1", "ticket_id,created_at\nT1,2024-05-01 09:00\n")
    assert result.exit_code == 2
    assert "rule MINI-ONE could not be evaluated" in result.output and "mini.rules:2:1" in result.output


def test_bad_date_format_is_a_lint_error(tmp_path):
    result = _mini(tmp_path, 'format(created_at, "%Q") = "x"', "ticket_id,created_at\nT1,2024-05-01 09:00\n")
    assert result.exit_code == 2 and "E306 invalid date format" in result.output


def test_empty_rules_folder_is_an_error(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    result = CliRunner().invoke(main, ["check", "--rules", str(empty), "--data", f"tickets={tmp_path}/t.csv"])
    assert result.exit_code == 2 and "no rules found" in result.output


def test_headerless_columns_are_dropped_when_empty_and_an_error_when_not(tmp_path):
    """Exports often end rows with a delimiter: an empty column without a header is
    dropped; one holding a value cannot be named, so the run stops at its first row."""
    lines = TICKETS.splitlines()
    trailing = "\n".join([lines[0] + ","] + [line + "," for line in lines[1:]]) + "\n"
    ok = run(["--period", "2024-05", "--as-of", "2024-05-31T00:00", "--format", "json"], tmp_path, trailing)
    assert ok.exit_code == 1 and json.loads(ok.stdout)["summary"]["datasets"][0]["read"] == 4
    filled = trailing.replace("2024-05-07 11:05,,,,,,,", "2024-05-07 11:05,,,,,,,stray")
    bad = run(["--period", "2024-05", "--as-of", "2024-05-31T00:00"], tmp_path, filled)
    assert bad.exit_code == 2 and "Traceback" not in bad.output
    assert "tickets.csv: row 3: column 13 has a value but no header" in bad.output


def test_the_first_bad_export_by_name_is_reported_however_many_are_read_at_once(tmp_path):
    """Exports are read several at a time; which error a run reports must not depend on it."""
    folder = tmp_path / "site"
    folder.mkdir()
    (folder / "tickets.csv").write_text(TICKETS + "240506005,complaint\n", encoding="utf-8")
    (folder / "calls.csv").write_text("call_id,agent_id,rang_at\nC1,A1,2024-05-06 09:00\nC2\n", encoding="utf-8")
    messages = set()
    for threads in (1, 4):
        config = tmp_path / f"site{threads}.yaml"
        config.write_text(f"engine:\n  threads: {threads}\n", encoding="utf-8")
        result = CliRunner().invoke(main, ["check", "--rules", os.path.join(ROOT, "rules"), "--data", str(folder),
                                           "--config", str(config), "--period", "2024-05"])
        assert result.exit_code == 2 and "Traceback" not in result.output
        messages.add(result.output.strip().splitlines()[-1])
    assert len(messages) == 1 and "calls.csv: row 3" in messages.pop()


def test_a_report_that_fails_midway_leaves_no_file(tmp_path):
    """Findings are made while the report is written: an error then must not leave half a report."""
    import pytest

    from compliance.cli import write_report

    def failing(stream):
        stream.write("{\n")
        raise RuntimeError("boom")

    out = tmp_path / "report.json"
    out.write_text("the previous report", encoding="utf-8")
    with pytest.raises(RuntimeError):
        write_report(failing, False, "json", str(out))
    assert out.read_text(encoding="utf-8") == "the previous report"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json"]


def test_profile_covers_start_up_to_report(tmp_path, monkeypatch):
    monkeypatch.setenv("COMPLIANCE_PROFILE", "1")
    result = run(["--period", "2024-05", "--as-of", "2024-05-31T00:00", "--format", "json", "-o",
                  str(tmp_path / "r.json")], tmp_path)
    stages = [m.group(1) for m in map(re.compile(r"^profile:\s+[0-9.]+ s\s+[0-9.]+ cpu-s  (.*)$").match,
                                      result.stderr.splitlines()) if m]
    assert stages[0].startswith("starting") and stages[-1] == "writing the json report"
    assert any(s.startswith("reading") for s in stages) and any(s.startswith("checking") for s in stages)
