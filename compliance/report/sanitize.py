"""Make untrusted text from exported files safe for the formats that show it.

Subjects, messages and values come straight from customer-service exports, so they
may hold spreadsheet formulas, terminal escape sequences or bytes XML forbids.
"""
from __future__ import annotations

import re

# Leading characters that spreadsheet programs read as the start of a formula (OWASP
# "CSV injection"); tab and carriage return can hide one behind whitespace.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

# Characters XML 1.0 (and so xlsx) cannot carry at all: C0 controls other than tab,
# newline and carriage return, lone surrogates and the two non-characters.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

# Everything that moves a terminal's cursor or starts an escape sequence.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")


def is_formula_like(text: str) -> bool:
    return text.startswith(FORMULA_TRIGGERS)


def neutralise_formula(text: str) -> str:
    """Prefix a single quote so a spreadsheet shows the text instead of running it."""
    return "'" + text if is_formula_like(text) else text


def neutralise_formulas(cells: list[str]) -> list[str]:
    """`neutralise_formula` for a whole row, without a call per cell (reports write
    hundreds of thousands of rows)."""
    return ["'" + text if text.startswith(FORMULA_TRIGGERS) else text for text in cells]


def xml_safe(text: str) -> str:
    """Drop characters that would make the document invalid XML."""
    return _NOT_XML.sub("", text)


def one_line(text: str) -> str:
    """Replace control characters (newlines, escapes) with spaces for terminal cells."""
    # control characters are never printable, so most text skips the regex
    return text if text.isprintable() else _CONTROL.sub(" ", text)
