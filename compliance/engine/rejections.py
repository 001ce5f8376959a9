"""Rejected values, read from the typed tables when a report lists them.

A column exported in a format nobody expected rejects every row of a large export: a
million rejections held as objects took longer to gather than the check took to run,
and more memory than the data. The typed tables already say which rows are rejected
and why (`__bad`, `__text`); counts come from SQL, and the rejections themselves are
made a chunk at a time, in report order, as often as a report reads them.
"""
from __future__ import annotations

from collections.abc import Iterator
from itertools import islice

from sqlglot import exp

from compliance.compile.expr import col, fn, lit
from compliance.engine.coerce import EXPECTED, MISSING
from compliance.engine.findings import collector_paused
from compliance.engine.sql import ident
from compliance.inputs import DatasetMapping
from compliance.report.json_text import string
from compliance.report.model import Location, Rejection

FETCH_ROWS = 10_000  # rejected rows read at a time


class RejectionStream:
    """Every rejected value of a run: by dataset name, then row, then column (one per
    value that does not parse, or one for a missing record time). `len` is the number
    of values; `rows(name)` the number of rejected rows of a dataset."""

    def __init__(self, runner):
        self.runner = runner
        self._counts: dict[str, tuple[int, int]] = {}  # dataset -> (rows, values)
        for name in sorted(runner.raw):
            rows, values = runner.con.execute(
                f"SELECT count(*), coalesce(sum(len(string_split(__bad, ','))), 0) "
                f"FROM {ident('t_' + name)} WHERE __bad <> ''").fetchall()[0]
            self._counts[name] = (int(rows), int(values))

    def rows(self, name: str) -> int:
        return self._counts.get(name, (0, 0))[0]

    def __len__(self) -> int:
        return sum(values for _, values in self._counts.values())

    def __bool__(self) -> bool:
        return len(self) > 0

    def __getitem__(self, index: int) -> Rejection:
        if not 0 <= index < len(self):
            raise IndexError(index)
        return next(islice(iter(self), index, None))

    def __iter__(self) -> Iterator[Rejection]:
        for name, (rows, _) in self._counts.items():
            if rows:
                yield from self._dataset(name)

    def json_items(self) -> Iterator[str]:
        """Each rejection's text in the JSON report, in order: what the report's encoder
        makes of `rejection.to_dict()`, written straight from the rows."""
        for name, (rows, _) in self._counts.items():
            if not rows:
                continue
            columns, expected = self._reasons(name)
            column = {reason: f', "column": {string(columns[reason])}, "value": ' for reason in columns}
            end = {reason: f', "expected": {string(expected[reason])}}}' for reason in columns}
            where: dict[tuple, tuple[str, str]] = {}  # (file, sheet) -> text before and after the row

            def place(file: str, sheet: str | None) -> tuple[str, str]:
                if (file, sheet) not in where:
                    where[file, sheet] = (f'{{"dataset": {string(name)}, "file": {string(file)}, "row": ',
                                          "" if sheet is None else f', "sheet": {string(sheet)}')
                return where[file, sheet]
            for chunk in self._chunks(name, columns):
                with collector_paused():
                    texts = []
                    for file, row, sheet, reason, _, value in chunk:
                        before, after = place(file, sheet)
                        texts.append(f'{before}{row}{after}{column[reason]}'
                                     f'{"null" if value is None else string(value)}{end[reason]}')
                yield from texts

    def _dataset(self, name: str) -> Iterator[Rejection]:
        columns, expected = self._reasons(name)
        for chunk in self._chunks(name, columns):
            with collector_paused():
                made = [Rejection(name, Location(file, row, sheet), column, value, expected[reason])
                        for file, row, sheet, reason, column, value in chunk]
            yield from made

    def _reasons(self, name: str) -> tuple[dict[str, str], dict[str, str]]:
        """Per reason `__bad` can give (a field, `!field` for a missing record time):
        the column as the report names it, and what was expected."""
        runner = self.runner
        fields = runner.p.datasets[name].fields
        mapping = runner.opt.mappings.get(name) or DatasetMapping()
        header_of = {v: k for k, v in mapping.columns.items()}
        columns, expected = {}, {}
        for field in runner.typing[name].checked:
            label = f"{field} ({header_of[field]})" if field in header_of else field
            columns[field] = columns[MISSING + field] = label
            expected[field] = EXPECTED.get(fields[field], fields[field])
            expected[MISSING + field] = "a value (the record's time is required)"
        return columns, expected

    def _chunks(self, name: str, columns: dict[str, str]) -> Iterator[list[tuple]]:
        cur = self.runner.con.cursor()
        try:
            cur.execute(_query(name, self.runner.typing[name].checked, columns))
            while chunk := cur.fetchmany(FETCH_ROWS):
                yield chunk
        finally:
            cur.close()


def _query(name: str, checked: list[str], columns: dict[str, str]) -> str:
    """One row per rejected value, in report order: file, row, sheet, the reason (the
    field, `!field` for a missing record time), the column as reported, and the text
    that did not parse (NULL for a missing time)."""
    reasons = exp.select(col("__file"), col("__row"), col("__sheet"), col("__text"),
                         fn("unnest", fn("string_split", col("__bad"), exp.Literal.string(","))).as_("reason")) \
        .from_(exp.Table(this=exp.to_identifier("t_" + name, quoted=True))).where(exp.NEQ(this=col("__bad"), expression=exp.Literal.string("")))
    value = exp.Case()
    for i, field in enumerate(checked, start=1):
        value = value.when(exp.EQ(this=col("reason"), expression=exp.Literal.string(field)),
                           fn("list_extract", col("__text"), lit(i)))
    column = exp.Case()
    for reason, label in columns.items():
        column = column.when(exp.EQ(this=col("reason"), expression=exp.Literal.string(reason)),
                             exp.Literal.string(label))
    return (exp.select(col("__file"), col("__row"), col("__sheet"), col("reason"),
                       column.as_("__column"), value.as_("__value"))
            .from_(reasons.subquery("r")).order_by(col("__row"), col("__column")).sql(dialect="duckdb"))
