"""Failing rows are stored numbered in report order and read back in that order."""
from __future__ import annotations

import duckdb
from sqlglot import exp

from compliance.engine.stream import numbered


def test_numbered_keeps_the_order_of_the_query_it_replaces():
    con = duckdb.connect()
    con.execute("CREATE TABLE t AS SELECT (i * 7919) % 1000 AS k, i FROM range(5000) r(i)")
    query = exp.select("*").from_(exp.to_table("t").as_("q")).order_by(
        exp.Ordered(this=exp.column("k", "q"), desc=True), exp.column("i", "q"))
    expected = con.execute(query.sql("duckdb")).fetchall()
    con.execute(f"CREATE TABLE kept AS {numbered(query).sql('duckdb')}")
    assert con.execute("SELECT * EXCLUDE (__n) FROM kept ORDER BY __n").fetchall() == expected
    assert con.execute("SELECT min(__n), max(__n), count(DISTINCT __n) FROM kept").fetchall() == [(1, 5000, 5000)]
