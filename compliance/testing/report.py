"""Render rule-test results as text (with expected/actual diffs) or JUnit XML."""
from __future__ import annotations

import xml.etree.ElementTree as ET

from compliance.report.sanitize import xml_safe


def render_text(results, verbose: bool = False) -> str:
    lines = []
    for r in results:
        if r.passed and not verbose:
            continue
        mark = "PASS" if r.passed else "FAIL"
        lines.append(f"{mark} {r.case.file}:{r.case.line} {r.case.name}")
        if not r.passed:
            lines.append(r.diff())
    passed = sum(1 for r in results if r.passed)
    failed = len(results) - passed
    lines.append(f"{passed} passed, {failed} failed")
    return "\n".join(lines) + "\n"


def render_junit(results) -> str:
    suites = ET.Element("testsuites")
    by_file: dict[str, list] = {}
    for r in results:
        by_file.setdefault(r.case.file, []).append(r)
    for file, rs in by_file.items():
        failures = sum(1 for r in rs if not r.passed and not r.error)
        errors = sum(1 for r in rs if r.error)
        suite = ET.SubElement(suites, "testsuite", name=file, tests=str(len(rs)), failures=str(failures),
                              errors=str(errors))
        for r in rs:
            case = ET.SubElement(suite, "testcase", classname=file, name=xml_safe(r.case.name))
            if r.error:
                ET.SubElement(case, "error", message=xml_safe(r.error)).text = xml_safe(r.diff())
            elif not r.passed:
                ET.SubElement(case, "failure", message="findings differ").text = xml_safe(r.diff())
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"
