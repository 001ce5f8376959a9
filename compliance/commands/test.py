"""`compliance test`: run rule test cases (YAML) and report pass/fail per case."""
from __future__ import annotations

import sys

import click

from compliance.cli import EXIT_FINDINGS, EXIT_OK, Failure, handle_errors


@click.command("test")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--run", "only", help="Run only cases whose name contains this text.")
@click.option("--format", "fmt", type=click.Choice(["text", "junit"]), default="text", show_default=True)
@click.option("--output", "-o", type=click.Path(), help="Write the report here instead of stdout.")
@click.option("--coverage", is_flag=True, help="Report rules that no case compares.")
@click.option("--min-coverage", type=click.FloatRange(0, 100), help="Fail when fewer than N %% of rules are covered.")
@click.option("-v", "--verbose", is_flag=True, help="List passing cases too.")
@handle_errors
def command(paths, only, fmt, output, coverage, min_coverage, verbose) -> None:
    """Run rule test cases (*.test.yaml files or folders of them)."""
    from compliance.testing.cases import CaseFileError, find_case_files, run_case_file
    from compliance.testing.coverage import coverage_report
    from compliance.testing.report import render_junit, render_text

    files = find_case_files(list(paths))
    if not files:
        raise Failure("no *.test.yaml files found in " + ", ".join(paths))
    results = []
    try:
        for f in files:
            results += run_case_file(f, only)
    except CaseFileError as exc:
        raise Failure(str(exc))
    text = render_junit(results) if fmt == "junit" else render_text(results, verbose)
    cov = coverage_report(files, results) if (coverage or min_coverage is not None) else None
    if cov is not None and fmt == "text":
        text += cov.text()
    if output:
        with open(output, "w", encoding="utf-8") as fh:
            fh.write(text)
    else:
        click.echo(text, nl=False)
    failed = [r for r in results if not r.passed]
    if failed:
        sys.exit(EXIT_FINDINGS)
    if min_coverage is not None and cov is not None and cov.percent < min_coverage:
        click.echo(f"error: rule coverage {cov.percent:.1f} % is below --min-coverage {min_coverage:g} %", err=True)
        sys.exit(EXIT_FINDINGS)
    sys.exit(EXIT_OK)
