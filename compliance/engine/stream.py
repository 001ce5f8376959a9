"""Findings made while the report is written, from each rule's failing rows kept in DuckDB.

A run over tens of millions of rows can fail a million times. Holding every finding as
an object, or pickling them to disk and back, costs more memory and time than the check
itself. Each rule's failing rows stay in a DuckDB table of the run instead (DuckDB
spills it if it must), numbered in report order; iterating the stream turns them into
findings a chunk at a time, so a streaming report format holds one chunk at once.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import duckdb
from sqlglot import exp

from compliance.compile.queries import CompiledRule
from compliance.engine.errors import rule_failed
from compliance.engine.findings import build_findings, collector_paused, plan_of
from compliance.engine.locations import attach_locations, single_origin
from compliance.engine.sql import ident
from compliance.engine.messages import fmt_value, json_value
from compliance.report.json_text import compact, key, scalar, string
from compliance.report.model import Derived, Finding

FETCH_ROWS = 10_000  # failing rows turned into findings at a time


def numbered(query: exp.Select) -> exp.Select:
    """`query` without its ORDER BY, and with `__n`: each row's place in that order.

    A table created from an ordered query need not keep the order; the number does."""
    order = query.args.get("order")
    inner = query.copy()
    inner.set("order", None)
    keys = [exp.Ordered(this=exp.column(o.this.name), desc=o.args.get("desc"), nulls_first=o.args.get("nulls_first"))
            for o in (order.expressions if order else [])]
    number = exp.Window(this=exp.RowNumber(), order=exp.Order(expressions=keys) if keys else None)
    return exp.select(exp.Star(), number.as_("__n")).from_(inner.subquery("__q"))


def rows_of(part: _Part, con) -> Iterator[list[dict]]:
    """A rule's kept rows in order, a chunk at a time, as dicts by column name."""
    # a cursor of its own: locations are looked up on `con` between chunks
    cur = con.cursor()
    try:
        cur.execute(f"SELECT * EXCLUDE (__n) FROM {ident(part.table)} ORDER BY __n")
        names = [d[0] for d in cur.description]
        while chunk := cur.fetchmany(FETCH_ROWS):
            yield [dict(zip(names, r)) for r in chunk]
    except duckdb.Error as exc:
        raise rule_failed(part.compiled.rule, "could not be read back", exc) from exc
    finally:
        cur.close()


def _location_text(origin: tuple[str, str | None]):
    """A record's location as JSON text, by its row id, for a dataset from one file."""
    file, sheet = origin
    before = f'{{"file": {string(file)}, "row": '
    after = f', "sheet": {string(sheet)}}}' if sheet is not None else "}"

    def location(rowid) -> str:
        return f"{before}{int(rowid)}{after}"
    return location


def made_from(runner, part: _Part, con) -> Iterator[tuple[list[Finding], list[Derived]]]:
    """A rule's findings (or derived values) a chunk at a time, with their locations."""
    for rows in rows_of(part, con):
        with collector_paused():
            found, derived = build_findings(runner, part.compiled, rows)
            attach_locations(runner, found, derived, con)
        yield found, derived


@dataclass
class _Part:
    table: str
    compiled: CompiledRule
    count: int


class FindingStream:
    """The findings of a run in report order: rule by rule, each rule's in its order.

    Iterable as often as needed (each pass reads the tables again); `len` is known
    without building any finding. With `write_ahead()`, the JSON text of the findings
    is made while later rules still run (see ahead.py)."""

    def __init__(self, runner):
        self.runner = runner
        self._parts: list[_Part] = []
        self._ahead = None  # the writer, kept until the stream is closed
        self._ahead_taken = False  # a json_items pass has taken its text

    def add(self, table: str, compiled: CompiledRule, count: int) -> None:
        if count:
            part = _Part(table, compiled, count)
            self._parts.append(part)
            if self._ahead is not None:
                self._ahead.add(part)

    def write_ahead(self, spill_dir: str | None = None) -> None:
        """Make the JSON text of each rule's findings in a background thread as soon as
        the rule has run: the first `json_items` pass then takes it from there."""
        from compliance.engine.ahead import AheadWriter

        self._ahead = AheadWriter(self, self.runner.con.cursor(), spill_dir)

    def sealed(self) -> None:
        """No more rules will be added (the run is over)."""
        if self._ahead is not None:
            self._ahead.add(None)

    def stop_ahead(self) -> None:
        """Stop writing ahead (the run failed, or the report is not written after all)."""
        if self._ahead is not None:
            self._ahead.stop()
            self._ahead = None

    def __iter__(self) -> Iterator[Finding]:
        for part in self._parts:
            yield from self._findings(part)

    def json_items(self) -> Iterator[str]:
        """Each finding's text in the JSON report, in order: what the report's encoder
        makes of `finding.to_dict()`, written straight from the rows where the records
        behind a rule's findings all come from one file (always, unless the dataset is
        empty), without making the findings."""
        if self._ahead is not None and not self._ahead_taken:  # made ahead, taken once
            self._ahead_taken = True
            yield from self._ahead.texts()
            return
        con = self.runner.con.cursor()
        try:
            for part in self._parts:
                for texts in self.json_chunks(part, con):
                    yield from texts
        finally:
            con.close()

    def json_chunks(self, part: _Part, con) -> Iterator[list[str]]:
        """One rule's findings as JSON report text, a chunk at a time, read on cursor `con`."""
        runner, compiled = self.runner, part.compiled
        origin = single_origin(runner, compiled.dataset, con) if compiled.kind != "coverage" else None
        if origin is None:
            for found in self._chunks(part, con):
                yield [compact(f.to_dict()) for f in found]
            return
        plan = plan_of(runner, compiled)
        location = _location_text(origin)
        for rows in rows_of(part, con):
            with collector_paused():
                texts = [plan.json_text(row, location) for row in rows]
            yield texts

    def _findings(self, part: _Part) -> Iterator[Finding]:
        con = self.runner.con.cursor()
        try:
            for found in self._chunks(part, con):
                yield from found
        finally:
            con.close()

    def _chunks(self, part: _Part, con) -> Iterator[list[Finding]]:
        for found, _ in made_from(self.runner, part, con):
            yield found

    def close(self) -> None:
        """Release the run's database (the stream cannot be read after this)."""
        self.stop_ahead()
        self.runner.con.close()

    def __len__(self) -> int:
        return sum(p.count for p in self._parts)

    def __bool__(self) -> bool:
        return bool(self._parts)

    def __getitem__(self, index):
        return list(self)[index]

    def __eq__(self, other) -> bool:
        return list(self) == list(other)

    def __repr__(self) -> str:
        return f"FindingStream({len(self)} findings of {len(self._parts)} rules)"


class DerivedStream:
    """The values of a run's derive rules in report order, kept in DuckDB like failing
    rows and made a chunk at a time as a report lists them: a derive rule can give a
    value to every record of a large dataset."""

    def __init__(self, runner):
        self.runner = runner
        self._parts: list[_Part] = []

    def add(self, table: str, compiled: CompiledRule, rows: int) -> None:
        if rows:  # one value per derived field of each row
            self._parts.append(_Part(table, compiled, rows * len(compiled.rule.derives)))

    def __iter__(self) -> Iterator[Derived]:
        con = self.runner.con.cursor()
        try:
            for part in self._parts:
                for _, derived in made_from(self.runner, part, con):
                    yield from derived
        finally:
            con.close()

    def json_items(self) -> Iterator[str]:
        """Each value's text in the JSON report, in order: what the report's encoder makes
        of `derived.to_dict()`, written straight from the rows when the dataset comes
        from one file."""
        con = self.runner.con.cursor()
        try:
            for part in self._parts:
                origin = single_origin(self.runner, part.compiled.dataset, con)
                if origin is None:
                    for _, derived in made_from(self.runner, part, con):
                        yield from (compact(d.to_dict()) for d in derived)
                    continue
                yield from _derived_text(part.compiled, rows_of(part, con), _location_text(origin))
        finally:
            con.close()

    def __len__(self) -> int:
        return sum(p.count for p in self._parts)

    def __bool__(self) -> bool:
        return bool(self._parts)


def _derived_text(compiled: CompiledRule, chunks: Iterator[list[dict]], location) -> Iterator[str]:
    """The JSON text of a derive rule's values (as `Derived.to_dict()` encodes), by row."""
    head = f'{{"rule": {string(compiled.rule.id)}, "dataset": {string(compiled.dataset)}, "subject": {{'
    keys = [(key(c[len("__k_"):]), c) for c in compiled.subject]
    fields = [(f', "field": {string(d.name)}, "value": ', f"__d_{d.name}") for d in compiled.rule.derives]
    for rows in chunks:
        with collector_paused():
            out = []
            for row in rows:
                subject = ", ".join([name + string(fmt_value(row[column])) for name, column in keys])
                where = f', "location": {location(row["__rowid"])}}}'
                out += [f"{head}{subject}}}{field}{scalar(json_value(row[column]))}{where}" for field, column in fields]
        yield from out
