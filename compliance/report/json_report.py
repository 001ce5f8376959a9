"""Machine-readable report: `RunResult.to_dict()` as JSON (schema in docs/report-format.md).

Chinese text is written as is rather than as \\u escapes so the file stays readable;
key order follows the record so diffs between runs stay small. The long lists
(findings, rejections, duplicates, derived values) hold one item per line and are
streamed item by item: easy to grep and diff, written by the C encoder, and a run with
a million findings never holds a second copy of them as plain data.
"""
from __future__ import annotations

import json
from typing import Any, TextIO

from .model import RunResult

BINARY = False


def _compact(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


def render(result: RunResult, stream: TextIO) -> None:
    head = result.to_dict(lists=False)
    lists = result.long_lists()
    stream.write("{\n")
    for key, value in head.items():
        body = json.dumps(value, ensure_ascii=False, indent=2).replace("\n", "\n  ")
        stream.write(f'  "{key}": {body},\n')
    names = list(lists)
    for i, key in enumerate(names):
        end = ",\n" if i < len(names) - 1 else "\n"
        stream.write(f'  "{key}": [')
        first = True
        for item in lists[key]:
            stream.write(("\n    " if first else ",\n    ") + _compact(item))
            first = False
        stream.write(f"]{end}" if first else f"\n  ]{end}")
    stream.write("}\n")
