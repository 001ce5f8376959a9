"""Rule metadata reaches the reports: the Chinese title and the severity on every
finding, the source and the effective parameters in `compliance explain`; site
overrides of parameters must name real parameters and have their type."""
from __future__ import annotations

import json

from language_helpers import DATASETS, ROOT, check, diagnostics, invoke, write, write_jsonl

METADATA_RULES = ROOT / "tests" / "conformance" / "rules" / "metadata.rules"

TICKETS = [
    {"ticket_id": "T1", "kind": "complaint", "created_at": "2024-05-06 09:00", "first_reply_at": "2024-05-06 12:30"},
]
CALLS = [
    {"call_id": "C1", "rang_at": "2024-05-06 09:00", "rings": 4, "answered": "true", "private": "false",
     "duration_s": 90},
]


def run(tmp_path, *extra, rules=METADATA_RULES):
    data = {"tickets": write_jsonl(tmp_path / "tickets.jsonl", TICKETS),
            "calls": write_jsonl(tmp_path / "calls.jsonl", CALLS)}
    return check([rules], data, "--period", "2024-05", "--as-of", "2024-05-31T00:00", "--format", "json", *extra)


def test_findings_carry_id_title_and_severity(tmp_path):
    result = run(tmp_path)
    assert result.exit_code == 1, result.output
    doc = json.loads(result.stdout)
    got = {(f["rule"], f["title"], f["severity"]) for f in doc["findings"]}
    assert got == {("META-REPLY-LIMIT", "投诉须在规定时限内首次回复", "critical"),
                   ("META-RINGS-MAX", "铃响次数不得超过上限", "info")}


def test_fail_on_uses_the_rule_severity(tmp_path):
    assert run(tmp_path, "--fail-on", "critical").exit_code == 1
    only_info = run(tmp_path, "--fail-on", "minor", "--rule", "META-RINGS-MAX")
    assert only_info.exit_code == 0, only_info.output


def test_explain_shows_title_severity_source_and_parameters(tmp_path):
    result = invoke("explain", "META-REPLY-LIMIT", "--rules", METADATA_RULES)
    assert result.exit_code == 0, result.output
    out = result.output
    assert "META-REPLY-LIMIT — 投诉须在规定时限内首次回复" in out
    assert "critical" in out
    assert "测试条款 1.1: 投诉须在3小时内作出首次回复" in out
    assert "limit = 3 h" in out and 'complaint_kind = "complaint"' in out


def test_explain_shows_a_site_override_and_its_default(tmp_path):
    config = write(tmp_path / "site.yaml", "params:\n  META-REPLY-LIMIT:\n    limit: 2 h\n")
    result = invoke("explain", "META-REPLY-LIMIT", "--rules", METADATA_RULES, "--config", config)
    assert result.exit_code == 0, result.output
    assert "limit = 2 h" in result.output and "default 3 h" in result.output


def test_a_site_override_changes_the_outcome(tmp_path):
    config = write(tmp_path / "site.yaml", "params:\n  META-REPLY-LIMIT:\n    limit: 4 h\n")
    doc = json.loads(run(tmp_path, "--config", str(config)).stdout)
    assert {f["rule"] for f in doc["findings"]} == {"META-RINGS-MAX"}


def test_an_override_of_an_unknown_parameter_is_an_error(tmp_path):
    config = write(tmp_path / "site.yaml", "params:\n  META-REPLY-LIMIT:\n    limt: 2 h\n")
    result = run(tmp_path, "--config", str(config))
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert "limt" in result.output


def test_an_override_of_an_unknown_rule_is_an_error(tmp_path):
    config = write(tmp_path / "site.yaml", "params:\n  META-NO-SUCH-RULE:\n    limit: 2 h\n")
    result = run(tmp_path, "--config", str(config))
    assert result.exit_code == 2, result.output
    assert "META-NO-SUCH-RULE" in result.output and "Traceback" not in result.output


def test_an_override_of_the_wrong_type_is_an_error(tmp_path):
    config = write(tmp_path / "site.yaml", "params:\n  META-REPLY-LIMIT:\n    limit: 5\n")
    result = run(tmp_path, "--config", str(config))
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    found = [d for d in diagnostics(result.output) if d["code"] == "E301"]
    assert found and "duration" in found[0]["message"], result.output


def test_a_rule_without_severity_is_major_with_a_warning(tmp_path):
    rules = write(tmp_path / "plain.rules", f'import "{DATASETS}"\n\nrule META-PLAIN {{\n  title "无严重度"\n'
                                            f'  source "s"\n  for calls\n  require rings <= 3\n}}\n')
    result = run(tmp_path, rules=rules)
    assert result.exit_code == 1, result.output
    assert [d["code"] for d in diagnostics(result.output)] == ["W402"]
    doc = json.loads(result.stdout)
    assert [(f["rule"], f["severity"]) for f in doc["findings"]] == [("META-PLAIN", "major")]
