"""Errors of the engine stage, shared by the run and the findings it streams."""
from __future__ import annotations

import duckdb

from compliance.syntax import ast


class DataError(Exception):
    """The data cannot be checked as bound (missing columns, ...). Message is complete."""


def rule_failed(rule: ast.Rule, what: str, exc: duckdb.Error) -> DataError:
    """A DuckDB error met while running `rule`, named by the rule and where it is written."""
    return DataError(f"{rule.span.label()}: rule {rule.id} {what}: {str(exc).splitlines()[0]}")
