"""Files are prepared one at a time, largest first, each once the one before has started
its scan; a file that fails before its scan does not hold the others up."""
from __future__ import annotations

import datetime as dt
import os

import pytest

from compliance.check.program import load_program
from compliance.compile.periods import parse_period
from compliance.engine.config import load_config
from compliance.engine.run import Options, Runner
from compliance.inputs import InputError

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _files(tmp_path, sizes: dict[str, int]) -> dict[str, str]:
    heads = {"tickets": "ticket_id,kind,created_at,first_reply_at,resolved_at",
             "calls": "call_id,agent_id,rang_at,rings,answered",
             "shifts": "shift_id,agent_id,date,planned_start,planned_end,checked_in_at,status"}
    rows = {"tickets": "T{i},complaint,2024-05-06 09:00,2024-05-06 10:00,",
            "calls": "K{i},A1,2024-05-06 09:00,1,true",
            "shifts": "S{i},A1,2024-05-06,09:00,17:00,2024-05-06 09:00,worked"}
    out = {}
    for name, n in sizes.items():
        path = tmp_path / f"{name}.csv"
        path.write_text(heads[name] + "\n" + "".join(rows[name].format(i=i) + "\n" for i in range(n)),
                        encoding="utf-8")
        out[name] = str(path)
    return out


NEEDED = {"tickets": {"ticket_id", "created_at"}, "calls": {"call_id", "rings"}, "shifts": {"shift_id", "date"}}


def _runner(data: dict[str, str]) -> Runner:
    config = load_config(None)
    config.threads = 2
    program = load_program([os.path.join(ROOT, "rules")], config.params)
    return Runner(program, data, config, Options(period=parse_period("2024"), as_of=dt.datetime(2025, 1, 1)))


def _record(runner: Runner, events: list) -> None:
    read, typing = runner._read, runner._typing

    def traced_read(con, name, needed, scanning=None):
        events.append(("prepare", name))
        return read(con, name, needed, scanning)

    def traced_typing(name, needed, mapping, scanning):
        shape = typing(name, needed, mapping, scanning)

        def traced(columns, kept):
            sql = shape(columns, kept)
            events.append(("scan", name))
            return sql
        return traced
    runner._read, runner._typing = traced_read, traced_typing


def test_largest_first_each_after_the_one_before_started_its_scan(tmp_path):
    runner = _runner(_files(tmp_path, {"tickets": 3000, "calls": 2000, "shifts": 1000}))
    events: list = []
    _record(runner, events)
    raw = runner._read_all(NEEDED)
    assert events == [("prepare", "tickets"), ("scan", "tickets"), ("prepare", "calls"), ("scan", "calls"),
                      ("prepare", "shifts"), ("scan", "shifts")]
    assert {n: r.rows for n, r in raw.items()} == {"tickets": 3000, "calls": 2000, "shifts": 1000}


def test_a_file_failing_before_its_scan_lets_the_next_go_on(tmp_path):
    data = _files(tmp_path, {"calls": 200, "shifts": 100})
    bad = tmp_path / "tickets.csv"
    bad.write_bytes(b"\x00\x01binary" * 100_000)  # the largest: prepared first, fails on sniffing
    data["tickets"] = str(bad)
    runner = _runner(data)
    events: list = []
    _record(runner, events)
    with pytest.raises(InputError, match="binary"):
        runner._read_all(NEEDED)
    assert events == [("prepare", "tickets"), ("prepare", "calls"), ("scan", "calls"),
                      ("prepare", "shifts"), ("scan", "shifts")]
