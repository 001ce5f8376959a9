"""Diagnostics: a stable code, a message and a source span, reported all at once.

Codes are grouped by phase (E1 syntax, E2 reference, E3 type, W4 style) and never
renumbered, so CI annotations and SARIF rule IDs stay stable across releases.
"""
from __future__ import annotations

from dataclasses import dataclass

from compliance.syntax.ast import Span

CODES: dict[str, str] = {
    # syntax
    "E101": "syntax error",
    "E102": "invalid literal",
    "E103": "clause given twice",
    # references
    "E201": "unknown dataset",
    "E202": "unknown field",
    "E203": "unknown name",
    "E204": "unknown calendar",
    "E205": "duplicate rule ID",
    "E206": "unknown function",
    "E207": "import not found",
    "E208": "duplicate definition",
    "E209": "invalid rule shape",
    "E210": "unknown period or option",
    "E211": "reserved name",
    # types
    "E301": "type mismatch",
    "E302": "working time without a calendar",
    "E303": "wrong arguments",
    "E304": "invalid regular expression",
    "E305": "aggregate out of place",
    "E306": "invalid date format",
    # style and sense
    "W401": "missing source citation",
    "W402": "missing title or severity",
    "W403": "unused parameter",
    "W404": "threshold can never be met",
}


@dataclass(frozen=True)
class Diagnostic:
    code: str
    message: str
    span: Span
    context: str | None = None  # source line with a caret, for syntax errors

    @property
    def severity(self) -> str:
        return "warning" if self.code.startswith("W") else "error"

    def sort_key(self) -> tuple:
        return (self.span.file, self.span.line, self.span.col, self.code, self.message)

    def format(self) -> str:
        text = f"{self.span.label()}: {self.code} {self.message}"
        if self.context:
            text += "\n" + self.context
        return text


class RuleError(Exception):
    """Raised when rule files have errors; carries every diagnostic, sorted."""

    def __init__(self, diagnostics: list[Diagnostic]):
        self.diagnostics = sorted(diagnostics, key=Diagnostic.sort_key)
        super().__init__("\n".join(d.format() for d in self.diagnostics))
