"""Mapping files: loading, every error with its key path, and applying them to a file."""
from __future__ import annotations

import codecs

import pytest

from compliance.inputs import DatasetMapping, InputError, load_mapping, load_raw

from .conftest import table_rows


def test_load_site_file(fixture_path):
    mappings = load_mapping(fixture_path("site.yaml"))
    assert sorted(mappings) == ["calls", "shifts", "tickets"]
    tickets = mappings["tickets"]
    assert tickets.columns["工单号"] == "ticket_id"
    assert tickets.values == {
        "kind": {"投诉": "complaint", "咨询": "inquiry", "报修": "repair"},
        "replied": {"是": "true", "否": "false"},  # YAML booleans become their text
    }
    assert tickets.formats == {"created_at": ["%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M"]}
    assert tickets.defaults == {"channel": "phone", "severity": "normal"}
    assert tickets.timezone == "Asia/Shanghai"
    assert mappings["calls"].formats == {"rang_at": ["%Y-%m-%d %H:%M:%S"]}  # one format -> a list
    assert mappings["calls"].encoding == "utf-8"
    assert mappings["shifts"] == DatasetMapping(sheet="排班")


def test_every_schema_error_is_reported_with_its_key_path(fixture_path):
    path = fixture_path("bad_mapping.yaml")
    with pytest.raises(InputError) as caught:
        load_mapping(path)
    assert caught.value.problems == [f"{path}: {p}" for p in [
        "datasets.2bad: '2bad' is not a valid name (letters, digits and '_', not starting with a digit)",
        "datasets.2bad.defaults.channel: {'nested': 'x'} is not of type 'string', 'number', 'boolean'",
        "datasets.calls.sheet: 3 is not of type 'string', 'null'",
        "datasets.tickets: Additional properties are not allowed ('colums' was unexpected)",
        "datasets.tickets.columns.创建时间: 'created at' is not a valid name "
        "(letters, digits and '_', not starting with a digit)",
        "datasets.tickets.columns.工单号: 5 is not of type 'string'",
        "datasets.tickets.values.kind: ['投诉', 'complaint'] is not of type 'object'",
        "datasets.tickets.formats.created_at.0: Failed to parse format specifier %Y-%m-%d %Q: "
        "Unrecognized format for strftime/strptime: %Q",
        "datasets.tickets.timezone: unknown time zone 'Mars/Olympus'",
        "datasets.calls.encoding: unknown encoding 'klingon-8'",
    ]]
    assert str(caught.value) == "\n".join(caught.value.problems)


@pytest.mark.parametrize("text, message", [
    ("datasets:\n  tickets:\n    columns: {工单号: ticket_id\n", r"m\.yaml:4:1: "),
    ("datasets:\n  tickets:\n\tcolumns: {}\n", r"m\.yaml:3:1: "),
    ("datasets:\n  tickets: {}\n  tickets: {}\n", r"m\.yaml:3:3: duplicate key 'tickets'"),
    ("", r"m\.yaml: file is empty"),
    ("other: 1\n", r"m\.yaml: 'datasets' is a required property"),
    ("datasets: []\n", r"m\.yaml: datasets: \[\] is not of type 'object'"),
])
def test_yaml_and_shape_errors(tmp_path, text, message):
    path = tmp_path / "m.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=message):
        load_mapping(str(path))


def test_keys_keep_their_text(tmp_path):
    path = tmp_path / "m.yaml"
    path.write_text(
        "datasets:\n  calls:\n    values:\n      answered: {yes: true, no: false, 1: true, Y: true}\n"
        "    defaults: {hired_on: 2024-05-01, rings: 0}\n",
        encoding="utf-8",
    )
    calls = load_mapping(str(path))["calls"]
    assert calls.values == {"answered": {"yes": "true", "no": "false", "1": "true", "Y": "true"}}
    assert calls.defaults == {"hired_on": "2024-05-01", "rings": "0"}


def test_missing_mapping_file(tmp_path):
    with pytest.raises(InputError, match="nope.yaml: file not found"):
        load_mapping(str(tmp_path / "nope.yaml"))


def test_mapping_applied_to_gbk_export(con, tmp_path, fixture_path):
    """Headers renamed, values mapped, defaults added, unmapped headers and values kept."""
    mapping = load_mapping(fixture_path("site.yaml"))["tickets"]
    path = tmp_path / "tickets.csv"
    with open(fixture_path("tickets_zh.csv"), encoding="utf-8") as f:
        path.write_bytes(f.read().encode("gbk"))
    raw = load_raw(con, "tickets", str(path), "raw_tickets", mapping=mapping)
    assert raw.columns == ["ticket_id", "created_at", "agent_id", "kind", "replied", "备注", "channel", "severity"]
    assert raw.headers == ["工单号", "创建时间", "坐席工号", "类型", "已回复", "备注"]
    assert table_rows(con, "raw_tickets", 'ticket_id, created_at, kind, replied, channel, severity, "__row"') == [
        ("240501001", "2024-05-01 09:30:00", "complaint", "true", "phone", "normal", 2),
        ("240501002", "2024/05/01 10:00", "inquiry", "false", "phone", "normal", 3),
        ("240502003", "2024-05-02 14:00:00", "complaint", "true", "phone", "normal", 4),
        ("240503004", "2024-05-03 08:15:00", "repair", None, "phone", "normal", 5),
    ]


def test_values_with_sql_quotes_are_data_not_sql(con, tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("kind,note\nit's,x\n\"a\"\"b\",y\nother,z\n", encoding="utf-8")
    mapping = DatasetMapping(
        values={"kind": {"it's": "o'k", 'a"b': "'); DROP TABLE t; --"}},
        defaults={"channel": "it's", "empty": ""},
    )
    load_raw(con, "x", str(path), "t", mapping=mapping)
    assert table_rows(con, "t", 'kind, channel, empty') == [
        ("o'k", "it's", None), ("'); DROP TABLE t; --", "it's", None), ("other", "it's", None),
    ]


def test_default_does_not_replace_a_present_column(con, tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("channel\nchat\n\n", encoding="utf-8")
    raw = load_raw(con, "x", str(path), "t", mapping=DatasetMapping(defaults={"channel": "phone"}))
    assert raw.columns == ["channel"]
    assert table_rows(con, "t", "channel") == [("chat",)]


def test_two_headers_landing_on_one_field(con, tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("工单号,ticket_id\n1,2\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"t\.csv: columns '工单号' and 'ticket_id' both map to 'ticket_id'"):
        load_raw(con, "x", str(path), "t", mapping=DatasetMapping(columns={"工单号": "ticket_id"}))


def test_mapping_encoding_is_used(con, tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes(codecs.BOM_UTF8 + "名字\n张三\n".encode())
    with pytest.raises(InputError, match="not valid"):
        load_raw(con, "x", str(path), "t", mapping=DatasetMapping(encoding="ascii"))
