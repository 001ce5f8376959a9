"""Plain-words messages for findings, built from the leaf values of the requirement.

Only failing rows reach this module, so building text in Python here costs nothing
at scale. A message names the measured value, the limit and the overshoot.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from compliance.syntax import ast
from compliance.syntax.printer import expr_text, literal_text


def fmt_duration(seconds: float | None) -> str:
    if seconds is None:
        return "?"
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


def fmt_value(value: Any, type_: str | None = None) -> str:
    if value is None:
        return "missing"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    if type_ == "duration":
        return fmt_duration(value)
    if type_ == "time":
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
    def __init__(self, program, leaves, row: dict[str, Any], calendar=None, as_of: dt.datetime | None = None,
                 params: dict[str, ast.Literal] | None = None, texts: dict[int, str] | None = None):
        self.texts = texts if texts is not None else {}  # printed expressions, shared by a rule's rows
        self.p = program
        self.leaves = {id(leaf.node): leaf for leaf in leaves}
        self.row = row
        self.calendar = calendar
        self.as_of = as_of
        self.params = params or {}

    def text(self, e: ast.Expr) -> str:
        key = id(e)
        if key not in self.texts:
            self.texts[key] = expr_text(e)
        return self.texts[key]

    def value(self, e: ast.Expr) -> bool | None:
        if isinstance(e, ast.BoolOp):
            a, b = self.value(e.left), self.value(e.right)
            if e.op == "and":
                return False if (a is False or b is False) else (None if None in (a, b) else True)
            return True if (a or b) else (None if None in (a, b) else False)
        if isinstance(e, ast.Not):
            v = self.value(e.operand)
            return None if v is None else not v
        leaf = self.leaves[id(e)]
        return self.row.get(f"__l{leaf.index}")

    def explain(self, e: ast.Expr) -> str:
        """Why `e` is not true (false or pending)."""
        if isinstance(e, ast.BoolOp):
            if e.op == "and":
                return "; ".join(self._and_reasons(e))
            alternatives = self._alternatives(e)
            first = self.explain(alternatives[0])
            rest = [self.first_failure(a) for a in alternatives[1:]]
            return first + "".join(f" (alternative not met: {r})" for r in rest)
        if isinstance(e, ast.Not):
            return f"{self.text(e.operand)} holds, but must not"
        return self.leaf(e)

    def _and_reasons(self, e: ast.Expr) -> list[str]:
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
        empty: set[str] = set()
        out = []
        for part in parts:
            if self.value(part) is True:
                continue
            if isinstance(part, ast.IsSet) and not part.empty:
                empty.add(self.text(part.operand))
            elif isinstance(part, ast.Compare) and self.text(part.left) in empty:
                continue
            out.append(self.explain(part))
        return out

    def _alternatives(self, e: ast.Expr) -> list[ast.Expr]:
        if isinstance(e, ast.BoolOp) and e.op == "or":
            return self._alternatives(e.left) + self._alternatives(e.right)
        return [e]

    def first_failure(self, e: ast.Expr) -> str:
        """The first reason an alternative is not met (the rest of it is moot)."""
        if isinstance(e, ast.BoolOp) and e.op == "and":
            for child in (e.left, e.right):
                if self.value(child) is not True:
                    return self.first_failure(child)
        return self.explain(e)

    def _operand(self, leaf, key: str, node: ast.Expr) -> Any:
        col = f"__l{leaf.index}_{key}"
        if col in self.row:
            value = self.row[col]
            return float(value) if isinstance(value, Decimal) else value
        if isinstance(node, ast.Literal):
            return node.value
        return None

    def _show(self, node: ast.Expr, value: Any) -> str:
        t = self.p.type_of(node)
        if isinstance(node, ast.Literal):
            if node.kind == "percent":
                return literal_text(node)
            return literal_text(node) if node.kind in ("duration", "string") else fmt_value(value, t)
        if isinstance(node, ast.Ref) and node.name in self.params and self.p.refs.get(id(node)) \
                and self.p.refs[id(node)].kind == "param":
            lit = self.params[node.name]
            return literal_text(lit)
        if t == "number" and isinstance(value, float) and isinstance(node, ast.Aggregate) and node.func == "share":
            return f"{value:.1%}"
        return fmt_value(value, t)

    def leaf(self, e: ast.Expr) -> str:
        leaf = self.leaves[id(e)]
        if isinstance(e, ast.Within):
            return self._within(e, leaf)
        if isinstance(e, ast.Compare):
            lv = self._operand(leaf, "left", e.left)
            rv = self._operand(leaf, "right", e.right)
            left = self.text(e.left)
            if lv is None and not isinstance(e.left, ast.Literal):
                return f"{left} is missing; expected {e.op} {self._show(e.right, rv)}"
            text = f"{left} is {self._show(e.left, lv)}; expected {e.op} {self._show(e.right, rv)}"
            over = self._overshoot(e, lv, rv)
            return text + (f"; {over}" if over else "")
        if isinstance(e, ast.InList):
            v = self._operand(leaf, "value", e.operand)
            items = ", ".join(self.text(i) for i in e.items)
            want = "none of" if e.negated else "one of"
            return f"{self.text(e.operand)} is {self._show(e.operand, v)}; expected {want} {items}"
        if isinstance(e, ast.IsSet):
            v = self._operand(leaf, "value", e.operand)
            if e.empty:
                return f"{self.text(e.operand)} is {self._show(e.operand, v)}; expected empty"
            return f"{self.text(e.operand)} is empty; expected a value"
        if isinstance(e, ast.Matches):
            v = self._operand(leaf, "value", e.operand)
            return f"{self.text(e.operand)} {fmt_value(v)!s} does not match {self.text(e.pattern)}"
        if isinstance(e, ast.Ref):
            v = self._operand(leaf, "value", e)
            return f"{e.dotted()} is {fmt_value(v)}; expected true"
        if isinstance(e, ast.Call) and e.name == "unique":
            return f"{self.text(e)} does not hold: another record shares these values"
        return f"{self.text(e)} does not hold"

    def _overshoot(self, e: ast.Compare, lv: Any, rv: Any) -> str:
        if not isinstance(lv, (int, float)) or not isinstance(rv, (int, float)) or isinstance(lv, bool):
            return ""
        t = self.p.type_of(e.left)
        diff = lv - rv
        if isinstance(e.left, ast.Aggregate) and e.left.func == "share":
            points = abs(diff) * 100
            if (e.op in ("<", "<=") and diff > 0) or (e.op in (">", ">=") and diff < 0):
                return f"{'over' if diff > 0 else 'short'} by {points:.1f} percentage points"
            return ""
        if e.op in ("<", "<=") and diff > 0:
            return f"over by {fmt_value(diff, t) if t == 'duration' else _num(diff)}"
        if e.op in (">", ">=") and diff < 0:
            return f"short by {fmt_value(-diff, t) if t == 'duration' else _num(-diff)}"
        return ""

    def _within(self, e: ast.Within, leaf) -> str:
        target = self.row.get(f"__l{leaf.index}_target")
        start = self.row.get(f"__l{leaf.index}_start")
        elapsed = self.row.get(f"__l{leaf.index}_elapsed")
        limit = self.row.get(f"__l{leaf.index}_limit")
        working = self.p.type_of(e.limit) == "working"
        limit_text = self._show(e.limit, limit)
        if working:
            lit = e.limit if isinstance(e.limit, ast.Literal) else self.params.get(getattr(e.limit, "name", ""))
            limit_text = literal_text(lit) if lit is not None else fmt_duration(limit)
        kind = " of working time" if working else ""
        t_name, s_name = self.text(e.target), self.text(e.start)
        if start is None:
            return f"{s_name} is missing, so {t_name} cannot be timed"
        if target is not None:
            late = (elapsed or 0) - (limit or 0)
            return (f"{t_name} came {fmt_duration(elapsed)}{kind} after {s_name}; limit {limit_text}; "
                    f"late by {fmt_duration(late)}")
        deadline = self._deadline(start, limit, working)
        due = f" ({fmt_value(deadline)})" if deadline else ""
        if self.row.get(f"__l{leaf.index}") is None:
            return f"no {t_name} yet; due within {limit_text} after {s_name}{due}"
        return f"no {t_name}; the deadline{due}, {limit_text} after {s_name}, has passed"

    def _deadline(self, start: dt.datetime, limit: float | None, working: bool) -> dt.datetime | None:
        if limit is None or not isinstance(start, dt.datetime):
            return None
        if working:
            return self.calendar.deadline(start, limit) if self.calendar else None
        return start + dt.timedelta(seconds=limit)


def _num(x: float) -> str:
    return f"{x:g}" if isinstance(x, float) else str(x)
