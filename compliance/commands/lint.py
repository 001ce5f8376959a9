"""`compliance lint`: report every problem in rule files with a stable code."""
from __future__ import annotations

import os
import sys

import click

from compliance.cli import EXIT_FINDINGS, EXIT_OK, handle_errors


@click.command("lint")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--format", "fmt", type=click.Choice(["text", "json", "sarif", "github"]), default="text",
              show_default=True)
@click.option("--output", "-o", type=click.Path(), help="Write the report here instead of stdout.")
@click.option("--root", type=click.Path(file_okay=False), default=".", show_default=True,
              help="Paths in json/sarif/github output are relative to this folder.")
@handle_errors
def command(paths, fmt, output, root) -> None:
    """Parse and check rule files, reporting all problems sorted by position."""
    from compliance.check.output import RENDERERS
    from compliance.check.program import check_paths

    program = check_paths(list(paths))
    diags = _dedupe(program.diagnostics)
    text = RENDERERS[fmt](diags, os.path.abspath(root))
    if output:
        with open(output, "w", encoding="utf-8") as fh:
            fh.write(text)
    else:
        click.echo(text, nl=False)
    sys.exit(EXIT_FINDINGS if diags else EXIT_OK)


def _dedupe(diags):
    seen, out = set(), []
    for d in diags:
        key = (d.span, d.code, d.message)
        if key not in seen:
            seen.add(key)
            out.append(d)
    return out
