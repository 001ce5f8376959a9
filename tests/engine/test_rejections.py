"""Rejected values are counted in SQL and listed from the typed tables when a report
reads them: in order (row, then column), the same whichever way they are written."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from compliance.check.program import load_program
from compliance.compile.periods import parse_period
from compliance.engine.config import load_config
from compliance.engine.run import Options, run_check
from compliance.report.json_text import compact

ROOT = Path(__file__).resolve().parents[2]
HEAD = "call_id,agent_id,rang_at,rings,answered,apologized,greeted,named_company,thanked,customer_hung_up_first," \
       "private,duration_s"


def run(tmp_path, lines):
    path = tmp_path / "calls.csv"
    path.write_text("\n".join([HEAD, *lines]) + "\n", encoding="utf-8")
    config = load_config(None)
    program = load_program([str(ROOT / "rules")], config.params)
    return run_check(program, {"calls": str(path)}, config,
                     Options(period=parse_period("2024-05"), as_of=dt.datetime(2024, 6, 1))), str(path)


def test_rejections_in_row_then_column_order_counted_and_written_alike(tmp_path):
    result, path = run(tmp_path, [
        "K1,A1,2024-05-06 09:00:00,1,true,false,true,true,true,true,false,60",
        'K2,A1,"soon ""now"" \\\\",五,maybe,false,true,true,true,true,false,60',
        "K3,A1,,1,true,false,true,true,true,true,false,60",
    ])
    rejections = result.rejections
    listed = [(r.location.row, r.column, r.value) for r in rejections]
    assert listed == [(3, "answered", "maybe"), (3, "rang_at", 'soon "now" \\\\'), (3, "rings", "五"),
                      (4, "rang_at", None)]
    assert len(rejections) == 4 and rejections.rows("calls") == 2 and bool(rejections)
    assert rejections[0].column == "answered" and rejections[3].expected.startswith("a value")
    assert [d.rejected for d in result.datasets] == [2] and [d.evaluated for d in result.datasets] == [1]
    assert list(rejections.json_items()) == [compact(r.to_dict()) for r in rejections]
    assert all(r.location.file == path for r in rejections)


def test_no_rejections(tmp_path):
    result, _ = run(tmp_path, ["K1,A1,2024-05-06 09:00:00,1,true,false,true,true,true,true,false,60"])
    assert len(result.rejections) == 0 and not result.rejections and list(result.rejections) == []
    assert list(result.rejections.json_items()) == []
