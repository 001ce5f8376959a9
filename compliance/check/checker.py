"""Semantic checks: symbol tables, rule shapes, types, parameters, style.

An ordered list of named passes, each appending to one diagnostics list (as in a
compiler's stage list), so `lint` can report every problem in one run.
"""
from __future__ import annotations

from typing import Any

from compliance.check.program import (
    DAY_NAMES, FIELD_TYPES, HOLIDAY_SOURCES, PERIOD_UNITS, CalendarInfo, DatasetInfo, Program,
)
from compliance.check.types import Env, Typer, compatible, literal_type
from compliance.diagnostics import Diagnostic, RuleError
from compliance.report.model import SEVERITIES
from compliance.syntax import ast
from compliance.syntax.parser import parse
from compliance.util.suggest import did_you_mean

WAIT_FIELDS = {"wait_start": "datetime", "wait_end": "datetime", "wait_number": "int", "after_reply": "bool"}
DAYSETS = set(DAY_NAMES) | {"workdays", "daily"}


def parse_literal(text: str, file: str = "<config>") -> ast.Literal:
    """Parse a parameter value given as text (site config): `24 h`, `98%`, `"x"`, `7 d`."""
    try:
        module = parse(f"param _ = {text}", file)
    except RuleError as err:
        raise ValueError(f"not a valid value: {text!r}") from err
    value = module.params[0].value
    if isinstance(value, ast.Neg) and isinstance(value.operand, ast.Literal) and value.operand.kind == "number":
        lit = value.operand
        return ast.Literal(value.span, "number", -lit.value, "-" + lit.text)
    if not isinstance(value, ast.Literal):
        raise ValueError(f"not a single value: {text!r}")
    return value


def check_modules(modules: list[ast.Module], overrides: dict[str, Any]) -> Program:
    program = Program(files=[m.file for m in modules])
    diags: list[Diagnostic] = []
    typer = Typer(program, diags)
    for stage in (_collect, _datasets, _calendars, _params, _derive_rules, _rules):
        stage(program, modules, diags, typer, overrides)
    program.diagnostics = sorted(diags, key=Diagnostic.sort_key)
    return program


# ---------------------------------------------------------------------- passes


def _collect(p: Program, modules, diags, typer, overrides) -> None:
    first: dict[tuple[str, str], ast.Span] = {}
    for module in modules:
        for kind, items in (("dataset", module.datasets), ("calendar", module.calendars),
                            ("parameter", module.params), ("rule", module.rules)):
            for item in items:
                name = item.id if kind == "rule" else item.name
                if (kind, name) in first:
                    code = "E205" if kind == "rule" else "E208"
                    diags.append(Diagnostic(code, f"{kind} {name} is already defined at "
                                                  f"{first[(kind, name)].label()}", item.span))
                    continue
                first[(kind, name)] = item.span
                if kind == "rule":
                    p.rules.append(item)
                elif kind == "parameter":
                    p.params[name] = item
                elif kind == "dataset":
                    p.datasets[name] = DatasetInfo(name, item.key, item.anchor, {}, span=item.span)
                    p.datasets[name].decl = item  # type: ignore[attr-defined]
                else:
                    p.calendars[name] = CalendarInfo(name, item.hours, item.holidays or "none", None, item.span)
                    p.calendars[name].decl = item  # type: ignore[attr-defined]


def _datasets(p: Program, modules, diags, typer: Typer, overrides) -> None:
    for ds in p.datasets.values():
        decl: ast.Dataset = ds.decl  # type: ignore[attr-defined]
        for f in decl.fields:
            if f.name.startswith(RESERVED_PREFIX):
                diags.append(_reserved(f.name, ds.name, f.span))
            if f.name in ds.fields:
                diags.append(Diagnostic("E208", f"field {f.name} is declared twice in {ds.name}", f.span))
            elif f.type not in FIELD_TYPES:
                hint = did_you_mean(f.type, sorted(FIELD_TYPES))
                diags.append(Diagnostic("E210", f"unknown field type {f.type} (expected one of "
                                                f"{', '.join(sorted(FIELD_TYPES))}){hint}", f.span))
                ds.fields[f.name] = "any"
            else:
                ds.fields[f.name] = f.type
        if not decl.key:
            diags.append(Diagnostic("E209", f"dataset {ds.name} needs a `key`", decl.span))
        for k in decl.key:
            if k not in ds.fields:
                diags.append(Diagnostic("E202", f"key field {k} is not declared in {ds.name}",
                                        decl.key_span or decl.span))
        if decl.anchor is not None:
            t = ds.fields.get(decl.anchor)
            if t is None:
                diags.append(Diagnostic("E202", f"anchor field {decl.anchor} is not declared in {ds.name}",
                                        decl.anchor_span or decl.span))
            elif t not in ("date", "datetime"):
                diags.append(Diagnostic("E301", f"anchor {decl.anchor} must be a date or datetime, not {t}",
                                        decl.anchor_span or decl.span))
        for d in decl.derives:
            _add_derived(p, ds, d, "", diags, typer, Env(ds.name, {"as_of": "datetime"}, _global_params(p)))


RESERVED_PREFIX = "__"  # the engine's own columns (__rowid, __row, __bad, bucket bounds ...)


def _reserved(name: str, dataset: str, span) -> Diagnostic:
    return Diagnostic("E211", f"field {name} of {dataset}: names starting with {RESERVED_PREFIX} are kept "
                              f"for the engine's own columns; rename it (a mapping can still read a column "
                              f"headed {name})", span)


def _add_derived(p: Program, ds: DatasetInfo, d: ast.Derive, owner: str, diags, typer: Typer, env: Env) -> None:
    if d.name.startswith(RESERVED_PREFIX):
        diags.append(_reserved(d.name, ds.name, d.span))
    if ds.type_of(d.name) is not None:
        diags.append(Diagnostic("E208", f"{ds.name} already has a field {d.name}", d.span))
        return
    t = typer.infer(d.expr, env)
    ds.derived[d.name] = (d.expr, t)
    ds.derived_owner[d.name] = owner


def _calendars(p: Program, modules, diags, typer: Typer, overrides) -> None:
    for cal in p.calendars.values():
        decl: ast.Calendar = cal.decl  # type: ignore[attr-defined]
        if cal.holidays not in HOLIDAY_SOURCES:
            diags.append(Diagnostic("E210", f"unknown holiday source {cal.holidays} (expected "
                                            f"{' or '.join(sorted(HOLIDAY_SOURCES))})",
                                    decl.holidays_span or decl.span))
        for h in decl.hours:
            for day in h.days:
                if day is not None and day not in DAYSETS:
                    diags.append(Diagnostic("E210", f"unknown day {day} (expected mon..sun, workdays or daily)",
                                            h.span))
            if h.days[1] is not None and "workdays" in h.days or "daily" in h.days and h.days[1]:
                diags.append(Diagnostic("E210", "a day range runs between day names, e.g. mon..fri", h.span))
            for start, end in h.ranges:
                if end <= start:
                    diags.append(Diagnostic("E102", "a working interval must end after it starts", h.span))
        if not decl.hours:
            diags.append(Diagnostic("E209", f"calendar {cal.name} has no `hours`", decl.span))
        if decl.working_day is not None:
            wd = decl.working_day
            if isinstance(wd, ast.Literal) and wd.kind == "duration" and wd.value > 0:
                cal.working_day_seconds = int(wd.value)
            else:
                diags.append(Diagnostic("E301", "working_day must be a duration such as 8 h", wd.span))


def _global_params(p: Program) -> dict[str, ast.Literal]:
    return {name: p.param_values[("", name)] for name in p.params if ("", name) in p.param_values}


def _param_literal(param: ast.Param, diags) -> ast.Literal | None:
    v = param.value
    if isinstance(v, ast.Neg) and isinstance(v.operand, ast.Literal) and v.operand.kind in ("number", "duration"):
        return ast.Literal(v.span, v.operand.kind, -v.operand.value, "-" + v.operand.text, v.operand.unit)
    if isinstance(v, ast.Literal):
        return v
    diags.append(Diagnostic("E301", f"parameter {param.name} must be a single value (a number, duration, "
                                    f"percentage, date, time or quoted text)", v.span))
    return None


def _override(default: ast.Literal, text: Any, where: str, diags, span: ast.Span) -> ast.Literal:
    try:
        lit = parse_literal(str(text).lower() if isinstance(text, bool) else str(text))
    except ValueError as exc:
        if default.kind == "string":  # a plain word in YAML is text: `kind: repair`
            return ast.Literal(span, "string", str(text), f'"{text}"')
        diags.append(Diagnostic("E301", f"config value for {where}: {exc}", span))
        return default
    if lit.kind == "string" and default.kind != "string" or literal_type(lit) != literal_type(default) \
            and not compatible(literal_type(lit), literal_type(default)):
        if default.kind == "string" and lit.kind != "string":
            lit = ast.Literal(lit.span, "string", str(text), f'"{text}"')
        else:
            diags.append(Diagnostic("E301", f"config value for {where} is {literal_type(lit)} "
                                            f"({text!r}); the rule expects {literal_type(default)}", span))
            return default
    return ast.Literal(span, lit.kind, lit.value, lit.text, lit.unit)


def _params(p: Program, modules, diags, typer, overrides: dict[str, Any]) -> None:
    global_over = overrides.get("", {}) or {}
    for name, param in p.params.items():
        lit = _param_literal(param, diags)
        if lit is None:
            continue
        if name in global_over:
            lit = _override(lit, global_over[name], f"parameter {name}", diags, param.span)
        p.param_values[("", name)] = lit
    rule_ids = {r.id for r in p.rules}
    for key in overrides:
        if key and key not in rule_ids:
            diags.append(Diagnostic("E203", f"config sets parameters for unknown rule {key}"
                                            f"{did_you_mean(key, sorted(rule_ids))}", ast.Span("<config>", 1, 1, 1, 1)))
    for name in global_over:
        if name not in p.params:
            diags.append(Diagnostic("E203", f"config sets unknown global parameter {name}",
                                    ast.Span("<config>", 1, 1, 1, 1)))
    for rule in p.rules:
        rule_over = overrides.get(rule.id, {}) or {}
        seen: set[str] = set()
        for param in rule.params:
            if param.name in seen:
                diags.append(Diagnostic("E208", f"parameter {param.name} is defined twice", param.span))
                continue
            seen.add(param.name)
            lit = _param_literal(param, diags)
            if lit is None:
                continue
            if param.name in rule_over:
                lit = _override(lit, rule_over[param.name], f"{rule.id}.{param.name}", diags, param.span)
            elif param.name in global_over and param.name not in p.params:
                pass
            p.param_values[(rule.id, param.name)] = lit
        for name in rule_over:
            if name not in seen:
                diags.append(Diagnostic("E203", f"config sets unknown parameter {name} for rule {rule.id}"
                                                f"{did_you_mean(name, sorted(seen))}", rule.span))


def rule_params(p: Program, rule: ast.Rule) -> dict[str, ast.Literal]:
    params = _global_params(p)
    for param in rule.params:
        if (rule.id, param.name) in p.param_values:
            params[param.name] = p.param_values[(rule.id, param.name)]
    return params


def _derive_rules(p: Program, modules, diags, typer: Typer, overrides) -> None:
    """Register fields derived by rules first, so every rule can use them."""
    for rule in p.rules:
        if not rule.derives:
            continue
        if rule.scope is None or rule.scope.dataset not in p.datasets:
            continue  # reported by _rules
        ds = p.datasets[rule.scope.dataset]
        env = Env(ds.name, {"as_of": "datetime"}, rule_params(p, rule), calendar=rule.calendar)
        for d in rule.derives:
            _add_derived(p, ds, d, rule.id, diags, typer, env)


def _rules(p: Program, modules, diags, typer: Typer, overrides) -> None:
    for rule in p.rules:
        _check_rule(p, rule, diags, typer)


# ---------------------------------------------------------------------- one rule


def _check_rule(p: Program, rule: ast.Rule, diags: list[Diagnostic], typer: Typer) -> None:
    for clause, span in rule.repeated:
        diags.append(Diagnostic("E103", f"`{clause}` is given twice in rule {rule.id}", span))
    if rule.title is None or rule.severity is None:
        missing = " and ".join(x for x, v in (("title", rule.title), ("severity", rule.severity)) if v is None)
        diags.append(Diagnostic("W402", f"rule {rule.id} has no {missing}", rule.span))
    if rule.severity is not None and rule.severity not in SEVERITIES:
        diags.append(Diagnostic("E210", f"unknown severity {rule.severity} (expected {', '.join(SEVERITIES)})"
                                        f"{did_you_mean(rule.severity, list(SEVERITIES))}",
                                rule.severity_span or rule.span))
    if not rule.source:
        diags.append(Diagnostic("W401", f"rule {rule.id} has no `source` citing the clause it enforces", rule.span))
    if rule.calendar is not None and rule.calendar not in p.calendars:
        diags.append(Diagnostic("E204", f"unknown calendar {rule.calendar}"
                                        f"{did_you_mean(rule.calendar, list(p.calendars))}",
                                rule.calendar_span or rule.span))
    calendar = rule.calendar if rule.calendar in p.calendars else None
    params = rule_params(p, rule)
    kind = rule.kind
    shape_ok = _check_shape(p, rule, kind, diags)
    if not shape_ok:
        return
    base = rule.every if kind == "cadence" else rule.scope
    ds = p.datasets[base.dataset]
    builtins = {"as_of": "datetime"}
    if kind == "cadence":
        builtins.update(period_start="datetime", period_end="datetime")
    env = Env(ds.name, dict(builtins), params, calendar=calendar)
    if base.where is not None:
        _bool(typer, base.where, env, "`where`")
    if kind == "record":
        _bool(typer, rule.require, Env(ds.name, dict(builtins), params, agg="none", calendar=calendar), "`require`")
    elif kind == "grouped":
        group_names: set[str] = set()
        for g in rule.group:
            typer.infer(g, env)
            if isinstance(g, ast.Ref):
                group_names.add(g.name)
            else:
                diags.append(Diagnostic("E301", "group by takes field names", g.span))
        if rule.per is not None:
            _check_per(p, rule, ds, diags)
        genv = Env(ds.name, dict(builtins), params, agg="group", group_fields=group_names, calendar=calendar)
        _bool(typer, rule.require, genv, "`require`")
        _needs_aggregate(rule, diags)
    elif kind == "cadence":
        if rule.per is None:
            diags.append(Diagnostic("E209", f"rule {rule.id}: `every` needs `per PERIOD`", rule.span))
        else:
            _check_per(p, rule, None, diags)
        cenv = Env(ds.name, dict(builtins), params, agg="related", calendar=calendar)
        _bool(typer, rule.require, cenv, "`require`")
    elif kind == "sequence":
        w = rule.wait
        if ds.type_of(w.by) is None:
            diags.append(Diagnostic("E202", f"unknown field {w.by} in dataset {ds.name}"
                                            f"{did_you_mean(w.by, ds.names())}", w.span))
        if ds.anchor is None:
            diags.append(Diagnostic("E209", f"`wait` orders {ds.name} by its anchor; the dataset declares none",
                                    w.span))
        _bool(typer, w.start, env, "`from`")
        _bool(typer, w.end, env, "`to`")
        wenv_names = dict(builtins, **WAIT_FIELDS)
        wenv_names[w.by] = ds.type_of(w.by) or "any"
        wenv = Env(None, wenv_names, params, calendar=calendar)
        if w.where is not None:
            _bool(typer, w.where, wenv, "`where`")
        _bool(typer, rule.require, wenv, "`require`")
    elif kind == "penalty":
        _check_penalty(p, rule, ds, builtins, params, calendar, diags, typer)
    elif kind == "coverage":
        for side in (rule.cover.start, rule.cover.end):
            t = typer.infer(side, env)
            if not compatible(t, "datetime"):
                diags.append(Diagnostic("E301", f"`cover` needs datetimes, got {t}", side.span))
    _unused_params(p, rule, diags)
    _never_met(p, rule, diags)


PENALTY_FLAGS = ("criticism", "warning", "dismissal")


def _check_penalty(p: Program, rule: ast.Rule, ds: DatasetInfo, builtins, params, calendar, diags,
                   typer: Typer) -> None:
    if not rule.penalize:
        diags.append(Diagnostic("E209", f"rule {rule.id} needs `penalize FIELD` naming who is penalised",
                                rule.span))
    for f in rule.penalize:
        if ds.type_of(f) is None:
            diags.append(Diagnostic("E202", f"unknown field {f} in dataset {ds.name}{did_you_mean(f, ds.names())}",
                                    rule.penalize_span or rule.span))
    ladder = rule.ladder
    if ladder is None:
        diags.append(Diagnostic("E209", f"rule {rule.id} needs `ladder nth|count|each`", rule.span))
        return
    w = ladder.window
    if ladder.kind not in ("nth", "count", "each"):
        diags.append(Diagnostic("E210", f"unknown ladder {ladder.kind} (expected nth, count or each)", ladder.span))
        return
    if ladder.kind == "nth" and w is not None and w[0] == "per":
        diags.append(Diagnostic("E210", "an nth ladder counts `within PERIOD` or `within N d`", ladder.span))
    if ladder.kind == "count" and (w is None or w[0] != "per"):
        diags.append(Diagnostic("E210", "a count ladder needs `per PERIOD`, e.g. `ladder count per month`",
                                ladder.span))
    if ladder.kind == "each" and w is not None:
        diags.append(Diagnostic("E210", "an each ladder takes no window", ladder.span))
    if w is not None and w[0] in ("period", "per") and w[1] not in PERIOD_UNITS:
        diags.append(Diagnostic("E210", f"unknown period {w[1]} (expected {', '.join(PERIOD_UNITS)})", ladder.span))
    if w is not None and w[0] == "rolling" and not (isinstance(w[1], (int, float)) and w[1] > 0):
        diags.append(Diagnostic("E102", "a rolling window must be longer than 0", ladder.span))
    if not rule.steps:
        diags.append(Diagnostic("E209", f"rule {rule.id} needs at least one `step ... => ACTION`", rule.span))
    names = dict(builtins, n="int")
    if ladder.kind == "count":
        env = Env(ds.name, names, params, agg="group", group_fields=set(rule.penalize) | {"n"}, calendar=calendar)
    else:
        env = Env(ds.name, names, params, calendar=calendar)
    for step in rule.steps:
        if step.cond is not None:
            _bool(typer, step.cond, env, "a step condition")
        elif step.also:
            diags.append(Diagnostic("E209", "`also` needs a condition", step.span))
        for action in step.actions:
            if action.kind == "fine":
                t = typer.infer(action.amount, Env(None, {}, params))
                if t not in ("int", "number", "any"):
                    diags.append(Diagnostic("E301", f"a fine is a number and a currency, e.g. fine 30 CNY; got {t}",
                                            action.span))
                if not (action.currency or "").isupper():
                    diags.append(Diagnostic("E210", f"currency {action.currency} should be an upper-case code "
                                                    f"such as CNY", action.span))
            elif action.kind not in PENALTY_FLAGS:
                diags.append(Diagnostic("E210", f"unknown action {action.kind} (expected fine AMOUNT CURRENCY, "
                                                f"{', '.join(PENALTY_FLAGS)}){did_you_mean(action.kind, list(PENALTY_FLAGS))}",
                                        action.span))


def _check_shape(p: Program, rule: ast.Rule, kind: str, diags) -> bool:
    ok = True
    base = rule.every if kind == "cadence" else rule.scope
    if base is None:
        diags.append(Diagnostic("E209", f"rule {rule.id} needs `for DATASET` (or `every DATASET`)", rule.span))
        return False
    if kind == "cadence" and rule.scope is not None:
        diags.append(Diagnostic("E209", "use either `for` or `every`, not both", rule.scope.span))
        ok = False
    if base.dataset not in p.datasets:
        diags.append(Diagnostic("E201", f"unknown dataset {base.dataset}{did_you_mean(base.dataset, list(p.datasets))}",
                                base.span))
        return False
    needs_require = kind in ("record", "grouped", "cadence", "sequence")
    if needs_require and rule.require is None:
        diags.append(Diagnostic("E209", f"rule {rule.id} needs a `require` clause", rule.span))
        ok = False
    if kind in ("coverage", "derive", "penalty") and rule.require is not None:
        diags.append(Diagnostic("E209", f"a {kind} rule takes no `require`", rule.span))
        ok = False
    if rule.derives and kind != "derive":
        diags.append(Diagnostic("E209", "`derive` rules only derive fields; put requirements in another rule",
                                rule.derives[0].span))
        ok = False
    extra = [(c, getattr(rule, c)) for c in ("wait", "cover") if getattr(rule, c) is not None]
    if len(extra) + (1 if rule.group or (rule.per and kind != "cadence") else 0) > 1:
        diags.append(Diagnostic("E209", "a rule is one of: record, grouped (group/per), cadence (every/per), "
                                        "sequence (wait) or coverage (cover)", rule.span))
        ok = False
    return ok


def _check_per(p: Program, rule: ast.Rule, ds: DatasetInfo | None, diags) -> None:
    per = rule.per
    if per.unit not in PERIOD_UNITS:
        diags.append(Diagnostic("E210", f"unknown period {per.unit} (expected {', '.join(PERIOD_UNITS)})"
                                        f"{did_you_mean(per.unit, list(PERIOD_UNITS))}", per.span))
    if ds is None:
        return
    field = per.of or ds.anchor
    if field is None:
        diags.append(Diagnostic("E209", f"`per {per.unit}` needs a time: `per {per.unit} of FIELD` "
                                        f"({ds.name} has no anchor)", per.span))
    elif ds.type_of(field) not in ("date", "datetime"):
        diags.append(Diagnostic("E301", f"`per ... of {field}` needs a date or datetime field", per.span))


def _bool(typer: Typer, expr: ast.Expr, env: Env, what: str) -> None:
    t = typer.infer(expr, env)
    if not compatible(t, "bool"):
        typer.error("E301", f"{what} needs a true/false condition, got {t}", expr.span)


def _needs_aggregate(rule: ast.Rule, diags) -> None:
    if not any(isinstance(e, ast.Aggregate) for e in ast.walk(rule.require)):
        diags.append(Diagnostic("E305", "a grouped rule's `require` compares an aggregate "
                                        "(count, sum, min, max, avg, share)", rule.require.span))


def _rule_exprs(rule: ast.Rule):
    for e in (rule.require, rule.scope and rule.scope.where, rule.every and rule.every.where):
        yield from ast.walk(e)
    for g in rule.group:
        yield from ast.walk(g)
    if rule.wait:
        for e in (rule.wait.start, rule.wait.end, rule.wait.where):
            yield from ast.walk(e)
    if rule.cover:
        yield from ast.walk(rule.cover.start)
        yield from ast.walk(rule.cover.end)
    for d in rule.derives:
        yield from ast.walk(d.expr)
    for step in rule.steps:
        yield from ast.walk(step.cond)
        for a in step.actions:
            yield from ast.walk(a.amount)


def _unused_params(p: Program, rule: ast.Rule, diags) -> None:
    used = {e.name for e in _rule_exprs(rule) if isinstance(e, ast.Ref) and e.qualifier is None}
    for param in rule.params:
        if param.name not in used:
            diags.append(Diagnostic("W403", f"parameter {param.name} is never used in rule {rule.id}", param.span))


def _never_met(p: Program, rule: ast.Rule, diags) -> None:
    """Thresholds no value can meet: a share above 100 % or below 0, a count below 0."""
    for e in _rule_exprs(rule):
        if not isinstance(e, ast.Compare):
            continue
        for agg, other, op in ((e.left, e.right, e.op), (e.right, e.left, _flip(e.op))):
            if not isinstance(agg, ast.Aggregate):
                continue
            value = _const_number(p, rule, other)
            if value is None:
                continue
            if agg.func == "share" and ((op in (">", ">=") and value > 1) or (op == ">" and value == 1)
                                        or (op in ("<", "<=") and value < 0) or (op == "<" and value == 0)):
                diags.append(Diagnostic("W404", f"share() is between 0 % and 100 %; `{op} {value:.0%}` can never "
                                                f"be met", e.span))
            if agg.func == "count" and ((op in ("<", "<=") and value < 0) or (op == "<" and value == 0)):
                diags.append(Diagnostic("W404", f"count() is never negative; `{op} {value:g}` can never be met",
                                        e.span))


def _flip(op: str) -> str:
    return {"<": ">", "<=": ">=", ">": "<", ">=": "<="}.get(op, op)


def _const_number(p: Program, rule: ast.Rule, e: ast.Expr) -> float | None:
    if isinstance(e, ast.Literal) and e.kind in ("number", "percent"):
        return float(e.value)
    if isinstance(e, ast.Ref) and e.qualifier is None:
        lit = rule_params(p, rule).get(e.name)
        if lit is not None and lit.kind in ("number", "percent"):
            return float(lit.value)
    return None
