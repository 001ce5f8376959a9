"""Human-readable report for a terminal.

Columns are laid out by tabulate, which measures display width with wcwidth, so
Chinese titles (two columns per character) still line up. Nothing about the run
itself (clock time, host) is printed, so the same result always gives the same text.
"""
from __future__ import annotations

import json
from typing import Any, TextIO

from tabulate import tabulate

from .grouping import RuleGroup, group_by_rule
from .labels import locations_label, plural, subject_label
from .model import Finding, Location, RunResult
from .sanitize import one_line

BINARY = False
INDENT = "  "


def _cell(value: Any) -> str:
    return one_line(str(value))


def _grid(headers: list[str], rows: list[list[str]], align: list[str]) -> list[str]:
    """A plain table; cells are text already, so nothing is reparsed as a number."""
    return tabulate(rows, headers=headers, tablefmt="simple", colalign=align,
                    disable_numparse=True).splitlines()


def _header(result: RunResult) -> list[str]:
    period = result.period
    span = f"{period.get('start', '?')} .. {period.get('end', '?')}, end exclusive"
    label = period.get("label")
    return [
        "Compliance report",
        f"As of:     {one_line(result.as_of)}",
        f"Period:    {one_line(f'{label} ({span})' if label else span)}",
        f"Time zone: {one_line(result.timezone)}",
    ]


def _totals(result: RunResult, groups: list[RuleGroup]) -> str:
    errors = sum(1 for g in groups if g.rule.error is not None)
    parts = [plural(sum(g.rule.violations for g in groups), "violation"),
             f"{sum(g.rule.pending for g in groups)} pending",
             plural(errors, "rule error"),
             plural(sum(d.rejected for d in result.datasets), "rejected row")]
    return "Totals:    " + ", ".join(parts)


def _rules(groups: list[RuleGroup]) -> list[str]:
    rows = []
    for group in groups:
        rule = group.rule
        if rule.error is not None:
            counts, status = ["-", "-"], "ERROR"
        else:
            counts = [rule.violations, rule.pending]
            status = "fail" if rule.violations else ("pending" if rule.pending else "pass")
        rows.append([_cell(c) for c in
                     (rule.id, rule.title, rule.severity, rule.dataset, *counts, status)])
    lines = ["Rules", ""]
    lines += _grid(["ID", "Title", "Severity", "Dataset", "Violations", "Pending", "Status"],
                   rows, ["left"] * 4 + ["right", "right", "left"])
    errors = [g.rule for g in groups if g.rule.error is not None]
    if errors:
        lines += ["", "Rule errors:"]
        lines += [f"{INDENT}{r.id}: {one_line(r.error or '')}" for r in errors]
    return lines


def _datasets(result: RunResult) -> list[str]:
    with_period = any(d.in_period is not None for d in result.datasets)
    headers = ["Dataset", "Files", "Read", "Evaluated", "Rejected"]
    align = ["left", "left", "right", "right", "right"]
    if with_period:
        headers.append("In period")
        align.append("right")
    rows = []
    for d in result.datasets:
        # One file per line keeps the column narrow; tabulate handles the line breaks.
        row = [_cell(d.name), "\n".join(_cell(f) for f in d.files) or "-",
               _cell(d.read), _cell(d.evaluated), _cell(d.rejected)]
        if with_period:
            row.append("-" if d.in_period is None else _cell(d.in_period))
        rows.append(row)
    return ["Datasets", "", *_grid(headers, rows, align)]


def _finding(finding: Finding) -> list[str]:
    lines = [f"{INDENT}[{finding.status}] {one_line(subject_label(finding.subject))}",
             f"{INDENT * 3}{one_line(finding.message)}"]
    where = locations_label(finding)
    if where:
        lines.append(f"{INDENT * 3}at {one_line(where)}")
    return lines


def _findings(groups: list[RuleGroup]) -> list[str]:
    lines = ["Findings"]
    shown = [g for g in groups if g.findings]
    if not shown:
        return lines + ["", f"{INDENT}none"]
    for group in shown:
        rule = group.rule
        counts = f"{plural(len(group.violations), 'violation')}, {len(group.pending)} pending"
        heading = f"{rule.id} {rule.title} [{rule.severity}, {rule.dataset}]: {counts}"
        lines += ["", one_line(heading)]
        for finding in group.findings:
            lines += _finding(finding)
    return lines


def _rejections(result: RunResult) -> list[str]:
    rows = [[_cell(c) for c in (r.dataset, r.location.label(), r.column,
                                "(empty)" if r.value is None else r.value, r.expected)]
            for r in result.rejections]
    return ["Rejected rows", "", *_grid(["Dataset", "Location", "Column", "Value", "Expected"],
                                        rows, ["left"] * 5)]


def _describe(value: Any) -> str:
    """Duplicates are free-form records; show locations as labels, the rest compactly."""
    if isinstance(value, dict) and {"file", "row"} <= value.keys():
        return Location(value["file"], value["row"], value.get("sheet")).label()
    if isinstance(value, list):
        return ", ".join(_describe(item) for item in value)
    if isinstance(value, dict):
        return subject_label({k: _describe(v) for k, v in value.items()})
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def _duplicates(result: RunResult) -> list[str]:
    lines = ["Duplicates", ""]
    for record in result.duplicates:
        text = "; ".join(f"{key}: {_describe(value)}" for key, value in record.items())
        lines.append(INDENT + one_line(text))
    return lines


def render(result: RunResult, stream: TextIO) -> None:
    groups = group_by_rule(result)
    sections = [_header(result) + [_totals(result, groups)], _rules(groups), _datasets(result),
                _findings(groups)]
    if result.rejections:
        sections.append(_rejections(result))
    if result.duplicates:
        sections.append(_duplicates(result))
    stream.write("\n\n".join("\n".join(line.rstrip() for line in s) for s in sections) + "\n")
