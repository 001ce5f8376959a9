"""`compliance fmt`: rewrite rule files in the canonical layout, or check they are."""
from __future__ import annotations

import difflib
import os
import sys

import click

from compliance.cli import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, handle_errors


def _files(paths):
    for p in paths:
        if os.path.isdir(p):
            for root, _dirs, names in os.walk(p):
                for n in sorted(names):
                    if n.endswith(".rules"):
                        yield os.path.join(root, n)
        else:
            yield p


@click.command("fmt")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--check", is_flag=True, help="Change nothing; exit 1 when a file would change.")
@click.option("--diff", "show_diff", is_flag=True, help="Print a unified diff of the changes; change nothing.")
@handle_errors
def command(paths, check, show_diff) -> None:
    """Format rule files (*.rules) in one canonical layout."""
    from compliance.diagnostics import RuleError
    from compliance.format.formatter import format_text, same_meaning

    changed, broken = [], False
    for path in sorted(set(_files(paths))):
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
        try:
            out = format_text(text, path)
        except RuleError as err:
            for d in err.diagnostics:
                click.echo(d.format(), err=True)
            broken = True
            continue
        if not same_meaning(text, out):  # a guard: never write a file whose meaning would change
            click.echo(f"error: {path}: formatting would change the rule's meaning; file left as is", err=True)
            broken = True
            continue
        if out == text:
            continue
        changed.append(path)
        if show_diff:
            click.echo("".join(difflib.unified_diff(text.splitlines(True), out.splitlines(True),
                                                    path, path + " (formatted)")), nl=False)
        if check or show_diff:
            if not show_diff:
                click.echo(f"would reformat {path}")
        else:
            with open(path, "w", encoding="utf-8") as fh:
                fh.write(out)
            click.echo(f"reformatted {path}")
    if broken:
        sys.exit(EXIT_ERROR)
    sys.exit(EXIT_FINDINGS if (check and changed) else EXIT_OK)
