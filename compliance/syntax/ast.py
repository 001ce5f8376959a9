"""The rule-file AST: plain dataclasses, each node with the source span it came from.

Later stages (check, compile, format) read these nodes; none of them sees Lark types.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Span:
    file: str
    line: int
    col: int
    end_line: int
    end_col: int

    def label(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"


NO_SPAN = Span("<builtin>", 0, 0, 0, 0)


# ---------------------------------------------------------------- expressions


@dataclass
class Expr:
    span: Span


@dataclass
class Literal(Expr):
    """kind: string, number, percent, duration, working, datetime, date, time, bool.

    `value` is normalised: seconds for durations and times of day, a fraction for
    percentages, the text for dates/datetimes, the unit count for working time."""

    kind: str
    value: Any
    text: str
    unit: str | None = None  # for duration / working literals: the unit as written


@dataclass
class Ref(Expr):
    name: str
    qualifier: str | None = None

    def dotted(self) -> str:
        return f"{self.qualifier}.{self.name}" if self.qualifier else self.name


@dataclass
class Call(Expr):
    name: str
    args: list[Expr]


@dataclass
class Aggregate(Expr):
    """count/sum/min/max/avg/share over the group, or over related records of another
    dataset (`count(visits where kind = "onsite")`)."""

    func: str
    arg: Expr | None
    on_related: str | None = None  # field of the related dataset
    on_outer: str | None = None  # field of the outer record (defaults to on_related)
    where: Expr | None = None
    over: str | None = None  # enclosing period for cadence rules


@dataclass
class Binary(Expr):
    op: str  # + - * /
    left: Expr
    right: Expr


@dataclass
class BoolOp(Expr):
    op: str  # and / or
    left: Expr
    right: Expr


@dataclass
class Not(Expr):
    operand: Expr


@dataclass
class Neg(Expr):
    operand: Expr


@dataclass
class Compare(Expr):
    op: str
    left: Expr
    right: Expr


@dataclass
class InList(Expr):
    operand: Expr
    items: list[Expr]
    negated: bool = False


@dataclass
class IsSet(Expr):
    operand: Expr
    empty: bool = False  # `is empty` when True


@dataclass
class Matches(Expr):
    operand: Expr
    pattern: Expr


@dataclass
class Within(Expr):
    """`X within LIMIT after START`: X at most LIMIT after START; with X missing the
    deadline START + LIMIT decides between pending and violation."""

    target: Expr
    limit: Expr
    start: Expr


@dataclass
class Case(Expr):
    whens: list[tuple[Expr, Expr]]
    otherwise: Expr | None


# ---------------------------------------------------------------- declarations


@dataclass
class Import:
    path: str
    span: Span


@dataclass
class Param:
    name: str
    value: Expr
    span: Span


@dataclass
class FieldDecl:
    name: str
    type: str
    span: Span


@dataclass
class Derive:
    name: str
    expr: Expr
    span: Span


@dataclass
class Dataset:
    name: str
    span: Span
    key: list[str] = field(default_factory=list)
    key_span: Span | None = None
    anchor: str | None = None
    anchor_span: Span | None = None
    fields: list[FieldDecl] = field(default_factory=list)
    derives: list[Derive] = field(default_factory=list)


@dataclass
class Hours:
    days: tuple[str, str | None]  # (first, last) day names, or ("workdays", None) ...
    ranges: list[tuple[int, int]]  # seconds since midnight, end exclusive
    span: Span


@dataclass
class Calendar:
    name: str
    span: Span
    hours: list[Hours] = field(default_factory=list)
    holidays: str | None = None
    holidays_span: Span | None = None
    working_day: Expr | None = None


@dataclass
class Scope:
    dataset: str
    where: Expr | None
    span: Span


@dataclass
class Per:
    unit: str
    of: str | None
    span: Span


@dataclass
class Wait:
    by: str
    start: Expr  # condition for messages that start a wait
    end: Expr  # condition for messages that end it
    where: Expr | None
    span: Span


@dataclass
class Cover:
    start: Expr
    end: Expr
    span: Span


@dataclass
class Action:
    kind: str  # fine, or a flag: criticism, warning, dismissal
    span: Span
    amount: Expr | None = None
    currency: str | None = None


@dataclass
class Step:
    """`step [COND] => actions` (the last matching step applies) or `also COND => actions`
    (applies in addition). `n` in COND is the occurrence number or the count."""

    cond: Expr | None
    actions: list[Action]
    also: bool
    span: Span


@dataclass
class Ladder:
    kind: str  # nth | count | each
    window: tuple[str, object] | None  # ("period", unit) | ("rolling", seconds) | ("per", unit)
    span: Span


@dataclass
class Rule:
    id: str
    span: Span
    title: str | None = None
    severity: str | None = None
    severity_span: Span | None = None
    source: str | None = None
    params: list[Param] = field(default_factory=list)
    calendar: str | None = None
    calendar_span: Span | None = None
    scope: Scope | None = None  # `for DATASET where ...`
    every: Scope | None = None  # `every MASTER where ...`
    group: list[Expr] = field(default_factory=list)
    group_span: Span | None = None
    per: Per | None = None
    wait: Wait | None = None
    cover: Cover | None = None
    require: Expr | None = None
    derives: list[Derive] = field(default_factory=list)
    penalize: list[str] = field(default_factory=list)
    penalize_span: Span | None = None
    ladder: Ladder | None = None
    steps: list[Step] = field(default_factory=list)
    # clauses given twice: (clause keyword, span of the repeat) for the checker to report
    repeated: list[tuple[str, Span]] = field(default_factory=list)

    @property
    def kind(self) -> str:
        """record, grouped, cadence, sequence, coverage, derive or penalty."""
        if self.penalize or self.ladder is not None or self.steps:
            return "penalty"
        if self.every is not None:
            return "cadence"
        if self.wait is not None:
            return "sequence"
        if self.cover is not None:
            return "coverage"
        if self.group or self.per is not None:
            return "grouped"
        if self.derives and self.require is None:
            return "derive"
        return "record"


@dataclass
class Module:
    file: str
    imports: list[Import] = field(default_factory=list)
    params: list[Param] = field(default_factory=list)
    datasets: list[Dataset] = field(default_factory=list)
    calendars: list[Calendar] = field(default_factory=list)
    rules: list[Rule] = field(default_factory=list)
    comments: list[tuple[int, str]] = field(default_factory=list)  # (line, text)


def walk(expr: Expr | None):
    """Yield `expr` and every expression below it, depth first."""
    if expr is None:
        return
    yield expr
    for child in children(expr):
        yield from walk(child)


def children(expr: Expr) -> list[Expr]:
    if isinstance(expr, (Binary, BoolOp, Compare)):
        return [expr.left, expr.right]
    if isinstance(expr, (Not, Neg)):
        return [expr.operand]
    if isinstance(expr, InList):
        return [expr.operand, *expr.items]
    if isinstance(expr, IsSet):
        return [expr.operand]
    if isinstance(expr, Matches):
        return [expr.operand, expr.pattern]
    if isinstance(expr, Within):
        return [expr.target, expr.limit, expr.start]
    if isinstance(expr, Call):
        return list(expr.args)
    if isinstance(expr, Aggregate):
        return [e for e in (expr.arg, expr.where) if e is not None]
    if isinstance(expr, Case):
        out = []
        for cond, val in expr.whens:
            out += [cond, val]
        if expr.otherwise is not None:
            out.append(expr.otherwise)
        return out
    return []
