"""Machine-readable report: `RunResult.to_dict()` as JSON (schema in docs/report-format.md).

Chinese text is written as is rather than as \\u escapes so the file stays readable;
key order follows the record so diffs between runs stay small. The long lists
(findings, rejections, duplicates, derived values) hold one item per line: easy to grep
and diff, and written by the C encoder, which matters with a hundred thousand findings.
"""
from __future__ import annotations

import json
from typing import Any, TextIO

from .model import RunResult

BINARY = False
LONG_LISTS = ("findings", "rejections", "duplicates", "derived")


def _compact(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


def render(result: RunResult, stream: TextIO) -> None:
    doc = result.to_dict()
    keys = list(doc)
    stream.write("{\n")
    for i, key in enumerate(keys):
        end = ",\n" if i < len(keys) - 1 else "\n"
        value = doc[key]
        if key in LONG_LISTS and isinstance(value, list):
            if not value:
                stream.write(f'  "{key}": []{end}')
                continue
            stream.write(f'  "{key}": [\n')
            stream.write(",\n".join("    " + _compact(item) for item in value))
            stream.write(f"\n  ]{end}")
        else:
            body = json.dumps(value, ensure_ascii=False, indent=2).replace("\n", "\n  ")
            stream.write(f'  "{key}": {body}{end}')
    stream.write("}\n")
