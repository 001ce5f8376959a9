"""Every lint code has YAML cases: a snippet that triggers it at line:col, and one that does not."""
from __future__ import annotations

import glob
import os
import shutil

import pytest
import yaml

from compliance.check.program import check_paths
from compliance.diagnostics import CODES

HERE = os.path.dirname(__file__)
PACK = os.path.join(HERE, "..", "..", "rules")
CASE_FILES = sorted(glob.glob(os.path.join(HERE, "cases", "*.yaml")))


def _cases():
    for path in CASE_FILES:
        doc = yaml.safe_load(open(path, encoding="utf-8"))
        for i, case in enumerate(doc.get("fail", [])):
            yield pytest.param(doc["code"], "fail", case, id=f"{doc['code']}-fail-{i}")
        for i, case in enumerate(doc.get("pass", [])):
            yield pytest.param(doc["code"], "pass", case, id=f"{doc['code']}-pass-{i}")


def _lint(tmp_path, text: str):
    for name in ("datasets.rules", "calendars.rules"):
        shutil.copy(os.path.join(PACK, name), tmp_path / name)
    snippet = tmp_path / "snippet.rules"
    snippet.write_text(text, encoding="utf-8")
    program = check_paths([str(snippet)])
    return [d for d in program.diagnostics if os.path.basename(d.span.file) == "snippet.rules"]


@pytest.mark.parametrize("code,kind,case", list(_cases()))
def test_lint_case(tmp_path, code, kind, case):
    diags = _lint(tmp_path, case["rules"])
    hits = [d for d in diags if d.code == code]
    if kind == "pass":
        assert not hits, [d.format() for d in hits]
        return
    where = [f"{d.span.line}:{d.span.col}" for d in hits]
    assert case["at"] in where, f"{code} expected at {case['at']}, got {[d.format() for d in diags]}"
    if case.get("message"):
        assert any(case["message"] in d.message for d in hits)


def test_every_code_has_cases():
    covered = {os.path.basename(p)[:-5] for p in CASE_FILES}
    assert covered == set(CODES)
