"""Every text format against its golden file (regenerate with --update-golden)."""
import pytest

GOLDEN = {
    "table": "result.table.txt",
    "json": "result.json",
    "csv": "result.csv",
    "junit": "result.junit.xml",
}


@pytest.mark.parametrize("fmt", sorted(GOLDEN))
def test_matches_golden(result, golden, render_bytes, fmt):
    golden(GOLDEN[fmt], render_bytes(result, fmt))


@pytest.mark.parametrize("fmt", sorted(GOLDEN) + ["xlsx"])
def test_same_result_gives_same_bytes(result, render_bytes, fmt):
    assert render_bytes(result, fmt) == render_bytes(result, fmt)
