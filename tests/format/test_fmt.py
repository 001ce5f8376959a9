"""The formatter: golden pairs, idempotence, and never a change of meaning."""
from __future__ import annotations

import glob
import os

import pytest
import yaml
from click.testing import CliRunner

from compliance.cli import main
from compliance.diagnostics import RuleError
from compliance.format.formatter import format_text, same_meaning

ROOT = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", ".."))
GOLDEN = os.path.join(os.path.dirname(__file__), "golden")


def _rule_texts():
    for path in sorted(glob.glob(os.path.join(ROOT, "rules", "*.rules"))
                       + glob.glob(os.path.join(ROOT, "tests", "**", "*.rules"), recursive=True)):
        yield pytest.param(open(path, encoding="utf-8").read(), id=os.path.relpath(path, ROOT))
    for path in sorted(glob.glob(os.path.join(ROOT, "tests", "lint", "cases", "*.yaml"))):
        doc = yaml.safe_load(open(path, encoding="utf-8"))
        for kind in ("fail", "pass"):
            for i, case in enumerate(doc.get(kind, [])):
                yield pytest.param(case["rules"], id=f"{os.path.basename(path)}-{kind}-{i}")


@pytest.mark.parametrize("text", list(_rule_texts()))
def test_format_keeps_meaning_and_is_idempotent(text):
    try:
        once = format_text(text)
    except RuleError:
        pytest.skip("snippet is a syntax-error case")
    assert same_meaning(text, once)
    assert format_text(once) == once


@pytest.mark.parametrize("name", sorted(os.path.basename(p) for p in glob.glob(os.path.join(GOLDEN, "*.rules"))))
def test_golden(name):
    source = open(os.path.join(GOLDEN, name), encoding="utf-8").read()
    expected = open(os.path.join(GOLDEN, name + ".formatted"), encoding="utf-8").read()
    assert format_text(source) == expected


def test_comments_survive():
    text = "# top\n\nparam a = 1  # why one\n# before b\nparam b = 2\n# tail\n"
    out = format_text(text)
    for comment in ("# top", "# why one", "# before b", "# tail"):
        assert comment in out


def test_check_and_diff_exit_codes(tmp_path):
    messy = tmp_path / "a.rules"
    messy.write_text("param   x=1\n", encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(main, ["fmt", "--check", "--diff", str(messy)])
    assert result.exit_code == 1
    assert "+param x = 1" in result.output
    assert messy.read_text(encoding="utf-8") == "param   x=1\n"  # --check changes nothing
    result = runner.invoke(main, ["fmt", str(messy)])
    assert result.exit_code == 0
    assert messy.read_text(encoding="utf-8") == "param x = 1\n"
    assert runner.invoke(main, ["fmt", "--check", str(messy)]).exit_code == 0


def test_syntax_error_exits_2(tmp_path):
    bad = tmp_path / "bad.rules"
    bad.write_text("rule A-B {\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["fmt", str(bad)])
    assert result.exit_code == 2
    assert "bad.rules:" in result.output and "E101" in result.output
