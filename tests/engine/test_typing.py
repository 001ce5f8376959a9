"""Typing export text into field values while the file is read: what parses, what is
rejected (and with which reason), and what rejected rows keep of their text."""
from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from compliance.engine.coerce import MISSING, typed_select, typed_view

FIELDS = {"id": "text", "seen_at": "datetime", "day_of": "date", "opens": "time", "flag": "bool", "n": "int",
          "x": "number", "unused": "datetime"}


def typed(rows: list[dict[str, str | None]], needed=None, zone=None, formats=None):
    """Type `rows` (text cells) as `FIELDS`; return ({id: row}, typing)."""
    con = duckdb.connect()
    names = [n for n in FIELDS if n != "unused"]
    con.execute("CREATE TABLE __raw (" + ", ".join(f"{n} VARCHAR" for n in names)
                + ", __file VARCHAR, __row BIGINT, __sheet VARCHAR)")
    for i, row in enumerate(rows, start=2):
        con.execute("INSERT INTO __raw VALUES (" + ", ".join("?" for _ in names) + ", 'f.csv', ?, NULL)",
                    [row.get(n) for n in names] + [i])
    typing = typed_select(names, FIELDS, set(needed or FIELDS), formats or {}, zone, "Asia/Shanghai", "seen_at")
    con.execute(f"CREATE TABLE tt AS {typing.select.sql(dialect='duckdb')}")
    view = typed_view("tt", FIELDS, typing.stored).sql(dialect="duckdb")
    cur = con.execute(f"SELECT * FROM ({view}) ORDER BY __row")
    cols = [d[0] for d in cur.description]
    return {r[cols.index("id")]: dict(zip(cols, r)) for r in cur.fetchall()}, typing


def one(**cells):
    cells.setdefault("seen_at", "2024-05-06 09:00:00")
    rows, _ = typed([{"id": "r", **cells}])
    return rows["r"]


@pytest.mark.parametrize("text, seconds", [
    ("18:30", 66600.0), ("7:30", 27000.0), ("24:00", 86400.0), ("24:00:00", 86400.0),
    ("23:59:59", 86399.0), (" 09:30 ", 34200.0), ("00:00", 0.0),
])
def test_times_of_day(text, seconds):
    row = one(opens=text)
    assert row["opens"] == seconds and row["__bad"] == ""


@pytest.mark.parametrize("text", ["24:30", "25:00", "10:75", "10:00:75", "9:5", "18:30:00.5", "noon", "1830"])
def test_times_out_of_range_or_shape_are_rejected(text):
    row = one(opens=text)
    assert row["opens"] is None and row["__bad"] == "opens"


@pytest.mark.parametrize("text, value", [
    ("2024-05-06 09:30:15", dt.datetime(2024, 5, 6, 9, 30, 15)),
    ("  2024-05-06 09:30  ", dt.datetime(2024, 5, 6, 9, 30)),
    ("2024/05/06 09:30", dt.datetime(2024, 5, 6, 9, 30)),
    ("2024年5月6日 09:30", dt.datetime(2024, 5, 6, 9, 30)),
    ("2024-05-06", dt.datetime(2024, 5, 6)),
    ("2024-05-06T01:30:00Z", dt.datetime(2024, 5, 6, 9, 30)),       # UTC -> site time
    ("2024-05-06T09:30:00+09:00", dt.datetime(2024, 5, 6, 8, 30)),  # offset -> site time
    ("45418.5", dt.datetime(2024, 5, 6, 12, 0)),                     # Excel serial day
])
def test_datetimes(text, value):
    row = one(seen_at=text)
    assert row["seen_at"] == value and row["__bad"] == ""


def test_export_zone_converts_naive_times_both_untrimmed_and_trimmed():
    rows, _ = typed([{"id": "a", "seen_at": "2024-05-06 09:30"}, {"id": "b", "seen_at": " 2024-05-06 09:30 "}],
                    zone="UTC")
    assert rows["a"]["seen_at"] == rows["b"]["seen_at"] == dt.datetime(2024, 5, 6, 17, 30)


def test_mapping_formats_come_first():
    rows, _ = typed([{"id": "a", "seen_at": "06.05.2024 09:30", "day_of": "06.05.2024"}],
                    formats={"seen_at": ["%d.%m.%Y %H:%M"], "day_of": ["%d.%m.%Y"]})
    assert rows["a"]["seen_at"] == dt.datetime(2024, 5, 6, 9, 30) and rows["a"]["day_of"] == dt.date(2024, 5, 6)


def test_mapping_formats_with_an_offset_give_site_time_and_leave_other_rows_alone():
    """Tried one at a time: a format with %z reads an instant (converted to site time)
    and does not lend its offset to the next row."""
    formats = {"seen_at": ["%Y-%m-%dT%H:%M:%S%z", "%d/%m/%Y %H:%M"]}
    rows, _ = typed([{"id": "a", "seen_at": "2024-05-06T09:00:00-05:00"},
                     {"id": "b", "seen_at": "06/05/2024 09:30"},
                     {"id": "c", "seen_at": "2024-05-06 09:00:00"}], formats=formats)
    assert rows["a"]["seen_at"] == dt.datetime(2024, 5, 6, 22, 0)  # 14:00 UTC, Asia/Shanghai
    assert rows["b"]["seen_at"] == dt.datetime(2024, 5, 6, 9, 30)
    assert rows["c"]["seen_at"] == dt.datetime(2024, 5, 6, 9, 0)


@pytest.mark.parametrize("text, value", [
    ("true", True), ("false", False), ("是", True), ("否", False), (" Yes ", True), ("N", False),
    ("1", True), ("0", False), ("TRUE", True),
])
def test_booleans(text, value):
    row = one(flag=text)
    assert row["flag"] is value and row["__bad"] == ""


def test_unparseable_values_are_named_and_keep_their_text():
    rows, typing = typed([{"id": "bad", "seen_at": "2024-05-06 09:00", "flag": "maybe", "n": "2.5", "x": "1,5x"},
                          {"id": "ok", "seen_at": "2024-05-06 09:00", "flag": "", "n": "1,200", "x": "  "}])
    bad = rows["bad"]
    assert sorted(bad["__bad"].split(",")) == ["flag", "n", "x"]
    kept = dict(zip(typing.checked, bad["__text"]))
    assert kept["flag"] == "maybe" and kept["n"] == "2.5" and kept["x"] == "1,5x"
    ok = rows["ok"]
    assert ok["__bad"] == "" and ok["__text"] is None  # blank cells are missing, not wrong
    assert ok["n"] == 1200 and ok["x"] is None and ok["flag"] is None


@pytest.mark.parametrize("text", ["inf", "-Infinity", "NaN", "nan", "1e999"])
def test_numbers_that_are_not_finite_are_rejected(text):
    row = one(x=text, n=text)
    assert row["x"] is None and row["n"] is None and sorted(row["__bad"].split(",")) == ["n", "x"]


@pytest.mark.parametrize("text, value", [("12.5", 12.5), ("-3", -3.0), ("1,234.5", 1234.5), ("1e3", 1000.0)])
def test_numbers(text, value):
    row = one(x=text)
    assert row["x"] == value and row["__bad"] == ""


def test_missing_anchor_is_marked_apart_from_an_unparseable_one():
    rows, _ = typed([{"id": "blank", "seen_at": None}, {"id": "spaces", "seen_at": "   "}, {"id": "junk", "seen_at": "soon"}])
    assert rows["blank"]["__bad"] == MISSING + "seen_at"
    assert rows["spaces"]["__bad"] == MISSING + "seen_at"
    assert rows["junk"]["__bad"] == "seen_at"


def test_only_needed_fields_are_stored_the_view_has_them_all():
    rows, typing = typed([{"id": "a", "seen_at": "2024-05-06 09:00", "n": "x", "flag": "true"}], needed={"id", "seen_at"})
    assert typing.stored == ["id", "seen_at"]
    row = rows["a"]
    assert row["flag"] is None and row["n"] is None and row["unused"] is None
    assert row["__bad"] == ""  # a field no rule reads cannot reject a row
    assert row["__rowid"] == row["__row"] == 2 and row["__file"] == "f.csv"


def test_a_large_file_read_on_every_core_keeps_its_row_numbers(tmp_path):
    """Rows of a CSV file are numbered by their place in the stored table, not by a
    window: a file this large is scanned by several threads at once (without DuckDB's
    insertion order kept, about nine rows in ten would get another row's number)."""
    from compliance.inputs.load import load_raw

    path = tmp_path / "big.csv"
    rows = 600_000
    with open(path, "w", encoding="utf-8") as f:
        f.write("id,note,seen_at\n")
        f.writelines(f"{i},{'x' * (i % 61)},2024-01-01 00:00:00\n" for i in range(2, rows + 2))
    con = duckdb.connect()
    con.execute("SET threads = 2")
    fields = {"id": "int", "note": "text", "seen_at": "datetime"}
    typing = {}

    def shape(columns, kept):
        typing["t"] = typed_select(columns, fields, set(fields), {}, None, "Asia/Shanghai", "seen_at", kept=kept)
        return typing["t"].select.sql(dialect="duckdb")
    raw = load_raw(con, "x", str(path), "tt", shape=shape)
    assert raw.rows == rows and raw.row_base == 2
    view = typed_view("tt", fields, typing["t"].stored, raw.row_base, (raw.files[0], raw.sheet)).sql(dialect="duckdb")
    wrong, first, last = con.execute(
        f"SELECT count(*) FILTER (WHERE id <> __row), min(__row), max(__rowid) FROM ({view})").fetchall()[0]
    assert (wrong, first, last) == (0, 2, rows + 1)
    # the file is named by the view, not stored on every row
    stored = [r[0] for r in con.execute("SELECT column_name FROM duckdb_columns() WHERE table_name = 'tt'").fetchall()]
    assert not {"__file", "__row", "__sheet"} & set(stored)
    assert con.execute(f"SELECT DISTINCT __file, __sheet FROM ({view})").fetchall() == [(str(path), None)]


def test_a_column_named_rowid_keeps_rows_numbered_by_the_file(tmp_path):
    """A column called rowid would hide DuckDB's pseudo-column: such a file stores its
    row numbers instead."""
    from compliance.inputs.load import load_raw

    path = tmp_path / "ids.csv"
    path.write_text("rowid,seen_at\n\nr1,2024-01-01 00:00:00\nr2,2024-01-02 00:00:00\n", encoding="utf-8")
    path2 = tmp_path / "plain.csv"
    path2.write_text("rowid,seen_at\nr1,2024-01-01 00:00:00\nr2,2024-01-02 00:00:00\n", encoding="utf-8")
    fields = {"rowid": "text", "seen_at": "datetime"}
    for file, expected in ((path, [("r1", 3), ("r2", 4)]), (path2, [("r1", 2), ("r2", 3)])):
        con = duckdb.connect()
        typing = {}

        def shape(columns, kept):
            typing["t"] = typed_select(columns, fields, set(fields), {}, None, "Asia/Shanghai", "seen_at", kept=kept)
            return typing["t"].select.sql(dialect="duckdb")
        raw = load_raw(con, "x", str(file), "tt", shape=shape)
        assert raw.row_base is None
        view = typed_view("tt", fields, typing["t"].stored, raw.row_base, (raw.files[0], raw.sheet)).sql(dialect="duckdb")
        assert con.execute(f"SELECT rowid, __row FROM ({view}) ORDER BY __row").fetchall() == expected
