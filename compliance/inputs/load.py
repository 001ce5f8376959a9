"""`load_raw`: one export file -> one DuckDB table of text columns with provenance."""
from __future__ import annotations

import os

import duckdb

from .delimited import load_delimited
from .errors import InputError, OutOfMemory
from .jsonfile import load_json
from .mapping import DatasetMapping
from .paths import check_file, file_format, split_sheet
from .table import RawTable, Shape, build_table
from .textfile import check_encoding


def load_raw(con: duckdb.DuckDBPyConnection, dataset: str, spec: str, table: str,
             mapping: DatasetMapping | None = None, encoding: str | None = None,
             shape: Shape | None = None) -> RawTable:
    """Create table `table` from the file `spec` (`book.xlsx#Sheet` picks a sheet).

    One VARCHAR column per input column, renamed and value-mapped by `mapping`, absent
    columns filled from its defaults, empty cells NULL, plus `__file`, `__row` (the row
    a spreadsheet shows: header = 1; for JSON the record index or JSON Lines line) and
    `__sheet`, in file order. `encoding` overrides the mapping's, which overrides
    detection. Any problem with the file raises InputError naming it.

    With `shape`, the table holds what `shape` selects from that raw text instead
    (typed values, say), built in the same scan of the file.
    """
    mapping = mapping or DatasetMapping()
    path, sheet = split_sheet(spec)
    check_file(path)
    fmt = file_format(path)
    if os.path.getsize(path) == 0:
        raise InputError(f"{path}: file is empty (expected a header row)")
    encoding = encoding or mapping.encoding
    if encoding:
        encoding = check_encoding(encoding, path)
    out_of_memory = OutOfMemory(f"{path}: out of memory while reading it (raise engine: memory_limit in the site "
                                "config, or free the temporary directory DuckDB spills to)")

    def build(src):
        # raised as OutOfMemory here, which is no duckdb.Error: the readers' own
        # translations of DuckDB errors ("cannot read CSV: ...") let it pass
        try:
            return build_table(con, src, dataset=dataset, table=table, display=path, mapping=mapping, shape=shape)
        except duckdb.OutOfMemoryException:
            raise out_of_memory from None

    try:
        if fmt == "xlsx":
            from .workbook import load_workbook  # openpyxl is a slow import: only for workbooks

            return load_workbook(path, path, sheet or mapping.sheet, build)
        if fmt in ("json", "jsonl"):
            return load_json(con, path, path, encoding, build)
        return load_delimited(path, path, fmt, encoding, build)
    except OSError as e:  # unreadable file, full temp disk
        raise InputError(f"{path}: cannot read ({e.strerror or e})") from None
    except duckdb.OutOfMemoryException:  # staging a JSON file, before `build`
        raise out_of_memory from None
