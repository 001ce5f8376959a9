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


def test_per_bucket_counts_are_grouped_joins_unless_they_read_the_record():
    # VISIT-GENERAL: staff visits per month, manager visits per half year -> two grouped
    # relations joined to the customers' buckets, no subquery per customer and bucket
    sql = _sql([os.path.join(ROOT, "rules")], "VISIT-GENERAL")
    assert sql.count("LEFT JOIN") == 2 and '"__rel1"."customer_id" = "m"."customer_id"' not in sql
    # a count whose condition reads the customer's own field stays a subquery per record
    # (CAD-VIP-ASSIGNED: count(visits on agent_id = assigned_agent where customer_id =
    # customers.customer_id))
    rules = os.path.join(ROOT, "tests", "conformance", "rules", "cadence.rules")
    sql = _sql([rules], "CAD-VIP-ASSIGNED")
    assert "LEFT JOIN" not in sql and '"__rel1"."customer_id" = "m"."customer_id"' in sql


def test_grouped_joins_count_what_the_subqueries_count(monkeypatch):
    """Random records, with related records on bucket bounds, without a key or a time,
    and duplicate keys: both forms give the same rows."""
    import random

    import duckdb

    from compliance.compile.expr import ExprCompiler

    rng = random.Random(7)
    con = duckdb.connect()
    con.execute("CREATE TABLE v_customers (__rowid BIGINT, customer_id VARCHAR, tier VARCHAR, "
                "assigned_agent VARCHAR, last_purchase_at TIMESTAMP)")
    con.execute("CREATE TABLE v_visits (__rowid BIGINT, visit_id VARCHAR, customer_id VARCHAR, visited_at TIMESTAMP, "
                "kind VARCHAR, visitor_role VARCHAR, agent_id VARCHAR, ticket_id VARCHAR)")
    con.execute("CREATE TABLE v_agents (__rowid BIGINT, agent_id VARCHAR, name VARCHAR, team VARCHAR, "
                "hired_on DATE, left_on DATE)")
    con.execute("CREATE TABLE v_trainings (__rowid BIGINT, agent_id VARCHAR, attended_on DATE, course VARCHAR)")
    ids = [f"C{i}" for i in range(40)] + [None, "C1"]  # a customer without an id, one twice
    con.executemany("INSERT INTO v_customers VALUES (?, ?, ?, 'A1', NULL)",
                    [(i, c, rng.choice(["general", "key"])) for i, c in enumerate(ids)])
    bounds = [dt.datetime(2024, m, 1) for m in range(1, 13)] + [dt.datetime(2025, 1, 1)]
    visits = []
    for i in range(1500):
        t = rng.choice(bounds) if rng.random() < 0.2 else dt.datetime(2023, 12, 20) + dt.timedelta(
            minutes=rng.randrange(0, 60 * 24 * 400))
        visits.append((i, f"V{i}", rng.choice(ids), None if rng.random() < 0.05 else t,
                       rng.choice(["onsite", "phone", None]), rng.choice(["staff", "manager"])))
    con.executemany("INSERT INTO v_visits VALUES (?, ?, ?, ?, ?, ?, NULL, NULL)", visits)
    con.executemany("INSERT INTO v_agents VALUES (?, ?, 'n', 't', NULL, NULL)", [(i, f"A{i}") for i in range(10)])
    con.executemany("INSERT INTO v_trainings VALUES (?, ?, ?, 'c')",
                    [(i, f"A{rng.randrange(12)}", dt.date(2024, 1, 1) + dt.timedelta(days=rng.randrange(-20, 380)))
                     for i in range(120)])
    checked = ["VISIT-GENERAL", "VISIT-KEY-QUARTERLY", "TRAINING-QUARTERLY"]
    joined = {r: _sql([os.path.join(ROOT, "rules")], r) for r in checked}
    monkeypatch.setattr(ExprCompiler, "_per_bucket", lambda self, *args: None)
    correlated = {r: _sql([os.path.join(ROOT, "rules")], r) for r in checked}
    for rule in checked:
        assert "LEFT JOIN" in joined[rule] and "LEFT JOIN" not in correlated[rule]
        got = con.execute(joined[rule]).fetchall()
        assert got and got == con.execute(correlated[rule]).fetchall(), rule


def test_cadence_findings_sharing_a_key_are_in_file_order():
    """Records sharing a key (or without one) give findings in file order, run after run."""
    import duckdb

    sql = _sql([os.path.join(ROOT, "rules")], "VISIT-KEY-QUARTERLY")
    assert sql.rstrip().endswith('ORDER BY "q"."__k_customer_id", "q"."__b_start", "q"."__rowid"')
    con = duckdb.connect()
    con.execute("SET threads = 2")
    con.execute("CREATE TABLE v_customers AS SELECT 200000 - i AS __rowid, CASE WHEN i % 3 = 0 THEN NULL "
                "ELSE 'C' || (i % 7) END AS customer_id, 'key' AS tier, NULL::VARCHAR AS assigned_agent, "
                "NULL::TIMESTAMP AS last_purchase_at FROM range(200000) r(i)")
    con.execute("CREATE TABLE v_visits (__rowid BIGINT, visit_id VARCHAR, customer_id VARCHAR, visited_at TIMESTAMP, "
                "kind VARCHAR, visitor_role VARCHAR, agent_id VARCHAR, ticket_id VARCHAR)")
    rows = con.execute(f"SELECT __k_customer_id, __b_start, __rowid FROM ({sql.rstrip(';')})").fetchall()
    assert len(rows) == 800000 and rows == sorted(rows, key=lambda r: (r[0] is None, r[0] or "", r[1], r[2]))
