"""Machine-readable report: `RunResult.to_dict()` as JSON (schema in docs/report-format.md).

Chinese text is written as is rather than as \\u escapes so the file stays readable;
key order follows the record so diffs between runs stay small.
"""
from __future__ import annotations

import json
from typing import TextIO

from .model import RunResult

BINARY = False


def render(result: RunResult, stream: TextIO) -> None:
    stream.write(json.dumps(result.to_dict(), ensure_ascii=False, indent=2, sort_keys=False))
    stream.write("\n")
