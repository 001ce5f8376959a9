"""CSV, TSV and .txt: encodings, quoting, row numbers and the ways a file can be bad."""
from __future__ import annotations

import codecs

import pytest

from compliance.inputs import InputError, load_raw

from .conftest import FIXTURES, table_rows

ZH = (FIXTURES / "tickets_zh.csv").read_text(encoding="utf-8")
ZH_HEADERS = ["工单号", "创建时间", "坐席工号", "类型", "已回复", "备注"]
ZH_ROWS = [
    ("240501001", "A07", "投诉", "客户来电,态度差", 2),
    ("240501002", "A08", "咨询", None, 3),
    ("240502003", "A07", "投诉", "第一行\n第二行", 4),
    ("240503004", "A09", "报修", None, 5),
]


def zh_rows(con):
    return table_rows(con, "t", '"工单号", "坐席工号", "类型", "备注", "__row"')


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030", "utf-16"])
def test_chinese_headers_in_every_encoding(con, tmp_path, encoding):
    path = tmp_path / "tickets.csv"
    path.write_bytes(ZH.encode(encoding))
    raw = load_raw(con, "tickets", str(path), "t")
    assert raw.headers == ZH_HEADERS
    assert raw.columns == ZH_HEADERS
    assert raw.rows == 4
    assert raw.files == [str(path)]
    assert zh_rows(con) == ZH_ROWS


def test_bom_is_not_part_of_the_first_header(con, tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes(codecs.BOM_UTF8 + " 工单号 ,类型\nT1,投诉\n".encode())
    raw = load_raw(con, "tickets", str(path), "t")
    assert raw.columns == ["工单号", "类型"]
    assert table_rows(con, "t") == [("T1", "投诉", str(path), 2, None)]


def test_provenance_columns_and_types(con, fixture_path):
    load_raw(con, "tickets", fixture_path("tickets_zh.csv"), "t")
    types = dict(con.execute(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 't'"
    ).fetchall())
    assert types["__file"] == "VARCHAR" and types["__sheet"] == "VARCHAR"
    assert types["__row"] == "BIGINT"
    assert {types[h] for h in ZH_HEADERS} == {"VARCHAR"}
    assert table_rows(con, "t", '"__file", "__sheet"')[0] == (fixture_path("tickets_zh.csv"), None)


def test_gbk_file_is_detected_even_past_the_sniffed_prefix(con, tmp_path, monkeypatch):
    # ASCII for the whole sniffed prefix, GBK far later: DuckDB's UTF-8 check sees it first
    from compliance.inputs import textfile
    monkeypatch.setattr(textfile, "CHUNK", 64)
    ascii_rows = "".join(f"{i},name {i}\n" for i in range(3000))
    path = tmp_path / "late.csv"
    path.write_bytes(f"id,name\n{ascii_rows}3000,张三\n".encode("gbk"))
    raw = load_raw(con, "agents", str(path), "t")
    assert raw.rows == 3001
    assert table_rows(con, "t", 'name, "__row"')[-2:] == [("name 2999", 3001), ("张三", 3002)]


def test_forced_encoding_wins_over_detection(con, tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes("名字\n张三\n".encode("gbk"))
    load_raw(con, "agents", str(path), "t", encoding="gbk")
    assert table_rows(con, "t", '"名字"') == [("张三",)]
    with pytest.raises(InputError, match="not valid utf-8"):
        load_raw(con, "agents", str(path), "t", encoding="utf-8")
    with pytest.raises(InputError, match="unknown encoding 'nope'"):
        load_raw(con, "agents", str(path), "t", encoding="nope")


def test_tsv(con, fixture_path):
    raw = load_raw(con, "calls", fixture_path("calls.tsv"), "t")
    assert raw.columns == ["call_id", "agent_id", "rang_at", "rings", "answered"]
    assert table_rows(con, "t", 'call_id, rang_at, answered, "__row"') == [
        ("C1", "2024-05-01 09:00:00", "是", 2),
        ("C2", "2024-05-01 09:05:00", "否", 3),
    ]


@pytest.mark.parametrize("delimiter", [",", "\t"])
def test_txt_delimiter_is_sniffed(con, tmp_path, delimiter):
    path = tmp_path / "export.txt"
    path.write_text(f"a{delimiter}b\n1{delimiter}x y\n", encoding="utf-8")
    load_raw(con, "x", str(path), "t")
    assert table_rows(con, "t", 'a, b, "__row"') == [("1", "x y", 2)]


def test_multiline_cells_and_blank_lines_keep_spreadsheet_rows(con, fixture_path):
    # row 1 header; row 2 "1"; rows 3 "2" (a cell spanning 4 lines, one of them blank);
    # row 4 blank; row 5 "3"; rows 6-7 blank; row 8 "4"
    raw = load_raw(con, "x", fixture_path("multiline.csv"), "t")
    assert raw.rows == 4
    assert table_rows(con, "t", 'id, note, "__row"') == [
        ("1", "plain", 2),
        ("2", "line one\nline two\n\nline four", 3),
        ("3", 'say "hi"', 5),
        ("4", "last", 8),
    ]


def test_blank_lines_before_the_header(con, tmp_path):
    path = tmp_path / "lead.csv"
    path.write_text("\n\nid,v\n1,a\n\n2,b\n", encoding="utf-8")
    load_raw(con, "x", str(path), "t")
    assert table_rows(con, "t", 'id, "__row"') == [("1", 4), ("2", 6)]


def test_crlf_blank_lines(con, tmp_path):
    path = tmp_path / "crlf.csv"
    path.write_bytes(b"id,v\r\n1,a\r\n\r\n2,b\r\n")
    load_raw(con, "x", str(path), "t")
    assert table_rows(con, "t", 'id, v, "__row"') == [("1", "a", 2), ("2", "b", 4)]


def test_single_column_blank_lines(con, tmp_path):
    path = tmp_path / "one.csv"
    path.write_text("id\n1\n\n2\n\n\n", encoding="utf-8")
    raw = load_raw(con, "x", str(path), "t")
    assert raw.rows == 2
    assert table_rows(con, "t", 'id, "__row"') == [("1", 2), ("2", 4)]


def test_order_and_rows_in_a_larger_file(con, tmp_path):
    lines = ["id,text"]
    for i in range(30000):
        lines.append(f'{i},"multi\nline {i}"' if i % 97 == 0 else f"{i},t{i}")
        if i == 20000:
            lines.append("")
    path = tmp_path / "big.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    raw = load_raw(con, "x", str(path), "t")
    assert raw.rows == 30000
    ids = table_rows(con, "t", 'id::BIGINT, "__row"')
    assert [i for i, _ in ids] == list(range(30000))
    assert all(row == i + 2 + (i > 20000) for i, row in ids)


def test_empty_strings_and_hash_lines_are_kept(con, tmp_path):
    path = tmp_path / "e.csv"
    path.write_text('a,b\n,\n"",x\n#c,y\n', encoding="utf-8")
    load_raw(con, "x", str(path), "t")
    assert table_rows(con, "t", 'a, b, "__row"') == [(None, None, 2), (None, "x", 3), ("#c", "y", 4)]


def test_header_only_file_gives_an_empty_table(con, fixture_path):
    raw = load_raw(con, "tickets", fixture_path("header_only.csv"), "t")
    assert raw.rows == 0
    assert raw.columns == ["工单号", "创建时间", "类型"]
    assert table_rows(con, "t") == []


@pytest.mark.parametrize("content", [b"", b"\n\n", codecs.BOM_UTF8])
def test_empty_file(con, tmp_path, content):
    path = tmp_path / "empty.csv"
    path.write_bytes(content)
    with pytest.raises(InputError, match=r"empty\.csv: file is empty \(expected a header row\)"):
        load_raw(con, "x", str(path), "t")


def test_committed_empty_fixture(con, fixture_path):
    with pytest.raises(InputError, match="empty.csv: file is empty"):
        load_raw(con, "x", fixture_path("empty.csv"), "t")


@pytest.mark.parametrize("content", [
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00",
    bytes(range(128, 256)) * 4,
])
def test_binary_garbage(con, tmp_path, content):
    path = tmp_path / "garbage.csv"
    path.write_bytes(content)
    with pytest.raises(InputError, match=r"garbage\.csv: not a text CSV file"):
        load_raw(con, "x", str(path), "t")


def test_ragged_row_names_file_and_row(con, fixture_path):
    with pytest.raises(InputError) as caught:
        load_raw(con, "tickets", fixture_path("ragged.csv"), "t")
    assert str(caught.value) == f"{fixture_path('ragged.csv')}: row 3: 4 fields, but the header has 3"


def test_short_row_after_multiline_cell(con, tmp_path):
    path = tmp_path / "short.csv"
    path.write_text('a,b\n1,"x\ny"\n2\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"short\.csv: row 3: 1 field, but the header has 2"):
        load_raw(con, "x", str(path), "t")


def test_unterminated_quote(con, tmp_path):
    path = tmp_path / "q.csv"
    path.write_text('a,b\n1,"open\n2,x\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"q\.csv: .*unterminated"):
        load_raw(con, "x", str(path), "t")


def test_duplicate_headers(con, tmp_path):
    path = tmp_path / "dup.csv"
    path.write_text("id,name, id\n1,a,2\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"dup\.csv: duplicate column headers: 'id' \(column 1 and column 3\)"):
        load_raw(con, "x", str(path), "t")


def test_trailing_delimiter_column_is_dropped_when_empty(con, tmp_path):
    path = tmp_path / "trail.csv"
    path.write_text("id,name,\n1,a,\n2,b,\n", encoding="utf-8")
    raw = load_raw(con, "x", str(path), "t")
    assert raw.columns == ["id", "name"]
    assert table_rows(con, "t") == [("1", "a", str(path), 2, None), ("2", "b", str(path), 3, None)]


def test_value_under_a_missing_header(con, tmp_path):
    path = tmp_path / "nohead.csv"
    path.write_text("id,,name\n1,,a\n2,oops,b\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"nohead\.csv: row 3: column 2 has a value but no header"):
        load_raw(con, "x", str(path), "t")
    assert con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = 't'").fetchall() == [(0,)]


def test_reserved_header(con, tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("id,__row\n1,2\n", encoding="utf-8")
    with pytest.raises(InputError, match="'__row' is reserved"):
        load_raw(con, "x", str(path), "t")


def test_missing_file_and_unknown_type(con, tmp_path):
    with pytest.raises(InputError, match="nope.csv: file not found"):
        load_raw(con, "x", str(tmp_path / "nope.csv"), "t")
    (tmp_path / "a.xls").write_bytes(b"x")
    with pytest.raises(InputError, match="save it as .xlsx"):
        load_raw(con, "x", str(tmp_path / "a.xls"), "t")
    (tmp_path / "a.pdf").write_bytes(b"x")
    with pytest.raises(InputError, match="unsupported file type '.pdf'"):
        load_raw(con, "x", str(tmp_path / "a.pdf"), "t")


def test_connection_is_left_usable(con, fixture_path):
    load_raw(con, "tickets", fixture_path("tickets_zh.csv"), "t")
    assert con.sql("SELECT count(*) FROM t").fetchall() == [(4,)]
    assert [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()] == ["t"]


def test_long_cell_limit_is_restored_by_the_last_of_overlapping_readers():
    """Files are read on several threads; the csv module's limit is process-wide."""
    import csv

    from compliance.inputs.delimited import _csv_limits

    before = csv.field_size_limit()
    first, second = _csv_limits(), _csv_limits()
    first.__enter__()
    second.__enter__()
    first.__exit__(None, None, None)  # the first reader finishes while the second still reads
    assert csv.field_size_limit() == 1 << 30
    second.__exit__(None, None, None)
    assert csv.field_size_limit() == before
