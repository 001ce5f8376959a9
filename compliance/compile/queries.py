"""One query per rule, by rule kind, each returning only the subjects that fail.

Every query has the same outer shape: an inner relation with one column per "leaf"
condition of the requirement (and the operands a message needs), and an outer filter
that rebuilds the verdict from those columns and keeps rows where it is not true
(false = violation, NULL = pending).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlglot import exp

from compliance.check.checker import rule_params
from compliance.check.program import Program
from compliance.compile.expr import (
    Bucket, CalendarTable, Ctx, ExprCompiler, case, cast, coalesce, col, filter_form, fn, lit, not_null, paren,
)
from compliance.compile.periods import Period, bucket_bounds_sql, buckets
from compliance.syntax import ast


@dataclass
class Leaf:
    index: int
    node: ast.Expr
    operands: list[str] = field(default_factory=list)  # names of operand columns __l{i}_{name}


@dataclass
class CompiledRule:
    rule: ast.Rule
    kind: str
    dataset: str
    sql: exp.Expression
    leaves: list[Leaf]
    subject: list[str]  # columns (in result) that make the subject, in order
    evidence: list[str]  # evidence field names; result columns __e_{name}
    bucket_unit: str | None = None
    extra: dict = field(default_factory=dict)
    # subqueries of `sql` that depend on the data only, not on the rule's period or
    # verdict: rules with the same one may share it (see engine/shared.py)
    shareable: list[exp.Subquery] = field(default_factory=list)

    def sql_text(self) -> str:
        return self.sql.sql(dialect="duckdb", pretty=True)


def _and(parts: list[exp.Expression]) -> exp.Expression:
    out = parts[0]
    for p in parts[1:]:
        out = exp.And(this=paren(out), expression=paren(p))
    return out


def parent_periods(rule: ast.Rule) -> list[str]:
    """The periods (`over half_year` ...) a cadence rule's aggregates count over besides its own."""
    return sorted({a.over for a in ast.walk(rule.require) if isinstance(a, ast.Aggregate) and a.over})


def _star(alias: str) -> exp.Column:
    return exp.Column(this=exp.Star(), table=exp.to_identifier(alias))


def _with_hoisted(scoped: exp.Select, comp: ExprCompiler) -> exp.Subquery:
    """`scoped` as the relation `comp` compiled against, with a column for each
    subquery it hoisted (computed once, for the rows in scope only)."""
    alias = comp.top.alias
    for tier in comp.hoisted_tiers():
        items = [_star(alias)]
        joins = []
        for name, sub in tier:
            if isinstance(sub, tuple):  # a grouped relation, joined
                relation, on = sub
                items.append(exp.column("__v", relation.alias).as_(name))
                joins.append((relation, on))
            else:
                items.append(sub.as_(name))
        scoped = exp.select(*items).from_(
            exp.Subquery(this=scoped, alias=exp.TableAlias(this=exp.to_identifier(alias))), copy=False)
        for relation, on in joins:
            scoped = scoped.join(relation, on=on, join_type="left", copy=False)
    return exp.Subquery(this=scoped, alias=exp.TableAlias(this=exp.to_identifier(alias)))


class RuleCompiler:
    def __init__(self, program: Program, period: Period, as_of: dt.datetime,
                 calendars: dict[str, CalendarTable]):
        self.p = program
        self.period = period
        self.as_of = as_of
        self.calendars = calendars

    def ctx(self, rule: ast.Rule, alias: str, dataset: str | None) -> Ctx:
        return Ctx(self.p, rule_params(self.p, rule), self.as_of, self.calendars, alias, dataset,
                   calendar=rule.calendar)

    def compile(self, rule: ast.Rule) -> CompiledRule:
        return getattr(self, "_" + rule.kind)(rule)

    # ------------------------------------------------------------------ shared pieces
    def _leaves(self, require: ast.Expr) -> list[Leaf]:
        out: list[Leaf] = []

        def visit(e: ast.Expr) -> None:
            if isinstance(e, ast.BoolOp):
                visit(e.left)
                visit(e.right)
            elif isinstance(e, ast.Not):
                visit(e.operand)
            else:
                out.append(Leaf(len(out), e))
        visit(require)
        return out

    def _leaf_columns(self, leaves: list[Leaf], comp: ExprCompiler) -> list[exp.Expression]:
        cols: list[exp.Expression] = []
        for leaf in leaves:
            e = leaf.node
            name = f"__l{leaf.index}"
            if isinstance(e, ast.Within):
                parts = comp.within_parts(e)
                cols.append(comp.compile(e).as_(name, copy=False))
                for key in ("target", "start", "elapsed", "limit"):
                    cols.append(parts[key].as_(f"{name}_{key}"))
                    leaf.operands.append(key)
                continue
            cols.append(comp.truth(e).as_(name, copy=False))
            operands: list[tuple[str, ast.Expr]] = []
            if isinstance(e, ast.Compare):
                operands = [("left", e.left), ("right", e.right)]
            elif isinstance(e, (ast.InList, ast.IsSet, ast.Matches)):
                operands = [("value", e.operand)]
            elif isinstance(e, ast.Ref):
                operands = [("value", e)]
            for key, node in operands:
                if isinstance(node, ast.Literal):
                    continue
                sql = comp.compile(node)
                if isinstance(node, ast.Aggregate) or not isinstance(sql, exp.Subquery):
                    cols.append(sql.as_(f"{name}_{key}", copy=False))
                    leaf.operands.append(key)
        return cols

    def _verdict(self, require: ast.Expr, leaves: list[Leaf], alias: str) -> exp.Expression:
        it = iter(leaves)

        def build(e: ast.Expr) -> exp.Expression:
            if isinstance(e, ast.BoolOp):
                left, right = paren(build(e.left)), paren(build(e.right))
                return exp.And(this=left, expression=right) if e.op == "and" else exp.Or(this=left, expression=right)
            if isinstance(e, ast.Not):
                return exp.Not(this=paren(build(e.operand)))
            leaf = next(it)
            return col(f"__l{leaf.index}", alias)
        return build(require)

    def _outer(self, inner: exp.Select, require: ast.Expr, leaves: list[Leaf], order: list[str]) -> exp.Select:
        verdict = self._verdict(require, leaves, "q")
        return (exp.select(exp.Star(), verdict.copy().as_("__verdict", copy=False))
                .from_(exp.Subquery(this=inner, alias=exp.TableAlias(this=exp.to_identifier("q"))), copy=False)
                .where(exp.Not(this=paren(exp.Is(this=paren(verdict), expression=exp.true()))), copy=False)
                .order_by(*[col(o, "q") for o in order], copy=False))

    def _evidence_fields(self, rule: ast.Rule, dataset: str) -> list[str]:
        ds = self.p.datasets[dataset]
        seen: list[str] = []
        exprs = [rule.require] + ([rule.scope.where] if rule.scope and rule.scope.where else [])
        for root in exprs:
            for e in ast.walk(root):
                if isinstance(e, ast.Ref):
                    res = self.p.refs.get(id(e))
                    if res and res.kind == "field" and res.dataset == dataset and e.name not in seen \
                            and ds.type_of(e.name) is not None and e.name not in ds.key:
                        seen.append(e.name)
        return seen

    def _in_period(self, dataset: str, alias: str, field_name: str | None = None) -> exp.Expression:
        ds = self.p.datasets[dataset]
        anchor = field_name or ds.anchor
        if anchor is None:
            return exp.true()
        a = col(anchor, alias)
        if ds.type_of(anchor) == "date":
            a = cast(a, "TIMESTAMP")
        return exp.And(this=exp.GTE(this=a, expression=lit(self.period.start)),
                       expression=exp.LT(this=a, expression=lit(self.period.end)))

    def _scope(self, comp: ExprCompiler, where: ast.Expr | None) -> exp.Expression:
        return filter_form(comp.truth(where)) if where is not None else exp.true()

    # ------------------------------------------------------------------ record
    def _record(self, rule: ast.Rule) -> CompiledRule:
        ds_name = rule.scope.dataset
        ds = self.p.datasets[ds_name]
        comp = ExprCompiler(self.ctx(rule, "r", ds_name), hoist=True)
        leaves = self._leaves(rule.require)
        evidence = self._evidence_fields(rule, ds_name)
        cols = [col("__rowid", "r").as_("__rowid")]
        cols += [col(k, "r").as_(f"__k_{k}") for k in ds.key]
        cols += [col(f, "r").as_(f"__e_{f}") for f in evidence]
        cols += self._leaf_columns(leaves, comp)
        cols.append(self._in_period(ds_name, "r").as_("__in_period", copy=False))
        scoped = exp.select(exp.Star()).from_(exp.to_table(f"v_{ds_name}").as_("r"), copy=False).where(
            self._scope(ExprCompiler(self.ctx(rule, "r", ds_name)), rule.scope.where), copy=False)
        inner = exp.select(*cols).from_(_with_hoisted(scoped, comp), copy=False)
        # windows (unique()) see every record in scope; the period filter comes after them
        filtered = exp.select(exp.Star()).from_(exp.Subquery(this=inner, alias=exp.TableAlias(
            this=exp.to_identifier("p"))), copy=False).where(col("__in_period", "p"), copy=False)
        sql = self._outer(filtered, rule.require, leaves, [f"__k_{k}" for k in ds.key] + ["__rowid"])
        return CompiledRule(rule, "record", ds_name, sql, leaves, [f"__k_{k}" for k in ds.key], evidence)

    # ------------------------------------------------------------------ grouped
    def _grouped(self, rule: ast.Rule) -> CompiledRule:
        ds_name = rule.scope.dataset
        ds = self.p.datasets[ds_name]
        unit = rule.per.unit if rule.per else None
        anchor = (rule.per.of if rule.per and rule.per.of else ds.anchor)
        pre = ExprCompiler(self.ctx(rule, "r", ds_name))
        select = [exp.Star()]
        if unit is not None:
            start, end = bucket_bounds_sql(unit, col(anchor, "r"), ds.type_of(anchor) == "date")
        else:
            start, end = lit(self.period.start), lit(self.period.end)
        select += [start.as_("__b_start"), end.as_("__b_end")]
        scoped = exp.select(*select).from_(exp.to_table(f"v_{ds_name}").as_("r"), copy=False).where(
            _and([self._scope(pre, rule.scope.where), self._in_period(ds_name, "r", anchor)]), copy=False)
        ctx = self.ctx(rule, "g", ds_name)
        ctx.bucket = Bucket(col("__b_start", "g"), col("__b_end", "g"))
        comp = ExprCompiler(ctx)
        leaves = self._leaves(rule.require)
        group_names = [g.name for g in rule.group if isinstance(g, ast.Ref)]
        cols = [col(n, "g").as_(f"__k_{n}") for n in group_names]
        cols += [col("__b_start", "g").as_("__b_start"), col("__b_end", "g").as_("__b_end")]
        cols += self._leaf_columns(leaves, comp)
        cols += [fn("list_sort", fn("list", col("__rowid", "g"))).as_("__rowids")]
        inner = (exp.select(*cols).from_(exp.Subquery(this=scoped, alias=exp.TableAlias(this=exp.to_identifier("g"))),
                                          copy=False)
                 .group_by(*[col(n, "g") for n in group_names], col("__b_start", "g"), col("__b_end", "g"), copy=False))
        order = [f"__k_{n}" for n in group_names] + ["__b_start"]
        sql = self._outer(inner, rule.require, leaves, order)
        return CompiledRule(rule, "grouped", ds_name, sql, leaves, [f"__k_{n}" for n in group_names], [],
                            bucket_unit=unit)

    # ------------------------------------------------------------------ cadence
    def _cadence(self, rule: ast.Rule) -> CompiledRule:
        ds_name = rule.every.dataset
        ds = self.p.datasets[ds_name]
        unit = rule.per.unit
        overs = parent_periods(rule)
        rows = []
        for b_start, b_end in buckets(unit, self.period.start, self.period.end):
            row = [lit(b_start), lit(b_end)]
            for o in overs:
                p_start, p_end = next(iter(buckets(o, b_start, b_start + dt.timedelta(seconds=1))))
                row += [lit(p_start), lit(p_end)]
            rows.append(exp.Tuple(expressions=row))
        columns = ["__b_start", "__b_end"] + [f"__p_{o}_{x}" for o in overs for x in ("start", "end")]

        def bucket(alias: str) -> Bucket:
            return Bucket(col("__b_start", alias), col("__b_end", alias),
                          {o: (col(f"__p_{o}_start", alias), col(f"__p_{o}_end", alias)) for o in overs})
        scope_ctx = self.ctx(rule, "m", ds_name)
        scope_ctx.bucket = bucket("b")
        if rows:
            values = exp.Values(expressions=rows, alias=exp.TableAlias(
                this=exp.to_identifier("b"), columns=[exp.to_identifier(c) for c in columns]))
        else:  # an empty period: no buckets
            values = exp.select(*[cast(exp.Null(), "TIMESTAMP").as_(c) for c in columns]).where(exp.false()).subquery("b")
        # records by bucket, as one relation `m` (a record's fields and its bucket's bounds)
        scoped = (exp.select(_star("m"), _star("b")).from_(exp.to_table(f"v_{ds_name}").as_("m"), copy=False)
                  .join(values, join_type="cross", copy=False)
                  .where(self._scope(ExprCompiler(scope_ctx), rule.every.where), copy=False))
        ctx = self.ctx(rule, "m", ds_name)
        ctx.bucket = bucket("m")
        ctx.bucket.bounds = values
        comp = ExprCompiler(ctx, hoist=True)
        leaves = self._leaves(rule.require)
        cols = [col("__rowid", "m").as_("__rowid")]
        cols += [col(k, "m").as_(f"__k_{k}") for k in ds.key]
        cols += [col("__b_start", "m").as_("__b_start"), col("__b_end", "m").as_("__b_end")]
        cols += self._leaf_columns(leaves, comp)
        inner = exp.select(*cols).from_(_with_hoisted(scoped, comp), copy=False)
        # records sharing a key (or without one) in file order
        sql = self._outer(inner, rule.require, leaves, [f"__k_{k}" for k in ds.key] + ["__b_start", "__rowid"])
        return CompiledRule(rule, "cadence", ds_name, sql, leaves, [f"__k_{k}" for k in ds.key], [],
                            bucket_unit=unit)

    # ------------------------------------------------------------------ sequence (waits)
    def _sequence(self, rule: ast.Rule) -> CompiledRule:
        ds_name = rule.scope.dataset
        ds = self.p.datasets[ds_name]
        w = rule.wait
        pre = ExprCompiler(self.ctx(rule, "r", ds_name))
        is_from = coalesce(pre.compile(w.start), exp.false())
        is_to = exp.And(this=exp.Not(this=paren(is_from.copy())), expression=coalesce(pre.compile(w.end), exp.false()))
        msgs = (exp.select(col("__rowid", "r").as_("__rowid"), col(w.by, "r").as_("__p"),
                           col(ds.anchor, "r").as_("__t"), is_from.as_("__is_from"), is_to.as_("__is_to"))
                .from_(exp.to_table(f"v_{ds_name}").as_("r"), copy=False)
                .where(_and([self._scope(pre, rule.scope.where), not_null(col(ds.anchor, "r")),
                             exp.Or(this=paren(is_from.copy()), expression=paren(is_to.copy()))]), copy=False))
        order = [col("__t"), col("__is_to"), col("__rowid")]

        def window(func: exp.Expression, frame: str | None) -> exp.Window:
            spec = None
            if frame == "before":
                spec = exp.WindowSpec(kind="ROWS", start="UNBOUNDED", start_side="PRECEDING",
                                      end=exp.Literal.number(1), end_side="PRECEDING")
            elif frame == "after":
                spec = exp.WindowSpec(kind="ROWS", start=exp.Literal.number(1), start_side="FOLLOWING",
                                      end="UNBOUNDED", end_side="FOLLOWING")
            return exp.Window(this=func, partition_by=[col("__p")], order=exp.Order(expressions=[
                exp.Ordered(this=o.copy()) for o in order]), spec=spec)
        ordered = exp.select(
            exp.Star(),
            window(exp.Anonymous(this="lag", expressions=[col("__is_from")]), None).as_("__prev_from"),
            window(exp.Anonymous(this="bool_or", expressions=[col("__is_to")]), "before").as_("__to_before"),
            window(exp.Min(this=case((col("__is_to"), col("__t")))), "after").as_("__next_to"),
        ).from_(exp.Subquery(this=msgs, alias=exp.TableAlias(this=exp.to_identifier("m"))), copy=False)
        waits = exp.select(
            col("__rowid").as_("__rowid"), col("__p").as_(w.by), col("__t").as_("wait_start"),
            col("__next_to").as_("wait_end"), coalesce(col("__to_before"), exp.false()).as_("after_reply"),
            exp.Window(this=exp.RowNumber(), partition_by=[col("__p")],
                       order=exp.Order(expressions=[exp.Ordered(this=col("__t")), exp.Ordered(this=col("__rowid"))])
                       ).as_("wait_number"),
        ).from_(exp.Subquery(this=ordered, alias=exp.TableAlias(this=exp.to_identifier("o"))), copy=False).where(
            exp.And(this=col("__is_from"), expression=exp.Not(this=coalesce(col("__prev_from"), exp.false()))),
            copy=False)
        ctx = self.ctx(rule, "w", None)
        ctx.names_alias = "w"
        comp = ExprCompiler(ctx)
        leaves = self._leaves(rule.require)
        in_period = exp.And(this=exp.GTE(this=col("wait_start", "w"), expression=lit(self.period.start)),
                            expression=exp.LT(this=col("wait_start", "w"), expression=lit(self.period.end)))
        conds = [in_period] + ([coalesce(comp.compile(w.where), exp.false())] if w.where is not None else [])
        cols = [col("__rowid", "w").as_("__rowid"), col(w.by, "w").as_(f"__k_{w.by}"),
                col("wait_start", "w").as_("__k_wait_start"), col("wait_end", "w").as_("__e_wait_end"),
                col("wait_number", "w").as_("__e_wait_number")]
        cols += self._leaf_columns(leaves, comp)
        waits_relation = exp.Subquery(this=waits, alias=exp.TableAlias(this=exp.to_identifier("w")))
        inner = exp.select(*cols).from_(waits_relation, copy=False).where(_and(conds), copy=False)
        sql = self._outer(inner, rule.require, leaves, [f"__k_{w.by}", "__k_wait_start"])
        return CompiledRule(rule, "sequence", ds_name, sql, leaves, [f"__k_{w.by}", "__k_wait_start"],
                            ["wait_end", "wait_number"], shareable=[waits_relation])

    # ------------------------------------------------------------------ coverage
    def _coverage(self, rule: ast.Rule) -> CompiledRule:
        ds_name = rule.scope.dataset
        comp = ExprCompiler(self.ctx(rule, "r", ds_name))
        r0 = lit(self.period.start)
        r1 = lit(min(self.period.end, self.as_of))
        s, e = comp.compile(rule.cover.start), comp.compile(rule.cover.end)
        iv = (exp.select(fn("greatest", s, r0).as_("s"), fn("least", e, r1).as_("e"), col("__rowid", "r").as_("__rowid"))
              .from_(exp.to_table(f"v_{ds_name}").as_("r"), copy=False)
              .where(_and([self._scope(comp, rule.scope.where), not_null(s.copy()), not_null(e.copy()),
                           exp.GT(this=e.copy(), expression=r0.copy()), exp.LT(this=s.copy(), expression=r1.copy()),
                           exp.GT(this=e.copy(), expression=s.copy())]), copy=False))
        prev_end = exp.Window(this=exp.Max(this=col("e")), order=exp.Order(expressions=[
            exp.Ordered(this=col("s")), exp.Ordered(this=col("e"))]),
            spec=exp.WindowSpec(kind="ROWS", start="UNBOUNDED", start_side="PRECEDING",
                                end=exp.Literal.number(1), end_side="PRECEDING"))
        ordered = exp.select(col("s"), col("e"), prev_end.as_("prev_end")).from_(
            exp.Subquery(this=iv, alias=exp.TableAlias(this=exp.to_identifier("iv"))), copy=False)
        start_of_gap = coalesce(col("prev_end"), r0.copy())
        inner_gaps = exp.select(start_of_gap.as_("gap_start"), col("s").as_("gap_end")).from_(
            exp.Subquery(this=ordered, alias=exp.TableAlias(this=exp.to_identifier("o"))), copy=False).where(
            exp.GT(this=col("s"), expression=start_of_gap.copy()), copy=False)
        last_end = coalesce(exp.Subquery(this=exp.select(exp.Max(this=col("e"))).from_(
            exp.Subquery(this=iv.copy(), alias=exp.TableAlias(this=exp.to_identifier("iv2"))))), r0.copy())
        tail = exp.select(last_end.as_("gap_start"), r1.copy().as_("gap_end")).where(
            exp.LT(this=last_end.copy(), expression=r1.copy()))
        union = exp.union(inner_gaps, tail, distinct=False)
        sql = exp.select(col("gap_start"), col("gap_end")).from_(
            exp.Subquery(this=union, alias=exp.TableAlias(this=exp.to_identifier("gaps"))), copy=False).order_by(
            col("gap_start"), copy=False)
        return CompiledRule(rule, "coverage", ds_name, sql, [], ["gap_start", "gap_end"], [])

    # ------------------------------------------------------------------ derive
    def _derive(self, rule: ast.Rule) -> CompiledRule:
        ds_name = rule.scope.dataset
        ds = self.p.datasets[ds_name]
        comp = ExprCompiler(self.ctx(rule, "r", ds_name))
        cols = [col("__rowid", "r").as_("__rowid")] + [col(k, "r").as_(f"__k_{k}") for k in ds.key]
        cols += [col(d.name, "r").as_(f"__d_{d.name}") for d in rule.derives]
        sql = (exp.select(*cols).from_(exp.to_table(f"v_{ds_name}").as_("r"), copy=False)
               .where(_and([self._scope(comp, rule.scope.where), self._in_period(ds_name, "r")]), copy=False)
               .order_by(*[col(f"__k_{k}") for k in ds.key], col("__rowid"), copy=False))
        return CompiledRule(rule, "derive", ds_name, sql, [], [f"__k_{k}" for k in ds.key], [])
