"""Machine-readable report: `RunResult.to_dict()` as JSON (schema in docs/report-format.md).

Chinese text is written as is rather than as \\u escapes so the file stays readable;
key order follows the record so diffs between runs stay small. The long lists
(findings, rejections, duplicates, derived values) hold one item per line and are
streamed a batch of items at a time: easy to grep and diff, written by the C encoder,
and a run with a million findings never holds a second copy of them as plain data.
Findings read back from the engine are written as text straight from their rows.
"""
from __future__ import annotations

import json
from itertools import islice
from typing import TextIO

from .json_text import compact
from .model import RunResult

BINARY = False
BATCH = 1000  # items encoded before one write


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
        # lists that can write their own text (the engine's findings and rejections) do
        json_items = getattr(getattr(result, key, None), "json_items", None)
        items = json_items() if json_items else map(compact, lists[key])
        lead = "\n    "
        while batch := list(islice(items, BATCH)):
            stream.write(lead + ",\n    ".join(batch))
            lead = ",\n    "
        stream.write(f"]{end}" if lead == "\n    " else f"\n  ]{end}")
    stream.write("}\n")
