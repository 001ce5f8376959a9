"""The format registry: names, binary flags, dispatch."""
import importlib
import io

import pytest

from compliance.report import FORMATS, UnknownFormat, render


def test_formats():
    assert list(FORMATS) == ["table", "json", "csv", "junit", "xlsx"]
    assert {name for name, r in FORMATS.items() if r.binary} == {"xlsx"}
    assert all(r.name == name for name, r in FORMATS.items())


def test_render_dispatches(result):
    stream = io.StringIO()
    render(result, "json", stream)
    assert stream.getvalue().startswith('{\n  "version": 1,')


def test_unknown_format(result):
    with pytest.raises(UnknownFormat, match="choose one of table, json, csv, junit, xlsx"):
        render(result, "pdf", io.StringIO())
    assert issubclass(UnknownFormat, ValueError)


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_registry_agrees_with_each_module(name):
    """Modules are imported when their format is used; their flags must agree."""
    module = importlib.import_module(f"compliance.report.{FORMATS[name].module}")
    assert FORMATS[name].binary is module.BINARY
