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


def test_findings_written_from_their_rows_read_as_the_encoder_writes_them():
    """The JSON report writes findings straight from the failing rows; over the demo
    site (CSV, JSON Lines and a workbook sheet; every kind of rule) that text must be
    what the report's encoder makes of each finding, item for item."""
    from pathlib import Path

    from compliance.check.program import load_program
    from compliance.compile.periods import parse_period
    from compliance.engine.config import load_config
    from compliance.engine.run import Options, run_check
    from compliance.inputs import bind_data, load_mapping
    from compliance.report.json_text import compact
    import datetime as dt

    root = Path(__file__).resolve().parents[2]
    demo = root / "fixtures" / "demo"
    config = load_config(None)
    program = load_program([str(root / "rules")], config.params)
    options = Options(period=parse_period("2024-Q2"), rules=None, as_of=dt.datetime(2024, 7, 1),
                      mappings=load_mapping(str(demo / "mapping.yaml")), encoding=None, progress=None)
    result = run_check(program, bind_data([str(demo)]), config, options)
    try:
        expected = [compact(f.to_dict()) for f in result.findings]
        written = list(result.findings.json_items())
        kinds = {part.compiled.kind for part in result.findings._parts}
    finally:
        result.findings.close()
    assert len(expected) > 50 and {"record", "grouped", "cadence", "sequence"} <= kinds
    assert any('"sheet": ' in line for line in written) and any('"period": ' in line for line in written)
    assert written == expected
