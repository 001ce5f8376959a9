from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "inputs"


@pytest.fixture
def con():
    connection = duckdb.connect()
    yield connection
    connection.close()


@pytest.fixture
def fixture_path():
    return lambda name: str(FIXTURES / name)


def table_rows(con, table: str, columns: str = "*") -> list[tuple]:
    """All rows of a table in its stored order."""
    return con.execute(f'SELECT {columns} FROM "{table}"').fetchall()
