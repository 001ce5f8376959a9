"""Conformance corpus for the rule language.

Every case of every `tests/conformance/*.test.yaml` file is one pytest test, with the id
`FILE::CASE NAME`. A case file names its own small rule files (in `rules/`), inline
records, the as-of time, an optional period and the findings expected (the format of
`compliance test`, see `compliance/testing/cases.py`). On failure the test prints the
case's diff: expected findings not found, and findings not expected.
"""
from __future__ import annotations

import functools
import glob
import os

import pytest

from compliance.check.program import Program, check_paths
from compliance.testing.cases import CaseFile, load_case_file, run_case

HERE = os.path.dirname(os.path.abspath(__file__))
CASE_FILES = sorted(glob.glob(os.path.join(HERE, "*.test.yaml")))

# Cases that fail because of a defect in the tool, not in the case: "FILE::NAME" -> reason.
# Each stays strict, so the mark has to go once the tool is fixed.
KNOWN_TOOL_DEFECTS: dict[str, str] = {}


@functools.lru_cache(maxsize=None)
def _case_file(path: str) -> CaseFile:
    return load_case_file(path)


@functools.lru_cache(maxsize=None)
def _program(path: str) -> Program:
    case_file = _case_file(path)
    return check_paths(case_file.rule_paths, case_file.config.params)


def _case_id(path: str, name: str) -> str:
    return f"{os.path.basename(path)}::{name}"


def _params():
    out = []
    for path in CASE_FILES:
        for index, case in enumerate(_case_file(path).cases):
            case_id = _case_id(path, case.name)
            marks = []
            if case_id in KNOWN_TOOL_DEFECTS:
                marks.append(pytest.mark.xfail(strict=True, reason=KNOWN_TOOL_DEFECTS[case_id]))
            out.append(pytest.param(path, index, id=case_id, marks=marks))
    return out


@pytest.mark.parametrize(("path", "index"), _params())
def test_case(path: str, index: int) -> None:
    case_file = _case_file(path)
    program = _program(path)
    errors = "\n".join(d.format() for d in program.errors)
    assert not program.errors, f"rule files of {os.path.basename(path)} do not check:\n{errors}"
    case = case_file.cases[index]
    result = run_case(program, case_file, case)
    assert result.passed, (f"{os.path.basename(path)}:{case.line} {case.name}\n{result.diff()}")
    # a rule that could not be evaluated would pass silently when nothing is expected of it
    compared = set(case.rules) if case.rules else {r.id for r in program.rules}
    broken = [f"{r.id}: {r.error}" for r in result.result.rules if r.error and r.id in compared]
    assert not broken, "\n".join(broken)
    # inline records are meant to be clean: a rejected row or a duplicate key would drop or
    # double a record behind the case's back
    rejected = [f"{r.dataset} row {r.location.row} {r.column}={r.value!r}" for r in result.result.rejections]
    assert not rejected, "rejected input values: " + "; ".join(rejected)
    assert not result.result.duplicates, [d["message"] for d in result.result.duplicates]


def test_corpus_is_present_and_case_ids_are_unique() -> None:
    assert CASE_FILES, "no tests/conformance/*.test.yaml files"
    seen: set[str] = set()
    for path in CASE_FILES:
        cases = _case_file(path).cases
        assert cases, f"{path} has no cases"
        for case in cases:
            case_id = _case_id(path, case.name)
            assert case_id not in seen, f"duplicate case id {case_id}"
            seen.add(case_id)
            assert case.rules, f"{case_id}: name the rules the case compares (`rules: [...]`)"


def test_known_defects_name_existing_cases() -> None:
    ids = {_case_id(p, c.name) for p in CASE_FILES for c in _case_file(p).cases}
    assert set(KNOWN_TOOL_DEFECTS) <= ids, sorted(set(KNOWN_TOOL_DEFECTS) - ids)
