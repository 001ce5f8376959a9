"""The `compliance` command line.

Exit codes are named constants shared by every subcommand: 0 clean, 1 findings at or
above the threshold, 2 usage, rule, config or input errors (message, never a traceback).
"""
from __future__ import annotations

import datetime as dt
import functools
import os
import sys
from typing import Any
from zoneinfo import ZoneInfo

import click

from compliance.util import profile  # imported early: its clock times the start-up too

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_ERROR = 2


class Failure(click.ClickException):
    """An expected failure: printed as `error: ...`, exit 2."""

    exit_code = EXIT_ERROR

    def show(self, file=None) -> None:
        click.echo(f"error: {self.format_message()}", err=True)


def handle_errors(func):
    """Turn every known error into a clear message and exit 2."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        from compliance.compile.periods import PeriodError
        from compliance.diagnostics import RuleError
        from compliance.engine.calendar import CalendarError
        from compliance.engine.config import ConfigError
        from compliance.engine.errors import DataError
        from compliance.inputs import InputError

        try:
            return func(*args, **kwargs)
        except RuleError as err:
            for d in err.diagnostics:
                click.echo(d.format(), err=True)
            n = len([d for d in err.diagnostics if d.severity == "error"])
            click.echo(f"error: {n} problem(s) in rule files", err=True)
            sys.exit(EXIT_ERROR)
        except (InputError, DataError, ConfigError, CalendarError, PeriodError) as err:
            raise Failure(str(err))
        except OSError as err:
            raise Failure(f"{getattr(err, 'filename', '') or ''}: {err.strerror or err}".lstrip(": "))

    return wrapper


def parse_as_of(text: str | None, zone: str) -> dt.datetime | None:
    if text is None:
        return None
    try:
        value = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise Failure(f"--as-of {text!r}: expected a date or datetime like 2024-05-31 or 2024-05-31T18:00")
    if value.tzinfo is not None:
        value = value.astimezone(ZoneInfo(zone)).replace(tzinfo=None)
    return value


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="compliance")
def main() -> None:
    """Check exported service logs against written customer-service standards."""


FORMATS = ("table", "json", "csv", "junit", "xlsx")


@main.command()
@click.option("--rules", "rules", multiple=True, required=True, type=click.Path(),
              help="Rule file or directory of *.rules files (repeatable).")
@click.option("--data", "data", multiple=True, required=True,
              help="NAME=PATH binding a dataset to an export (PATH may be book.xlsx#Sheet), or a directory.")
@click.option("--config", "config_path", type=click.Path(), help="Site config (YAML).")
@click.option("--mapping", "mapping_path", type=click.Path(), help="Header/value mapping file (YAML).")
@click.option("--period", help="2024-05, 2024-Q2, 2024-H1, 2024, or 2024-05-01..2024-06-30.")
@click.option("--as-of", "as_of", help="Evaluation time (default: now, but not after the period's end).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), help="Output format (default: from --output's "
              "extension, else table).")
@click.option("--output", "-o", type=click.Path(), help="Write the report here instead of stdout.")
@click.option("--fail-on", type=click.Choice(["info", "minor", "major", "critical", "never"]), default="info",
              show_default=True, help="Exit 1 when a violation at or above this severity is found.")
@click.option("--strict", is_flag=True, help="Treat any rejected input row as an error (exit 2).")
@click.option("--encoding", help="Force the encoding of CSV/TSV inputs (e.g. gb18030).")
@click.option("--rule", "only", multiple=True, help="Evaluate only this rule ID (repeatable).")
@handle_errors
def check(rules, data, config_path, mapping_path, period, as_of, fmt, output, fail_on, strict, encoding,
          only) -> None:
    """Check exports against rules and report findings."""
    from compliance.check.program import load_program
    from compliance.compile.periods import parse_period
    from compliance.engine.config import load_config
    from compliance.engine.run import Options, run_check
    from compliance.inputs import bind_data, load_mapping
    from compliance.report.model import SEVERITY_RANK

    config = load_config(config_path)
    program = load_program(list(rules), config.params)
    for d in program.diagnostics:
        if d.severity == "warning":
            click.echo(d.format(), err=True)
    if not program.rules:
        raise Failure("no rules found in " + ", ".join(rules) + " (expected *.rules files)")
    bindings = bind_data(list(data))
    for name in sorted(set(bindings) - set(program.datasets)):
        from compliance.util.suggest import did_you_mean

        click.echo(f"warning: --data {name}: no dataset of that name is declared"
                   f"{did_you_mean(name, list(program.datasets))}", err=True)
    mapping_file = mapping_path or config.mapping
    mappings = load_mapping(mapping_file) if mapping_file else {}
    unknown = [r for r in only if program.rule(r) is None]
    if unknown:
        raise Failure("unknown rule " + ", ".join(unknown))
    options = Options(period=parse_period(period) if period else None, rules=set(only) if only else None,
                      as_of=parse_as_of(as_of, config.timezone), mappings=mappings, encoding=encoding,
                      progress=_progress() if sys.stderr.isatty() else None)
    fmt = fmt or format_from(output, FORMATS)
    options.json_ahead = fmt == "json"
    result = run_check(program, bindings, config, options)
    if options.progress is not None:
        click.echo("\r\033[K", err=True, nl=False)  # clear the progress line
    from compliance.report import FORMATS as RENDERERS
    from compliance.report import render

    profile.stage(f"writing the {fmt} report")
    try:
        write_report(lambda stream: render(result, fmt, stream), RENDERERS[fmt].binary, fmt, output)
    finally:  # the background writer, if the report failed before taking its text
        result.findings.stop_ahead()
    profile.stage(None)
    for r in result.rules:
        if r.error:
            click.echo(f"warning: {r.id} {r.error}", err=True)
    if strict and result.rejections:
        raise Failure(f"{len(result.rejections)} input value(s) rejected (--strict); first: "
                      f"{result.rejections[0].location.label()} {result.rejections[0].column}="
                      f"{result.rejections[0].value!r}, expected {result.rejections[0].expected}")
    if fail_on != "never":
        threshold = SEVERITY_RANK[fail_on]
        if any(r.violations and SEVERITY_RANK.get(r.severity, 0) >= threshold for r in result.rules):
            sys.exit(EXIT_FINDINGS)
    sys.exit(EXIT_OK)


def format_from(output: str | None, known: tuple[str, ...]) -> str:
    """The format an --output file's extension asks for, else table."""
    ext = os.path.splitext(output or "")[1].lower()
    fmt = {".json": "json", ".csv": "csv", ".xml": "junit", ".xlsx": "xlsx"}.get(ext, "table")
    return fmt if fmt in known else "table"


def write_report(render, binary: bool, fmt: str, output: str | None) -> None:
    """Write a report with `render(stream)` to --output or stdout; binary formats need a
    file (or a pipe), never a terminal."""
    import io

    if output:
        mode = {"mode": "wb"} if binary else {"mode": "w", "encoding": "utf-8", "newline": ""}
        if os.path.exists(output) and not os.path.isfile(output):  # /dev/null, a pipe: as it comes
            with open(output, **mode) as fh:
                render(fh)
            return
        # findings are made while the report is written: write beside the output and move
        # it into place when complete, so an error never leaves half a report
        import tempfile

        try:
            fd, partial = tempfile.mkstemp(prefix=".compliance-report-", dir=os.path.dirname(os.path.abspath(output)))
        except OSError as err:  # name the output the user gave, not the temporary file
            raise OSError(err.errno, err.strerror, output) from None
        try:
            with open(fd, **mode) as fh:
                render(fh)
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(partial, 0o666 & ~umask)  # as an ordinary new file, not mkstemp's 0600
            os.replace(partial, output)
        except BaseException:
            if os.path.exists(partial):
                os.unlink(partial)
            raise
    elif binary:
        if sys.stdout.isatty():
            raise Failure(f"--format {fmt} is binary: give --output FILE")
        render(sys.stdout.buffer)
    else:
        buffer = io.StringIO()
        render(buffer)
        click.echo(buffer.getvalue(), nl=False)


def _progress():
    def show(text: str) -> None:
        click.echo(f"\r\033[K{text}", err=True, nl=False)
    return show


def _register_subcommands() -> None:
    from compliance.commands import register

    register(main)


_register_subcommands()


def entry() -> None:
    """The `compliance` command: `main`, then a quick exit. Once the command is done,
    the run's databases are closed (DuckDB removes its spill files), the output is
    flushed, and the process ends without the interpreter freeing its objects one by one,
    which took about 0.1 s after a large check. Under a tracer (coverage) it exits
    normally, so the tracer can save its data."""
    try:
        main(prog_name="compliance")
        code: Any = 0
    except SystemExit as done:
        code = done.code
    if sys.gettrace() is not None or "coverage" in sys.modules:
        sys.exit(code)
    if code is None:
        code = 0
    elif not isinstance(code, int):
        print(code, file=sys.stderr)
        code = 1
    if "compliance.engine.run" in sys.modules:
        try:
            sys.modules["compliance.engine.run"].close_databases()
        except Exception:  # noqa: BLE001 - the exit code matters more than a tidy close
            pass
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except OSError:  # the reader went away (a closed pipe)
        code = code or 1
    os._exit(code)
