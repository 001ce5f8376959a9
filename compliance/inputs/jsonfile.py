"""JSON exports: an array of objects, or JSON Lines (one object per line).

Each record is staged as a DuckDB JSON value; its keys (in first-seen order) become the
headers and every value is taken as text, nested objects and arrays as their JSON text.
`__row` is the record's index in an array, and its line number in JSON Lines.
"""
from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import TypeVar

import duckdb

from .errors import InputError, first_line
from .source import Source, ident
from .textfile import has_inner_blank_line, sniff_encoding, utf8_copy

T = TypeVar("T")


def load_json(con: duckdb.DuckDBPyConnection, path: str, display: str,
              encoding: str | None, build: Callable[[Source], T]) -> T:
    """Read either layout, whatever the extension says: the first character decides."""
    encoding = encoding or sniff_encoding(path, display, "JSON")
    with utf8_copy(path, display, encoding) as readable:
        lines = _is_lines(readable, display)
        offsets = _line_offsets(readable) if lines else [(1, 0)]
        unit = "line" if lines else "record"
        stage = ident(f"__inputs_json_{uuid.uuid4().hex}")
        try:
            con.execute(
                f'CREATE TEMP TABLE {stage} AS SELECT row_number() OVER () AS "__rn", json '
                "FROM read_json_objects($path, format=$format)",
                {"path": readable, "format": "newline_delimited" if lines else "array"},
            )
        except duckdb.OutOfMemoryException:  # the caller decides (see load_raw)
            raise
        except duckdb.Error as e:
            raise InputError(f"{display}: not valid JSON: {first_line(str(e).replace(readable, display))}") from None
        try:
            headers = _check_and_list_keys(con, stage, display, unit, offsets)
            pointers = {f"src_k{i}": "/" + k.replace("~", "~0").replace("/", "~1")
                        for i, k in enumerate(headers)}
            cols = [f'json_extract_string(json, $src_k{i}) AS "c{i}"' for i in range(len(headers))]
            cols.append('"__rn"')
            sql = f"SELECT {', '.join(cols)} FROM {stage}"
            src = Source(sql=sql, params=pointers, headers=headers, offsets=offsets)
            try:
                return build(src)
            except duckdb.Error as e:
                raise InputError(f"{display}: cannot read JSON: {first_line(e)}") from None
        finally:
            con.execute(f"DROP TABLE IF EXISTS {stage}")


def _is_lines(path: str, display: str) -> bool:
    """`[` starts an array; `{` starts JSON Lines (also a .json file of bare objects)."""
    with open(path, encoding="utf-8-sig") as f:
        while chunk := f.read(4096):
            text = chunk.lstrip()
            if text:
                if text[0] in "[{":
                    return text[0] == "{"
                raise InputError(f"{display}: expected a JSON array of objects or one object per line")
    raise InputError(f"{display}: file is empty (expected JSON records)")


def _line_offsets(path: str) -> list[tuple[int, int]]:
    """(first record, line - record) pairs, each time blank lines shift the numbering."""
    if not has_inner_blank_line(path, spaces=True):
        return [(1, 0)]
    offsets: list[tuple[int, int]] = []
    record = 0
    with open(path, "rb") as f:
        for line_no, line in enumerate(f, start=1):
            if not line.strip():
                continue
            record += 1
            if not offsets or offsets[-1][1] != line_no - record:
                offsets.append((record, line_no - record))
    return offsets or [(1, 0)]


def _position(rn: int, offsets: list[tuple[int, int]]) -> int:
    return rn + max((shift for start, shift in offsets if start <= rn), default=0)


def _check_and_list_keys(con, stage: str, display: str, unit: str,
                         offsets: list[tuple[int, int]]) -> list[str]:
    bad = con.execute(f"SELECT min(\"__rn\") FROM {stage} WHERE json_type(json) <> 'OBJECT'").fetchall()[0][0]
    if bad is not None:
        raise InputError(f"{display}: {unit} {_position(bad, offsets)}: not a JSON object")
    dups = con.execute(
        f'SELECT "__rn", json_keys(json) FROM {stage} '
        'WHERE len(json_keys(json)) <> len(list_distinct(json_keys(json))) ORDER BY "__rn" LIMIT 1'
    ).fetchall()
    if dups:
        dup = dups[0]
        keys = dup[1]
        repeated = sorted({k for k in keys if keys.count(k) > 1})
        raise InputError(f"{display}: {unit} {_position(dup[0], offsets)}: repeated key "
                         + ", ".join(f"'{k}'" for k in repeated))
    rows = con.execute(
        f'SELECT key FROM (SELECT "__rn", unnest(json_keys(json)) AS key, '
        f'generate_subscripts(json_keys(json), 1) AS pos FROM {stage}) '
        'GROUP BY key ORDER BY min("__rn"), arg_min(pos, "__rn")'
    ).fetchall()
    return [r[0] for r in rows]
