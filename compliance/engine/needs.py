"""What each rule needs from the data: datasets and fields.

Used to bind only what is needed, to stop early on a missing column (naming the rule),
and to decide which unparseable values reject a row.
"""
from __future__ import annotations

from compliance.check.program import Program
from compliance.syntax import ast


def rule_exprs(rule: ast.Rule):
    roots = [rule.require, rule.scope and rule.scope.where, rule.every and rule.every.where]
    roots += list(rule.group)
    if rule.wait:
        roots += [rule.wait.start, rule.wait.end, rule.wait.where]
    if rule.cover:
        roots += [rule.cover.start, rule.cover.end]
    roots += [d.expr for d in rule.derives]
    for step in rule.steps:
        roots.append(step.cond)
        roots += [a.amount for a in step.actions]
    for root in roots:
        yield from ast.walk(root)


def rule_datasets(program: Program, rule: ast.Rule) -> list[str]:
    base = (rule.every or rule.scope).dataset
    out = [base]
    for e in rule_exprs(rule):
        res = program.refs.get(id(e))
        if isinstance(e, ast.Aggregate) and res is not None and res.kind == "dataset" and res.name not in out:
            out.append(res.name)
    return out


def _expr_fields(program: Program, exprs, out: set[tuple[str, str]], seen: set[int]) -> None:
    for e in exprs:
        if id(e) in seen:
            continue
        seen.add(id(e))
        res = program.refs.get(id(e))
        if res is None or res.kind not in ("field", "outer_field") or res.dataset is None:
            continue
        ds = program.datasets[res.dataset]
        if res.name in ds.fields:
            out.add((res.dataset, res.name))
        elif res.name in ds.derived:
            _expr_fields(program, ast.walk(ds.derived[res.name][0]), out, seen)
            owner = program.rule(ds.derived_owner.get(res.name, "")) if ds.derived_owner.get(res.name) else None
            if owner is not None and owner.scope is not None and owner.scope.where is not None:
                # a rule's derived field is only set where that rule's scope holds
                _expr_fields(program, ast.walk(owner.scope.where), out, seen)


def rule_fields(program: Program, rule: ast.Rule) -> set[tuple[str, str]]:
    """(dataset, field) pairs of declared fields the rule reads, directly or through
    derived fields, plus keys and anchors it relies on."""
    out: set[tuple[str, str]] = set()
    _expr_fields(program, rule_exprs(rule), out, set())
    base = program.datasets[(rule.every or rule.scope).dataset]
    for k in base.key:
        out.add((base.name, k))
    for name in rule_datasets(program, rule):
        ds = program.datasets[name]
        if ds.anchor and (name != base.name or rule.kind in ("record", "grouped", "sequence", "derive", "penalty")):
            out.add((name, ds.anchor))
    if rule.wait:
        out.add((base.name, rule.wait.by))
    for f in rule.penalize:
        out.add((base.name, f))
    if rule.per and rule.per.of:
        out.add((base.name, rule.per.of))
    for e in rule_exprs(rule):
        if isinstance(e, ast.Aggregate):
            res = program.refs.get(id(e))
            if res is not None and res.kind == "dataset":
                outer = program.datasets[base.name]
                on_rel = e.on_related or (outer.key[0] if outer.key else None)
                if on_rel:
                    out.add((res.name, on_rel))
                    out.add((base.name, e.on_outer or on_rel))
    return out
