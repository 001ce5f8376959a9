"""CSV, TSV and delimited .txt exports.

DuckDB reads the (UTF-8) file directly with every column as text and strict field counts;
Python only reads the header, and counts rows itself in the rare file whose blank lines
DuckDB would skip, so `__row` stays the row a spreadsheet shows.
"""
from __future__ import annotations

import csv
import re
import threading
from collections.abc import Callable
from contextlib import contextmanager
from typing import TypeVar

import duckdb

from .errors import InputError, first_line
from .source import Source, columns_struct
from .textfile import FALLBACK, BadText, has_inner_blank_line, is_utf8, sniff_encoding, utf8_copy

T = TypeVar("T")
DELIMITERS = {"csv": ",", "tsv": "\t", "txt": None}


class _NotUtf8(Exception):
    """DuckDB met invalid UTF-8 past the part the sniffer looked at."""


def load_delimited(path: str, display: str, fmt: str, encoding: str | None,
                   build: Callable[[Source], T]) -> T:
    chosen = encoding or sniff_encoding(path, display, "CSV")
    try:
        return _load(path, display, fmt, chosen, build)
    except _NotUtf8:
        if encoding:
            raise InputError(f"{display}: not valid {encoding} text") from None
    try:
        return _load(path, display, fmt, FALLBACK, build)
    except BadText:
        raise InputError(f"{display}: not a text CSV file (neither UTF-8 nor GB18030)") from None


def _load(path: str, display: str, fmt: str, encoding: str, build: Callable[[Source], T]) -> T:
    with utf8_copy(path, display, encoding) as readable:
        try:
            with _csv_limits():
                delimiter = DELIMITERS[fmt] or _sniff_delimiter(readable, display)
                headers, header_row = _read_header(readable, display, delimiter)
                if len(headers) > 1 and has_inner_blank_line(readable, spaces=False):
                    offsets = _row_offsets(readable, delimiter)
                else:
                    offsets = [(1, header_row)]
        except UnicodeDecodeError:  # only possible when reading the original file
            raise _NotUtf8() from None
        src = _source(readable, delimiter, headers, skip=header_row - 1, offsets=offsets)
        try:
            return build(src)
        except duckdb.Error as e:
            if "invalid unicode" in str(e).lower() and is_utf8(encoding):
                raise _NotUtf8() from None
            raise _explain(e, display, readable) from None


def _source(path: str, delimiter: str, headers: list[str], skip: int,
            offsets: list[tuple[int, int]]) -> Source:
    cols = [f"c{i}" for i in range(len(headers))]
    scan = (
        f"SELECT * FROM read_csv($src_path, header=true, "
        f"skip={int(skip)}, columns={columns_struct(cols)}, auto_detect=false, delim=$src_delim, "
        "quote='\"', escape='\"', comment='', strict_mode=true, null_padding=false, "
        "encoding='utf-8')"
    )
    params = {"src_path": path, "src_delim": delimiter}
    if len(cols) > 1:  # the scan keeps file order: the table builder numbers the rows
        return Source(sql=scan, params=params, headers=headers, offsets=offsets, numbered=False)
    # with one column DuckDB keeps blank lines as empty rows; drop them like it does
    # for wider files, after numbering so later rows keep their numbers
    scan = f'SELECT * FROM (SELECT *, row_number() OVER () AS "__rn" FROM ({scan})) WHERE "c0" IS NOT NULL'
    return Source(sql=scan, params=params, headers=headers, offsets=offsets)


def _sniff_delimiter(path: str, display: str) -> str:
    """.txt exports are tab-separated (Excel "Unicode text") or comma-separated."""
    with open(path, encoding="utf-8-sig", newline="") as f:
        for line in f:
            if line.strip():
                return "\t" if "\t" in line else ","
    raise InputError(f"{display}: file is empty (expected a header row)")


def _reader(f, delimiter: str):
    return csv.reader(f, delimiter=delimiter, quotechar='"', doublequote=True, strict=False)


def _read_header(path: str, display: str, delimiter: str) -> tuple[list[str], int]:
    """The first non-blank record and its row number (blank lines above it count)."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as f:
            for row, record in enumerate(_reader(f, delimiter), start=1):
                if record:
                    return record, row
    except csv.Error as e:
        raise InputError(f"{display}: cannot read the header row ({first_line(e)})") from None
    raise InputError(f"{display}: file is empty (expected a header row)")


def _row_offsets(path: str, delimiter: str) -> list[tuple[int, int]]:
    """(first record, row - record) pairs, each time blank lines shift the numbering."""
    offsets: list[tuple[int, int]] = []
    record_no = 0
    header_seen = False
    with open(path, encoding="utf-8-sig", newline="") as f:
        for row, record in enumerate(_reader(f, delimiter), start=1):
            if not record:
                continue
            if not header_seen:
                header_seen = True
                continue
            record_no += 1
            shift = row - record_no
            if not offsets or offsets[-1][1] != shift:
                offsets.append((record_no, shift))
    return offsets or [(1, 1)]


def _explain(error: duckdb.Error, display: str, path: str) -> InputError:
    text = str(error).replace(path, display)
    line = re.search(r"CSV Error on Line: (\d+)", text)
    where = f"{display}: row {line.group(1)}" if line else display
    counts = re.search(r"Expected Number of Columns: (\d+) Found: (\d+)", text)
    if counts:
        found, expected = int(counts.group(2)), int(counts.group(1))
        return InputError(f"{where}: {found} field{'s' * (found != 1)}, but the header has {expected}")
    if "unterminated quote" in text:
        return InputError(f"{where}: unterminated quoted field")
    return InputError(f"{where}: cannot read CSV: {first_line(text)}")


_limits_lock = threading.Lock()
_limits_users = 0
_limits_saved = 0


@contextmanager
def _csv_limits():
    """Allow long cells (free-text complaint bodies) in Python's csv module too. The
    limit is process-wide and files are read on several threads at once: the first
    reader raises it, the last one puts it back."""
    global _limits_users, _limits_saved
    with _limits_lock:
        if _limits_users == 0:
            _limits_saved = csv.field_size_limit(1 << 30)
        _limits_users += 1
    try:
        yield
    finally:
        with _limits_lock:
            _limits_users -= 1
            if _limits_users == 0:
                csv.field_size_limit(_limits_saved)
