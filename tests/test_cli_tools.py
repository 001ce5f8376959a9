"""lint / test / explain / penalties as CI and HR use them."""
from __future__ import annotations

import csv
import io
import json
import os
import xml.etree.ElementTree as ET

import openpyxl
from click.testing import CliRunner

from compliance.cli import main

ROOT = os.path.normpath(os.path.join(os.path.dirname(__file__), ".."))
DATASETS = os.path.join(ROOT, "rules", "datasets.rules").replace("\\", "/")


def write_bad(tmp_path):
    bad = tmp_path / "bad.rules"
    bad.write_text(f'import "{DATASETS}"\n'
                   'rule A-B {\n  for tickets\n  require frist_reply_at is set and kind = 5\n}\n'
                   'rule A-C {\n  for tickets\n  require weekdy(created_at) = 1\n}\n', encoding="utf-8")
    return bad


def test_lint_reports_every_problem_sorted(tmp_path):
    bad = write_bad(tmp_path)
    result = CliRunner().invoke(main, ["lint", str(bad)])
    assert result.exit_code == 1
    lines = [ln for ln in result.output.splitlines() if "bad.rules:" in ln]
    codes = [ln.split(": ")[1].split()[0] for ln in lines]
    assert {"E202", "E301", "E206", "W401", "W402"} <= set(codes)
    positions = [tuple(int(x) for x in ln.split(":")[1:3]) for ln in lines]
    assert positions == sorted(positions)


def test_lint_sarif_and_github(tmp_path):
    bad = write_bad(tmp_path)
    runner = CliRunner()
    sarif = json.loads(runner.invoke(main, ["lint", "--format", "sarif", "--root", str(tmp_path), str(bad)]).output)
    assert sarif["version"] == "2.1.0"
    run = sarif["runs"][0]
    rule_ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    for res in run["results"]:
        assert rule_ids[res["ruleIndex"]] == res["ruleId"]
        loc = res["locations"][0]["physicalLocation"]
        assert loc["artifactLocation"]["uri"] == "bad.rules"
        assert loc["region"]["startLine"] >= 1
    gh = runner.invoke(main, ["lint", "--format", "github", "--root", str(tmp_path), str(bad)]).output
    assert "::error file=bad.rules,line=4,col=11" in gh


def test_lint_clean_pack_exits_0():
    assert CliRunner().invoke(main, ["lint", os.path.join(ROOT, "rules")]).exit_code == 0


def test_python_dash_m_runs_the_command():
    """`python -m compliance` is the `compliance` command (for machines where the
    scripts directory is not on PATH)."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "compliance", "lint", os.path.join(ROOT, "rules")],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "no problems found"
    usage = subprocess.run([sys.executable, "-m", "compliance", "--help"], capture_output=True, text=True,
                           cwd=ROOT, timeout=120).stdout
    assert usage.startswith("Usage: compliance ")


def test_the_command_exits_with_its_code_its_output_written_and_no_spill_left(tmp_path):
    """The command ends without tearing the interpreter down: its exit code, its whole
    output and the removal of the database's spill files must survive that."""
    import subprocess
    import sys

    def command(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "compliance", *args], capture_output=True, text=True,
                              cwd=ROOT, timeout=300)
    spill = tmp_path / "spill"
    site = tmp_path / "site.yaml"
    site.write_text(f"engine:\n  memory_limit: 64MB\n  temp_directory: {spill}\n", encoding="utf-8")
    demo = os.path.join(ROOT, "fixtures", "demo")
    done = command("check", "--rules", "rules", "--data", demo, "--mapping", os.path.join(demo, "mapping.yaml"),
                   "--config", str(site), "--period", "2024-Q2", "--as-of", "2024-07-01T00:00", "--format", "json")
    assert done.returncode == 1, done.stderr  # violations found
    report = json.loads(done.stdout)  # all of it, flushed
    assert report["findings"] and report["duplicates"]
    assert not spill.exists() or not any(spill.iterdir())
    failed = command("check", "--rules", str(tmp_path / "missing.rules"), "--data", demo)
    assert failed.returncode == 2 and "cannot read rule file" in failed.stderr
    # a report that cannot be written: the background writer is stopped, the exit says why
    nowhere = command("check", "--rules", "rules", "--data", demo, "--mapping", os.path.join(demo, "mapping.yaml"),
                      "--period", "2024-Q2", "--as-of", "2024-07-01T00:00", "-o", str(tmp_path / "no" / "r.json"))
    assert nowhere.returncode == 2 and "Traceback" not in nowhere.stderr and "r.json" in nowhere.stderr


def test_rule_tests_junit_and_coverage(tmp_path):
    cases = tmp_path / "x.test.yaml"
    cases.write_text(f"""rules: [{os.path.join(ROOT, 'rules', 'phone.rules')}]
cases:
  - name: four rings
    rules: [PHONE-ANSWER-RINGS]
    as_of: 2024-06-01T00:00
    data:
      calls:
        - {{call_id: C1, rang_at: '2024-05-06 10:00', rings: 4, answered: true, private: false}}
    expect:
      - {{rule: PHONE-ANSWER-RINGS, subject: {{call_id: C1}}}}
  - name: wrong on purpose
    rules: [PHONE-ANSWER-RINGS]
    as_of: 2024-06-01T00:00
    data:
      calls:
        - {{call_id: C2, rang_at: '2024-05-06 10:00', rings: 2, answered: true, private: false}}
    expect:
      - {{rule: PHONE-ANSWER-RINGS, subject: {{call_id: C2}}}}
""", encoding="utf-8")
    runner = CliRunner()
    text = runner.invoke(main, ["test", str(cases)])
    assert text.exit_code == 1
    assert "1 passed, 1 failed" in text.output and "expected, not found" in text.output
    junit = runner.invoke(main, ["test", "--format", "junit", str(cases)])
    suite = ET.fromstring(junit.output.split("\n", 1)[1]).find("testsuite")
    assert suite.get("tests") == "2" and suite.get("failures") == "1"
    cov = runner.invoke(main, ["test", "--coverage", "--min-coverage", "50", str(cases)])
    assert "rule coverage: 1/6" in cov.output and "no test case: PHONE-CLOSING" in cov.output


def test_explain_words_and_sql():
    result = CliRunner().invoke(main, ["explain", "COMPLAINT-SERVICE-1WD", "--rules", os.path.join(ROOT, "rules"),
                                       "--sql", "--as-of", "2024-06-01T00:00"])
    assert result.exit_code == 0
    out = result.output
    assert "calendar:  office" in out and "limit = 1 working day" in out and "4.1.1" in out
    assert "SELECT" in out and "cal_office" in out
    missing = CliRunner().invoke(main, ["explain", "COMPLAINT-REPLY-42H", "--rules", os.path.join(ROOT, "rules")])
    assert missing.exit_code == 2 and "did you mean COMPLAINT-REPLY-24H" in missing.output


def test_explain_sql_for_a_year_without_holiday_data():
    """A rule whose calendar cannot be built for the period says why (exit 2, no
    traceback); a rule without a calendar still shows its SQL."""
    rules = os.path.join(ROOT, "rules")
    timed = CliRunner().invoke(main, ["explain", "COMPLAINT-SERVICE-1WD", "--rules", rules, "--sql",
                                      "--period", "2040", "--as-of", "2040-06-01T00:00"])
    assert timed.exit_code == 2 and "error: calendar office: no holiday data for 2040" in timed.output
    assert timed.exception is None or isinstance(timed.exception, SystemExit)
    plain = CliRunner().invoke(main, ["explain", "VISIT-GENERAL", "--rules", rules, "--sql",
                                      "--period", "2040", "--as-of", "2040-06-01T00:00"])
    assert plain.exit_code == 0 and "SELECT" in plain.output
    # a year's period ends (exclusive) on the next 1 January, which needs no holiday data
    last_year = CliRunner().invoke(main, ["explain", "COMPLAINT-SERVICE-1WD", "--rules", rules, "--sql",
                                          "--period", "2026", "--as-of", "2026-06-01T00:00"])
    assert last_year.exit_code == 0 and "cal_office" in last_year.output


def _penalty_data(tmp_path):
    tickets = tmp_path / "tickets.csv"
    tickets.write_text("ticket_id,kind,cause,severity,agent_id,created_at\n"
                       "T1,complaint,service,normal,=A1,2024-05-03 10:00\n"
                       "T2,complaint,service,normal,=A1,2024-06-03 10:00\n", encoding="utf-8")
    shifts = tmp_path / "shifts.csv"
    shifts.write_text("shift_id,agent_id,date,planned_start,planned_end,status,swap_with,miss_cause\n", encoding="utf-8")
    return ["--rules", os.path.join(ROOT, "rules"), "--data", f"tickets={tickets}", "--data", f"shifts={shifts}",
            "--period", "2024-06", "--as-of", "2024-07-01T00:00"]


def test_penalties_csv_is_bom_and_formula_safe(tmp_path):
    out = tmp_path / "p.csv"
    result = CliRunner().invoke(main, ["penalties", *_penalty_data(tmp_path), "-o", str(out)])
    assert result.exit_code == 0, result.output
    raw = out.read_bytes()
    assert raw.startswith("\ufeff".encode("utf-8"))
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[1][0] == "'=A1" and rows[1][6] == "fine 60 CNY"


def test_penalties_xlsx_two_sheets_and_deterministic(tmp_path):
    a, b = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    for out in (a, b):
        assert CliRunner().invoke(main, ["penalties", *_penalty_data(tmp_path), "-o", str(out)]).exit_code == 0
    assert a.read_bytes() == b.read_bytes()
    wb = openpyxl.load_workbook(a)
    assert wb.sheetnames == ["Agents", "Penalties"]
    assert wb["Penalties"]["A2"].data_type == "s"


def test_garbage_input_is_a_clear_error(tmp_path):
    garbage = tmp_path / "tickets.csv"
    garbage.write_bytes(bytes(range(256)) * 8)
    result = CliRunner().invoke(main, ["check", "--rules", os.path.join(ROOT, "rules", "response.rules"),
                                       "--data", f"tickets={garbage}"])
    assert result.exit_code == 2
    assert "tickets.csv" in result.output and "Traceback" not in result.output
