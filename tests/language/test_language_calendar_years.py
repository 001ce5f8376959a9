"""A year the holiday data do not cover is a clear error, not a traceback and not a
silent guess: `compliance check` exits 2 with a message naming the year."""
from __future__ import annotations

from language_helpers import CALENDARS, DATASETS, check, write, write_jsonl

RULES = f'''import "{DATASETS}"
import "{CALENDARS}"

rule YEAR-OFFICE-1WD {{
  title "1个工作日内作出处理意见" severity major source "conformance 10: calendar years"
  calendar office
  for tickets where kind = "complaint"
  require decided_at within 1 working day after created_at
}}
'''

TICKETS_2031 = [
    {"ticket_id": "T1", "kind": "complaint", "created_at": "2031-05-05 09:00", "decided_at": "2031-05-05 10:00"},
]


def run(tmp_path, *extra):
    rules = write(tmp_path / "years.rules", RULES)
    tickets = write_jsonl(tmp_path / "tickets.jsonl", TICKETS_2031)
    return check([rules], {"tickets": tickets}, "--period", "2031-05", "--as-of", "2031-06-01T00:00", *extra)


def test_a_year_without_holiday_data_is_an_error_naming_the_year(tmp_path):
    result = run(tmp_path)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert result.stdout == ""
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.output
    assert "2031" in errors[0] and "office" in errors[0], errors[0]


def test_the_site_config_can_supply_the_year(tmp_path):
    config = write(tmp_path / "site.yaml", "calendars:\n  office:\n    years: [2031]\n    holidays: [2031-05-01]\n")
    result = run(tmp_path, "--config", str(config))
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
