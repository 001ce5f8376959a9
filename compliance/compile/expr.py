"""Compile checked expressions to sqlglot trees.

Values from rule files become sqlglot literal nodes, never SQL text, so no rule or
config value can change the shape of a query. Conventions: durations and times of day
are seconds (DOUBLE), datetimes are site-local TIMESTAMPs, booleans are three-valued
where NULL means "pending" (a deadline or period that has not passed yet).
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from sqlglot import exp

from compliance.check.program import Program, Resolution
from compliance.engine.calendar import WorkCalendar
from compliance.syntax import ast

WORKING_UNIT_SECONDS = {"minute": 60, "hour": 3600}


_SUB_ALIAS = re.compile(r"__(?:rel|cal)[0-9]+")


def _all(conds: list[exp.Expression]) -> exp.Expression:
    """The conjunction of `conds`, left to right."""
    out = conds[0]
    for c in conds[1:]:
        out = exp.And(this=out, expression=c)
    return out


class CompileError(Exception):
    pass


def col(name: str, table: str | None = None) -> exp.Column:
    return exp.column(name, table=table, quoted=True)


def lit(value) -> exp.Expression:
    if value is None:
        return exp.Null()
    if isinstance(value, bool):
        return exp.true() if value else exp.false()
    if isinstance(value, (int, float)):
        if isinstance(value, float) and value < 0 or isinstance(value, int) and value < 0:
            return exp.Neg(this=exp.Literal.number(-value))
        return exp.Literal.number(value)
    if isinstance(value, dt.datetime):
        return cast(exp.Literal.string(value.isoformat(sep=" ")), "TIMESTAMP")
    if isinstance(value, dt.date):
        return cast(exp.Literal.string(value.isoformat()), "DATE")
    return exp.Literal.string(str(value))


def cast(e: exp.Expression, to: str) -> exp.Cast:
    return exp.Cast(this=e, to=exp.DataType.build(to))


def fn(name: str, *args: exp.Expression) -> exp.Expression:
    return exp.Anonymous(this=name, expressions=list(args))


def coalesce(*args: exp.Expression) -> exp.Coalesce:
    return exp.Coalesce(this=args[0], expressions=list(args[1:]))


def filter_form(e: exp.Expression) -> exp.Expression:
    """`e` for a WHERE clause, where NULL and FALSE both drop the row: COALESCE(x,
    FALSE) is just x there (also under AND and OR, not under NOT). Plain comparisons
    let DuckDB filter while it scans (zone maps, dictionaries) instead of afterwards."""
    if isinstance(e, exp.Coalesce) and len(e.expressions) == 1 and e.expressions[0] == exp.false():
        return filter_form(e.this)
    if isinstance(e, (exp.And, exp.Or)):
        return e.__class__(this=filter_form(e.this), expression=filter_form(e.expression))
    if isinstance(e, exp.Paren):
        return exp.Paren(this=filter_form(e.this))
    return e


def is_null(e: exp.Expression) -> exp.Is:
    return exp.Is(this=e, expression=exp.Null())


def not_null(e: exp.Expression) -> exp.Not:
    return exp.Not(this=is_null(e))


def case(*whens: tuple[exp.Expression, exp.Expression], default: exp.Expression | None = None) -> exp.Case:
    c = exp.Case()
    for cond, value in whens:
        c = c.when(cond, value, copy=False)
    if default is not None:
        c = c.else_(default, copy=False)
    return c


def paren(e: exp.Expression) -> exp.Paren:
    return exp.Paren(this=e)


def epoch(e: exp.Expression) -> exp.Expression:
    return fn("epoch", e)


def plus_seconds(ts: exp.Expression, seconds: exp.Expression) -> exp.Expression:
    micros = exp.Mul(this=cast(paren(seconds), "DOUBLE"), expression=exp.Literal.number(1000000))
    return exp.Add(this=ts, expression=fn("to_microseconds", cast(fn("round", micros), "BIGINT")))


@dataclass
class CalendarTable:
    table: str
    calendar: WorkCalendar
    slots: int


@dataclass
class Bucket:
    """Period columns visible to aggregates: the bucket and its enclosing periods."""

    start: exp.Expression
    end: exp.Expression
    parents: dict[str, tuple[exp.Expression, exp.Expression]] = field(default_factory=dict)
    # every bucket's bounds as a relation (cadence rules: the VALUES list the records are
    # crossed with), whose columns are named as `start`, `end` and the parents' columns
    bounds: exp.Expression | None = None


@dataclass
class Ctx:
    program: Program
    params: dict[str, ast.Literal]
    as_of: dt.datetime
    calendars: dict[str, CalendarTable]
    alias: str
    dataset: str | None
    calendar: str | None = None
    outer_alias: str | None = None
    outer_dataset: str | None = None
    bucket: Bucket | None = None  # cadence: current bucket bounds; period_start / period_end
    names_alias: str | None = None  # relation holding builtin names (wait fields)
    names_sql: dict[str, exp.Expression] = field(default_factory=dict)  # builtin names bound to expressions

    def inner(self, alias: str, dataset: str) -> "Ctx":
        return Ctx(self.program, self.params, self.as_of, self.calendars, alias, dataset, self.calendar,
                   outer_alias=self.alias, outer_dataset=self.dataset, bucket=self.bucket)


class ExprCompiler:
    """Rule expressions to sqlglot trees over the relation `ctx.alias`.

    With `hoist=True`, each scalar subquery at the top level (a related-dataset
    aggregate, a calendar lookup) is compiled once and read as a column `__aN` of that
    relation: a rule mentions the same aggregate in its verdict and in the operands its
    message shows, and DuckDB plans every copy of a subquery as a join of its own. The
    caller then selects `hoisted` on a relation under the alias (queries._with_hoisted).
    A cadence rule's count (or sum ...) of related records that reads nothing of the
    record but its key is hoisted as a grouped relation joined to the records instead.
    """

    def __init__(self, ctx: Ctx, hoist: bool = False):
        self.ctx = ctx
        self.top = ctx
        self.n_sub = 0
        # (column, scalar subquery) or (column, (grouped relation, join condition))
        self.hoisted: list[tuple[str, exp.Expression | tuple[exp.Expression, exp.Expression]]] = []
        self._hoist_on = hoist
        self._hoisted_by_key: dict[str, str] = {}

    def _hoist(self, sub: exp.Expression, join: tuple[exp.Expression, exp.Expression] | None = None
               ) -> exp.Expression:
        """`sub`, or with hoisting on and at the top level, a column computing it once:
        from the scalar subquery `sub`, or from a grouped relation LEFT JOINed on a
        condition (`join`; `sub` then says what it computes, for the key)."""
        if not self._hoist_on or self.ctx is not self.top:
            return sub
        # the same subquery compiled twice differs only in its aliases: number them by
        # first appearance, so equal keys mean the same query
        names: dict[str, str] = {}
        keyed = sub.copy()
        for node in keyed.find_all(exp.Identifier):
            if _SUB_ALIAS.fullmatch(node.name):
                node.set("this", names.setdefault(node.name, f"__x{len(names)}"))
        key = keyed.sql(dialect="duckdb")
        if key not in self._hoisted_by_key:
            self._hoisted_by_key[key] = f"__a{len(self.hoisted)}"
            self.hoisted.append((self._hoisted_by_key[key], join if join is not None else sub))
        return col(self._hoisted_by_key[key], self.top.alias)

    def hoisted_tiers(self) -> list[list[tuple[str, exp.Expression]]]:
        """The hoisted subqueries in tiers: one that reads another's column (working
        time up to a related record's time) is computed in a tier above it."""
        tier: dict[str, int] = {}
        for name, sub in self.hoisted:  # a subquery only reads columns hoisted before it
            nodes = [n for part in (sub if isinstance(sub, tuple) else (sub,)) for n in part.find_all(exp.Column)]
            reads = [tier[c.name] for c in nodes if c.name in tier]
            tier[name] = max(reads) + 1 if reads else 0
        out: list[list[tuple[str, exp.Expression]]] = [[] for _ in range(max(tier.values(), default=-1) + 1)]
        for name, sub in self.hoisted:
            out[tier[name]].append((name, sub))
        return out

    def type_of(self, e: ast.Expr) -> str:
        return self.ctx.program.type_of(e)

    def compile(self, e: ast.Expr, ctx: Ctx | None = None) -> exp.Expression:
        saved = self.ctx
        if ctx is not None:
            self.ctx = ctx
        try:
            return getattr(self, "c_" + type(e).__name__)(e)
        finally:
            self.ctx = saved

    def truth(self, e: ast.Expr) -> exp.Expression:
        """A condition where a missing true/false value counts as false: only `within`
        and aggregate comparisons may be NULL, which means pending."""
        sql = self.compile(e)
        if isinstance(e, (ast.Ref, ast.Call, ast.Case)) and self.type_of(e) == "bool":
            return coalesce(sql, exp.false())
        return sql

    # ------------------------------------------------------------------ leaves
    def c_Literal(self, e: ast.Literal) -> exp.Expression:
        return literal_sql(e)

    def c_Ref(self, e: ast.Ref) -> exp.Expression:
        res: Resolution | None = self.ctx.program.refs.get(id(e))
        if res is None:
            raise CompileError(f"unresolved name {e.dotted()} at {e.span.label()}")
        if res.kind == "param":
            return literal_sql(self.ctx.params.get(e.name, res.value))
        if res.kind == "builtin":
            if e.name == "as_of":
                return lit(self.ctx.as_of)
            if e.name in self.ctx.names_sql:
                return self.ctx.names_sql[e.name].copy()
            if e.name in ("period_start", "period_end") and self.ctx.bucket is not None:
                return self.ctx.bucket.start if e.name == "period_start" else self.ctx.bucket.end
            return col(e.name, self.ctx.names_alias or self.ctx.alias)
        if res.kind == "outer_field" or (res.dataset != self.ctx.dataset and res.dataset == self.ctx.outer_dataset):
            return col(e.name, self.ctx.outer_alias)
        return col(e.name, self.ctx.alias)

    # ------------------------------------------------------------------ boolean structure
    def c_BoolOp(self, e: ast.BoolOp) -> exp.Expression:
        left, right = paren(self.truth(e.left)), paren(self.truth(e.right))
        return exp.And(this=left, expression=right) if e.op == "and" else exp.Or(this=left, expression=right)

    def c_Not(self, e: ast.Not) -> exp.Expression:
        return exp.Not(this=paren(self.truth(e.operand)))

    def c_Neg(self, e: ast.Neg) -> exp.Expression:
        return exp.Neg(this=paren(self.compile(e.operand)))

    # ------------------------------------------------------------------ arithmetic
    def _as_ts(self, e: ast.Expr) -> exp.Expression:
        sql = self.compile(e)
        return cast(sql, "TIMESTAMP") if self.type_of(e) == "date" else sql

    def c_Binary(self, e: ast.Binary) -> exp.Expression:
        a, b = self.type_of(e.left), self.type_of(e.right)
        if a in ("date", "datetime") and b in ("date", "datetime") and e.op == "-":
            return exp.Sub(this=epoch(self._as_ts(e.left)), expression=epoch(self._as_ts(e.right)))
        if a in ("date", "datetime") and b == "duration":
            secs = self.compile(e.right)
            return plus_seconds(self._as_ts(e.left), secs if e.op == "+" else exp.Neg(this=paren(secs)))
        if a == "duration" and b in ("date", "datetime"):
            return plus_seconds(self._as_ts(e.right), self.compile(e.left))
        left, right = paren(self.compile(e.left)), paren(self.compile(e.right))
        if e.op == "+" and a == "text":
            return exp.DPipe(this=left, expression=right)
        if e.op == "/":
            return exp.Div(this=cast(left, "DOUBLE"), expression=exp.Nullif(this=right, expression=exp.Literal.number(0)))
        node = {"+": exp.Add, "-": exp.Sub, "*": exp.Mul}[e.op]
        return node(this=left, expression=right)

    # ------------------------------------------------------------------ atoms
    def _operands(self, left: ast.Expr, right: ast.Expr) -> tuple[exp.Expression, exp.Expression]:
        a, b = self.type_of(left), self.type_of(right)
        if {a, b} == {"date", "datetime"}:
            return self._as_ts(left), self._as_ts(right)
        return self.compile(left), self.compile(right)

    def c_Compare(self, e: ast.Compare) -> exp.Expression:
        left, right = self._operands(e.left, e.right)
        node = {"=": exp.EQ, "!=": exp.NEQ, "<": exp.LT, "<=": exp.LTE, ">": exp.GT, ">=": exp.GTE}[e.op]
        cmp = node(this=left, expression=right)
        if any(isinstance(x, ast.Aggregate) for x in ast.walk(e)):
            return self._aggregate_compare(e, cmp)
        return coalesce(cmp, exp.false())

    def c_InList(self, e: ast.InList) -> exp.Expression:
        node = exp.In(this=self.compile(e.operand), expressions=[self.compile(i) for i in e.items])
        if e.negated:  # like `!=`, a missing value is not "not in" the list: not met
            node = exp.Not(this=paren(node))
        return coalesce(node, exp.false())

    def c_IsSet(self, e: ast.IsSet) -> exp.Expression:
        inner = self.compile(e.operand)
        if self.type_of(e.operand) == "text":
            present = exp.And(this=not_null(inner), expression=exp.NEQ(this=fn("trim", inner),
                                                                      expression=exp.Literal.string("")))
        else:
            present = not_null(inner)
        return exp.Not(this=paren(present)) if e.empty else paren(present)

    def c_Matches(self, e: ast.Matches) -> exp.Expression:
        return coalesce(exp.RegexpLike(this=self.compile(e.operand), expression=self.compile(e.pattern)),
                        exp.false())

    def c_Case(self, e: ast.Case) -> exp.Expression:
        return case(*[(coalesce(self.compile(c), exp.false()), self.compile(v)) for c, v in e.whens],
                    default=self.compile(e.otherwise) if e.otherwise is not None else None)

    # ------------------------------------------------------------------ within
    def within_parts(self, e: ast.Within) -> dict[str, exp.Expression]:
        """Elapsed time, limit and the as-of verdict pieces for `X within D after T`."""
        target, start = self._as_ts(e.target), self._as_ts(e.start)
        limit_type = self.type_of(e.limit)
        if limit_type == "working":
            table = self.ctx.calendars[self.ctx.calendar]
            limit_secs = working_seconds(self._limit_literal(e.limit), table.calendar)
            elapsed = exp.Sub(this=self.cumulative(target, table), expression=self.cumulative(start, table))
            b_as_of = table.calendar.cumulative(self.ctx.as_of)
            target_b = exp.Add(this=self.cumulative(start, table), expression=lit(limit_secs))
            # Passed once more working time than the limit has gone by at the as-of time; a
            # limit running out at 17:00 is not passed at 18:00, as a reply then still complies.
            passed = exp.false() if b_as_of is None else exp.LT(this=target_b, expression=lit(b_as_of))
            limit_sql = lit(limit_secs)
        else:
            limit_sql = self.compile(e.limit)
            elapsed = exp.Sub(this=epoch(target), expression=epoch(start))
            passed = exp.LT(this=plus_seconds(start, limit_sql), expression=lit(self.ctx.as_of))
        return {"target": target, "start": start, "elapsed": elapsed, "limit": limit_sql, "passed": passed}

    def _limit_literal(self, e: ast.Expr) -> ast.Literal:
        if isinstance(e, ast.Literal):
            return e
        res = self.ctx.program.refs.get(id(e))
        if res is not None and res.kind == "param":
            return self.ctx.params.get(e.name, res.value)
        raise CompileError(f"working-time limit must be a literal or parameter at {e.span.label()}")

    def c_Within(self, e: ast.Within) -> exp.Expression:
        p = self.within_parts(e)
        return case((is_null(p["start"]), exp.false()),
                    (not_null(p["target"]), coalesce(exp.LTE(this=p["elapsed"], expression=p["limit"]), exp.false())),
                    (p["passed"], exp.false()),
                    default=exp.Null())

    def cumulative(self, ts: exp.Expression, table: CalendarTable) -> exp.Expression:
        """B(ts) as a scalar subquery on the calendar's day table (decorrelated to a join)."""
        self.n_sub += 1
        alias = f"__cal{self.n_sub}"
        secs = exp.Sub(this=epoch(ts), expression=epoch(cast(cast(ts, "DATE"), "TIMESTAMP")))
        total: exp.Expression = col("before", alias)
        for i in range(1, table.slots + 1):
            s, e_ = col(f"s{i}", alias), col(f"e{i}", alias)
            part = fn("greatest", exp.Literal.number(0), exp.Sub(this=fn("least", secs, e_), expression=s))
            total = exp.Add(this=total, expression=part)
        query = exp.select(total).from_(exp.to_table(table.table).as_(alias), copy=False).where(
            exp.EQ(this=col("day", alias), expression=cast(ts, "DATE")), copy=False)
        return self._hoist(exp.Subquery(this=query))

    # ------------------------------------------------------------------ calls
    def c_Call(self, e: ast.Call) -> exp.Expression:
        args = [self.compile(a) for a in e.args]
        t0 = self.type_of(e.args[0]) if e.args else None
        name = e.name
        if name == "date":
            return cast(args[0], "DATE")
        if name == "time":
            return exp.Sub(this=epoch(args[0]), expression=epoch(cast(cast(args[0], "DATE"), "TIMESTAMP")))
        if name == "weekday":
            return fn("isodow", args[0])
        if name in ("hour", "minute") and t0 == "time":
            div = 3600 if name == "hour" else 60
            value = exp.Div(this=args[0], expression=exp.Literal.number(div))
            if name == "minute":
                value = exp.Mod(this=paren(value), expression=exp.Literal.number(60))
            return cast(fn("floor", value), "BIGINT")
        if name in ("hour", "minute", "year", "quarter", "month", "day"):
            return fn(name, args[0])
        if name == "combine":
            return plus_seconds(cast(args[0], "TIMESTAMP"), args[1])
        if name == "days_between":
            return fn("date_diff", exp.Literal.string("day"), cast(args[0], "DATE"), cast(args[1], "DATE"))
        if name in ("hours", "minutes", "seconds"):
            div = {"hours": 3600, "minutes": 60, "seconds": 1}[name]
            return exp.Div(this=cast(args[0], "DOUBLE"), expression=exp.Literal.number(div))
        if name in ("lower", "upper", "trim", "length", "abs", "round"):
            return fn(name, *args)
        if name == "format":
            return fn("strftime", args[0], args[1])
        if name == "substr":
            return fn("substring", *args)
        if name == "coalesce":
            return coalesce(*args)
        if name in ("least", "greatest"):
            return fn(name, *args)
        if name == "if":
            return case((coalesce(args[0], exp.false()), args[1]), default=args[2])
        if name == "unique":
            window = exp.Window(this=exp.Count(this=exp.Star()), partition_by=args)
            return exp.EQ(this=window, expression=exp.Literal.number(1))
        raise CompileError(f"cannot compile function {name}() at {e.span.label()}")

    # ------------------------------------------------------------------ aggregates
    def c_Aggregate(self, e: ast.Aggregate) -> exp.Expression:
        res = self.ctx.program.refs.get(id(e))
        value_expr = self.ctx.program.agg_values.get(id(e), e.arg)
        if res is not None and res.kind == "dataset":
            return self._related(e, res.name, value_expr)
        return self._group_agg(e, value_expr, self.ctx)

    def _agg_call(self, func: str, value: exp.Expression | None, where: exp.Expression | None,
                  value_is_bool: bool) -> exp.Expression:
        def only(v: exp.Expression) -> exp.Expression:
            return case((where, v)) if where is not None else v

        if func == "count":
            if value is not None and value_is_bool:
                cond = coalesce(value, exp.false())
                where = exp.And(this=paren(where), expression=cond) if where is not None else cond
            return coalesce(exp.Sum(this=case((where, exp.Literal.number(1)), default=exp.Literal.number(0))),
                            exp.Literal.number(0)) if where is not None else exp.Count(this=exp.Star())
        if func == "share":
            hit = case((coalesce(value, exp.false()), exp.Literal.number(1.0)), default=exp.Literal.number(0.0))
            return exp.Avg(this=only(hit))
        node = {"sum": exp.Sum, "avg": exp.Avg, "min": exp.Min, "max": exp.Max}[func]
        return node(this=only(value))

    def _group_agg(self, e: ast.Aggregate, value_expr: ast.Expr | None, ctx: Ctx) -> exp.Expression:
        value = self.compile(value_expr) if value_expr is not None else None
        where = coalesce(self.compile(e.where), exp.false()) if e.where is not None else None
        is_bool = value_expr is not None and self.type_of(value_expr) == "bool"
        return self._agg_call(e.func, value, where, is_bool)

    def _related(self, e: ast.Aggregate, dataset: str, value_expr: ast.Expr | None) -> exp.Expression:
        self.n_sub += 1
        alias = f"__rel{self.n_sub}"
        program = self.ctx.program
        outer_info = program.datasets.get(self.ctx.dataset) if self.ctx.dataset else None
        on_rel = e.on_related or outer_info.key[0]
        on_out = e.on_outer or on_rel
        inner = self.ctx.inner(alias, dataset)
        conds: list[exp.Expression] = [exp.EQ(this=col(on_rel, alias), expression=col(on_out, self.ctx.alias))]
        anchor_sql = None
        if self.ctx.bucket is not None:
            anchor = program.datasets[dataset].anchor
            if anchor is None:
                raise CompileError(f"{dataset} has no anchor, so it cannot be counted per period "
                                   f"({e.span.label()})")
            start, end = self.ctx.bucket.start, self.ctx.bucket.end
            if e.over is not None:
                start, end = self.ctx.bucket.parents[e.over]
            anchor_sql = col(anchor, alias)
            if program.datasets[dataset].type_of(anchor) == "date":
                anchor_sql = cast(anchor_sql, "TIMESTAMP")
            conds += [exp.GTE(this=anchor_sql, expression=start), exp.LT(this=anchor_sql, expression=end)]
        matches = coalesce(self.compile(e.where, inner), exp.false()) if e.where is not None else None
        if matches is not None:
            conds.append(matches)
        value = self.compile(value_expr, inner) if value_expr is not None else None
        is_bool = value_expr is not None and self.type_of(value_expr) == "bool"
        agg = self._agg_call(e.func, value, None, is_bool)
        query = exp.select(agg).from_(exp.to_table(f"v_{dataset}").as_(alias), copy=False).where(
            _all(conds), copy=False)
        join = None
        if anchor_sql is not None and self._per_bucket_fits(e, dataset):
            join = self._per_bucket(e, dataset, alias, on_rel, on_out, anchor_sql, matches, agg)
        sub = self._hoist(exp.Subquery(this=query), join)
        return coalesce(sub, exp.Literal.number(0)) if e.func == "count" else sub

    def _per_bucket_fits(self, e: ast.Aggregate, dataset: str) -> bool:
        """Whether the aggregate can be computed for every record and bucket at once: at
        the top level of a cadence rule (hoisting on), reading nothing of the record but
        the field it is matched on."""
        if not self._hoist_on or self.ctx is not self.top or self.ctx.bucket.bounds is None:
            return False
        parts = [p for p in (e.where, self.ctx.program.agg_values.get(id(e), e.arg)) if p is not None]
        return all(self._reads_only(dataset, p) for p in parts)

    def _per_bucket(self, e: ast.Aggregate, dataset: str, alias: str, on_rel: str, on_out: str,
                    anchor_sql: exp.Expression, matches: exp.Expression | None, agg: exp.Expression
                    ) -> tuple[exp.Expression, exp.Expression]:
        """The related records grouped by the field they are matched on and by the bucket
        they fall in, to be joined to the records (and the join condition). DuckDB
        otherwise matches every record-and-bucket pair with all of that record's related
        records, per aggregate."""
        bucket = self.ctx.bucket
        start, end = (bucket.start, bucket.end) if e.over is None else bucket.parents[e.over]
        n = alias.removeprefix("__rel")
        bk, grouped = f"__bk{n}", f"__by{n}"
        bounds = exp.select(col(start.name), col(end.name)).distinct().from_(bucket.bounds.copy())
        conds = [exp.GTE(this=anchor_sql.copy(), expression=col(start.name, bk)),
                 exp.LT(this=anchor_sql.copy(), expression=col(end.name, bk))]
        conds += [matches.copy()] if matches is not None else []
        rel = (exp.select(col(on_rel, alias).as_("__k"), col(start.name, bk).as_("__s"), agg.copy().as_("__v"))
               .from_(exp.to_table(f"v_{dataset}").as_(alias), copy=False)
               .join(exp.Subquery(this=bounds, alias=exp.TableAlias(this=exp.to_identifier(bk))), on=_all(conds),
                     copy=False)
               .group_by(col(on_rel, alias), col(start.name, bk), copy=False))
        on = exp.And(this=exp.EQ(this=col("__k", grouped), expression=col(on_out, self.ctx.alias)),
                     expression=exp.EQ(this=col("__s", grouped), expression=start.copy()))
        return exp.Subquery(this=rel, alias=exp.TableAlias(this=exp.to_identifier(grouped))), on

    def _reads_only(self, dataset: str, e: ast.Expr) -> bool:
        """Whether `e` reads nothing but `dataset`'s fields, parameters and as_of."""
        for node in ast.walk(e):
            if isinstance(node, ast.Aggregate):
                return False
            if isinstance(node, ast.Ref):
                res = self.ctx.program.refs.get(id(node))
                if res is None or not (res.kind == "param" or (res.kind == "field" and res.dataset == dataset)
                                       or (res.kind == "builtin" and node.name == "as_of")):
                    return False
        return True

    def _aggregate_compare(self, e: ast.Compare, cmp: exp.Expression) -> exp.Expression:
        """Pending until the period the aggregate covers has ended, unless a count has
        already passed an upper bound (more records can only raise it)."""
        ends: list[exp.Expression] = []
        for agg in (x for x in ast.walk(e) if isinstance(x, ast.Aggregate)):
            if self.ctx.bucket is None:
                continue
            if agg.over is not None:
                ends.append(self.ctx.bucket.parents[agg.over][1])
            else:
                ends.append(self.ctx.bucket.end)
        if not ends:
            return coalesce(cmp, exp.false())
        latest = ends[0] if len(ends) == 1 else fn("greatest", *ends)
        ended = exp.LTE(this=latest, expression=lit(self.ctx.as_of))
        settled: exp.Expression = ended
        if _upper_bound_on_count(e):
            settled = exp.true()
        return case((cmp, exp.true()), (settled, exp.false()), default=exp.Null())


def _upper_bound_on_count(e: ast.Compare) -> bool:
    left_count = isinstance(e.left, ast.Aggregate) and e.left.func == "count"
    right_count = isinstance(e.right, ast.Aggregate) and e.right.func == "count"
    if left_count and not right_count:
        return e.op in ("<", "<=")
    if right_count and not left_count:
        return e.op in (">", ">=")
    return False


def working_seconds(limit: ast.Literal, calendar: WorkCalendar) -> float:
    if limit.unit == "day":
        per_day = calendar.info.working_day_seconds
        if per_day is None:
            raise CompileError(f"calendar {calendar.info.name} defines no working_day")
        return limit.value * per_day
    return limit.value * WORKING_UNIT_SECONDS[limit.unit]


def literal_sql(e: ast.Literal) -> exp.Expression:
    if e.kind == "string":
        return exp.Literal.string(e.value)
    if e.kind in ("number", "percent", "duration", "time"):
        return lit(e.value)
    if e.kind == "bool":
        return lit(bool(e.value))
    if e.kind == "datetime":
        return cast(exp.Literal.string(e.value.replace("T", " ")), "TIMESTAMP")
    if e.kind == "date":
        return cast(exp.Literal.string(e.value), "DATE")
    raise CompileError(f"{e.kind} literal {e.text} cannot stand alone here ({e.span.label()})")
