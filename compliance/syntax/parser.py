"""Parse rule-file text into the AST (`Module`), with friendly syntax errors.

Parsing and AST building are separate passes (Lark tree, then `_Builder`) so that
positions reach every node and later stages never depend on Lark.
"""
from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

from lark import Lark, Token, Transformer, v_args
from lark.exceptions import UnexpectedEOF, UnexpectedInput, UnexpectedToken, VisitError

from compliance.diagnostics import Diagnostic, RuleError
from compliance.syntax import ast

DURATION_SECONDS = {"s": 1, "min": 60, "h": 3600, "d": 86400}
WORKING_UNITS = {"minute": "minute", "minutes": "minute", "hour": "hour", "hours": "hour",
                 "day": "day", "days": "day"}

# Friendlier names for terminals in "expected ..." messages.
TERMINAL_NAMES = {
    "NAME": "a name", "STRING": "a quoted string", "NUMBER": "a number", "RULE_ID": "a rule ID like COMPLAINT-REPLY-24H",
    "LBRACE": "'{'", "RBRACE": "'}'", "LPAR": "'('", "RPAR": "')'", "COMMA": "','", "EQUAL": "'='",
    "COLON": "':'", "DOT": "'.'", "COMP_OP": "a comparison (=, !=, <, <=, >, >=)", "TIME": "a time like 08:00",
    "DATE": "a date like 2024-05-01", "DATETIME": "a datetime like 2024-05-01T09:30", "UNIT": "a unit (s, min, h, d)",
    "WUNIT": "a working-time unit (hours, days, minutes)", "PERCENT": "'%'", "MINUS": "'-'", "PLUS": "'+'",
    "MUL_OP": "'*' or '/'", "AGG": "an aggregate (count, sum, min, max, avg, share)", "__ANON_0": "'..'",
}


@lru_cache(maxsize=1)
def _parser() -> Lark:
    text = resources.files("compliance.grammar").joinpath("rules.lark").read_text(encoding="utf-8")
    # cache: the parse tables are kept in a per-user temporary file keyed by the grammar
    return Lark(text, parser="lalr", lexer="contextual", propagate_positions=True, maybe_placeholders=True,
                cache=True)


def _span(file: str, meta_or_token) -> ast.Span:
    m = meta_or_token
    if isinstance(m, Token):
        return ast.Span(file, m.line, m.column, m.end_line or m.line, m.end_column or m.column)
    if getattr(m, "empty", False):
        return ast.Span(file, 0, 0, 0, 0)
    return ast.Span(file, m.line, m.column, m.end_line, m.end_column)


ESCAPES = {'"': '"', "\\": "\\", "n": "\n", "t": "\t"}


def _unquote(token: str) -> str:
    """Quoted text: \\" \\\\ \\n \\t are escapes; any other backslash stays as written,
    so a pattern such as "^\\d{9}$" means what it says."""
    body = token[1:-1]
    return re.sub(r"\\(.)", lambda m: ESCAPES.get(m.group(1), "\\" + m.group(1)), body)


def _time_seconds(text: str) -> int:
    hh, mm = text.split(":")
    h, m = int(hh), int(mm)
    if m > 59 or h > 24 or (h == 24 and m != 0):
        raise ValueError(f"invalid time of day {text!r} (expected 00:00 to 24:00)")
    return h * 3600 + m * 60


class _LiteralError(Exception):
    def __init__(self, message: str, span: ast.Span):
        self.message = message
        self.span = span


@v_args(meta=True)
class _Builder(Transformer):
    """Lark tree -> AST. One method per `-> alias` in the grammar."""

    def __init__(self, file: str):
        super().__init__()
        self.file = file

    def s(self, meta) -> ast.Span:
        return _span(self.file, meta)

    # ------------------------------------------------------------ literals
    def string(self, meta, c):
        return ast.Literal(self.s(meta), "string", _unquote(c[0]), str(c[0]))

    def number(self, meta, c):
        text = str(c[0])
        value = float(text) if "." in text else int(text)
        return ast.Literal(self.s(meta), "number", value, text)

    def percent(self, meta, c):
        return ast.Literal(self.s(meta), "percent", float(c[0]) / 100.0, f"{c[0]}%")

    def duration(self, meta, c):
        n, unit = float(c[0]), str(c[1])
        seconds = n * DURATION_SECONDS[unit]
        seconds = int(seconds) if seconds == int(seconds) else seconds
        return ast.Literal(self.s(meta), "duration", seconds, f"{c[0]} {unit}", unit)

    def working(self, meta, c):
        n = float(c[0])
        n = int(n) if n == int(n) else n
        unit = WORKING_UNITS[str(c[2])]
        return ast.Literal(self.s(meta), "working", n, f"{c[0]} working {c[2]}", unit)

    def datetime(self, meta, c):
        text = str(c[0]).replace(" ", "T")
        if len(text) == 16:
            text += ":00"
        self._check_datetime(text, meta)
        return ast.Literal(self.s(meta), "datetime", text, str(c[0]))

    def date(self, meta, c):
        self._check_datetime(str(c[0]), meta)
        return ast.Literal(self.s(meta), "date", str(c[0]), str(c[0]))

    def _check_datetime(self, text: str, meta):
        import datetime as dt

        try:
            (dt.datetime.fromisoformat(text) if "T" in text else dt.date.fromisoformat(text))
        except ValueError:
            raise _LiteralError(f"invalid date or datetime {text!r}", self.s(meta))

    def time(self, meta, c):
        try:
            secs = _time_seconds(str(c[0]))
        except ValueError as exc:
            raise _LiteralError(str(exc), self.s(meta))
        return ast.Literal(self.s(meta), "time", secs, str(c[0]))

    def true(self, meta, c):
        return ast.Literal(self.s(meta), "bool", True, "true")

    def false(self, meta, c):
        return ast.Literal(self.s(meta), "bool", False, "false")

    # ------------------------------------------------------------ expressions
    def ref(self, meta, c):
        return ast.Ref(self.s(meta), str(c[0]))

    def qualified_ref(self, meta, c):
        return ast.Ref(self.s(meta), str(c[1]), qualifier=str(c[0]))

    def call(self, meta, c):
        args = [a for a in c[1:] if a is not None]
        return ast.Call(self.s(meta), str(c[0]), args)

    def aggregate(self, meta, c):
        body: ast.Aggregate = c[1]
        body.func = str(c[0])
        body.span = self.s(meta)
        return body

    def agg_body(self, meta, c):
        # [expr] [ON NAME [= NAME]] [WHERE expr] [OVER NAME], placeholders are None
        arg, on_tok, on_related, on_outer, where_tok, where, over_tok, over = (list(c) + [None] * 8)[:8]
        return ast.Aggregate(self.s(meta), "", arg,
                             on_related=str(on_related) if on_related is not None else None,
                             on_outer=str(on_outer) if on_outer is not None else None,
                             where=where, over=str(over) if over is not None else None)

    def binary(self, meta, c):
        return ast.Binary(self.s(meta), str(c[1]), c[0], c[2])

    def or_op(self, meta, c):
        return ast.BoolOp(self.s(meta), "or", c[0], c[2])

    def and_op(self, meta, c):
        return ast.BoolOp(self.s(meta), "and", c[0], c[2])

    def not_op(self, meta, c):
        return ast.Not(self.s(meta), c[1])

    def neg(self, meta, c):
        return ast.Neg(self.s(meta), c[1])

    def compare(self, meta, c):
        return ast.Compare(self.s(meta), str(c[1]), c[0], c[2])

    def in_list(self, meta, c):
        return ast.InList(self.s(meta), c[0], list(c[2:]))

    def not_in_list(self, meta, c):
        return ast.InList(self.s(meta), c[0], list(c[3:]), negated=True)

    def is_set(self, meta, c):
        return ast.IsSet(self.s(meta), c[0])

    def is_empty(self, meta, c):
        return ast.IsSet(self.s(meta), c[0], empty=True)

    def matches(self, meta, c):
        return ast.Matches(self.s(meta), c[0], c[2])

    def within(self, meta, c):
        return ast.Within(self.s(meta), c[0], c[2], c[4])

    def case(self, meta, c):
        items = [x for x in c if not isinstance(x, Token)]
        toks = [str(x) for x in c if isinstance(x, Token)]
        has_else = "else" in toks
        pairs = items[:-1] if has_else else items
        whens = [(pairs[i], pairs[i + 1]) for i in range(0, len(pairs), 2)]
        return ast.Case(self.s(meta), whens, items[-1] if has_else else None)

    # ------------------------------------------------------------ declarations
    def import_decl(self, meta, c):
        return ast.Import(_unquote(str(c[1])), self.s(meta))

    def param_decl(self, meta, c):
        return ast.Param(str(c[1]), c[2], self.s(meta))

    def ds_key(self, meta, c):
        return ("key", [str(x) for x in c[1:]], self.s(meta))

    def ds_anchor(self, meta, c):
        return ("anchor", str(c[1]), self.s(meta))

    def ds_field(self, meta, c):
        return ("field", ast.FieldDecl(str(c[0]), str(c[1]), self.s(meta)), self.s(meta))

    def ds_derive(self, meta, c):
        return ("derive", ast.Derive(str(c[1]), c[2], self.s(meta)), self.s(meta))

    def dataset_decl(self, meta, c):
        ds = ast.Dataset(str(c[1]), self.s(meta))
        for kind, value, span in c[2:]:
            if kind == "key":
                ds.key, ds.key_span = value, span
            elif kind == "anchor":
                ds.anchor, ds.anchor_span = value, span
            elif kind == "field":
                ds.fields.append(value)
            else:
                ds.derives.append(value)
        return ds

    def day_one(self, meta, c):
        return (str(c[0]), None)

    def day_range(self, meta, c):
        return (str(c[0]), str(c[1]))

    def time_range(self, meta, c):
        try:
            return (_time_seconds(str(c[0])), _time_seconds(str(c[2])))
        except ValueError as exc:
            raise _LiteralError(str(exc), self.s(meta))

    def cal_hours(self, meta, c):
        return ("hours", ast.Hours(c[1], list(c[2:]), self.s(meta)), self.s(meta))

    def cal_holidays(self, meta, c):
        return ("holidays", str(c[1]), self.s(meta))

    def cal_day(self, meta, c):
        return ("day", c[1], self.s(meta))

    def calendar_decl(self, meta, c):
        cal = ast.Calendar(str(c[1]), self.s(meta))
        for kind, value, span in c[2:]:
            if kind == "hours":
                cal.hours.append(value)
            elif kind == "holidays":
                cal.holidays, cal.holidays_span = value, span
            else:
                cal.working_day = value
        return cal

    # ------------------------------------------------------------ rules
    def r_title(self, meta, c):
        return ("title", _unquote(str(c[1])), self.s(meta))

    def r_severity(self, meta, c):
        return ("severity", str(c[1]), self.s(meta))

    def r_source(self, meta, c):
        return ("source", _unquote(str(c[1])), self.s(meta))

    def r_param(self, meta, c):
        return ("param", ast.Param(str(c[1]), c[2], self.s(meta)), self.s(meta))

    def r_calendar(self, meta, c):
        return ("calendar", str(c[1]), self.s(meta))

    def r_for(self, meta, c):
        return ("for", ast.Scope(str(c[1]), c[3], self.s(meta)), self.s(meta))

    def r_every(self, meta, c):
        return ("every", ast.Scope(str(c[1]), c[3], self.s(meta)), self.s(meta))

    def r_group(self, meta, c):
        return ("group", [x for x in c[2:]], self.s(meta))

    def r_per(self, meta, c):
        return ("per", ast.Per(str(c[1]), str(c[3]) if c[3] is not None else None, self.s(meta)), self.s(meta))

    def r_wait(self, meta, c):
        return ("wait", ast.Wait(str(c[2]), c[4], c[6], c[8], self.s(meta)), self.s(meta))

    def r_cover(self, meta, c):
        return ("cover", ast.Cover(c[2], c[4], self.s(meta)), self.s(meta))

    def r_require(self, meta, c):
        return ("require", c[1], self.s(meta))

    def r_derive(self, meta, c):
        return ("derive", ast.Derive(str(c[1]), c[2], self.s(meta)), self.s(meta))

    def r_penalize(self, meta, c):
        return ("penalize", [str(x) for x in c[1:]], self.s(meta))

    def window_period(self, meta, c):
        return ("period", str(c[1]))

    def window_rolling(self, meta, c):
        n, unit = float(c[1]), str(c[2])
        return ("rolling", n * DURATION_SECONDS[unit])

    def window_per(self, meta, c):
        return ("per", str(c[1]))

    def r_ladder(self, meta, c):
        return ("ladder", ast.Ladder(str(c[1]), c[2], self.s(meta)), self.s(meta))

    def fine(self, meta, c):
        return ast.Action("fine", self.s(meta), amount=c[1], currency=str(c[2]))

    def flag(self, meta, c):
        return ast.Action(str(c[0]), self.s(meta))

    def r_step(self, meta, c):
        return ("step", ast.Step(c[1], list(c[3:]), False, self.s(meta)), self.s(meta))

    def r_also(self, meta, c):
        return ("step", ast.Step(c[1], list(c[3:]), True, self.s(meta)), self.s(meta))

    def rule_decl(self, meta, c):
        rule = ast.Rule(str(c[1]), self.s(meta))
        seen: set[str] = set()
        single = {"title", "severity", "source", "calendar", "for", "every", "group", "per",
                  "wait", "cover", "require", "penalize", "ladder"}
        rule.clause_spans = {}  # type: ignore[attr-defined]
        for kind, value, span in c[2:]:
            rule.clause_spans.setdefault(kind, span)  # type: ignore[attr-defined]
            if kind in single and kind in seen:
                rule.repeated.append((kind, span))
                continue
            seen.add(kind)
            if kind == "title":
                rule.title = value
            elif kind == "severity":
                rule.severity, rule.severity_span = value, span
            elif kind == "source":
                rule.source = value
            elif kind == "param":
                rule.params.append(value)
            elif kind == "calendar":
                rule.calendar, rule.calendar_span = value, span
            elif kind == "for":
                rule.scope = value
            elif kind == "every":
                rule.every = value
            elif kind == "group":
                rule.group, rule.group_span = value, span
            elif kind == "per":
                rule.per = value
            elif kind == "wait":
                rule.wait = value
            elif kind == "cover":
                rule.cover = value
            elif kind == "require":
                rule.require = value
            elif kind == "derive":
                rule.derives.append(value)
            elif kind == "penalize":
                rule.penalize, rule.penalize_span = value, span
            elif kind == "ladder":
                rule.ladder = value
            elif kind == "step":
                rule.steps.append(value)
        return rule

    def start(self, meta, c):
        module = ast.Module(self.file)
        for decl in c:
            if isinstance(decl, ast.Import):
                module.imports.append(decl)
            elif isinstance(decl, ast.Param):
                module.params.append(decl)
            elif isinstance(decl, ast.Dataset):
                module.datasets.append(decl)
            elif isinstance(decl, ast.Calendar):
                module.calendars.append(decl)
            elif isinstance(decl, ast.Rule):
                module.rules.append(decl)
        return module


def _expected(exc: UnexpectedInput) -> str:
    names = sorted({TERMINAL_NAMES.get(t, f"'{t.lower()}'" if t.isupper() else t)
                    for t in (getattr(exc, "expected", None) or getattr(exc, "allowed", None) or [])})
    if not names:
        return ""
    if len(names) > 8:
        names = names[:8] + ["..."]
    return "expected " + ", ".join(names)


def _syntax_diagnostic(file: str, text: str, exc: UnexpectedInput) -> Diagnostic:
    line = getattr(exc, "line", 1) or 1
    col = getattr(exc, "column", 1) or 1
    if isinstance(exc, UnexpectedEOF) or (isinstance(exc, UnexpectedToken) and exc.token.type == "$END"):
        lines = text.splitlines() or [""]
        line, col = len(lines), len(lines[-1]) + 1
        found = "end of file"
    elif isinstance(exc, UnexpectedToken):
        found = repr(str(exc.token))
    else:
        found = repr(text[exc.pos_in_stream]) if exc.pos_in_stream < len(text) else "end of file"
    message = f"unexpected {found}"
    expected = _expected(exc)
    if expected:
        message += f"; {expected}"
    source_line = text.splitlines()[line - 1] if 0 < line <= len(text.splitlines()) else ""
    context = f"    {source_line}\n    {' ' * (col - 1)}^"
    return Diagnostic("E101", message, ast.Span(file, line, col, line, col + 1), context)


def parse(text: str, file: str = "<string>") -> ast.Module:
    """Parse one rule file; raise RuleError with every syntax problem found.

    Lark's LALR parser stops at the first error, so after one we resume on the next
    top-level declaration to report later, independent errors as well."""
    diagnostics: list[Diagnostic] = []
    try:
        tree = _parser().parse(text)
    except UnexpectedInput as exc:
        diagnostics.append(_syntax_diagnostic(file, text, exc))
        diagnostics += _errors_after(text, file, exc)
        raise RuleError(diagnostics)
    try:
        module = _Builder(file).transform(tree)
    except VisitError as exc:
        if isinstance(exc.orig_exc, _LiteralError):
            raise RuleError([Diagnostic("E102", exc.orig_exc.message, exc.orig_exc.span)])
        raise
    return module


_DECL_START = re.compile(r"^(rule|dataset|calendar|param|import)\b", re.M)


def _errors_after(text: str, file: str, exc: UnexpectedInput) -> list[Diagnostic]:
    """Re-parse from the next top-level declaration after the error, blanking what came
    before (keeping line numbers), to collect further independent syntax errors."""
    out: list[Diagnostic] = []
    pos = _line_offset(text, getattr(exc, "line", 1) or 1)
    for _ in range(20):
        match = _DECL_START.search(text, pos + 1)
        if not match:
            break
        start = match.start()
        blanked = re.sub(r"[^\n]", " ", text[:start]) + text[start:]
        try:
            _parser().parse(blanked)
            break
        except UnexpectedInput as nxt:
            diag = _syntax_diagnostic(file, text, nxt)
            out.append(diag)
            pos = _line_offset(text, diag.span.line)
    return out


def _line_offset(text: str, line: int) -> int:
    offset = 0
    for _ in range(line - 1):
        nl = text.find("\n", offset)
        if nl < 0:
            return len(text)
        offset = nl + 1
    return offset
