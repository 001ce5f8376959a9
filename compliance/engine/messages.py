"""Plain-words messages for findings, built from the leaf values of the requirement.

A message names the measured value, the limit and the overshoot. A rule can fail on
hundreds of thousands of rows, so `Explainer` works out once per rule everything that
does not depend on the row (printed expressions, types, columns to read, how each
operand is shown) and turns the requirement into a function of the row.
"""
from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from typing import Any, Callable

from compliance.syntax import ast
from compliance.syntax.printer import expr_text, literal_text

Row = dict[str, Any]
Reason = Callable[[Row], str]


def fmt_duration(seconds: float | None) -> str:
    if seconds is None:
        return "?"
    if not math.isfinite(seconds):
        return str(seconds)
    neg = seconds < 0
    s = int(round(abs(seconds)))
    d, rem = divmod(s, 86400) if s >= 3 * 86400 else (0, s)
    h, rem = divmod(rem, 3600)
    m, sec = divmod(rem, 60)
    parts = []
    if d:
        parts.append(f"{d} d")
    if h or (d and (m or sec)):
        parts.append(f"{h} h")
    if m or (parts and sec):
        parts.append(f"{m:02d} min" if parts else f"{m} min")
    if sec or not parts:
        parts.append(f"{sec:02d} s" if parts else f"{sec} s")
    return ("-" if neg else "") + " ".join(parts)


def fmt_datetime(value: dt.datetime) -> str:
    """YYYY-MM-DD HH:MM:SS (the year on four digits, as DuckDB's strftime writes it):
    isoformat is several times faster than strftime."""
    if value.microsecond or value.tzinfo is not None:
        value = value.replace(microsecond=0, tzinfo=None)
    return value.isoformat(" ")


# values whose text does not depend on the field type, by exact class; subclasses of
# datetime and date take the isinstance path below (None and bool have none)
_BY_CLASS: dict[type, Callable[[Any], str]] = {
    type(None): lambda value: "missing",
    str: str,
    bool: lambda value: "true" if value else "false",
    dt.datetime: fmt_datetime,
    dt.date: dt.date.isoformat,
}


def fmt_value(value: Any, type_: str | None = None) -> str:
    by_class = _BY_CLASS.get(value.__class__)
    if by_class is not None:
        return by_class(value)
    if isinstance(value, dt.datetime):
        return fmt_datetime(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if type_ == "duration":
        return fmt_duration(value)
    if type_ == "time" and math.isfinite(value):
        secs = int(value)
        return f"{secs // 3600:02d}:{secs % 3600 // 60:02d}"
    if isinstance(value, float):
        if type_ == "number" and 0 <= value <= 1 and not value.is_integer():
            return f"{value:.4g}"
        return f"{value:g}"
    if isinstance(value, list):
        return ", ".join(fmt_value(v) for v in value)
    return str(value)


def json_value(value: Any, type_: str | None = None) -> Any:
    """Evidence values as JSON-safe scalars."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if type_ not in ("duration", "time") else fmt_value(value, type_)
    return fmt_value(value, type_)


class Explainer:
    """Why a rule's requirement is not true for a row: `reason(e)` returns a function
    of the row, built once per rule."""

    def __init__(self, program, leaves, calendar=None, params: dict[str, ast.Literal] | None = None):
        self.p = program
        self.leaves = {id(leaf.node): leaf for leaf in leaves}
        self.calendar = calendar
        self.params = params or {}
        self.texts: dict[int, str] = {}  # printed expressions

    def text(self, e: ast.Expr) -> str:
        key = id(e)
        if key not in self.texts:
            self.texts[key] = expr_text(e)
        return self.texts[key]

    def truth(self, e: ast.Expr) -> Callable[[Row], bool | None]:
        """The three-valued verdict of `e`, rebuilt from the leaf columns."""
        if isinstance(e, ast.BoolOp):
            a, b = self.truth(e.left), self.truth(e.right)
            if e.op == "and":
                def conj(row: Row) -> bool | None:
                    x, y = a(row), b(row)
                    return False if (x is False or y is False) else (None if None in (x, y) else True)
                return conj

            def disj(row: Row) -> bool | None:
                x, y = a(row), b(row)
                return True if (x or y) else (None if None in (x, y) else False)
            return disj
        if isinstance(e, ast.Not):
            inner = self.truth(e.operand)

            def negation(row: Row) -> bool | None:
                v = inner(row)
                return None if v is None else not v
            return negation
        column = f"__l{self.leaves[id(e)].index}"
        return lambda row: row.get(column)

    def reason(self, e: ast.Expr) -> Reason:
        """Why `e` is not true (false or pending), as a function of the row."""
        if isinstance(e, ast.BoolOp):
            if e.op == "and":
                return self._conjunction(e)
            alternatives = self._alternatives(e)
            first = self.reason(alternatives[0])
            rest = [self._first_failure(a) for a in alternatives[1:]]
            return lambda row: first(row) + "".join(f" (alternative not met: {r(row)})" for r in rest)
        if isinstance(e, ast.Not):
            text = f"{self.text(e.operand)} holds, but must not"
            return lambda row: text
        return self._leaf(e)

    def _conjunction(self, e: ast.Expr) -> Reason:
        """Why a conjunction fails; a value already reported empty is not reported again
        as missing by the comparisons that use it."""
        parts: list[ast.Expr] = []

        def flatten(x: ast.Expr) -> None:
            if isinstance(x, ast.BoolOp) and x.op == "and":
                flatten(x.left)
                flatten(x.right)
            else:
                parts.append(x)
        flatten(e)
        # per part: its verdict, the value it reports empty, the value it compares, its reason
        plan = [(self.truth(part),
                 self.text(part.operand) if isinstance(part, ast.IsSet) and not part.empty else None,
                 self.text(part.left) if isinstance(part, ast.Compare) else None,
                 self.reason(part)) for part in parts]

        def reasons(row: Row) -> str:
            empty: set[str] = set()
            out = []
            for truth, reports_empty, compares, reason in plan:
                if truth(row) is True:
                    continue
                if reports_empty is not None:
                    empty.add(reports_empty)
                elif compares is not None and compares in empty:
                    continue
                out.append(reason(row))
            return "; ".join(out)
        return reasons

    def _alternatives(self, e: ast.Expr) -> list[ast.Expr]:
        if isinstance(e, ast.BoolOp) and e.op == "or":
            return self._alternatives(e.left) + self._alternatives(e.right)
        return [e]

    def _first_failure(self, e: ast.Expr) -> Reason:
        """The first reason an alternative is not met (the rest of it is moot)."""
        whole = self.reason(e)
        if not (isinstance(e, ast.BoolOp) and e.op == "and"):
            return whole
        children = [(self.truth(child), self._first_failure(child)) for child in (e.left, e.right)]

        def first_failure(row: Row) -> str:
            for truth, failure in children:
                if truth(row) is not True:
                    return failure(row)
            return whole(row)
        return first_failure

    def _operand(self, leaf, key: str, node: ast.Expr) -> Callable[[Row], Any]:
        """An operand's value: its column when the query has one, else the literal."""
        if key in leaf.operands:
            column = f"__l{leaf.index}_{key}"

            def read(row: Row) -> Any:
                value = row[column]
                return float(value) if isinstance(value, Decimal) else value
            return read
        constant = node.value if isinstance(node, ast.Literal) else None
        return lambda row: constant

    def _show(self, node: ast.Expr) -> Callable[[Any], str]:
        """How a value of `node` reads in a message."""
        t = self.p.type_of(node)
        if isinstance(node, ast.Literal):
            if node.kind in ("percent", "duration", "string"):
                text = literal_text(node)
                return lambda value: text
            return lambda value: fmt_value(value, t)
        if isinstance(node, ast.Ref) and node.name in self.params and self.p.refs.get(id(node)) \
                and self.p.refs[id(node)].kind == "param":
            text = literal_text(self.params[node.name])
            return lambda value: text
        if t == "number" and isinstance(node, ast.Aggregate) and node.func == "share":
            return lambda value: f"{value:.1%}" if isinstance(value, float) else fmt_value(value, t)
        return lambda value: fmt_value(value, t)

    def _leaf(self, e: ast.Expr) -> Reason:
        leaf = self.leaves[id(e)]
        if isinstance(e, ast.Within):
            return self._within(e, leaf)
        if isinstance(e, ast.Compare):
            return self._compare(e, leaf)
        if isinstance(e, (ast.InList, ast.IsSet)):
            value, show = self._operand(leaf, "value", e.operand), self._show(e.operand)
            head = f"{self.text(e.operand)} is "
            if isinstance(e, ast.InList):
                items = ", ".join(self.text(i) for i in e.items)
                tail = f"; expected {'none of' if e.negated else 'one of'} {items}"
            elif e.empty:
                tail = "; expected empty"
            else:
                text = f"{self.text(e.operand)} is empty; expected a value"
                return lambda row: text
            return lambda row: head + show(value(row)) + tail
        if isinstance(e, ast.Matches):
            value = self._operand(leaf, "value", e.operand)
            head, tail = f"{self.text(e.operand)} ", f" does not match {self.text(e.pattern)}"
            return lambda row: head + fmt_value(value(row)) + tail
        if isinstance(e, ast.Ref):
            value = self._operand(leaf, "value", e)
            head = f"{e.dotted()} is "
            return lambda row: head + fmt_value(value(row)) + "; expected true"
        if isinstance(e, ast.Call) and e.name == "unique":
            text = f"{self.text(e)} does not hold: another record shares these values"
        else:
            text = f"{self.text(e)} does not hold"
        return lambda row: text

    def _compare(self, e: ast.Compare, leaf) -> Reason:
        left_value, right_value = self._operand(leaf, "left", e.left), self._operand(leaf, "right", e.right)
        show_left, show_right = self._show(e.left), self._show(e.right)
        left, op = self.text(e.left), e.op
        may_be_missing = not isinstance(e.left, ast.Literal)
        overshoot = self._overshoot(e)

        def compare(row: Row) -> str:
            lv, rv = left_value(row), right_value(row)
            if lv is None and may_be_missing:
                return f"{left} is missing; expected {op} {show_right(rv)}"
            text = f"{left} is {show_left(lv)}; expected {op} {show_right(rv)}"
            over = overshoot(lv, rv)
            return text + (f"; {over}" if over else "")
        return compare

    def _overshoot(self, e: ast.Compare) -> Callable[[Any, Any], str]:
        t = self.p.type_of(e.left)
        share = isinstance(e.left, ast.Aggregate) and e.left.func == "share"
        below, above = e.op in ("<", "<="), e.op in (">", ">=")

        def overshoot(lv: Any, rv: Any) -> str:
            if not isinstance(lv, (int, float)) or not isinstance(rv, (int, float)) or isinstance(lv, bool):
                return ""
            diff = lv - rv
            if share:
                points = abs(diff) * 100
                if (below and diff > 0) or (above and diff < 0):
                    return f"{'over' if diff > 0 else 'short'} by {points:.1f} percentage points"
                return ""
            if below and diff > 0:
                return f"over by {fmt_value(diff, t) if t == 'duration' else _num(diff)}"
            if above and diff < 0:
                return f"short by {fmt_value(-diff, t) if t == 'duration' else _num(-diff)}"
            return ""
        return overshoot

    def _within(self, e: ast.Within, leaf) -> Reason:
        verdict = f"__l{leaf.index}"
        target_col, start_col, elapsed_col, limit_col = (f"{verdict}_{key}"
                                                         for key in ("target", "start", "elapsed", "limit"))
        working = self.p.type_of(e.limit) == "working"
        show_limit = self._show(e.limit)
        if working:
            lit = e.limit if isinstance(e.limit, ast.Literal) else self.params.get(getattr(e.limit, "name", ""))
            fixed = literal_text(lit) if lit is not None else None
            show_limit = (lambda limit: fixed) if fixed is not None else fmt_duration
        kind = " of working time" if working else ""
        t_name, s_name = self.text(e.target), self.text(e.start)
        no_start = f"{s_name} is missing, so {t_name} cannot be timed"

        def within(row: Row) -> str:
            target, start = row.get(target_col), row.get(start_col)
            elapsed, limit = row.get(elapsed_col), row.get(limit_col)
            limit_text = show_limit(limit)
            if start is None:
                return no_start
            if target is not None:
                late = (elapsed or 0) - (limit or 0)
                return (f"{t_name} came {fmt_duration(elapsed)}{kind} after {s_name}; limit {limit_text}; "
                        f"late by {fmt_duration(late)}")
            deadline = self._deadline(start, limit, working)
            due = f" ({fmt_value(deadline)})" if deadline else ""
            if row.get(verdict) is None:
                return f"no {t_name} yet; due within {limit_text} after {s_name}{due}"
            return f"no {t_name}; the deadline{due}, {limit_text} after {s_name}, has passed"
        return within

    def _deadline(self, start: dt.datetime, limit: float | None, working: bool) -> dt.datetime | None:
        if limit is None or not isinstance(start, dt.datetime):
            return None
        if working:
            return self.calendar.deadline(start, limit) if self.calendar else None
        return start + dt.timedelta(seconds=limit)


def _num(x: float) -> str:
    return f"{x:g}" if isinstance(x, float) else str(x)
