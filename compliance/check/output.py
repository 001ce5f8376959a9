"""Render lint diagnostics: text, json, SARIF 2.1.0 (GitHub code scanning), GitHub annotations.

All formats render from the same sorted list of plain `Diagnostic` records.
"""
from __future__ import annotations

import json
import os

from compliance.check.codes import CODE_DOCS
from compliance.diagnostics import CODES, Diagnostic

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def _uri(path: str, root: str) -> str:
    rel = os.path.relpath(os.path.abspath(path), root) if not path.startswith("<") else path
    return rel.replace(os.sep, "/")


def text(diags: list[Diagnostic], root: str) -> str:
    lines = [d.format() for d in diags]
    errors = sum(1 for d in diags if d.severity == "error")
    warnings = len(diags) - errors
    lines.append(f"{errors} error(s), {warnings} warning(s)" if diags else "no problems found")
    return "\n".join(lines) + "\n"


def as_json(diags: list[Diagnostic], root: str) -> str:
    items = [{"file": _uri(d.span.file, root), "line": d.span.line, "column": d.span.col,
              "end_line": d.span.end_line, "end_column": d.span.end_col, "code": d.code,
              "severity": d.severity, "message": d.message} for d in diags]
    return json.dumps({"diagnostics": items}, ensure_ascii=False, indent=2) + "\n"


def sarif(diags: list[Diagnostic], root: str) -> str:
    codes = sorted(CODES)
    rules = []
    for code in codes:
        doc = CODE_DOCS.get(code)
        rules.append({
            "id": code,
            "name": CODES[code].title().replace(" ", ""),
            "shortDescription": {"text": CODES[code]},
            "fullDescription": {"text": doc.why if doc else CODES[code]},
            "help": {"text": doc.fix if doc else CODES[code]},
            "defaultConfiguration": {"level": "warning" if code.startswith("W") else "error"},
        })
    results = []
    for d in diags:
        region = {"startLine": max(d.span.line, 1), "startColumn": max(d.span.col, 1)}
        if d.span.end_line >= d.span.line and d.span.end_line > 0:
            region["endLine"] = d.span.end_line
            region["endColumn"] = max(d.span.end_col, 1)
        results.append({
            "ruleId": d.code,
            "ruleIndex": codes.index(d.code),
            "level": "warning" if d.severity == "warning" else "error",
            "message": {"text": d.message},
            "locations": [{"physicalLocation": {
                "artifactLocation": {"uri": _uri(d.span.file, root), "uriBaseId": "%SRCROOT%"},
                "region": region}}],
        })
    doc = {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [{
        "tool": {"driver": {"name": "compliance",
                            "rules": rules}},
        "results": results,
    }]}
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


def _escape_data(s: str) -> str:
    return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_prop(s: str) -> str:
    return _escape_data(s).replace(":", "%3A").replace(",", "%2C")


def github(diags: list[Diagnostic], root: str) -> str:
    lines = []
    for d in diags:
        kind = "warning" if d.severity == "warning" else "error"
        props = (f"file={_escape_prop(_uri(d.span.file, root))},line={d.span.line},col={d.span.col},"
                 f"endLine={d.span.end_line},endColumn={d.span.end_col},title={_escape_prop(d.code)}")
        lines.append(f"::{kind} {props}::{_escape_data(d.code + ' ' + d.message)}")
    return "\n".join(lines) + ("\n" if lines else "")


RENDERERS = {"text": text, "json": as_json, "sarif": sarif, "github": github}
