"""How values read in findings' messages and evidence."""
from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from compliance.engine.messages import fmt_duration, fmt_value, json_value


@pytest.mark.parametrize("value, text", [
    (dt.datetime(2024, 5, 6, 9, 30), "2024-05-06 09:30:00"),
    (dt.datetime(2024, 5, 6, 9, 30, 15, 500000), "2024-05-06 09:30:15"),  # fractions are not shown
    (dt.datetime(2024, 5, 6, 9, 30, tzinfo=dt.timezone.utc), "2024-05-06 09:30:00"),
    (dt.datetime(999, 1, 2, 3, 4, 5), "0999-01-02 03:04:05"),  # four-digit years, as for dates
    (dt.date(999, 1, 2), "0999-01-02"),
    (None, "missing"), (True, "true"), ("text", "text"), (3.0, "3"), (2.5, "2.5"),
])
def test_values_read_the_same_whatever_their_type(value, text):
    assert fmt_value(value) == text


def test_timestamps_read_as_duckdb_writes_them():
    con = duckdb.connect()
    for stamp in (dt.datetime(1, 1, 1), dt.datetime(999, 12, 31, 23, 59, 59), dt.datetime(2024, 2, 29, 12, 0, 1, 999)):
        assert fmt_value(stamp) == con.execute("SELECT strftime(?::TIMESTAMP, '%Y-%m-%d %H:%M:%S')",
                                               [stamp]).fetchone()[0]


@pytest.mark.parametrize("seconds, text", [
    (0, "0 s"), (59, "59 s"), (60, "1 min"), (61, "1 min 01 s"), (3600, "1 h"), (3660, "1 h 01 min"),
    (3 * 86400 + 60, "3 d 0 h 01 min"), (-90, "-1 min 30 s"), (None, "?"),
])
def test_durations(seconds, text):
    assert fmt_duration(seconds) == text


def test_evidence_values_stay_json_scalars():
    assert json_value(5) == 5 and json_value("a") == "a" and json_value(None) is None
    assert json_value(90.0, "duration") == "1 min 30 s" and json_value(66600.0, "time") == "18:30"
    assert json_value(dt.date(2024, 5, 6)) == "2024-05-06"


@pytest.mark.parametrize("type_", ["datetime", "duration", "text", "int", "number", "date", "time", "bool", None])
def test_evidence_text_is_the_encoders_whatever_the_value(type_):
    """Evidence is written from fragments per field type; any value must still read as
    the report's encoder writes its JSON value."""
    from compliance.engine.findings import _evidence_text
    from compliance.report.json_text import compact

    values = [None, True, 0, 7, -2.5, 90.0, float("inf"), "x \"q\" \n 中", dt.datetime(2024, 5, 6, 9, 30),
              dt.datetime(999, 1, 1, 0, 0, 0, 5), dt.date(2024, 5, 6)]
    encode = _evidence_text(type_)
    for value in values:
        assert encode(value) == compact(json_value(value, type_)), value
