"""Failing rows are stored numbered in report order and read back in that order."""
from __future__ import annotations

import duckdb
from sqlglot import exp

from compliance.engine.stream import numbered
from compliance.report.json_text import compact


def test_numbered_keeps_the_order_of_the_query_it_replaces():
    con = duckdb.connect()
    con.execute("CREATE TABLE t AS SELECT (i * 7919) % 1000 AS k, i FROM range(5000) r(i)")
    query = exp.select("*").from_(exp.to_table("t").as_("q")).order_by(
        exp.Ordered(this=exp.column("k", "q"), desc=True), exp.column("i", "q"))
    expected = con.execute(query.sql("duckdb")).fetchall()
    con.execute(f"CREATE TABLE kept AS {numbered(query).sql('duckdb')}")
    assert con.execute("SELECT * EXCLUDE (__n) FROM kept ORDER BY __n").fetchall() == expected
    assert con.execute("SELECT min(__n), max(__n), count(DISTINCT __n) FROM kept").fetchall() == [(1, 5000, 5000)]


def demo_run(spill_dir=None, **options):
    """The standard pack over the demo site (CSV, JSON Lines and a workbook sheet)."""
    import datetime as dt
    from pathlib import Path

    from compliance.check.program import load_program
    from compliance.compile.periods import parse_period
    from compliance.engine.config import load_config
    from compliance.engine.run import Options, run_check
    from compliance.inputs import bind_data, load_mapping

    root = Path(__file__).resolve().parents[2]
    demo = root / "fixtures" / "demo"
    config = load_config(None)
    config.temp_directory = spill_dir
    program = load_program([str(root / "rules")], config.params)
    opts = Options(period=parse_period("2024-Q2"), as_of=dt.datetime(2024, 7, 1),
                   mappings=load_mapping(str(demo / "mapping.yaml")), **options)
    return run_check(program, bind_data([str(demo)]), config, opts)


def test_findings_written_from_their_rows_read_as_the_encoder_writes_them():
    """The JSON report writes findings straight from the failing rows; over the demo
    site (every kind of rule) that text must be what the report's encoder makes of each
    finding, item for item."""
    result = demo_run()
    try:
        expected = [compact(f.to_dict()) for f in result.findings]
        written = list(result.findings.json_items())
        kinds = {part.compiled.kind for part in result.findings._parts}
    finally:
        result.findings.close()
    assert len(expected) > 50 and {"record", "grouped", "cadence", "sequence"} <= kinds
    assert any('"sheet": ' in line for line in written) and any('"period": ' in line for line in written)
    assert written == expected


def test_derived_values_written_from_their_rows_read_as_the_encoder_writes_them():
    """Derived values (RFM grades) are written straight from their rows too, with the
    same text as the encoder makes of each value, in the same order."""
    result = demo_run()
    try:
        expected = [compact(d.to_dict()) for d in result.derived]
        written = list(result.derived.json_items())
    finally:
        result.findings.close()
    assert len(expected) >= 10 and all('"location": {"file": ' in line for line in written)
    assert written == expected


def test_findings_written_ahead_are_the_same_text_in_the_same_order(monkeypatch, tmp_path):
    """Written ahead in a thread, a few findings at a time, with room in memory for a
    few and the rest spooled to a file, the text is the same as written when the report
    asks for it; the writer then ends, leaves no file behind, and the interpreter's
    switch interval is as it was."""
    import sys

    import compliance.engine.ahead as ahead
    import compliance.engine.stream as stream

    interval = sys.getswitchinterval()
    plain = demo_run()
    try:
        expected = list(plain.findings.json_items())
    finally:
        plain.findings.close()
    monkeypatch.setattr(stream, "FETCH_ROWS", 3)
    monkeypatch.setattr(ahead, "AHEAD_BYTES", 3000)
    spill = tmp_path / "spill"
    result = demo_run(spill_dir=str(spill), json_ahead=True)
    try:
        writer = result.findings._ahead
        assert writer is not None
        written = list(result.findings.json_items())
        assert not writer._thread.is_alive()
        assert writer._spool_in is not None and writer._spool_in.closed  # some were spooled
        assert written == expected and len(written) > 50
        assert not spill.exists()  # made for the spool file, removed with it
        assert list(result.findings.json_items()) == expected  # a second pass reads the tables again
    finally:
        result.findings.close()
    assert sys.getswitchinterval() == interval


def test_an_error_writing_ahead_is_raised_where_the_report_reaches_it(monkeypatch):
    """A rule whose findings cannot be read back fails the report at that rule, after
    the findings of the rules before it, as it would without writing ahead."""
    import pytest

    from compliance.engine.errors import DataError
    from compliance.engine.stream import FindingStream

    real = FindingStream.json_chunks

    def failing(self, part, con):
        if self._parts.index(part) == 2:
            raise DataError(f"rule {part.compiled.rule.id} could not be read back")
        yield from real(self, part, con)
    monkeypatch.setattr(FindingStream, "json_chunks", failing)
    result = demo_run(json_ahead=True)
    parts = result.findings._parts
    got = []
    try:
        with pytest.raises(DataError, match=parts[2].compiled.rule.id):
            for text in result.findings.json_items():
                got.append(text)
    finally:
        result.findings.close()
    assert len(got) == parts[0].count + parts[1].count


def test_a_stream_closed_unread_ends_its_writer():
    result = demo_run(json_ahead=True)
    writer = result.findings._ahead
    result.findings.close()
    assert not writer._thread.is_alive()


def test_closing_while_a_pass_reads_ends_the_writer_and_the_pass(monkeypatch):
    """Closed part way through a pass (library use), the stream stops its writer before
    it closes the database, and the pass then fails at once instead of waiting."""
    import sys
    import threading

    import pytest

    from compliance.engine.stream import FindingStream

    real = FindingStream.json_chunks
    gate = threading.Event()  # the writer makes the first rule's text, then waits here

    def held(self, part, con):
        if self._parts.index(part) > 0:
            gate.wait(10)
        yield from real(self, part, con)
    monkeypatch.setattr(FindingStream, "json_chunks", held)
    interval = sys.getswitchinterval()
    result = demo_run(json_ahead=True)
    writer = result.findings._ahead
    items = result.findings.json_items()
    first = next(items)
    threading.Timer(0.2, gate.set).start()  # let the writer go once close() waits for it
    result.findings.close()
    assert first.startswith('{"rule": ') and not writer._thread.is_alive()
    with pytest.raises(RuntimeError, match="closed"):
        list(items)
    assert sys.getswitchinterval() == interval


def test_the_switch_interval_comes_back_when_the_last_writer_ends():
    """Writers whose lives overlap, and one never read, give the interval back once
    the last of them ends."""
    import sys

    import compliance.engine.ahead as ahead

    interval = sys.getswitchinterval()
    first, second = demo_run(json_ahead=True), demo_run(json_ahead=True)
    assert sys.getswitchinterval() <= ahead.SWITCH_INTERVAL or not first.findings._ahead._thread.is_alive()
    first.findings.close()
    second.findings._ahead._thread.join()  # done writing, never read
    assert sys.getswitchinterval() == interval
    second.findings.close()
    assert sys.getswitchinterval() == interval


def test_a_temporary_directory_that_cannot_be_written_is_named(monkeypatch, tmp_path):
    import pytest

    import compliance.engine.ahead as ahead
    from compliance.engine.errors import DataError

    monkeypatch.setattr(ahead, "AHEAD_BYTES", 0)  # every text to the spool file
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("x")
    result = demo_run(spill_dir=str(not_a_dir), json_ahead=True)
    try:
        with pytest.raises(DataError, match=f"cannot write to the temporary directory {not_a_dir}"):
            list(result.findings.json_items())
    finally:
        result.findings.close()


def test_derived_values_are_kept_in_duckdb_and_read_back_in_order():
    """A derive rule's values are listed a chunk at a time from the run's database,
    one per derived field of each record, each with where its record sits."""
    import compliance.engine.stream as stream

    result = demo_run()
    try:
        values = list(result.derived)
        assert len(values) == len(result.derived) > 0 and bool(result.derived)
        assert all(v.location is not None and v.location.row >= 2 for v in values)
        assert [v.to_dict() for v in values] == [v.to_dict() for v in result.derived]  # read again, same
        subjects = [tuple(v.subject.values()) for v in values]
        assert subjects == sorted(subjects)  # in the rule's order (by its subject)
        before = stream.FETCH_ROWS
        stream.FETCH_ROWS = 2  # chunk boundaries change nothing
        try:
            assert [v.to_dict() for v in result.derived] == [v.to_dict() for v in values]
        finally:
            stream.FETCH_ROWS = before
    finally:
        result.findings.close()
