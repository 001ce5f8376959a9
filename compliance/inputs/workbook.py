"""Excel (.xlsx) exports, read with openpyxl in read-only mode.

Cells become text the way a person reads them (dates as ISO dates, 3.0 as "3"), are
streamed to a temporary CSV with their row numbers, and DuckDB loads that in one pass.
Rows with no value at all are skipped; the others keep the row number Excel shows.
"""
from __future__ import annotations

import csv
import datetime as dt
import os
import tempfile
from collections.abc import Callable
from typing import Any, TypeVar

import duckdb
import openpyxl
from openpyxl.styles.numbers import is_datetime
from openpyxl.utils import get_column_letter

from .errors import InputError, first_line
from .source import Source, columns_struct

T = TypeVar("T")


def load_workbook(path: str, display: str, sheet: str | None, build: Callable[[Source], T]) -> T:
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as e:  # openpyxl raises zip, XML and key errors for damaged files
        raise InputError(f"{display}: not a readable XLSX workbook ({first_line(e)})") from None
    try:
        name = sheet if sheet is not None else book.sheetnames[0]
        if name not in book.sheetnames:
            present = ", ".join(f"'{s}'" for s in book.sheetnames)
            raise InputError(f"{display}: no sheet '{name}' (sheets: {present})")
        where = f"{display}#{name}"
        ws = book[name]
        if not hasattr(ws, "iter_rows"):
            raise InputError(f"{where}: not a worksheet (a chart sheet?)")
        with tempfile.TemporaryDirectory(prefix="compliance-inputs-") as tmp:
            dump = os.path.join(tmp, "sheet.csv")
            try:
                headers = _dump(ws, dump, where)
            except InputError:
                raise
            except Exception as e:
                raise InputError(f"{where}: not a readable XLSX workbook ({first_line(e)})") from None
            cols = ["__rn"] + [f"c{i}" for i in range(len(headers))]
            sql = (
                f"SELECT * FROM read_csv($src_path, header=false, auto_detect=false, "
                f"columns={columns_struct(cols, {'__rn': 'BIGINT'})}, delim=',', quote='\"', "
                "escape='\"', comment='', strict_mode=true, encoding='utf-8')"
            )
            src = Source(sql=sql, params={"src_path": dump}, headers=headers, sheet=name,
                         column_label=lambda i: f"column {get_column_letter(i + 1)}")
            try:
                return build(src)
            except duckdb.Error as e:
                raise InputError(f"{where}: cannot load sheet: {first_line(e)}") from None
    finally:
        book.close()


def _dump(ws, dest: str, where: str) -> list[str]:
    """Write `row, cell...` lines for the data rows; return the header row's texts."""
    ws.reset_dimensions()  # exporters often write a wrong <dimension>; read every row
    headers: list[str] | None = None
    width = 0
    with open(dest, "w", encoding="utf-8", newline="") as f:
        out = csv.writer(f, lineterminator="\n")
        for row_no, cells in enumerate(ws.iter_rows(), start=1):
            texts = [cell_text(c.value, getattr(c, "number_format", None)) for c in cells]
            last = max((i for i, t in enumerate(texts) if t not in (None, "")), default=-1)
            if last < 0:
                continue
            if headers is None:
                headers = [t or "" for t in texts[: last + 1]]
                width = last + 1
                continue
            if last >= width:
                cell = f"{get_column_letter(last + 1)}{row_no}"
                raise InputError(f"{where}: row {row_no}: cell {cell} has a value but its column has no header")
            out.writerow([row_no] + texts[:width] + [None] * (width - len(texts)))
    if headers is None:
        raise InputError(f"{where}: sheet is empty (expected a header row)")
    return headers


def cell_text(value: Any, number_format: str | None = None) -> str | None:
    """A cell's value as the text a reader sees; the typing stage parses it later."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        value = _to_millisecond(value)
        if value.time() == dt.time() and number_format and is_datetime(number_format) == "date":
            return value.date().isoformat()
        return value.strftime("%Y-%m-%d %H:%M:%S") + _millis(value.microsecond)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.strftime("%H:%M:%S") + _millis(value.microsecond)
    if isinstance(value, dt.timedelta):  # [h]:mm durations, e.g. a shift end of 24:00
        seconds = round(value.total_seconds())
        sign, seconds = ("-", -seconds) if seconds < 0 else ("", seconds)
        return f"{sign}{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"
    return str(value)


def _to_millisecond(value: dt.datetime) -> dt.datetime:
    """Excel keeps milliseconds; float noise below that would print as 09:29:59.999999."""
    rounded = value + dt.timedelta(microseconds=500)
    return rounded.replace(microsecond=rounded.microsecond // 1000 * 1000)


def _millis(microsecond: int) -> str:
    return f".{microsecond // 1000:03d}" if microsecond // 1000 else ""
