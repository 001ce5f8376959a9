"""Rule-file errors as `compliance check` reports them: `file:line:col: CODE message`,
what was expected, every independent error at once sorted by position, exit code 2, and
never a traceback."""
from __future__ import annotations

from language_helpers import CALENDARS, DATASETS, TICKETS, check, diagnostics, position, write, write_jsonl

CHECK_ARGS = ("--period", "2024-05", "--as-of", "2024-05-31T00:00", "--format", "json")


def run_rules(tmp_path, *rule_files):
    data = {"tickets": write_jsonl(tmp_path / "tickets.jsonl", TICKETS),
            "calls": write_jsonl(tmp_path / "calls.jsonl", [{"call_id": "C1", "rang_at": "2024-05-06 09:00"}])}
    return check(list(rule_files), data, *CHECK_ARGS)


def assert_clean_failure(result) -> None:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert result.stdout == "", "no report is written when the rules do not check"


# ---------------------------------------------------------------------- syntax errors

SYNTAX = f'''import "{DATASETS}"

rule SYN-MISSING-START {{
  title "缺少起点"
  severity minor
  source "conformance: syntax"
  for tickets where kind = "complaint"
  require first_reply_at within 24 h after
}}
'''


def test_syntax_error_names_file_line_column_and_what_was_expected(tmp_path):
    path = write(tmp_path / "syntax.rules", SYNTAX)
    result = run_rules(tmp_path, path)
    assert_clean_failure(result)
    found = diagnostics(result.output)
    assert [d["code"] for d in found] == ["E101"], result.output
    d = found[0]
    line, col = position(SYNTAX, "}\n")  # the closing brace comes where the start time should
    assert d["file"].endswith("syntax.rules")
    assert (d["line"], d["col"]) == (line, col), result.output
    assert d["message"].startswith("unexpected '}'"), d["message"]
    assert "expected" in d["message"] and "a name" in d["message"], d["message"]
    # the source line is shown with a caret under the column
    lines = result.output.splitlines()
    at = next(i for i, text in enumerate(lines) if ": E101 " in text)
    assert lines[at + 1].strip() == "}" and lines[at + 2].strip() == "^"
    assert "error: 1 problem(s) in rule files" in result.output


def test_syntax_error_inside_an_expression(tmp_path):
    text = f'''import "{DATASETS}"

rule SYN-DOUBLE-OP {{
  title "重复的比较符" severity minor source "conformance: syntax"
  for calls
  require rings <= <= 3
}}
'''
    path = write(tmp_path / "expr.rules", text)
    result = run_rules(tmp_path, path)
    assert_clean_failure(result)
    found = diagnostics(result.output)
    assert [d["code"] for d in found] == ["E101"], result.output
    assert (found[0]["line"], found[0]["col"]) == position(text, "<=", 2)
    assert found[0]["message"].startswith("unexpected '<='") and "expected" in found[0]["message"]


def test_invalid_literal_is_reported_where_it_stands(tmp_path):
    text = f'''import "{DATASETS}"

rule SYN-BAD-DATE {{
  title "无效日期" severity minor source "conformance: literals"
  param cutoff = 2024-13-01
  for tickets where created_at >= cutoff
  require first_reply_at is set
}}
'''
    path = write(tmp_path / "literal.rules", text)
    result = run_rules(tmp_path, path)
    assert_clean_failure(result)
    found = diagnostics(result.output)
    assert [d["code"] for d in found] == ["E102"], result.output
    assert (found[0]["line"], found[0]["col"]) == position(text, "2024-13-01")
    assert "2024-13-01" in found[0]["message"]


def test_several_syntax_errors_are_all_reported_in_order(tmp_path):
    text = f'''import "{DATASETS}"

rule SYN-ONE {{
  title "一" severity minor source "s"
  for tickets
  require first_reply_at within after created_at
}}

rule SYN-TWO {{
  title "二" severity minor source "s"
  for tickets
  require kind in "complaint"
}}
'''
    path = write(tmp_path / "two.rules", text)
    result = run_rules(tmp_path, path)
    assert_clean_failure(result)
    found = diagnostics(result.output)
    assert [d["code"] for d in found] == ["E101", "E101"], result.output
    # `after` may stand as a name where a value is expected, so the first error is at created_at
    assert [(d["line"], d["col"]) for d in found] == [position(text, "created_at\n"),
                                                      position(text, '"complaint"')]


# ---------------------------------------------------------------------- type errors

TYPES = f'''import "{DATASETS}"

rule TYPE-COMPARE {{
  title "类型不符" severity minor source "conformance: types"
  for calls
  require rings <= "3"
}}

rule TYPE-WITHIN {{
  title "时限不是时长" severity minor source "conformance: types"
  for tickets
  require first_reply_at within 3 after created_at
}}
'''


def test_type_errors_name_file_line_column_and_what_was_expected(tmp_path):
    path = write(tmp_path / "types.rules", TYPES)
    result = run_rules(tmp_path, path)
    assert_clean_failure(result)
    found = diagnostics(result.output)
    assert [d["code"] for d in found] == ["E301", "E301"], result.output
    compare, within = found
    assert (compare["line"], compare["col"]) == position(TYPES, 'rings <= "3"')
    assert "int" in compare["message"] and "text" in compare["message"], compare["message"]
    assert (within["line"], within["col"]) == position(TYPES, "3 after")
    assert "duration" in within["message"] and "got int" in within["message"], within["message"]


# ---------------------------------------------------------------------- many errors

MANY = f'''import "{DATASETS}"
import "{CALENDARS}"

rule MULTI-A {{
  title "未知字段" severity minor source "s"
  for tickets where kind = "complaint"
  require frist_reply_at is set
}}

rule MULTI-B {{
  title "类型不符" severity minor source "s"
  for calls
  require rings <= "3"
}}

rule MULTI-C {{
  title "未知日历与函数" severity minor source "s"
  calendar ofice
  for tickets
  require weekdy(created_at) = 7
}}

dataset multi_extra {{
  key extra_id
  extra_id: texte
}}
'''


def test_independent_errors_are_all_reported_sorted_by_position(tmp_path):
    path = write(tmp_path / "many.rules", MANY)
    result = run_rules(tmp_path, path)
    assert_clean_failure(result)
    found = [d for d in diagnostics(result.output) if d["code"].startswith("E")]
    expected = [
        (*position(MANY, "frist_reply_at"), "E202"),
        (*position(MANY, 'rings <= "3"'), "E301"),
        (*position(MANY, "calendar ofice"), "E204"),
        (*position(MANY, "weekdy("), "E206"),
        (*position(MANY, "extra_id: texte"), "E210"),
    ]
    assert [(d["line"], d["col"], d["code"]) for d in found] == expected, result.output
    assert "did you mean first_reply_at" in found[0]["message"]
    assert f"error: {len(expected)} problem(s) in rule files" in result.output


def test_errors_in_two_files_are_reported_together(tmp_path):
    a = write(tmp_path / "a.rules", f'import "{DATASETS}"\n\nrule TWO-A {{ title "a" severity minor source "s" '
                                    f'for tickets require nosuch is set }}\n')
    b = write(tmp_path / "b.rules", f'import "{DATASETS}"\n\nrule TWO-B {{ title "b" severity minor source "s" '
                                    f'for tickets require kind >= 3 }}\n')
    result = run_rules(tmp_path, a, b)
    assert_clean_failure(result)
    found = diagnostics(result.output)
    assert [(d["file"].rsplit("/", 1)[-1], d["code"]) for d in found] == [("a.rules", "E202"), ("b.rules", "E301")]


# ---------------------------------------------------------------------- duplicate IDs

DUP = f'''import "{DATASETS}"

rule DUP-REPLY {{
  title "重复的编号" severity minor source "s"
  for tickets
  require first_reply_at is set
}}
'''


def test_duplicate_rule_id_across_two_files(tmp_path):
    folder = tmp_path / "pack"
    write(folder / "a.rules", DUP)
    write(folder / "b.rules", DUP.replace("require first_reply_at is set", "require kind is set"))
    result = run_rules(tmp_path, folder)
    assert_clean_failure(result)
    found = diagnostics(result.output)
    assert [d["code"] for d in found] == ["E205"], result.output
    d = found[0]
    line, col = position(DUP, "rule DUP-REPLY")
    assert d["file"].endswith("b.rules") and (d["line"], d["col"]) == (line, col)
    assert "DUP-REPLY" in d["message"] and f"a.rules:{line}:{col}" in d["message"], d["message"]


def test_duplicate_rule_id_when_the_files_are_named_one_by_one(tmp_path):
    a = write(tmp_path / "first.rules", DUP)
    b = write(tmp_path / "second.rules", DUP)
    result = run_rules(tmp_path, a, b)
    assert_clean_failure(result)
    found = diagnostics(result.output)
    assert [(d["file"].rsplit("/", 1)[-1], d["code"]) for d in found] == [("second.rules", "E205")], result.output
    assert "first.rules" in found[0]["message"]


def test_a_file_imported_by_two_files_is_read_once(tmp_path):
    shared = write(tmp_path / "shared.rules", 'param shared_limit = 2 h\ncalendar desk { hours mon..fri 09:00-17:00 '
                                              'holidays none working_day = 8 h }\n')
    for name, rid in (("one.rules", "ONCE-A"), ("two.rules", "ONCE-B")):
        write(tmp_path / name, f'import "{DATASETS}"\nimport "shared.rules"\n\nrule {rid} {{ title "t" '
                               f'severity minor source "s" for tickets require first_reply_at within shared_limit '
                               f'after created_at }}\n')
    result = run_rules(tmp_path, tmp_path / "one.rules", tmp_path / "two.rules", shared)
    assert result.exit_code == 0, result.output
    assert diagnostics(result.output) == []
