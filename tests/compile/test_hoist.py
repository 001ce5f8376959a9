"""A related aggregate or calendar lookup used several times in a rule is one subquery:
DuckDB plans each copy as a join of its own, so copies multiply the rule's cost."""
from __future__ import annotations

import datetime as dt
import os
import re

from compliance.check.program import load_program
from compliance.compile.periods import parse_period
from compliance.engine.config import load_config
from compliance.engine.run import compile_rules

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _sql(paths: list[str], rule_id: str) -> str:
    program = load_program(paths, load_config(None).params)
    [compiled] = compile_rules(program, parse_period("2024"), dt.datetime(2024, 12, 31), only={rule_id})
    return compiled.sql.sql(dialect="duckdb")


def _scans(sql: str, table: str) -> int:
    return len(re.findall(rf"FROM {table}\b", sql))


def test_an_aggregate_in_verdict_and_message_is_computed_once():
    # min(visits.visited_at ...) is the deadline's target, its elapsed time and the
    # message's operand: four copies before, one now
    sql = _sql([os.path.join(ROOT, "rules")], "FOLLOWUP-AFTER-CLOSE")
    assert _scans(sql, "v_visits") == 1


def test_different_aggregates_stay_apart():
    # staff visits per month and manager visits per half year are two counts
    sql = _sql([os.path.join(ROOT, "rules")], "VISIT-GENERAL")
    assert _scans(sql, "v_visits") == 2


def test_scope_aggregates_are_not_hoisted_into_the_rows_they_select():
    rules = os.path.join(ROOT, "tests", "conformance", "rules", "records.rules")
    sql = _sql([rules], "REC-VISITED-TWICE")
    # one in the scope, three distinct ones in the requirement
    assert _scans(sql, "v_visits") == 4
    scope = sql[sql.index("FROM v_tickets"):]
    assert "__a" not in scope.split(") AS r", 1)[0]


def test_working_time_looks_each_timestamp_up_once():
    sql = _sql([os.path.join(ROOT, "rules")], "COMPLAINT-SERVICE-1WD")
    table = re.search(r"FROM (cal_\w+)", sql)
    assert table is not None
    # B(created_at) and B(decided_at): two lookups, however often the verdict and the
    # message use them
    assert _scans(sql, table.group(1)) == 2
