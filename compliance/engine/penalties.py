"""Penalty ladders: what the written rules say must happen, per person and period.

Occurrences are counted over the whole export (the window decides which earlier events
count: a second complaint in June after one in May is the 2nd within the year), and
the period only selects which events or counts are reported. Conditions run in SQL; the
choice of step (the last matching `step`, plus every matching `also`) is made here.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlglot import exp

from compliance.check.checker import rule_params
from compliance.compile.expr import Bucket, Ctx, ExprCompiler, cast, coalesce, col, fn, lit, paren
from compliance.compile.periods import bucket_bounds_sql, bucket_label, bucket_start
from compliance.engine.messages import fmt_value
from compliance.engine.sql import ident as _ident
from compliance.report.model import Location
from compliance.syntax import ast
from compliance.syntax.printer import expr_text


@dataclass
class Action:
    kind: str
    amount: float | None = None
    currency: str | None = None

    def text(self) -> str:
        return f"fine {self.amount:g} {self.currency}" if self.kind == "fine" else self.kind

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind}
        if self.kind == "fine":
            out.update(amount=self.amount, currency=self.currency)
        return out


@dataclass
class PenaltyItem:
    rule: str
    title: str
    agent: str
    role: str  # the field naming the agent (agent_id, swap_with)
    period: str  # month of the event, or the count bucket
    occurrence: str  # "2nd within 2024", "3 in 2024-05"
    n: int
    events: list[dict[str, str]]  # subjects (keys) of the events behind the item
    actions: list[Action]
    locations: list[Location] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "title": self.title, "agent": self.agent, "role": self.role,
                "period": self.period, "occurrence": self.occurrence, "n": self.n, "events": self.events,
                "actions": [a.to_dict() for a in self.actions],
                "locations": [loc.to_dict() for loc in self.locations]}


@dataclass
class Unattributable:
    rule: str
    event: dict[str, str]
    reason: str
    location: Location | None = None

    def to_dict(self) -> dict[str, Any]:
        out = {"rule": self.rule, "event": self.event, "reason": self.reason}
        if self.location:
            out["location"] = self.location.to_dict()
        return out


@dataclass
class AgentTotals:
    agent: str
    occurrences: dict[str, int] = field(default_factory=dict)
    fines: dict[str, float] = field(default_factory=dict)
    criticism: bool = False
    warning: bool = False
    dismissal: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"agent": self.agent, "occurrences": dict(sorted(self.occurrences.items())),
                "fines": dict(sorted(self.fines.items())), "criticism": self.criticism,
                "warning": self.warning, "dismissal": self.dismissal}


@dataclass
class PenaltyReport:
    as_of: str
    period: dict[str, str]
    rules: list[dict[str, str]]
    agents: list[AgentTotals]
    items: list[PenaltyItem]
    unattributable: list[Unattributable]
    totals: dict[str, float]
    datasets: list[Any] = field(default_factory=list)
    rejections: list[Any] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"version": 1, "as_of": self.as_of, "period": self.period, "rules": self.rules,
                "agents": [a.to_dict() for a in self.agents], "items": [i.to_dict() for i in self.items],
                "unattributable": [u.to_dict() for u in self.unattributable],
                "totals": {"fines": dict(sorted(self.totals.items())),
                           "criticism": sum(a.criticism for a in self.agents),
                           "warning": sum(a.warning for a in self.agents),
                           "dismissal": sum(a.dismissal for a in self.agents)},
                "datasets": [d.to_dict() for d in self.datasets],
                "rejections": [r.to_dict() for r in self.rejections]}


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


class PenaltyCompiler:
    def __init__(self, runner, rule: ast.Rule):
        self.r = runner
        self.rule = rule
        self.p = runner.p
        self.ds = self.p.datasets[rule.scope.dataset]
        self.params = rule_params(self.p, rule)

    def ctx(self, alias: str) -> Ctx:
        return Ctx(self.p, self.params, self.r.as_of, self.r.calendars, alias, self.ds.name, calendar=self.rule.calendar)

    def events(self) -> exp.Select:
        """One row per (event, recipient field) with a recipient."""
        comp = ExprCompiler(self.ctx("r"))
        scope = coalesce(comp.compile(self.rule.scope.where), exp.false()) if self.rule.scope.where else exp.true()
        parts = []
        for i, f in enumerate(self.rule.penalize):
            who = fn("nullif", fn("trim", cast(col(f, "r"), "VARCHAR")), exp.Literal.string(""))
            parts.append(exp.select(exp.Star(), who.as_("__who"), exp.Literal.string(f).as_("__role"),
                                    cast(col(self.ds.anchor, "r"), "TIMESTAMP").as_("__t"))
                         .from_(exp.to_table(f"v_{self.ds.name}").as_("r"))
                         .where(exp.And(this=paren(scope.copy()), expression=exp.Not(this=exp.Is(
                             this=who.copy(), expression=exp.Null())))))
        out: exp.Expression = parts[0]
        for part in parts[1:]:
            out = exp.union(out, part, distinct=False)
        return out

    def unattributable_sql(self) -> str:
        comp = ExprCompiler(self.ctx("r"))
        scope = coalesce(comp.compile(self.rule.scope.where), exp.false()) if self.rule.scope.where else exp.true()
        first = self.rule.penalize[0]
        who = fn("nullif", fn("trim", cast(col(first, "r"), "VARCHAR")), exp.Literal.string(""))
        keys = [col(k, "r").as_(f"__k_{k}") for k in self.ds.key]
        anchor = cast(col(self.ds.anchor, "r"), "TIMESTAMP")
        q = (exp.select(col("__rowid", "r"), *keys).from_(exp.to_table(f"v_{self.ds.name}").as_("r"))
             .where(exp.and_(paren(scope), exp.Is(this=who, expression=exp.Null()),
                             exp.GTE(this=anchor, expression=lit(self.r.period.start)),
                             exp.LT(this=anchor.copy(), expression=lit(self.r.period.end))))
             .order_by(col("__rowid", "r")))
        return q.sql(dialect="duckdb")

    def step_columns(self, comp: ExprCompiler) -> list[exp.Expression]:
        cols = []
        for i, step in enumerate(self.rule.steps):
            cond = coalesce(comp.compile(step.cond), exp.false()) if step.cond is not None else exp.true()
            cols.append(cond.as_(f"__s{i}"))
        return cols

    def per_event_sql(self) -> str:
        """nth and each ladders: the occurrence number of every event, then its steps."""
        ladder = self.rule.ladder
        ev = exp.Subquery(this=self.events(), alias=exp.TableAlias(this=exp.to_identifier("e")))
        order = exp.Order(expressions=[exp.Ordered(this=col("__t")), exp.Ordered(this=col("__rowid"))])
        w = ladder.window
        if ladder.kind == "nth" and w is not None and w[0] == "rolling":
            # events of the same person in (t - window, t], ties at the same time counted in row order
            frame = exp.WindowSpec(kind="RANGE", start=exp.Interval(this=exp.Literal.string(f"{int(w[1])} seconds")),
                                   start_side="PRECEDING", end="CURRENT ROW")
            in_range = exp.Window(this=exp.Count(this=exp.Star()), partition_by=[col("__who")],
                                  order=exp.Order(expressions=[exp.Ordered(this=col("__t"))]), spec=frame)
            peers = exp.Window(this=exp.Count(this=exp.Star()), partition_by=[col("__who"), col("__t")])
            rank_in_peers = exp.Window(this=exp.RowNumber(), partition_by=[col("__who"), col("__t")],
                                       order=exp.Order(expressions=[exp.Ordered(this=col("__rowid"))]))
            n = exp.Add(this=exp.Sub(this=in_range, expression=peers), expression=rank_in_peers)
        else:
            partition = [col("__who")]
            if ladder.kind == "nth" and w is not None and w[0] == "period":
                start, _end = bucket_bounds_sql(w[1], col("__t"), False)
                partition.append(start)
            n = exp.Window(this=exp.RowNumber(), partition_by=partition, order=order)
        numbered = exp.select(exp.Star(), n.as_("n")).from_(ev)
        ctx = self.ctx("x")
        ctx.names_alias = "x"
        comp = ExprCompiler(ctx)
        keys = [col(k, "x").as_(f"__k_{k}") for k in self.ds.key]
        q = (exp.select(col("__rowid", "x"), col("__who", "x"), col("__role", "x"), col("__t", "x"), col("n", "x"),
                        *keys, *self.step_columns(comp))
             .from_(exp.Subquery(this=numbered, alias=exp.TableAlias(this=exp.to_identifier("x"))))
             .where(exp.and_(exp.GTE(this=col("__t", "x"), expression=lit(self.r.period.start)),
                             exp.LT(this=col("__t", "x"), expression=lit(self.r.period.end))))
             .order_by(col("__who", "x"), col("__t", "x"), col("__rowid", "x"), col("__role", "x")))
        return q.sql(dialect="duckdb")

    def per_count_sql(self) -> str:
        """count ladders: one row per person and bucket, `n` = events in the bucket."""
        unit = self.rule.ladder.window[1]
        start, end = bucket_bounds_sql(unit, col("__t", "e"), False)
        ev = exp.select(exp.Star(), start.as_("__b_start"), end.as_("__b_end")).from_(
            exp.Subquery(this=self.events(), alias=exp.TableAlias(this=exp.to_identifier("e"))))
        ctx = self.ctx("g")
        ctx.bucket = Bucket(col("__b_start", "g"), col("__b_end", "g"))
        ctx.names_sql = {"n": exp.Count(this=exp.Star())}
        comp = ExprCompiler(ctx)
        first = lit(bucket_start(unit, self.r.period.start))
        q = (exp.select(col("__who", "g"), col("__role", "g"), col("__b_start", "g"),
                        exp.Count(this=exp.Star()).as_("n"),
                        fn("list_sort", fn("list", col("__rowid", "g"))).as_("__rowids"),
                        *self.step_columns(comp))
             .from_(exp.Subquery(this=ev, alias=exp.TableAlias(this=exp.to_identifier("g"))))
             .where(exp.and_(exp.GTE(this=col("__b_start", "g"), expression=first),
                             exp.LT(this=col("__b_start", "g"), expression=lit(self.r.period.end))))
             .group_by(col("__who", "g"), col("__role", "g"), col("__b_start", "g"), col("__b_end", "g"))
             .order_by(col("__who", "g"), col("__b_start", "g"), col("__role", "g")))
        return q.sql(dialect="duckdb")


def _chosen(rule: ast.Rule, row: dict[str, Any], params) -> list[tuple[ast.Step, list[Action]]]:
    plain = [s for i, s in enumerate(rule.steps) if not s.also and row.get(f"__s{i}")]
    extra = [s for i, s in enumerate(rule.steps) if s.also and row.get(f"__s{i}")]
    chosen = ([plain[-1]] if plain else []) + extra
    out = []
    for step in chosen:
        actions = []
        for a in step.actions:
            if a.kind == "fine":
                amount = a.amount
                if isinstance(amount, ast.Ref) and amount.name in params:
                    value = params[amount.name].value
                else:
                    value = amount.value if isinstance(amount, ast.Literal) else None
                actions.append(Action("fine", float(value), a.currency))
            else:
                actions.append(Action(a.kind))
        out.append((step, actions))
    return out


def run_penalty_rules(runner, rules: list[ast.Rule], agent: str | None = None):
    items: list[PenaltyItem] = []
    unattributable: list[Unattributable] = []
    occurrences: dict[tuple[str, str], int] = {}
    rowids_needed: dict[str, set[int]] = {}
    pending_locs: list[tuple[Any, str, list[int]]] = []
    for rule in rules:
        pc = PenaltyCompiler(runner, rule)
        title = rule.title or rule.id
        params = pc.params
        ds = pc.ds
        for r in runner.con.execute(pc.unattributable_sql()).fetchall():
            event = {k: fmt_value(v) for k, v in zip(ds.key, r[1:])}
            u = Unattributable(rule.id, event, f"{rule.penalize[0]} is empty: no one to penalise")
            unattributable.append(u)
            pending_locs.append((u, ds.name, [r[0]]))
        if rule.ladder.kind == "count":
            sql = pc.per_count_sql()
        else:
            sql = pc.per_event_sql()
        cur = runner.con.execute(sql)
        names = [d[0] for d in cur.description]
        for values in cur.fetchall():
            row = dict(zip(names, values))
            who = row["__who"]
            if agent is not None and who != agent:
                continue
            if row["__role"] == rule.penalize[0] or rule.ladder.kind != "count":
                key = (who, rule.id)
                occurrences[key] = occurrences.get(key, 0) + (row["n"] if rule.ladder.kind == "count" else 1)
            if rule.ladder.kind == "count":
                period = bucket_label(rule.ladder.window[1], row["__b_start"])
                occurrence = f"{row['n']} in {period}"
                rowids = list(row["__rowids"])
                events = []
            else:
                period = bucket_label("month", row["__t"])
                w = rule.ladder.window
                if rule.ladder.kind == "each":
                    occurrence = "each event"
                elif w is None:
                    occurrence = f"{ordinal(row['n'])} ever"
                elif w[0] == "rolling":
                    occurrence = f"{ordinal(row['n'])} within {w[1] / 86400:g} d"
                else:
                    occurrence = f"{ordinal(row['n'])} within {bucket_label(w[1], bucket_start(w[1], row['__t']))}"
                rowids = [row["__rowid"]]
                events = [{k: fmt_value(row[f"__k_{k}"]) for k in ds.key}]
            for step, actions in _chosen(rule, row, params):
                item = PenaltyItem(rule.id, title, who, row["__role"], period, occurrence, int(row["n"]), events,
                                   actions)
                items.append(item)
                pending_locs.append((item, ds.name, rowids))
        if rule.ladder.kind == "count":
            # events behind count items: list them by key
            pass
    # provenance: one query per dataset for every row id needed
    for _obj, ds_name, ids in pending_locs:
        rowids_needed.setdefault(ds_name, set()).update(ids)
    where: dict[tuple[str, int], tuple[Location, dict]] = {}
    for ds_name, ids in rowids_needed.items():
        if not ids:
            continue
        keys = runner.p.datasets[ds_name].key
        runner.con.execute("CREATE OR REPLACE TEMP TABLE __want (__rowid BIGINT)")
        runner.con.execute("INSERT INTO __want SELECT unnest(?::BIGINT[])", [sorted(ids)])
        key_cols = ", ".join(f"t.{_ident(k)}" for k in keys)
        for r in runner.con.execute(
                f"SELECT t.__rowid, t.__file, t.__row, t.__sheet, {key_cols} FROM {_ident('t_' + ds_name)} t "
                f"JOIN __want w ON t.__rowid = w.__rowid").fetchall():
            where[(ds_name, r[0])] = (Location(r[1], int(r[2]), r[3]),
                                      {k: fmt_value(v) for k, v in zip(keys, r[4:])})
    for obj, ds_name, ids in pending_locs:
        found = [where[(ds_name, i)] for i in ids if (ds_name, i) in where]
        if isinstance(obj, Unattributable):
            obj.location = found[0][0] if found else None
        else:
            obj.locations = [f[0] for f in found]
            if not obj.events:
                obj.events = [f[1] for f in found]
    return items, unattributable, occurrences


def summarise(items: list[PenaltyItem], occurrences: dict[tuple[str, str], int]) -> tuple[list[AgentTotals], dict]:
    agents: dict[str, AgentTotals] = {}
    for (who, rule_id), n in occurrences.items():
        agents.setdefault(who, AgentTotals(who)).occurrences[rule_id] = n
    totals: dict[str, float] = {}
    for item in items:
        a = agents.setdefault(item.agent, AgentTotals(item.agent))
        for act in item.actions:
            if act.kind == "fine":
                a.fines[act.currency] = a.fines.get(act.currency, 0) + act.amount
                totals[act.currency] = totals.get(act.currency, 0) + act.amount
            else:
                setattr(a, act.kind, True)
    return [agents[k] for k in sorted(agents)], totals


__all__ = ["run_penalty_rules", "summarise", "PenaltyReport", "ordinal", "expr_text", "dt"]
