"""WHERE clauses drop COALESCE(x, FALSE) wrappers: the same rows pass, and DuckDB can
filter plain comparisons while it scans."""
from __future__ import annotations

import itertools

import duckdb
from sqlglot import exp

from compliance.compile.expr import coalesce, col, filter_form


def _c(name: str) -> exp.Expression:
    return coalesce(col(name), exp.false())


SHAPES = {
    "and": lambda: exp.And(this=_c("a"), expression=_c("b")),
    "or": lambda: exp.Or(this=_c("a"), expression=exp.Paren(this=_c("b"))),
    "not": lambda: exp.And(this=_c("a"), expression=exp.Not(this=_c("b"))),
}


def test_wrappers_go_under_and_or_but_not_under_not():
    assert "COALESCE" not in filter_form(SHAPES["and"]()).sql()
    assert "COALESCE" not in filter_form(SHAPES["or"]()).sql()
    assert filter_form(SHAPES["not"]()).sql() == '"a" AND NOT COALESCE("b", FALSE)'


def test_same_rows_pass_for_every_mix_of_true_false_and_missing():
    con = duckdb.connect()
    con.execute("CREATE TABLE t (a BOOLEAN, b BOOLEAN)")
    con.executemany("INSERT INTO t VALUES (?, ?)", list(itertools.product([True, False, None], repeat=2)))
    for shape in SHAPES.values():
        before = con.execute(f"SELECT a, b FROM t WHERE {shape().sql('duckdb')} ORDER BY ALL").fetchall()
        after = con.execute(f"SELECT a, b FROM t WHERE {filter_form(shape()).sql('duckdb')} ORDER BY ALL").fetchall()
        assert before == after
