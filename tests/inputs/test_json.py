"""JSON arrays and JSON Lines: every value as text, record index or line number as __row."""
from __future__ import annotations

import pytest

from compliance.inputs import InputError, load_raw

from .conftest import table_rows


def test_json_array(con, fixture_path):
    raw = load_raw(con, "chat_messages", fixture_path("chat_messages.json"), "t")
    assert raw.headers == ["session_id", "agent_id", "sent_at", "sender", "meta", "wait", "read", "note", "text"]
    assert raw.columns == raw.headers
    assert raw.rows == 3
    assert table_rows(con, "t") == [
        ("S1", "A07", "2024-05-01 09:00:00", "customer", None, None, None, None, None,
         fixture_path("chat_messages.json"), 1, None),
        ("S1", "A07", "2024-05-01 09:00:12", "agent", '{"len":12,"tags":["hi"]}', None, None, None, None,
         fixture_path("chat_messages.json"), 2, None),
        ("S2", None, "2024-05-01 09:01:00", "customer", None, "3.5", "true", None, None,
         fixture_path("chat_messages.json"), 3, None),
    ]


def test_json_lines_row_is_the_line_number(con, fixture_path):
    # lines 3 and 4 are blank (one of them spaces only), 6 is trailing
    raw = load_raw(con, "chat_messages", fixture_path("chat_messages.jsonl"), "t")
    assert raw.columns == ["session_id", "sent_at", "sender", "agent_id"]
    assert table_rows(con, "t", 'session_id, sender, agent_id, "__row"') == [
        ("S1", "customer", None, 1),
        ("S1", "agent", "A07", 2),
        ("S2", "customer", None, 5),
    ]


def test_ndjson_extension_and_keys_with_slashes(con, tmp_path):
    path = tmp_path / "calls.ndjson"
    path.write_text('{"a/b": 1, "c~d": [1, 2], "工单号": "T1"}\n', encoding="utf-8")
    raw = load_raw(con, "calls", str(path), "t")
    assert raw.columns == ["a/b", "c~d", "工单号"]
    assert table_rows(con, "t", '"a/b", "c~d", "工单号", "__row"') == [("1", "[1,2]", "T1", 1)]


def test_json_file_of_bare_objects_reads_as_lines(con, tmp_path):
    path = tmp_path / "one.json"
    path.write_text('{"a": 1}\n{"a": 2}\n', encoding="utf-8")
    load_raw(con, "x", str(path), "t")
    assert table_rows(con, "t", 'a, "__row"') == [("1", 1), ("2", 2)]


def test_empty_array_is_an_empty_table(con, tmp_path):
    path = tmp_path / "none.json"
    path.write_text("[]", encoding="utf-8")
    raw = load_raw(con, "x", str(path), "t")
    assert raw.rows == 0 and raw.columns == []


def test_gbk_json(con, tmp_path):
    path = tmp_path / "agents.json"
    path.write_bytes('[{"名字": "张三"}]'.encode("gbk"))
    load_raw(con, "agents", str(path), "t")
    assert table_rows(con, "t", '"名字"') == [("张三",)]


@pytest.mark.parametrize("name, content, message", [
    ("empty.json", "", r"empty\.json: file is empty"),
    ("blank.jsonl", "  \n\n", r"blank\.jsonl: file is empty"),
    ("bad.json", '[{"a": 1},\n{"a": ]', r"bad\.json: not valid JSON: Malformed JSON"),
    ("bad.jsonl", '{"a": 1}\n{"a": 2\n', r"bad\.jsonl: not valid JSON"),
    ("scalar.json", '"text"', r"scalar\.json: expected a JSON array of objects"),
    ("numbers.json", "[1, 2]", r"numbers\.json: record 1: not a JSON object"),
    ("mixed.jsonl", '{"a": 1}\n\n[1]\n', r"mixed\.jsonl: line 3: not a JSON object"),
    ("twice.jsonl", '{"a": 1}\n{"a": 1, "a": 2}\n', r"twice\.jsonl: line 2: repeated key 'a'"),
])
def test_bad_json(con, tmp_path, name, content, message):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError, match=message):
        load_raw(con, "x", str(path), "t")
