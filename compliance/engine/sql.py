"""Small helpers for the few SQL statements the engine writes about its own tables."""
from __future__ import annotations

from sqlglot import exp


def ident(name: str) -> str:
    """A quoted identifier for an internal table or column name."""
    return exp.to_identifier(name, quoted=True).sql(dialect="duckdb")
