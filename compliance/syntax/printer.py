"""Print expressions back as canonical rule-language text.

Used by the formatter, by `explain`, and in finding messages ("count(where swap_with
is set) = 3"). Parentheses are added only where precedence needs them, so printing and
re-parsing gives the same tree.
"""
from __future__ import annotations

import json

from compliance.syntax import ast

# precedence, lowest to highest (matches the grammar's ladder)
PREC = {"or": 1, "and": 2, "not": 3, "cmp": 4, "+": 5, "-": 5, "*": 6, "/": 6, "neg": 7, "atom": 8}


def quote(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def literal_text(e: ast.Literal) -> str:
    if e.kind == "string":
        return quote(e.value)
    if e.kind == "duration":
        n = e.text.split()[0]
        return f"{n} {e.unit}"
    if e.kind == "working":
        n = e.text.split()[0]
        unit = e.unit if float(n) == 1 else e.unit + "s"
        return f"{n} working {unit}"
    if e.kind == "percent":
        return e.text.replace(" ", "")
    if e.kind == "datetime":
        return e.text.replace(" ", "T")
    return e.text


def _prec(e: ast.Expr) -> int:
    if isinstance(e, ast.BoolOp):
        return PREC[e.op]
    if isinstance(e, ast.Not):
        return PREC["not"]
    if isinstance(e, (ast.Compare, ast.InList, ast.IsSet, ast.Matches, ast.Within)):
        return PREC["cmp"]
    if isinstance(e, ast.Binary):
        return PREC[e.op]
    if isinstance(e, ast.Neg):
        return PREC["neg"]
    return PREC["atom"]


def expr_text(e: ast.Expr) -> str:
    return _print(e)


def _wrap(e: ast.Expr, min_prec: int) -> str:
    text = _print(e)
    return f"({text})" if _prec(e) < min_prec else text


def _print(e: ast.Expr) -> str:
    if isinstance(e, ast.Literal):
        return literal_text(e)
    if isinstance(e, ast.Ref):
        return e.dotted()
    if isinstance(e, ast.BoolOp):
        p = PREC[e.op]
        return f"{_wrap(e.left, p)} {e.op} {_wrap(e.right, p + 1)}"
    if isinstance(e, ast.Not):
        return f"not {_wrap(e.operand, PREC['not'])}"
    if isinstance(e, ast.Neg):
        return f"-{_wrap(e.operand, PREC['neg'])}"
    if isinstance(e, ast.Binary):
        p = PREC[e.op]
        return f"{_wrap(e.left, p)} {e.op} {_wrap(e.right, p + 1)}"
    cmp = PREC["cmp"] + 1
    if isinstance(e, ast.Compare):
        return f"{_wrap(e.left, cmp)} {e.op} {_wrap(e.right, cmp)}"
    if isinstance(e, ast.InList):
        items = ", ".join(_print(i) for i in e.items)
        neg = "not in" if e.negated else "in"
        return f"{_wrap(e.operand, cmp)} {neg} ({items})"
    if isinstance(e, ast.IsSet):
        return f"{_wrap(e.operand, cmp)} is {'empty' if e.empty else 'set'}"
    if isinstance(e, ast.Matches):
        return f"{_wrap(e.operand, cmp)} matches {_wrap(e.pattern, cmp)}"
    if isinstance(e, ast.Within):
        return f"{_wrap(e.target, cmp)} within {_wrap(e.limit, cmp)} after {_wrap(e.start, cmp)}"
    if isinstance(e, ast.Call):
        return f"{e.name}({', '.join(_print(a) for a in e.args)})"
    if isinstance(e, ast.Aggregate):
        parts = []
        if e.arg is not None:
            parts.append(_print(e.arg))
        if e.on_related is not None:
            on = e.on_related if e.on_outer in (None, e.on_related) else f"{e.on_related} = {e.on_outer}"
            parts.append(f"on {on}")
        if e.where is not None:
            parts.append(f"where {_print(e.where)}")
        if e.over is not None:
            parts.append(f"over {e.over}")
        return f"{e.func}({' '.join(parts)})"
    if isinstance(e, ast.Case):
        whens = " ".join(f"when {_print(c)} then {_print(v)}" for c, v in e.whens)
        other = f" else {_print(e.otherwise)}" if e.otherwise is not None else ""
        return f"case {whens}{other} end"
    raise TypeError(f"cannot print {type(e).__name__}")
