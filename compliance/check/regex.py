"""Validate regular expressions with the engine's own RE2, at check time.

Python's `re` accepts patterns RE2 rejects (back-references, look-arounds), so the only
trustworthy judge is DuckDB itself; the pattern is passed as a bound parameter."""
from __future__ import annotations

from functools import lru_cache

import duckdb


@lru_cache(maxsize=1)
def _connection() -> duckdb.DuckDBPyConnection:
    return duckdb.connect(":memory:")


@lru_cache(maxsize=1024)
def format_problem(pattern: str) -> str | None:
    """None when DuckDB's strftime accepts `pattern`, else its complaint."""
    try:
        _connection().execute("SELECT strftime(TIMESTAMP '2024-01-01 00:00:00', ?)", [pattern]).fetchall()
    except duckdb.Error as exc:
        text = str(exc)
        return text.split(":", 1)[-1].strip() if ":" in text else text
    return None


@lru_cache(maxsize=1024)
def regex_problem(pattern: str) -> str | None:
    """None when RE2 accepts `pattern`, else RE2's complaint."""
    try:
        _connection().execute("SELECT regexp_matches('', ?)", [pattern]).fetchall()
    except duckdb.Error as exc:
        text = str(exc)
        return text.split(":", 1)[-1].strip() if ":" in text else text
    return None
