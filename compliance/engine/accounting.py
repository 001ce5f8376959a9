"""Row accounting and duplicate keys: what every run reports about its inputs.

read = evaluated + rejected for every dataset, always; records sharing a key are
listed, never merged silently.
"""
from __future__ import annotations

from compliance.engine.messages import fmt_value as _text
from compliance.engine.sql import ident as _ident
from compliance.report.model import DatasetSummary, Location


def dataset_summaries(runner) -> list[DatasetSummary]:
    """Per dataset: files, rows read, evaluated, rejected and in the period."""
    out = []
    for name, raw in sorted(runner.raw.items()):
        rejected = runner.rejections.rows(name)
        anchor = runner.p.datasets[name].anchor
        in_period = None
        if anchor is not None:
            in_period = runner.con.execute(
                f"SELECT count(*) FROM {_ident('v_' + name)} WHERE CAST({_ident(anchor)} AS TIMESTAMP) >= ? "
                f"AND CAST({_ident(anchor)} AS TIMESTAMP) < ?", [runner.period.start, runner.period.end]).fetchall()[0][0]
        out.append(DatasetSummary(name, list(raw.files), raw.rows, raw.rows - rejected, rejected, in_period))
    return out


def duplicate_keys(runner) -> list[dict]:
    """Every key shared by several records, with the rows that share it."""
    out = []
    for name in sorted(runner.raw):
        ds = runner.p.datasets[name]
        if not ds.key or any(k not in runner.raw[name].columns for k in ds.key):
            continue
        keys = ", ".join(_ident(k) for k in ds.key)
        table = _ident('t_' + name)
        # shared keys first (a count per key), then the rows of those few keys only
        shared = (f"SELECT {keys} FROM {table} WHERE {' AND '.join(_ident(k) + ' IS NOT NULL' for k in ds.key)} "
                  f"GROUP BY {keys} HAVING count(*) > 1")
        rows = runner.con.execute(
            f"SELECT {keys}, list(__row ORDER BY __row), any_value(__file), any_value(__sheet) "
            f"FROM {table} SEMI JOIN ({shared}) AS d USING ({keys}) GROUP BY {keys} ORDER BY {keys}").fetchall()
        for r in rows:
            key = {k: _text(v) for k, v in zip(ds.key, r[:len(ds.key)])}
            locs = [Location(r[-2], int(x), r[-1]).to_dict() for x in r[len(ds.key)]]
            out.append({"dataset": name, "key": key, "count": len(locs), "locations": locs,
                        "message": f"{len(locs)} records share the key "
                                   + ", ".join(f"{k}={v}" for k, v in key.items())})
    return out
