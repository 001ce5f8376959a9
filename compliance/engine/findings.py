"""Turn the failing rows of one compiled rule into `Finding` records.

A rule can fail on hundreds of thousands of rows, so what depends on the rule alone
(columns, field types, printed aggregates, the message builder) is worked out once in a
`_Plan` kept with the compiled rule across result chunks; per row, values are only read
and formatted.
"""
from __future__ import annotations

import datetime as dt
import gc
from contextlib import contextmanager
from typing import Any, Callable, Iterator

from compliance.check.checker import rule_params
from compliance.compile.periods import bucket_label
from compliance.compile.queries import CompiledRule
from compliance.engine.messages import Explainer, fmt_datetime, fmt_duration, fmt_value, json_value
from compliance.report.json_text import key, scalar, string
from compliance.report.model import Derived, Finding
from compliance.syntax import ast
from compliance.syntax.printer import expr_text

MAX_LOCATIONS = 50


def build_findings(runner, compiled: CompiledRule, rows: list[dict[str, Any]]) -> tuple[list[Finding], list[Derived]]:
    if compiled.kind == "derive":
        return [], _derived(compiled, rows)
    if compiled.kind == "coverage":
        return _gaps(compiled, rows), []
    plan = plan_of(runner, compiled)
    return [plan.finding(row) for row in rows], []


def plan_of(runner, compiled: CompiledRule) -> _Plan:
    """The rule's plan, made on first use (a check or cadence rule: not derive or coverage)."""
    plan = compiled.extra.get("plan")
    if plan is None:
        plan = compiled.extra["plan"] = _Plan(runner, compiled)
    return plan


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while findings pile up. They hold no reference
    cycles, yet each full collection walks every finding kept so far: with 100 000
    findings that took as long as building them."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class _Plan:
    """How one rule's failing rows become findings, worked out once per rule."""

    def __init__(self, runner, compiled: CompiledRule):
        rule, p = compiled.rule, runner.p
        self.rule, self.title, self.severity = rule.id, rule.title or rule.id, rule.severity or "major"
        self.dataset = compiled.dataset
        calendar = runner.calendars[rule.calendar].calendar if rule.calendar in runner.calendars else None
        self.reason = Explainer(p, compiled.leaves, calendar, rule_params(p, rule)).reason(rule.require)
        self.subject = _subject_columns(compiled)
        self.bucket_unit = compiled.bucket_unit
        self.bucketed = compiled.kind in ("grouped", "cadence")
        self.fallback_period = runner.period.label
        self.periods: dict[Any, str] = {}  # bucket start -> label; a rule has few buckets
        self.grouped = compiled.kind == "grouped"
        self._text: _PlanText | None = None
        # (name, column, type) per evidence value: fields first, then aggregates by their text
        ds = p.datasets.get(compiled.dataset)
        self.evidence = [(name, f"__e_{name}", ds.type_of(name) if ds else None) for name in compiled.evidence]
        for leaf in compiled.leaves:
            for key in leaf.operands:
                node = _operand_node(leaf.node, key)
                if node is not None and isinstance(node, ast.Aggregate):
                    self.evidence.append((expr_text(node), f"__l{leaf.index}_{key}", p.type_of(node)))

    def finding(self, row: dict[str, Any]) -> Finding:
        subject = {name: fmt_value(row[column]) for name, column in self.subject}
        if self.bucketed:
            subject["period"] = self._period(row["__b_start"])
        evidence = {name: json_value(row.get(column), type_) for name, column, type_ in self.evidence}
        rowids = self._rowids(row)
        status = "pending" if row.get("__verdict") is None else "violation"
        return Finding(self.rule, self.title, self.severity, status, self.dataset, subject, self.reason(row),
                       evidence, [], len(rowids), rowids[:MAX_LOCATIONS])

    def json_text(self, row: dict[str, Any], location: Callable[[Any], str]) -> str:
        """The JSON report's text of `finding(row)` (see report/json_text.py), written from
        the row; `location(rowid)` gives a record's location as JSON text."""
        text = self._text
        if text is None:
            text = self._text = _PlanText(self)
        subject = [name + string(fmt_value(row[column]) if column else self._period(row["__b_start"]))
                   for name, column in text.subject]
        evidence = ", ".join([name + encode(row.get(column)) for name, column, encode in text.evidence])
        rowids = self._rowids(row)
        status = '"pending"' if row.get("__verdict") is None else '"violation"'
        locations = ", ".join([location(r) for r in rowids[:MAX_LOCATIONS]])
        return (f'{text.head}{status}{text.dataset}{", ".join(subject)}}}, "message": {string(self.reason(row))}, '
                f'"evidence": {{{evidence}}}, "locations": [{locations}], "locations_total": {len(rowids)}}}')

    def _rowids(self, row: dict[str, Any]) -> list:
        """The records behind the finding: a group's, or the one record's."""
        if self.grouped:
            return list(row.get("__rowids") or [])
        rowid = row.get("__rowid")
        return [rowid] if rowid is not None else []

    def _period(self, start) -> str:
        label = self.periods.get(start)
        if label is None:
            label = self.periods[start] = bucket_label(self.bucket_unit, start, self.fallback_period)
        return label


class _PlanText:
    """The fixed parts of a rule's findings as JSON text: opening members, member names."""

    def __init__(self, plan: _Plan):
        self.head = (f'{{"rule": {string(plan.rule)}, "title": {string(plan.title)}, '
                     f'"severity": {string(plan.severity)}, "status": ')
        self.dataset = f', "dataset": {string(plan.dataset)}, "subject": {{'
        # built as `finding` builds its dicts: a name met again keeps its place, takes the new value
        subject: dict[str, str | None] = dict(plan.subject)
        if plan.bucketed:
            subject["period"] = None  # the bucket's label
        evidence = {name: (column, type_) for name, column, type_ in plan.evidence}
        self.subject = [(key(name), column) for name, column in subject.items()]
        self.evidence = [(key(name), column, _evidence_text(type_)) for name, (column, type_) in evidence.items()]


def _evidence_text(type_: str | None) -> Callable[[Any], str]:
    """An evidence value's JSON text, `scalar(json_value(value, type_))`, with the value
    classes a field of that type has taken straight to their text."""
    def generic(value: Any) -> str:
        return scalar(json_value(value, type_))
    if type_ == "datetime":
        return lambda value: f'"{fmt_datetime(value)}"' if value.__class__ is dt.datetime else generic(value)
    if type_ == "duration":
        return lambda value: f'"{fmt_duration(value)}"' if value.__class__ is float else generic(value)
    if type_ == "text":
        return lambda value: string(value) if value.__class__ is str else generic(value)
    return generic


def _subject_columns(compiled: CompiledRule) -> list[tuple[str, str]]:
    """(subject name, result column) pairs: the columns are named `__k_<name>`."""
    return [(c[len("__k_"):], c) for c in compiled.subject]


def _derived(compiled: CompiledRule, rows: list[dict[str, Any]]) -> list[Derived]:
    rule = compiled.rule
    keys = _subject_columns(compiled)
    fields = [(d.name, f"__d_{d.name}") for d in rule.derives]
    out: list[Derived] = []
    for row in rows:
        subject = {name: fmt_value(row[column]) for name, column in keys}
        rowid = row["__rowid"]
        out += [Derived(rule.id, compiled.dataset, subject, name, json_value(row[column]), rowid=rowid)
                for name, column in fields]
    return out


def _gaps(compiled: CompiledRule, rows: list[dict[str, Any]]) -> list[Finding]:
    rule = compiled.rule
    title, severity = rule.title or rule.id, rule.severity or "major"
    out = []
    for row in rows:
        start, end = row["gap_start"], row["gap_end"]
        out.append(Finding(
            rule.id, title, severity, "violation", compiled.dataset,
            {"from": fmt_value(start), "to": fmt_value(end)},
            f"no record covers {fmt_value(start)} to {fmt_value(end)} "
            f"({fmt_duration((end - start).total_seconds())} uncovered)",
            {"gap_seconds": (end - start).total_seconds()}, [], 0))
    return out


def _operand_node(node: ast.Expr, key: str) -> ast.Expr | None:
    if isinstance(node, ast.Compare):
        return node.left if key == "left" else node.right if key == "right" else None
    return None
