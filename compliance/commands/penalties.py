"""`compliance penalties`: HR summary of fines, criticism, warnings and dismissals.

History: an occurrence counts toward its rule's window (calendar year, rolling days)
whenever it happened, so give the export that covers the window, not just the month;
`--period` only selects which events and months are reported.
"""
from __future__ import annotations

import sys

import click

from compliance.cli import EXIT_OK, Failure, format_from, handle_errors, parse_as_of, write_report
from compliance.util import profile


@click.command("penalties")
@click.option("--rules", "rules", multiple=True, required=True, type=click.Path())
@click.option("--data", "data", multiple=True, required=True, help="NAME=PATH, or a directory.")
@click.option("--config", "config_path", type=click.Path(), help="Site config (YAML).")
@click.option("--mapping", "mapping_path", type=click.Path(), help="Header/value mapping file (YAML).")
@click.option("--period", required=True, help="Month (2024-05) or any period to report.")
@click.option("--as-of", "as_of", help="Evaluation time (default: now, but not after the period's end).")
@click.option("--agent", help="Only this agent.")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv", "xlsx"]),
              help="Output format (default: from --output's extension, else table).")
@click.option("--output", "-o", type=click.Path(), help="Write the summary here instead of stdout.")
@click.option("--encoding", help="Force the encoding of CSV/TSV inputs.")
@handle_errors
def command(rules, data, config_path, mapping_path, period, as_of, agent, fmt, output, encoding) -> None:
    """Per agent and period: what the penalty rules say must happen, with the evidence."""
    from compliance.check.program import load_program
    from compliance.compile.periods import parse_period
    from compliance.engine.config import load_config
    from compliance.engine.run import Options, run_penalties
    from compliance.inputs import bind_data, load_mapping
    from compliance.report.penalty_formats import RENDERERS

    config = load_config(config_path)
    program = load_program(list(rules), config.params)
    if not any(r.kind == "penalty" for r in program.rules):
        raise Failure("the rule files define no penalty rules (rules with `penalize` and `ladder`)")
    mapping_file = mapping_path or config.mapping
    options = Options(period=parse_period(period), as_of=parse_as_of(as_of, config.timezone),
                      mappings=load_mapping(mapping_file) if mapping_file else {}, encoding=encoding, agent=agent)
    report = run_penalties(program, bind_data(list(data)), config, options)
    fmt = fmt or format_from(output, tuple(RENDERERS))
    render, binary = RENDERERS[fmt]
    profile.stage(f"writing the {fmt} report")
    write_report(lambda stream: render(report, stream), binary, fmt, output)
    profile.stage(None)
    for r in report.rules:
        if r.get("error"):
            click.echo(f"warning: {r['id']} {r['error']}", err=True)
    sys.exit(EXIT_OK)
