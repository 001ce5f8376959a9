"""Building the raw table from a `Source`: canonical names, mapped values, defaults and
provenance, in one CREATE TABLE ... AS pass so a large file is scanned once."""
from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import duckdb

from .errors import InputError
from .mapping import DatasetMapping
from .source import Source, ident

PROVENANCE = ("__file", "__row", "__sheet")


@dataclass
class RawTable:
    dataset: str
    table: str              # the DuckDB table created
    files: list[str]        # display paths (as given by the user)
    rows: int               # data rows read (header excluded)
    columns: list[str]      # canonical columns in the table (after mapping + defaults)
    headers: list[str]      # headers as found in the file (for "did you mean" messages)
    # set when the table stores no "__row" (a shaped table of a file read in order): a
    # row's number is then its rowid + row_base
    row_base: int | None = None
    sheet: str | None = None  # the workbook sheet read


def row_sql(row_base: int | None) -> str:
    """SQL for a row's number in a stored table (see RawTable.row_base)."""
    return '"__row"' if row_base is None else f"(rowid + {int(row_base)})"


# A shape turns the raw text relation "__raw" (columns as in RawTable.columns, plus
# provenance) into the SELECT whose result is stored instead of the raw text: typing
# while the file is read, so a large export is scanned once and its text never stored.
# The second argument names raw columns the result must keep as they are: "__row"
# (unless rows are numbered by rowid, see RawTable.row_base) and headerless columns,
# checked once the table is made. A shaped table stores no "__file" or "__sheet": one
# file (and sheet) is read into it, and a path repeated on every row of a large export
# costs DuckDB more memory than all its typed values (RawTable.files and .sheet say it).
Shape = Callable[[list[str], list[str]], str]  # (columns, kept) -> SELECT ... FROM "__raw"


def clean_header(header: str | None) -> str:
    return (header or "").strip().lstrip("\ufeff").strip()


def plan_columns(headers: list[str], mapping: DatasetMapping, where: str,
                 label=lambda i: f"column {i + 1}") -> list[str | None]:
    """Canonical name per source column (None for an empty header), or InputError for
    repeated headers, two headers landing on one field, or a provenance name."""
    seen: dict[str, int] = {}
    dupes = []
    for i, header in enumerate(map(clean_header, headers)):
        if header and header in seen:
            dupes.append(f"'{header}' ({label(seen[header])} and {label(i)})")
        seen.setdefault(header, i)
    if dupes:
        raise InputError(f"{where}: duplicate column headers: {', '.join(dupes)}")
    names: list[str | None] = []
    taken: dict[str, str] = {}
    for header in map(clean_header, headers):
        if not header:
            names.append(None)
            continue
        name = mapping.columns.get(header, header)
        if name.startswith("__"):  # the provenance namespace (__file, __row, __sheet)
            raise InputError(f"{where}: column header '{header}' is reserved (names starting with '__')")
        if name in taken:
            raise InputError(f"{where}: columns '{taken[name]}' and '{header}' both map to '{name}'")
        taken[name] = header
        names.append(name)
    return names


def build_table(con: duckdb.DuckDBPyConnection, src: Source, *, dataset: str, table: str,
                display: str, mapping: DatasetMapping, shape: Shape | None = None) -> RawTable:
    where = f"{display}#{src.sheet}" if src.sheet else display
    names = plan_columns(src.headers, mapping, where, src.column_label)
    params: dict[str, Any] = dict(src.params)

    def param(value: Any) -> str:
        key = f"p{len(params)}"
        params[key] = value
        return f"${key}"

    items = []
    for i, name in enumerate(names):
        col = f's."c{i}"'
        if name is None:
            items.append(f'{col} AS "__blank{i}"')
            continue
        table_map = mapping.values.get(name)
        if table_map:
            keys, values = param(list(table_map)), param(list(table_map.values()))
            col = f"COALESCE(map({keys}::VARCHAR[], {values}::VARCHAR[])[{col}], {col})"
        items.append(f"NULLIF({col}, '') AS {ident(name)}")
    defaults = [f for f in mapping.defaults if f not in names]
    for name in defaults:
        items.append(f"NULLIF(CAST({param(mapping.defaults[name])} AS VARCHAR), '') AS {ident(name)}")
    columns = [n for n in names if n is not None] + defaults

    offsets_table = None
    numbered_sql = src.sql if src.numbered else f'SELECT *, row_number() OVER () AS "__rn" FROM ({src.sql})'
    # a shaped table of a file scanned in order numbers its rows by rowid: no window,
    # so DuckDB reads and types the file on every core (order is kept all the same)
    # (unless a column is itself named rowid, which would hide the pseudo-column)
    row_base = int(src.offsets[0][1]) + 1 if shape is not None and not src.numbered and len(src.offsets) == 1 \
        and "rowid" not in {c.lower() for c in columns} else None
    if row_base is not None:
        row, source_sql, order = None, f"({src.sql}) AS s", ""
    elif len(src.offsets) == 1:
        row = f's."__rn" + {int(src.offsets[0][1])}'
        source_sql, order = f"({numbered_sql}) AS s", ""
    else:  # blank lines shifted the numbering: look the shift up, then restore file order
        offsets_table = f"__inputs_offsets_{uuid.uuid4().hex}"
        con.execute(f"CREATE TEMP TABLE {offsets_table} (from_rn BIGINT, shift BIGINT)")
        con.executemany(f"INSERT INTO {offsets_table} VALUES (?, ?)",
                        [(int(a), int(b)) for a, b in src.offsets])
        row = 's."__rn" + o.shift'
        source_sql = f'({numbered_sql}) AS s ASOF LEFT JOIN {offsets_table} AS o ON s."__rn" >= o.from_rn'
        order = ' ORDER BY "__row"'
    if shape is None:
        items.append(f'CAST({param(display)} AS VARCHAR) AS "__file"')
    if row is not None:
        items.append(f'CAST({row} AS BIGINT) AS "__row"')
    if shape is None:
        items.append(f'CAST({param(src.sheet)} AS VARCHAR) AS "__sheet"')
    provenance = ["__row"] if row is not None else []
    raw = f"SELECT {', '.join(items)} FROM {source_sql}{order}"
    target = ident(table)
    try:
        if shape is None:
            con.execute(f"CREATE OR REPLACE TABLE {target} AS {raw}", params)
            _drop_blank_columns(con, target, names, where, src)
        else:
            blanks = [f"__blank{i}" for i, n in enumerate(names) if n is None]
            con.execute(f'CREATE OR REPLACE TABLE {target} AS WITH "__raw" AS ({raw}) '
                        f'{shape(columns, provenance + blanks)}', params)
            try:
                _check_blank_columns(con, target, {}, names, where, src,
                                     row=row_sql(row_base))
            except InputError:
                con.execute(f"DROP TABLE {target}")
                raise
    finally:
        if offsets_table:
            con.execute(f"DROP TABLE IF EXISTS {offsets_table}")
    rows = con.execute(f"SELECT count(*) FROM {target}").fetchall()[0][0]
    return RawTable(
        dataset=dataset,
        table=table,
        files=[display],
        rows=rows,
        columns=columns,
        headers=[h for h in map(clean_header, src.headers) if h],
        row_base=row_base,
        sheet=src.sheet,
    )


def _check_blank_columns(con, relation: str, params: dict[str, Any], names: list[str | None], where: str,
                         src: Source, row: str = '"__row"') -> None:
    """A column without a header may be empty (trailing delimiters are common in
    exports); one that holds values is an error, as nothing can name it."""
    blanks = [i for i, n in enumerate(names) if n is None]
    if not blanks:
        return
    firsts = ", ".join(f'min(CASE WHEN "__blank{i}" IS NOT NULL THEN {row} END)' for i in blanks)
    found = con.execute(f"SELECT {firsts} FROM {relation}", params).fetchall()[0]
    for i, first in zip(blanks, found):
        if first is not None:
            raise InputError(f"{where}: row {first}: {src.column_label(i)} has a value but no header")


def _drop_blank_columns(con, target: str, names: list[str | None], where: str, src: Source) -> None:
    """Headerless columns of a stored raw table: checked, then dropped."""
    try:
        _check_blank_columns(con, target, {}, names, where, src)
    except InputError:
        con.execute(f"DROP TABLE {target}")
        raise
    for i, name in enumerate(names):
        if name is None:
            con.execute(f'ALTER TABLE {target} DROP COLUMN "__blank{i}"')
