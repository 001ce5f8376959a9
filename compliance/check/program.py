"""Load rule files (following imports) into one checked `Program`.

The program is the checked, merged view of every file: datasets, calendars, global
parameters and rules, plus the type and name-resolution tables the compiler reads.
Every problem found anywhere is collected; nothing stops at the first error.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from compliance.diagnostics import Diagnostic, RuleError
from compliance.syntax import ast
from compliance.syntax.parser import parse

FIELD_TYPES = {"text", "int", "number", "bool", "date", "datetime", "time", "duration"}
PERIOD_UNITS = ("day", "week", "month", "quarter", "half_year", "year")
DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
HOLIDAY_SOURCES = {"china", "none"}


@dataclass
class DatasetInfo:
    name: str
    key: list[str]
    anchor: str | None
    fields: dict[str, str]  # declared field -> type
    derived: dict[str, tuple[ast.Expr, str]] = field(default_factory=dict)  # name -> (expr, type)
    derived_owner: dict[str, str] = field(default_factory=dict)  # derived name -> rule ID or ""
    span: ast.Span = ast.NO_SPAN

    def type_of(self, name: str) -> str | None:
        if name in self.fields:
            return self.fields[name]
        if name in self.derived:
            return self.derived[name][1]
        return None

    def names(self) -> list[str]:
        return list(self.fields) + list(self.derived)


@dataclass
class CalendarInfo:
    name: str
    hours: list[ast.Hours]
    holidays: str
    working_day_seconds: int | None
    span: ast.Span = ast.NO_SPAN


@dataclass
class Resolution:
    """What a name in an expression stands for."""

    kind: str  # field, outer_field, param, builtin, dataset
    name: str
    dataset: str | None = None
    value: ast.Literal | None = None  # for params: the effective literal


@dataclass
class Program:
    datasets: dict[str, DatasetInfo] = field(default_factory=dict)
    calendars: dict[str, CalendarInfo] = field(default_factory=dict)
    params: dict[str, ast.Param] = field(default_factory=dict)
    rules: list[ast.Rule] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    types: dict[int, str] = field(default_factory=dict)  # id(expr) -> type
    refs: dict[int, Resolution] = field(default_factory=dict)  # id(Ref or Aggregate) -> resolution
    agg_values: dict[int, ast.Expr | None] = field(default_factory=dict)  # id(Aggregate) -> value expr
    param_values: dict[tuple[str, str], ast.Literal] = field(default_factory=dict)  # (rule id or "", name)
    diagnostics: list[Diagnostic] = field(default_factory=list)

    def rule(self, rule_id: str) -> ast.Rule | None:
        return next((r for r in self.rules if r.id == rule_id), None)

    def type_of(self, expr: ast.Expr) -> str:
        return self.types.get(id(expr), "any")

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "error"]


def read_modules(paths: list[str]) -> tuple[list[ast.Module], list[Diagnostic]]:
    """Parse the given files and, transitively, the files they import (each once).

    A directory stands for every `*.rules` file in it, in name order."""
    diagnostics: list[Diagnostic] = []
    modules: list[ast.Module] = []
    seen: set[str] = set()
    queue: list[tuple[str, ast.Span | None]] = []
    for path in paths:
        if os.path.isdir(path):
            for name in sorted(os.listdir(path)):
                if name.endswith(".rules"):
                    queue.append((os.path.join(path, name), None))
        else:
            queue.append((path, None))
    while queue:
        path, origin = queue.pop(0)
        real = os.path.realpath(path)
        if real in seen:
            continue
        seen.add(real)
        try:
            with open(path, encoding="utf-8") as fh:
                text = fh.read()
        except (OSError, UnicodeDecodeError) as exc:
            span = origin or ast.Span(path, 1, 1, 1, 1)
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            diagnostics.append(Diagnostic("E207", f"cannot read rule file {path}: {reason}", span))
            continue
        try:
            module = parse(text, _display(path))
        except RuleError as err:
            diagnostics += err.diagnostics
            continue
        modules.append(module)
        for imp in module.imports:
            target = os.path.join(os.path.dirname(path), imp.path)
            queue.append((target, imp.span))
    return modules, diagnostics


def _display(path: str) -> str:
    rel = os.path.relpath(path)
    return path if rel.startswith("..") else rel


def load_program(paths: list[str], overrides: dict[str, Any] | None = None) -> Program:
    """Read, merge and check rule files. Raises RuleError when any error is found."""
    program = check_paths(paths, overrides)
    if program.errors:
        raise RuleError(program.errors)
    return program


def check_paths(paths: list[str], overrides: dict[str, Any] | None = None) -> Program:
    """Like `load_program`, but returns the program with all diagnostics instead of raising."""
    from compliance.check.checker import check_modules

    modules, diagnostics = read_modules(paths)
    program = check_modules(modules, overrides or {})
    program.diagnostics = sorted(diagnostics + program.diagnostics, key=Diagnostic.sort_key)
    return program
