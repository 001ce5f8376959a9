"""One canonical layout for rule files (`compliance fmt`).

The formatter prints the AST, so layout never depends on how a file was typed, and it
re-attaches comments by line: a comment on its own line goes above the item that
follows it, a comment at the end of a line stays at the end of that item's first line.
Printing never changes meaning: parse(format(x)) equals parse(x), tested for every
rule file and case.
"""
from __future__ import annotations

from dataclasses import dataclass

from compliance.syntax import ast
from compliance.syntax.parser import parse
from compliance.syntax.printer import expr_text, literal_text, quote

INDENT = "  "
WIDTH = 100
TRAIL = "\x00"  # marks where a trailing comment starts, until comments are aligned


@dataclass
class Comment:
    line: int
    col: int
    text: str
    trailing: bool  # code precedes it on the same line
    gap_after: bool = False  # a blank line follows it


def scan_comments(text: str) -> list[Comment]:
    """Find `#` comments outside strings."""
    out: list[Comment] = []
    lines = text.splitlines()
    for lineno, line in enumerate(lines, start=1):
        in_str = False
        i = 0
        while i < len(line):
            ch = line[i]
            if in_str:
                if ch == "\\":
                    i += 2
                    continue
                if ch == '"':
                    in_str = False
            elif ch == '"':
                in_str = True
            elif ch == "#":
                gap = lineno < len(lines) and not lines[lineno].strip()
                out.append(Comment(lineno, i + 1, line[i:].rstrip(), bool(line[:i].strip()), gap))
                break
            i += 1
    return out


class _Comments:
    def __init__(self, comments: list[Comment]):
        self.pending = sorted(comments, key=lambda c: (c.line, c.col))

    def before(self, line: int) -> list[str]:
        """Comments located before `line`, removed from the pool; "" marks a kept blank line."""
        taken = sorted((c for c in self.pending if c.line < line), key=lambda c: c.line)
        self.pending = [c for c in self.pending if c.line >= line]
        out: list[str] = []
        for c in taken:
            out.append(c.text)
            if c.gap_after:
                out.append("")
        return out

    def trailing(self, line: int) -> str:
        hit = [c for c in self.pending if c.line == line and c.trailing]
        self.pending = [c for c in self.pending if not (c.line == line and c.trailing)]
        return TRAIL + " ".join(c.text for c in hit) if hit else ""

    def until(self, line: int) -> list[str]:
        """Every comment up to and including `line` (comments inside an item's span)."""
        taken = [c for c in self.pending if c.line <= line]
        self.pending = [c for c in self.pending if c.line > line]
        return [c.text for c in taken]

    def rest(self) -> list[str]:
        out = [c.text for c in self.pending]
        self.pending = []
        return out


def _align_trailing(lines: list[str]) -> list[str]:
    """Align the trailing comments of consecutive lines to one column."""
    out = list(lines)
    i = 0
    while i < len(out):
        if TRAIL not in out[i]:
            i += 1
            continue
        j = i
        while j < len(out) and TRAIL in out[j]:
            j += 1
        width = max(len(out[k].split(TRAIL)[0].rstrip()) for k in range(i, j))
        for k in range(i, j):
            code, comment = out[k].split(TRAIL, 1)
            out[k] = f"{code.rstrip():<{width}}  {comment}"
        i = j
    return out


def _time(secs: int) -> str:
    return f"{secs // 3600:02d}:{secs % 3600 // 60:02d}"


def _wrap_expr(e: ast.Expr, prefix: str, indent: str) -> list[str]:
    """`prefix + expr`, breaking a long top-level or/and chain over lines."""
    one = prefix + expr_text(e)
    if len(indent + one) <= WIDTH:
        return [one]
    if isinstance(e, ast.Case):
        lines = [prefix + "case"]
        lines += [f"{INDENT}when {expr_text(c)} then {expr_text(v)}" for c, v in e.whens]
        if e.otherwise is not None:
            lines.append(f"{INDENT}else {expr_text(e.otherwise)}")
        return lines + ["end"]
    if not isinstance(e, ast.BoolOp):
        return [one]
    op = e.op
    parts: list[ast.Expr] = []

    def flatten(x: ast.Expr) -> None:
        if isinstance(x, ast.BoolOp) and x.op == op:
            flatten(x.left)
            flatten(x.right)
        else:
            parts.append(x)
    flatten(e)
    lines = []
    for i, part in enumerate(parts):
        text = expr_text(part)
        if isinstance(part, ast.BoolOp) and op == "and":  # an `or` inside `and` needs its parentheses
            text = f"({text})"
        lines.append(prefix + text if i == 0 else f"{INDENT}{op} {text}")
    return lines


class Formatter:
    def __init__(self, module: ast.Module, comments: list[Comment]):
        self.m = module
        self.c = _Comments(comments)
        self.out: list[str] = []

    def emit_comments(self, texts: list[str], indent: str = "") -> None:
        for t in texts:
            self.out.append(indent + t if t else "")

    def item(self, lines: list[str], span: ast.Span, indent: str) -> None:
        self.emit_comments(self.c.before(span.line), indent)
        inner = self.c.until(span.end_line) if span.end_line > span.line else []
        trailing = self.c.trailing(span.line)
        if inner and not trailing:
            trailing = ""
        self.emit_comments([t for t in inner], indent)
        lines = list(lines)
        lines[0] += trailing
        self.out += [indent + ln for ln in lines]

    def block(self, items: list[tuple[ast.Span, list[str]]], indent: str) -> None:
        """Emit items in the given (canonical) order, each with the comments that sat
        next to it in the source, whatever order the source had."""
        owned: dict[int, tuple[list[str], list[str], str]] = {}
        for idx in sorted(range(len(items)), key=lambda i: (items[i][0].line, items[i][0].col)):
            span = items[idx][0]
            before = self.c.before(span.line)
            inner = self.c.until(span.end_line) if span.end_line > span.line else []
            owned[idx] = (before, inner, self.c.trailing(span.line))
        for idx, (span, lines) in enumerate(items):
            before, inner, trailing = owned[idx]
            self.emit_comments(before + inner, indent)
            lines = list(lines)
            lines[0] += trailing
            self.out += [indent + ln for ln in lines]

    def blank(self) -> None:
        if self.out and self.out[-1] != "":
            self.out.append("")

    def format(self) -> str:
        decls: list[tuple[int, str, object]] = []
        for imp in self.m.imports:
            decls.append((imp.span.line, "import", imp))
        for p in self.m.params:
            decls.append((p.span.line, "param", p))
        for d in self.m.datasets:
            decls.append((d.span.line, "dataset", d))
        for c in self.m.calendars:
            decls.append((c.span.line, "calendar", c))
        for r in self.m.rules:
            decls.append((r.span.line, "rule", r))
        decls.sort(key=lambda x: x[0])
        prev_kind = None
        for _line, kind, node in decls:
            if prev_kind is not None and not (kind == prev_kind and kind in ("import", "param")):
                self.blank()
            getattr(self, "f_" + kind)(node)
            prev_kind = kind
        rest = self.c.rest()
        if rest:
            self.blank()
            self.emit_comments(rest)
        while self.out and self.out[-1] == "":
            self.out.pop()
        return "\n".join(_align_trailing(self.out)) + "\n"

    # ------------------------------------------------------------------ declarations
    def f_import(self, imp: ast.Import) -> None:
        self.item([f"import {quote(imp.path)}"], imp.span, "")

    def f_param(self, p: ast.Param, indent: str = "") -> None:
        self.item([f"param {p.name} = {expr_text(p.value)}"], p.span, indent)

    def open_block(self, header: str, span: ast.Span) -> None:
        self.emit_comments(self.c.before(span.line))
        self.out.append(header + " {" + self.c.trailing(span.line))

    def close_block(self, span: ast.Span) -> None:
        self.emit_comments(self.c.before(span.end_line), INDENT)
        self.out.append("}" + self.c.trailing(span.end_line))

    def f_dataset(self, d: ast.Dataset) -> None:
        self.open_block(f"dataset {d.name}", d.span)
        items: list[tuple[ast.Span, list[str]]] = []
        if d.key:
            items.append((d.key_span or d.span, [f"key {', '.join(d.key)}"]))
        if d.anchor:
            items.append((d.anchor_span or d.span, [f"anchor {d.anchor}"]))
        for f in d.fields:
            items.append((f.span, [f"{f.name}: {f.type}"]))
        for dv in d.derives:
            items.append((dv.span, _wrap_expr(dv.expr, f"derive {dv.name} = ", INDENT)))
        items.sort(key=lambda x: (x[0].line, x[0].col))
        self.block(items, INDENT)
        self.close_block(d.span)

    def f_calendar(self, cal: ast.Calendar) -> None:
        self.open_block(f"calendar {cal.name}", cal.span)
        for h in cal.hours:
            days = h.days[0] if h.days[1] is None else f"{h.days[0]}..{h.days[1]}"
            ranges = ", ".join(f"{_time(s)}-{_time(e)}" for s, e in h.ranges)
            self.item([f"hours {days} {ranges}"], h.span, INDENT)
        if cal.holidays is not None:
            self.item([f"holidays {cal.holidays}"], cal.holidays_span or cal.span, INDENT)
        if cal.working_day is not None:
            self.item([f"working_day = {expr_text(cal.working_day)}"], cal.working_day.span, INDENT)
        self.close_block(cal.span)

    def f_rule(self, r: ast.Rule) -> None:
        self.open_block(f"rule {r.id}", r.span)
        items: list[tuple[ast.Span, list[str]]] = []
        # canonical clause order; each clause keeps the comments written next to it
        if r.title is not None:
            items.append((self._span_of(r, "title"), [f"title {quote(r.title)}"]))
        if r.severity is not None:
            items.append((r.severity_span or r.span, [f"severity {r.severity}"]))
        if r.source is not None:
            items.append((self._span_of(r, "source"), [f"source {quote(r.source)}"]))
        if r.calendar is not None:
            items.append((r.calendar_span or r.span, [f"calendar {r.calendar}"]))
        for p in r.params:
            items.append((p.span, [f"param {p.name} = {expr_text(p.value)}"]))
        for scope, word in ((r.scope, "for"), (r.every, "every")):
            if scope is not None:
                head = f"{word} {scope.dataset}"
                lines = _wrap_expr(scope.where, head + " where ", INDENT) if scope.where else [head]
                items.append((scope.span, lines))
        if r.group:
            items.append((r.group_span or r.span, ["group by " + ", ".join(expr_text(g) for g in r.group)]))
        if r.per is not None:
            items.append((r.per.span, [f"per {r.per.unit}" + (f" of {r.per.of}" if r.per.of else "")]))
        if r.wait is not None:
            w = r.wait
            line = f"wait by {w.by} from {expr_text(w.start)} to {expr_text(w.end)}"
            if w.where is not None:
                line += f" where {expr_text(w.where)}"
            items.append((w.span, [line]))
        if r.cover is not None:
            items.append((r.cover.span, [f"cover from {expr_text(r.cover.start)} to {expr_text(r.cover.end)}"]))
        if r.require is not None:
            items.append((self._require_span(r), _wrap_expr(r.require, "require ", INDENT)))
        for d in r.derives:
            items.append((d.span, _wrap_expr(d.expr, f"derive {d.name} = ", INDENT)))
        if r.penalize:
            items.append((r.penalize_span or r.span, ["penalize " + ", ".join(r.penalize)]))
        if r.ladder is not None:
            items.append((r.ladder.span, [ladder_text(r.ladder)]))
        for step in r.steps:
            items.append((step.span, [step_text(step)]))
        self.block(items, INDENT)
        self.close_block(r.span)

    def _span_of(self, r: ast.Rule, clause: str) -> ast.Span:
        spans = getattr(r, "clause_spans", {})
        return spans.get(clause, r.span)

    def _require_span(self, r: ast.Rule) -> ast.Span:
        spans = getattr(r, "clause_spans", {})
        return spans.get("require", r.require.span)


def ladder_text(ladder: ast.Ladder) -> str:
    w = ladder.window
    if w is None:
        return f"ladder {ladder.kind}"
    if w[0] == "rolling":
        secs = w[1]
        unit = next(u for u, n in (("d", 86400), ("h", 3600), ("min", 60), ("s", 1)) if secs % n == 0)
        count = secs / {"d": 86400, "h": 3600, "min": 60, "s": 1}[unit]
        return f"ladder {ladder.kind} within {count:g} {unit}"
    return f"ladder {ladder.kind} {'within' if w[0] == 'period' else 'per'} {w[1]}"


def action_text(a: ast.Action) -> str:
    return f"fine {expr_text(a.amount)} {a.currency}" if a.kind == "fine" else a.kind


def step_text(step: ast.Step) -> str:
    head = "also" if step.also else "step"
    cond = f" {expr_text(step.cond)}" if step.cond is not None else ""
    return f"{head}{cond} => " + ", ".join(action_text(a) for a in step.actions)


def format_text(text: str, file: str = "<string>") -> str:
    module = parse(text, file)
    return Formatter(module, scan_comments(text)).format()


def strip_spans(node):
    """A comparable form of an AST: spans and source text dropped."""
    import dataclasses

    if isinstance(node, list):
        return [strip_spans(x) for x in node]
    if isinstance(node, tuple):
        return tuple(strip_spans(x) for x in node)
    if dataclasses.is_dataclass(node) and not isinstance(node, type):
        out = {"__type__": type(node).__name__}
        for f in dataclasses.fields(node):
            if f.name in ("span", "file", "comments", "repeated", "text") or f.name.endswith("_span"):
                continue
            out[f.name] = strip_spans(getattr(node, f.name))
        return out
    return node


def same_meaning(a: str, b: str) -> bool:
    return strip_spans(parse(a)) == strip_spans(parse(b))


__all__ = ["format_text", "same_meaning", "scan_comments", "literal_text"]
