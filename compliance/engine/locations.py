"""Where findings come from: input file, row and sheet for each record behind them.

A dataset bound to one file (and sheet) needs no lookup: its row id is the row number
as a spreadsheet shows it. Otherwise the rows are looked up in one bulk join.
"""
from __future__ import annotations

from compliance.engine.sql import ident as _ident
from compliance.report.model import Location


def single_origin(runner, name: str, con=None) -> tuple[str, str | None] | None:
    """(file, sheet) when every row of a dataset comes from one file and sheet. `con`:
    a cursor of the run's database to ask on, when not the runner's own connection."""
    cache = runner.__dict__.setdefault("_origins", {})
    if name not in cache:
        rows = (con or runner.con).execute(
            f"SELECT DISTINCT __file, __sheet FROM {_ident('t_' + name)} LIMIT 2").fetchall()
        cache[name] = rows[0] if len(rows) == 1 else None
    return cache[name]


def attach_locations(runner, findings, derived, con=None) -> None:
    wanted: dict[str, set[int]] = {}
    for f in findings:
        if f.rowids:
            wanted.setdefault(f.dataset, set()).update(f.rowids)
    for d in derived:
        wanted.setdefault(d.dataset, set()).add(d.rowid)
    # dataset -> row id -> location
    where = {name: _locations(runner, name, ids, con or runner.con) for name, ids in wanted.items()}
    for f in findings:
        if f.rowids:
            at = where[f.dataset]
            f.locations = [at[r] for r in f.rowids if r in at]
            f.rowids = []
    for d in derived:
        d.location = where[d.dataset].get(d.rowid)
        d.rowid = None


def _locations(runner, name: str, ids: set[int], con) -> dict[int, Location]:
    origin = single_origin(runner, name, con)
    if origin is not None:  # one file (and sheet): the row id is the row number
        file, sheet = origin
        return {i: Location(file, int(i), sheet) for i in ids}
    con.execute("CREATE OR REPLACE TEMP TABLE __want (__rowid BIGINT)")
    con.execute("INSERT INTO __want SELECT unnest(?::BIGINT[])", [sorted(ids)])
    return {rowid: Location(file, int(row), sheet) for rowid, file, row, sheet in con.execute(
        f"SELECT t.__rowid, t.__file, t.__row, t.__sheet FROM {_ident('t_' + name)} t "
        f"JOIN __want w ON t.__rowid = w.__rowid").fetchall()}
