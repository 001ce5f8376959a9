"""`compliance explain`: a rule in plain words, and the SQL it compiles to."""
from __future__ import annotations

import click

from compliance.cli import Failure, handle_errors

KIND_WORDS = {
    "record": "each record in scope is checked on its own",
    "grouped": "records in scope are grouped and an aggregate is compared with a threshold",
    "cadence": "every entity of the master dataset, in every period bucket, must have related records",
    "sequence": "waits between messages in a session, ordered by time, are checked",
    "coverage": "the union of record intervals must cover the evaluated period; each gap is a finding",
    "derive": "derives a field other rules can use; produces no findings",
    "penalty": "a penalty ladder: what must happen to the people named on each record (compliance penalties)",
}


def describe(e) -> str:
    """Plain words for an expression (kept close to the source so it stays exact)."""
    from compliance.syntax import ast
    from compliance.syntax.printer import expr_text

    if isinstance(e, ast.BoolOp):
        return f"({describe(e.left)}) {e.op} ({describe(e.right)})"
    if isinstance(e, ast.Not):
        return f"not ({describe(e.operand)})"
    if isinstance(e, ast.Within):
        return (f"{expr_text(e.target)} comes at most {expr_text(e.limit)} after {expr_text(e.start)} "
                f"(while it is missing: pending until that deadline, a violation after)")
    if isinstance(e, ast.IsSet):
        return f"{expr_text(e.operand)} is {'empty' if e.empty else 'recorded'}"
    return expr_text(e)


@click.command("explain")
@click.argument("rule_id")
@click.option("--rules", "rules", multiple=True, required=True, type=click.Path(exists=True))
@click.option("--config", "config_path", type=click.Path(exists=True), help="Site config with overrides.")
@click.option("--sql", "show_sql", is_flag=True, help="Print the SQL the rule compiles to.")
@click.option("--period", help="Period used for --sql (default: the as-of year).")
@click.option("--as-of", "as_of", help="As-of time used for --sql (default: now).")
@handle_errors
def command(rule_id, rules, config_path, show_sql, period, as_of) -> None:
    """Explain RULE_ID: scope, requirement, calendar, parameters and source."""
    from compliance.check.checker import rule_params
    from compliance.check.program import load_program
    from compliance.cli import parse_as_of
    from compliance.compile.periods import parse_period
    from compliance.engine.config import load_config
    from compliance.engine.run import compile_rules, now_local, penalty_sql
    from compliance.syntax.printer import expr_text, literal_text
    from compliance.util.suggest import did_you_mean

    config = load_config(config_path)
    program = load_program(list(rules), config.params)
    rule = program.rule(rule_id)
    if rule is None:
        raise Failure(f"no rule {rule_id}{did_you_mean(rule_id, [r.id for r in program.rules])}")
    out = [f"{rule.id} — {rule.title or '(no title)'}",
           f"  severity:  {rule.severity or 'major (default)'}",
           f"  source:    {rule.source or '(none cited)'}",
           f"  kind:      {rule.kind}: {KIND_WORDS[rule.kind]}"]
    base = rule.every or rule.scope
    if base is not None:
        where = f" where {expr_text(base.where)}" if base.where is not None else " (all records)"
        out.append(f"  scope:     {base.dataset}{where}")
    if rule.group:
        out.append(f"  groups:    by {', '.join(expr_text(g) for g in rule.group)}")
    if rule.per:
        out.append(f"  period:    per {rule.per.unit}" + (f" of {rule.per.of}" if rule.per.of else ""))
    if rule.wait:
        w = rule.wait
        out.append(f"  waits:     per {w.by}, from a message where {expr_text(w.start)} to the next where "
                   f"{expr_text(w.end)}" + (f"; only waits where {expr_text(w.where)}" if w.where else ""))
    if rule.cover:
        out.append(f"  covers:    intervals {expr_text(rule.cover.start)} .. {expr_text(rule.cover.end)}")
    if rule.require is not None:
        out.append(f"  requires:  {describe(rule.require)}")
    for d in rule.derives:
        out.append(f"  derives:   {d.name} = {expr_text(d.expr)}")
    if rule.kind == "penalty":
        from compliance.format.formatter import ladder_text, step_text

        out.append(f"  penalises: {', '.join(rule.penalize)} (an event with no {rule.penalize[0]} is unattributable)")
        out.append(f"  ladder:    {ladder_text(rule.ladder).removeprefix('ladder ')}")
        for step in rule.steps:
            out.append(f"    {step_text(step)}")
        out.append("    (the last matching `step` applies; every matching `also` applies in addition)")
    if rule.calendar:
        cal = program.calendars[rule.calendar]
        hours = "; ".join(
            f"{h.days[0]}{'..' + h.days[1] if h.days[1] else ''} "
            + ", ".join(f"{s // 3600:02d}:{s % 3600 // 60:02d}-{e // 3600:02d}:{e % 3600 // 60:02d}" for s, e in h.ranges)
            for h in cal.hours)
        per_day = f"; 1 working day = {cal.working_day_seconds / 3600:g} h" if cal.working_day_seconds else ""
        out.append(f"  calendar:  {cal.name}: {hours}; holidays: {cal.holidays}{per_day}")
    params = rule_params(program, rule)
    if params:
        out.append("  parameters:")
        defaults = {p.name: expr_text(p.value) for p in rule.params}
        for name, lit in params.items():
            note = ""
            if name in defaults and literal_text(lit) != defaults[name]:
                note = f"  (default {defaults[name]}, set by the site config)"
            out.append(f"    {name} = {literal_text(lit)}{note}")
    click.echo("\n".join(out))
    if show_sql:
        when = parse_as_of(as_of, config.timezone) or now_local(config.timezone)
        per = parse_period(period) if period else parse_period(str(when.year))
        click.echo(f"\n-- SQL (period {per.label}, as of {when.isoformat(sep=' ')})")
        if rule.kind == "penalty":
            import sqlglot

            for sql in penalty_sql(program, rule, per, when):
                click.echo(sqlglot.transpile(sql, read="duckdb", write="duckdb", pretty=True)[0] + ";")
        for compiled in compile_rules(program, per, when, only={rule.id}):
            click.echo(compiled.sql_text() + ";")
