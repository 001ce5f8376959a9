"""Generate docs/standards.md from the standard rule pack (`python -m compliance.docs.standards`).

CI regenerates the page and fails when the committed copy differs, so the table of
rules can never drift from the rules themselves.
"""
from __future__ import annotations

import os
import sys

from compliance.check.program import load_program
from compliance.syntax import ast
from compliance.syntax.printer import expr_text

HERE = os.path.dirname(os.path.abspath(__file__))
PACK = os.path.normpath(os.path.join(HERE, "..", "..", "rules"))


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def checks(rule: ast.Rule) -> str:
    base = rule.every or rule.scope
    where = f" where `{expr_text(base.where)}`" if base and base.where is not None else ""
    kind = rule.kind
    if kind == "record":
        return f"each `{base.dataset}` record{where}: `{expr_text(rule.require)}`"
    if kind == "grouped":
        by = ", ".join(expr_text(g) for g in rule.group)
        per = f" per {rule.per.unit}" if rule.per else ""
        return f"`{base.dataset}`{where}, grouped{' by ' + by if by else ''}{per}: `{expr_text(rule.require)}`"
    if kind == "cadence":
        return f"every `{base.dataset}`{where}, per {rule.per.unit}: `{expr_text(rule.require)}`"
    if kind == "sequence":
        w = rule.wait
        cond = f" where `{expr_text(w.where)}`" if w.where is not None else ""
        return (f"waits in `{base.dataset}` by {w.by} from `{expr_text(w.start)}` to `{expr_text(w.end)}`{cond}: "
                f"`{expr_text(rule.require)}`")
    if kind == "coverage":
        return (f"`{base.dataset}`{where}: intervals `{expr_text(rule.cover.start)}`..`{expr_text(rule.cover.end)}` "
                f"cover the period; each gap is a finding")
    if kind == "derive":
        return "derives " + ", ".join(f"`{d.name}`" for d in rule.derives) + f" for `{base.dataset}`{where}"
    if kind == "penalty":
        from compliance.format.formatter import ladder_text, step_text

        steps = "; ".join(f"`{step_text(s)}`" for s in rule.steps)
        return (f"`{base.dataset}`{where}, penalising {', '.join(rule.penalize)}, `{ladder_text(rule.ladder)}`: "
                f"{steps}")
    return kind


AREAS = ["response", "phone", "shifts", "records", "visits", "rates", "training", "penalties", "grades"]


def _order(rule: ast.Rule) -> tuple:
    area = os.path.basename(rule.span.file).removesuffix(".rules")
    return (AREAS.index(area) if area in AREAS else len(AREAS), area, rule.span.line)


def markdown(paths: list[str]) -> str:
    program = load_program(paths)
    lines = ["# The standard rule pack", "",
             "Generated from `rules/*.rules` by `python -m compliance.docs.standards`; CI checks it is current.",
             "Each rule is named by its ID in `STANDARDS.md`; parameters can be overridden in the site config.", "",
             "| ID | title | severity | source | checks | parameters |", "|---|---|---|---|---|---|"]
    for rule in sorted(program.rules, key=_order):
        params = ", ".join(f"`{p.name} = {expr_text(p.value)}`" for p in rule.params) or "-"
        lines.append("| " + " | ".join(_cell(x) for x in (
            f"`{rule.id}`", rule.title or "", rule.severity or "", rule.source or "", checks(rule), params)) + " |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.stdout.write(markdown(sys.argv[1:] or [PACK]))
