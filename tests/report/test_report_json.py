"""JSON: exactly RunResult.to_dict(), readable Chinese, every field documented."""
import json
import re
from pathlib import Path

DOC = Path(__file__).resolve().parents[2] / "docs" / "report-format.md"
FREE_FORM = {"subject", "evidence", "duplicates", "value"}  # contents not fixed by the format


def test_round_trip(result, render_text):
    text = render_text(result, "json")
    assert text.endswith("}\n")
    assert json.loads(text) == result.to_dict()
    assert json.loads(text)["version"] == 1
    assert "投诉须在24小时内回复" in text  # not \u-escaped


def _field_names(value, found: set[str]) -> set[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            found.add(key)
            if key not in FREE_FORM:
                _field_names(item, found)
    elif isinstance(value, list):
        for item in value:
            _field_names(item, found)
    return found


def test_every_field_is_documented(result):
    documented = set(re.findall(r"`([a-z_]+)`", DOC.read_text(encoding="utf-8")))
    missing = _field_names(result.to_dict(), set()) - documented
    assert not missing, f"fields missing from {DOC.name}: {sorted(missing)}"
