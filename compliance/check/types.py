"""Expression typing and name resolution.

`Typer.infer` walks an expression once, records each node's type and what each name
resolves to, and reports every mismatch with the span of the offending node. An error
yields the type "any" so that one mistake does not cascade into many.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from compliance.check.program import PERIOD_UNITS, Program, Resolution
from compliance.diagnostics import Diagnostic
from compliance.syntax import ast
from compliance.check.regex import format_problem, regex_problem
from compliance.util.suggest import did_you_mean

NUMERIC = {"int", "number"}
TEMPORAL = {"date", "datetime"}


@dataclass
class Env:
    """Names visible to an expression."""

    dataset: str | None  # the record dataset; fields resolve here first
    names: dict[str, str] = field(default_factory=dict)  # extra names (wait fields, builtins) -> type
    params: dict[str, ast.Literal] = field(default_factory=dict)  # effective parameter literals
    agg: str = "none"  # none | group | related (cadence / record) | window
    group_fields: set[str] | None = None  # in grouped requires: names allowed outside aggregates
    outer: "Env | None" = None  # in related aggregates: the outer record
    calendar: str | None = None
    in_aggregate: bool = False


def literal_type(lit: ast.Literal) -> str:
    return {"string": "text", "number": "int" if isinstance(lit.value, int) else "number",
            "percent": "number", "bool": "bool"}.get(lit.kind, lit.kind)


def compatible(a: str, b: str) -> bool:
    if "any" in (a, b) or a == b:
        return True
    if a in NUMERIC and b in NUMERIC:
        return True
    return a in TEMPORAL and b in TEMPORAL


FUNCTIONS: dict[str, tuple[list[set[str]], str]] = {
    # name: (argument type sets, result) ; "same" = type of the first argument
    "date": ([TEMPORAL], "date"),
    "time": ([{"datetime"}], "time"),
    "weekday": ([TEMPORAL], "int"),
    "hour": ([{"datetime", "time"}], "int"),
    "minute": ([{"datetime", "time"}], "int"),
    "year": ([TEMPORAL], "int"),
    "quarter": ([TEMPORAL], "int"),
    "month": ([TEMPORAL], "int"),
    "day": ([TEMPORAL], "int"),
    "combine": ([{"date"}, {"time"}], "datetime"),
    "days_between": ([TEMPORAL, TEMPORAL], "int"),
    "hours": ([{"duration"}], "number"),
    "minutes": ([{"duration"}], "number"),
    "seconds": ([{"duration"}], "number"),
    "lower": ([{"text"}], "text"),
    "upper": ([{"text"}], "text"),
    "trim": ([{"text"}], "text"),
    "length": ([{"text"}], "int"),
    "format": ([TEMPORAL, {"text"}], "text"),
    "abs": ([NUMERIC | {"duration"}], "same"),
    "round": ([NUMERIC], "number"),
}
VARIADIC = {"coalesce", "least", "greatest", "unique", "if", "substr"}


class Typer:
    def __init__(self, program: Program, diagnostics: list[Diagnostic]):
        self.p = program
        self.diags = diagnostics

    def error(self, code: str, message: str, span: ast.Span) -> str:
        self.diags.append(Diagnostic(code, message, span))
        return "any"

    def infer(self, expr: ast.Expr, env: Env) -> str:
        t = self._infer(expr, env)
        self.p.types[id(expr)] = t
        return t

    # ------------------------------------------------------------------ dispatch
    def _infer(self, e: ast.Expr, env: Env) -> str:
        method = getattr(self, "t_" + type(e).__name__)
        return method(e, env)

    def t_Literal(self, e: ast.Literal, env: Env) -> str:
        if e.kind == "working":
            self._need_calendar(e, env, e.unit)
        return literal_type(e)

    def _need_calendar(self, e: ast.Expr, env: Env, unit: str | None) -> None:
        if env.calendar is None:
            self.error("E302", "working time needs a calendar: add `calendar NAME` to the rule", e.span)
            return
        cal = self.p.calendars.get(env.calendar)
        if cal is not None and unit == "day" and cal.working_day_seconds is None:
            self.error("E302", f"calendar {cal.name} defines no working_day, so working days cannot be counted",
                       e.span)

    def t_Ref(self, e: ast.Ref, env: Env) -> str:
        if e.qualifier is not None:
            return self._qualified(e, env)
        # record fields first, then wait/builtin names, then parameters
        if env.dataset is not None:
            ds = self.p.datasets.get(env.dataset)
            t = ds.type_of(e.name) if ds else None
            if t is not None:
                return self._field_ok(e, env, env.dataset, t, "field")
        if e.name in env.names:
            if env.group_fields is not None and not env.in_aggregate and e.name not in env.group_fields \
                    and e.name not in ("as_of", "period_start", "period_end"):
                return self.error("E305", f"{e.name} is neither a group field nor inside an aggregate", e.span)
            self.p.refs[id(e)] = Resolution("builtin", e.name)
            return env.names[e.name]
        if e.name in env.params:
            lit = env.params[e.name]
            self.p.refs[id(e)] = Resolution("param", e.name, value=lit)
            if lit.kind == "working":
                self._need_calendar(e, env, lit.unit)
            return literal_type(lit)
        if env.outer is not None:
            return self.t_Ref(e, env.outer) if self._visible(e.name, env.outer) else self._unknown(e, env)
        if e.name in self.p.datasets:
            return self.error("E305", f"dataset {e.name} can only be used inside an aggregate, "
                                      f"e.g. count({e.name} where ...)", e.span)
        return self._unknown(e, env)

    def _visible(self, name: str, env: Env) -> bool:
        ds = self.p.datasets.get(env.dataset) if env.dataset else None
        return bool((ds and ds.type_of(name)) or name in env.names or name in env.params
                    or (env.outer and self._visible(name, env.outer)))

    def _field_ok(self, e: ast.Ref, env: Env, dataset: str, t: str, kind: str) -> str:
        if env.group_fields is not None and not env.in_aggregate and e.name not in env.group_fields:
            return self.error("E305", f"{e.name} is neither a group field nor inside an aggregate", e.span)
        self.p.refs[id(e)] = Resolution(kind, e.name, dataset=dataset)
        return t

    def _unknown(self, e: ast.Ref, env: Env) -> str:
        candidates: list[str] = list(env.names) + list(env.params)
        scope = env
        while scope is not None:
            if scope.dataset and scope.dataset in self.p.datasets:
                candidates += self.p.datasets[scope.dataset].names()
            scope = scope.outer
        where = f" in dataset {env.dataset}" if env.dataset else ""
        hint = did_you_mean(e.name, candidates)
        code = "E202" if env.dataset else "E203"
        return self.error(code, f"unknown field {e.name}{where}{hint}", e.span)

    def _qualified(self, e: ast.Ref, env: Env) -> str:
        scope, depth = env, 0
        while scope is not None:
            if scope.dataset == e.qualifier:
                ds = self.p.datasets[scope.dataset]
                t = ds.type_of(e.name)
                if t is None:
                    hint = did_you_mean(e.name, ds.names())
                    return self.error("E202", f"unknown field {e.name} in dataset {e.qualifier}{hint}", e.span)
                self.p.refs[id(e)] = Resolution("field" if depth == 0 else "outer_field", e.name,
                                                dataset=e.qualifier)
                return t
            scope, depth = scope.outer, depth + 1
        if e.qualifier in self.p.datasets:
            return self.error("E305", f"dataset {e.qualifier} is not in scope here; "
                                      f"use it inside an aggregate such as min({e.qualifier}.{e.name} ...)", e.span)
        hint = did_you_mean(e.qualifier, list(self.p.datasets))
        return self.error("E201", f"unknown dataset {e.qualifier}{hint}", e.span)

    # ------------------------------------------------------------------ operators
    def t_BoolOp(self, e: ast.BoolOp, env: Env) -> str:
        for side in (e.left, e.right):
            t = self.infer(side, env)
            if not compatible(t, "bool"):
                self.error("E301", f"`{e.op}` needs true/false on both sides, got {t}", side.span)
        return "bool"

    def t_Not(self, e: ast.Not, env: Env) -> str:
        t = self.infer(e.operand, env)
        if not compatible(t, "bool"):
            self.error("E301", f"`not` needs true/false, got {t}", e.operand.span)
        return "bool"

    def t_Neg(self, e: ast.Neg, env: Env) -> str:
        t = self.infer(e.operand, env)
        if t not in NUMERIC | {"duration", "any"}:
            return self.error("E301", f"cannot negate {t}", e.span)
        return t

    def t_Binary(self, e: ast.Binary, env: Env) -> str:
        a, b = self.infer(e.left, env), self.infer(e.right, env)
        if "any" in (a, b):
            return "any"
        op = e.op
        table = {
            ("+", "datetime", "duration"): "datetime", ("-", "datetime", "duration"): "datetime",
            ("+", "date", "duration"): "datetime", ("-", "date", "duration"): "datetime",
            ("+", "duration", "datetime"): "datetime",
            ("-", "datetime", "datetime"): "duration", ("-", "date", "date"): "duration",
            ("-", "datetime", "date"): "duration", ("-", "date", "datetime"): "duration",
            ("+", "duration", "duration"): "duration", ("-", "duration", "duration"): "duration",
            ("+", "time", "duration"): "time", ("-", "time", "duration"): "time",
            ("-", "time", "time"): "duration",
            ("/", "duration", "duration"): "number",
        }
        if (op, a, b) in table:
            return table[(op, a, b)]
        if a in NUMERIC and b in NUMERIC:
            return "number" if op == "/" or "number" in (a, b) else "int"
        if op in "*/" and a == "duration" and b in NUMERIC:
            return "duration"
        if op == "*" and a in NUMERIC and b == "duration":
            return "duration"
        if op == "+" and a == "text" and b == "text":
            return "text"
        return self.error("E301", f"cannot apply `{op}` to {a} and {b}", e.span)

    def t_Compare(self, e: ast.Compare, env: Env) -> str:
        a, b = self.infer(e.left, env), self.infer(e.right, env)
        if not compatible(a, b):
            self.error("E301", f"cannot compare {a} with {b}", e.span)
        elif e.op not in ("=", "!=") and a in ("bool", "text") and b == a and a != "text":
            self.error("E301", f"`{e.op}` does not order true/false values", e.span)
        if "working" in (a, b):
            self.error("E301", "working time can only be used as the limit of `within`", e.span)
        return "bool"

    def t_InList(self, e: ast.InList, env: Env) -> str:
        a = self.infer(e.operand, env)
        for item in e.items:
            t = self.infer(item, env)
            if not compatible(a, t):
                self.error("E301", f"list item of type {t} cannot match {a}", item.span)
        return "bool"

    def t_IsSet(self, e: ast.IsSet, env: Env) -> str:
        self.infer(e.operand, env)
        return "bool"

    def t_Matches(self, e: ast.Matches, env: Env) -> str:
        a = self.infer(e.operand, env)
        if not compatible(a, "text"):
            self.error("E301", f"`matches` needs text on the left, got {a}", e.operand.span)
        if not (isinstance(e.pattern, ast.Literal) and e.pattern.kind == "string"):
            t = self.infer(e.pattern, env)
            if t != "text" or not isinstance(e.pattern, ast.Ref) or e.pattern.name not in env.params:
                self.error("E301", "`matches` needs a quoted regular expression (or a text parameter)",
                           e.pattern.span)
                return "bool"
        else:
            self.infer(e.pattern, env)
        pattern = self._const_text(e.pattern, env)
        if pattern is not None:
            problem = regex_problem(pattern)
            if problem:
                self.error("E304", f"RE2 cannot compile {pattern!r}: {problem}", e.pattern.span)
        return "bool"

    def _const_text(self, e: ast.Expr, env: Env) -> str | None:
        if isinstance(e, ast.Literal) and e.kind == "string":
            return e.value
        if isinstance(e, ast.Ref) and e.name in env.params and env.params[e.name].kind == "string":
            return env.params[e.name].value
        return None

    def t_Within(self, e: ast.Within, env: Env) -> str:
        for side, what in ((e.target, "the time checked"), (e.start, "the start time")):
            t = self.infer(side, env)
            if not compatible(t, "datetime"):
                self.error("E301", f"`within` needs a date or datetime as {what}, got {t}", side.span)
        lt = self.infer(e.limit, env)
        if lt not in ("duration", "working", "any"):
            self.error("E301", f"`within` needs a duration limit such as 24 h or 1 working day, got {lt}",
                       e.limit.span)
        return "bool"

    def t_Case(self, e: ast.Case, env: Env) -> str:
        result = None
        for cond, value in e.whens:
            ct = self.infer(cond, env)
            if not compatible(ct, "bool"):
                self.error("E301", f"`when` needs true/false, got {ct}", cond.span)
            vt = self.infer(value, env)
            result = result or vt
            if not compatible(result, vt):
                self.error("E301", f"case branches mix {result} and {vt}", value.span)
        if e.otherwise is not None:
            vt = self.infer(e.otherwise, env)
            if result and not compatible(result, vt):
                self.error("E301", f"case branches mix {result} and {vt}", e.otherwise.span)
        return result or "any"

    def t_Call(self, e: ast.Call, env: Env) -> str:
        name = e.name
        types = [self.infer(a, env) for a in e.args]
        if name in VARIADIC:
            return self._variadic(e, env, types)
        if name not in FUNCTIONS:
            hint = did_you_mean(name, list(FUNCTIONS) + sorted(VARIADIC))
            return self.error("E206", f"unknown function {name}(){hint}", e.span)
        wanted, result = FUNCTIONS[name]
        if len(types) != len(wanted):
            return self.error("E303", f"{name}() takes {len(wanted)} argument(s), got {len(types)}", e.span)
        for arg, t, allowed in zip(e.args, types, wanted):
            if t != "any" and t not in allowed:
                self.error("E301", f"{name}() cannot take {t} (expected {' or '.join(sorted(allowed))})", arg.span)
        if name == "format":
            pattern = self._const_text(e.args[1], env)
            problem = format_problem(pattern) if pattern is not None else None
            if problem:
                self.error("E306", f"invalid date format {pattern!r}: {problem}", e.args[1].span)
        return types[0] if result == "same" else result

    def _variadic(self, e: ast.Call, env: Env, types: list[str]) -> str:
        name, n = e.name, len(types)
        if name == "if":
            if n != 3:
                return self.error("E303", f"if() takes 3 arguments (condition, then, else), got {n}", e.span)
            if not compatible(types[0], "bool"):
                self.error("E301", f"if() needs a true/false condition, got {types[0]}", e.args[0].span)
            if not compatible(types[1], types[2]):
                self.error("E301", f"if() branches mix {types[1]} and {types[2]}", e.span)
            return types[1]
        if name == "substr":
            if n not in (2, 3):
                return self.error("E303", f"substr() takes 2 or 3 arguments (text, start[, length]), got {n}", e.span)
            if types[0] not in ("text", "any"):
                self.error("E301", f"substr() needs text, got {types[0]}", e.args[0].span)
            for arg, t in zip(e.args[1:], types[1:]):
                if t not in NUMERIC | {"any"}:
                    self.error("E301", f"substr() positions are numbers, got {t}", arg.span)
            return "text"
        if n == 0:
            return self.error("E303", f"{name}() needs at least one argument", e.span)
        if name == "unique":
            if env.agg not in ("none", "window"):
                self.error("E305", "unique() is only available in record rules", e.span)
            return "bool"
        for arg, t in zip(e.args[1:], types[1:]):
            if not compatible(types[0], t):
                self.error("E301", f"{name}() mixes {types[0]} and {t}", arg.span)
        return types[0]

    # ------------------------------------------------------------------ aggregates
    def t_Aggregate(self, e: ast.Aggregate, env: Env) -> str:
        if env.in_aggregate:
            return self.error("E305", f"{e.func}() cannot be nested inside another aggregate", e.span)
        related = self._related_dataset(e, env)
        if related is None and env.agg != "group":
            if env.agg == "none":
                return self.error("E305", f"{e.func}() needs a dataset here, e.g. {e.func}(visits where ...)",
                                  e.span)
        if related is not None:
            return self._related(e, env, related)
        # aggregate over the group's own records
        inner = Env(env.dataset, dict(env.names), env.params, agg="group", group_fields=None,
                    outer=None, calendar=env.calendar, in_aggregate=True)
        return self._agg_result(e, inner, env)

    def _related_dataset(self, e: ast.Aggregate, env: Env) -> str | None:
        arg = e.arg
        if isinstance(arg, ast.Ref) and arg.qualifier is None and arg.name in self.p.datasets \
                and not (env.dataset and self.p.datasets[env.dataset].type_of(arg.name)):
            return arg.name
        if isinstance(arg, ast.Ref) and arg.qualifier in self.p.datasets and arg.qualifier != env.dataset:
            return arg.qualifier
        return None

    def _related(self, e: ast.Aggregate, env: Env, related: str) -> str:
        if env.agg not in ("related", "none", "window"):
            return self.error("E305", f"{e.func}() over another dataset is not available in grouped rules",
                              e.span)
        ds = self.p.datasets[related]
        outer_ds = self.p.datasets.get(env.dataset) if env.dataset else None
        on_rel = e.on_related or (outer_ds.key[0] if outer_ds and len(outer_ds.key) == 1 else None)
        on_out = e.on_outer or on_rel
        if on_rel is None:
            return self.error("E209", f"say how {related} joins this record: {e.func}({related} on FIELD ...)",
                              e.span)
        if ds.type_of(on_rel) is None:
            hint = did_you_mean(on_rel, ds.names())
            return self.error("E202", f"{related} has no field {on_rel} to join on{hint}; "
                                      f"name it with `on FIELD = {on_out}`", e.span)
        if outer_ds is not None and outer_ds.type_of(on_out) is None:
            return self.error("E202", f"{env.dataset} has no field {on_out} to join on", e.span)
        if e.over is not None and e.over not in PERIOD_UNITS:
            return self.error("E210", f"unknown period {e.over} (expected {', '.join(PERIOD_UNITS)})", e.span)
        if e.over is not None and env.agg != "related":
            return self.error("E305", "`over PERIOD` is only available in `every ... per ...` rules", e.span)
        self.p.refs[id(e)] = Resolution("dataset", related, dataset=related)
        inner = Env(related, {"as_of": "datetime"}, env.params, agg="none", outer=env,
                    calendar=env.calendar, in_aggregate=True)
        return self._agg_result(e, inner, env, related=True)

    def _agg_result(self, e: ast.Aggregate, inner: Env, env: Env, related: bool = False) -> str:
        if e.where is not None:
            wt = self.infer(e.where, inner)
            if not compatible(wt, "bool"):
                self.error("E301", f"`where` needs true/false, got {wt}", e.where.span)
        value_arg = e.arg
        if related and isinstance(e.arg, ast.Ref) and e.arg.qualifier is None:
            value_arg = None  # count(visits ...): the dataset itself
        self.p.agg_values[id(e)] = value_arg
        t = self.infer(value_arg, inner) if value_arg is not None else None
        f = e.func
        if f == "count":
            if t is not None and not related:
                if not compatible(t, "bool"):
                    return self.error("E301", "count() counts records; use count(where COND) or "
                                              "count(COND) with a true/false condition", e.span)
            return "int"
        if f == "share":
            if t is None or not compatible(t, "bool"):
                return self.error("E301", "share() needs a true/false condition: share(COND)", e.span)
            return "number"
        if t is None:
            return self.error("E303", f"{f}() needs a value, e.g. {f}(duration_s)", e.span)
        if f in ("sum", "avg"):
            if t not in NUMERIC | {"duration", "any"}:
                return self.error("E301", f"{f}() needs numbers or durations, got {t}", e.span)
            return "number" if f == "avg" and t in NUMERIC else t
        return t  # min / max keep the type
