"""Text written in a rule (or a site config) is a value, never SQL: quotes, semicolons
and comment markers are compared literally and cannot change a query."""
from __future__ import annotations

import json

from language_helpers import DATASETS, check, invoke, write, write_jsonl

INJECTION = "'; DROP TABLE x; --"
QUOTED = 'say "hi"'
MARKER = "'; DROP TABLE t_calls; --"

RULES = f'''import "{DATASETS}"

param marker = "{MARKER}"

rule INJ-QUOTED-TEXT {{
  title "含引号的标题 \\"x\\" 与 'y'"
  severity minor
  source "conformance: user text is a value; '; DROP TABLE x; --"
  for calls where agent_id = "'; DROP TABLE x; --" or agent_id = "say \\"hi\\"" or agent_id = marker
  require false
}}

rule INJ-PATTERN {{
  title "正则中的引号" severity minor source "s"
  for calls where agent_id matches "^'; DROP"
  require false
}}

# Runs after the rules above: every call is still there.
rule INJ-ALL {{
  title "全部通话" severity info source "s"
  for calls
  require false
}}
'''

CALLS = [
    {"call_id": "C1", "agent_id": INJECTION, "rang_at": "2024-05-06 09:00"},
    {"call_id": "C2", "agent_id": QUOTED, "rang_at": "2024-05-06 09:00"},
    {"call_id": "C3", "agent_id": "A1", "rang_at": "2024-05-06 09:00"},
    {"call_id": "C4", "agent_id": MARKER, "rang_at": "2024-05-06 09:00"},
    {"call_id": "C5", "agent_id": "' OR '1'='1", "rang_at": "2024-05-06 09:00"},
]


def run(tmp_path, *extra):
    rules = write(tmp_path / "values.rules", RULES)
    calls = write_jsonl(tmp_path / "calls.jsonl", CALLS)
    result = check([rules], {"calls": calls}, "--period", "2024-05", "--as-of", "2024-05-31T00:00",
                   "--format", "json", *extra)
    assert "Traceback" not in result.output
    return result


def findings(result) -> dict[str, set[str]]:
    doc = json.loads(result.stdout)
    out: dict[str, set[str]] = {}
    for f in doc["findings"]:
        out.setdefault(f["rule"], set()).add(f["subject"]["call_id"])
    return out


def test_quotes_and_sql_in_rule_text_are_compared_as_values(tmp_path):
    result = run(tmp_path)
    assert result.exit_code == 1, result.output
    found = findings(result)
    assert found["INJ-QUOTED-TEXT"] == {"C1", "C2", "C4"}
    assert found["INJ-PATTERN"] == {"C1", "C4"}
    assert found["INJ-ALL"] == {"C1", "C2", "C3", "C4", "C5"}


def test_quotes_in_a_title_are_reported_as_written(tmp_path):
    doc = json.loads(run(tmp_path).stdout)
    titles = {f["title"] for f in doc["findings"] if f["rule"] == "INJ-QUOTED-TEXT"}
    assert titles == {"含引号的标题 \"x\" 与 'y'"}


def test_a_text_parameter_overridden_by_the_site_config_is_a_value(tmp_path):
    config = write(tmp_path / "site.yaml", "params:\n  marker: '\"'' OR ''1''=''1\"'\n")
    result = run(tmp_path, "--config", str(config))
    assert result.exit_code == 1, result.output
    found = findings(result)
    assert found["INJ-QUOTED-TEXT"] == {"C1", "C2", "C5"}
    assert found["INJ-ALL"] == {"C1", "C2", "C3", "C4", "C5"}


def test_compiled_sql_quotes_the_text_as_a_literal(tmp_path):
    rules = write(tmp_path / "values.rules", RULES)
    result = invoke("explain", "INJ-QUOTED-TEXT", "--rules", rules, "--sql", "--period", "2024-05",
                    "--as-of", "2024-05-31T00:00")
    assert result.exit_code == 0, result.output
    assert "'''; DROP TABLE x; --'" in result.output
    assert "'say \"hi\"'" in result.output
