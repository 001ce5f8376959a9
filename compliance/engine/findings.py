"""Turn the failing rows of one compiled rule into `Finding` records."""
from __future__ import annotations

from typing import Any

from compliance.check.checker import rule_params
from compliance.compile.periods import bucket_label
from compliance.compile.queries import CompiledRule
from compliance.engine.messages import Explainer, fmt_duration, fmt_value, json_value
from compliance.report.model import Derived, Finding
from compliance.syntax import ast
from compliance.syntax.printer import expr_text

MAX_LOCATIONS = 50


def _status(row: dict[str, Any]) -> str:
    return "pending" if row.get("__verdict") is None else "violation"


def build_findings(runner, compiled: CompiledRule, rows: list[dict[str, Any]]) -> tuple[list[Finding], list[Derived]]:
    rule = compiled.rule
    p = runner.p
    title = rule.title or rule.id
    severity = rule.severity or "major"
    findings: list[Finding] = []
    derived: list[Derived] = []
    if compiled.kind == "derive":
        for row in rows:
            subject = {c[len("__k_"):]: fmt_value(row[c]) for c in compiled.subject}
            for d in rule.derives:
                derived.append(Derived(rule.id, compiled.dataset, subject, d.name, json_value(row[f"__d_{d.name}"]),
                                       rowid=row["__rowid"]))
        return findings, derived
    if compiled.kind == "coverage":
        for row in rows:
            start, end = row["gap_start"], row["gap_end"]
            findings.append(Finding(
                rule.id, title, severity, "violation", compiled.dataset,
                {"from": fmt_value(start), "to": fmt_value(end)},
                f"no record covers {fmt_value(start)} to {fmt_value(end)} "
                f"({fmt_duration((end - start).total_seconds())} uncovered)",
                {"gap_seconds": (end - start).total_seconds()}, [], 0))
        return findings, derived
    calendar = runner.calendars.get(rule.calendar).calendar if rule.calendar in runner.calendars else None
    params = rule_params(p, rule)
    texts = compiled.extra.setdefault("texts", {})
    for row in rows:
        explainer = Explainer(p, compiled.leaves, row, calendar, runner.as_of, params, texts)
        message = explainer.explain(rule.require)
        subject = {c[len("__k_"):]: fmt_value(row[c]) for c in compiled.subject}
        if compiled.kind in ("grouped", "cadence"):
            subject["period"] = bucket_label(compiled.bucket_unit, row["__b_start"], runner.period.label)
        evidence: dict[str, Any] = {}
        for name in compiled.evidence:
            evidence[name] = json_value(row.get(f"__e_{name}"), _type(p, compiled.dataset, name))
        for leaf in compiled.leaves:
            for key in leaf.operands:
                node = _operand_node(leaf.node, key)
                if node is not None and isinstance(node, ast.Aggregate):
                    value = row.get(f"__l{leaf.index}_{key}")
                    evidence[expr_text(node)] = json_value(value, p.type_of(node))
        if compiled.kind in ("grouped",):
            rowids = list(row.get("__rowids") or [])
        else:
            rowids = [row["__rowid"]] if row.get("__rowid") is not None else []
        findings.append(Finding(rule.id, title, severity, _status(row), compiled.dataset, subject, message, evidence,
                                [], len(rowids), rowids[:MAX_LOCATIONS]))
    return findings, derived


def _type(p, dataset: str, name: str) -> str | None:
    ds = p.datasets.get(dataset)
    return ds.type_of(name) if ds else None


def _operand_node(node: ast.Expr, key: str) -> ast.Expr | None:
    if isinstance(node, ast.Compare):
        return node.left if key == "left" else node.right if key == "right" else None
    return None
