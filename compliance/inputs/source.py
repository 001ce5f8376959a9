"""The contract between a format reader and the table builder.

A reader turns one file into a `Source`: a DuckDB query yielding text columns
"c0".."cN-1" in file order plus "__rn" (the record's number), and the original headers.
Positional column names keep user text out of the reader's SQL. A reader whose scan
keeps file order may leave "__rn" out (`numbered=False`): numbering rows with a window
keeps a scan on one core, so the table builder numbers them only where it must.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Source:
    sql: str                      # SELECT "c0", ..., "__rn" (parameters named $src_*)
    params: dict[str, Any]
    headers: list[str]            # as found in the file, one per "c<i>"
    # __row = __rn + offset, the offset taken from the last (from_rn, offset) pair with
    # from_rn <= __rn. One pair means a constant shift (the fast path, no join).
    offsets: list[tuple[int, int]] = field(default_factory=lambda: [(1, 0)])
    sheet: str | None = None
    column_label: Callable[[int], str] = lambda i: f"column {i + 1}"
    numbered: bool = True         # False: no "__rn"; rows come in file order


def ident(name: str) -> str:
    """Quote an SQL identifier (column or table name)."""
    return '"' + name.replace('"', '""') + '"'


def columns_struct(names: list[str], types: dict[str, str] | None = None) -> str:
    """The `columns={...}` argument of read_csv for our own positional names."""
    types = types or {}
    return "{" + ", ".join(f"'{n}': '{types.get(n, 'VARCHAR')}'" for n in names) + "}"
