"""JUnit XML so CI servers can show each rule as a test that passes or fails.

Many consumers keep only one <failure> per test case, so all violations of a rule go
into a single failure whose body has one line per violation. Pending findings are not
failures yet and go to <system-out>; a rule that could not be evaluated is an <error>.
"""
from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import TextIO

from .grouping import RuleGroup, group_by_rule
from .labels import locations_label, plural, subject_label
from .model import Finding, RunResult
from .sanitize import xml_safe

BINARY = False
SUITE = "compliance"


def _line(finding: Finding) -> str:
    where = locations_label(finding)
    text = f"{subject_label(finding.subject)}: {finding.message}"
    return f"{text} ({where})" if where else text


def _element(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    node = ET.SubElement(parent, tag, {k: xml_safe(v) for k, v in attrs.items()})
    if text is not None:
        node.text = xml_safe(text)
    return node


def _testcase(suite: ET.Element, group: RuleGroup) -> str | None:
    """Add one rule's test case; return "error", "failure" or None for the suite counts."""
    rule = group.rule
    case = _element(suite, "testcase", classname=rule.dataset, name=f"{rule.id} {rule.title}")
    violations = group.violations
    outcome = None
    if rule.error is not None:
        # Findings of a rule that failed to evaluate are listed but not trusted as failures.
        body = "\n".join([rule.error, *(_line(f) for f in violations)])
        _element(case, "error", body, message=rule.error, type="error")
        outcome = "error"
    elif violations:
        lines = "\n".join(_line(f) for f in violations)
        _element(case, "failure", lines, message=f"{plural(len(violations), 'violation')} of "
                 f"{rule.id}", type=rule.severity)
        outcome = "failure"
    if group.pending:
        text = "\n".join(f"pending: {_line(f)}" for f in group.pending)
        _element(case, "system-out", text)
    return outcome


def render(result: RunResult, stream: TextIO) -> None:
    root = ET.Element("testsuites", name=SUITE)
    suite = _element(root, "testsuite", name=SUITE)
    props = _element(suite, "properties")
    period = result.period
    for name, value in (("as_of", result.as_of), ("period", period.get("label", "")),
                        ("period_start", period.get("start", "")),
                        ("period_end", period.get("end", "")), ("timezone", result.timezone)):
        _element(props, "property", name=name, value=str(value))
    outcomes = [_testcase(suite, group) for group in group_by_rule(result)]
    counts = {"tests": str(len(outcomes)),
              "failures": str(outcomes.count("failure")),
              "errors": str(outcomes.count("error")),
              "skipped": "0"}
    for node in (root, suite):
        node.attrib.update(counts)
    ET.indent(root)
    stream.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    stream.write(ET.tostring(root, encoding="unicode"))
    stream.write("\n")
