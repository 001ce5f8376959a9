"""Shared helpers for the rule-language tests: temporary rule files and data, and running
`compliance` through click's test runner."""
from __future__ import annotations

import json
import re
from pathlib import Path

from click.testing import CliRunner, Result

from compliance.cli import main

ROOT = Path(__file__).resolve().parents[2]
DATASETS = (ROOT / "rules" / "datasets.rules").as_posix()
CALENDARS = (ROOT / "rules" / "calendars.rules").as_posix()

# `file:line:col: CODE message`
DIAGNOSTIC = re.compile(r"^(?P<file>.+?):(?P<line>\d+):(?P<col>\d+): (?P<code>[EW]\d{3}) (?P<message>.*)$")


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def write_jsonl(path: Path, records: list[dict]) -> Path:
    lines = [json.dumps(r, ensure_ascii=False) for r in records]
    return write(path, "\n".join(lines) + "\n")


def position(text: str, needle: str, occurrence: int = 1) -> tuple[int, int]:
    """1-based (line, column) of the n-th occurrence of `needle` in `text`."""
    at = -1
    for _ in range(occurrence):
        at = text.index(needle, at + 1)
    before = text[:at]
    return before.count("\n") + 1, at - (before.rfind("\n") + 1) + 1


def diagnostics(output: str) -> list[dict]:
    out = []
    for line in output.splitlines():
        m = DIAGNOSTIC.match(line)
        if m:
            d = m.groupdict()
            d["line"], d["col"] = int(d["line"]), int(d["col"])
            out.append(d)
    return out


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args])


def check(rules: list[Path], data: dict[str, Path], *extra: str) -> Result:
    args: list[str] = ["check"]
    for r in rules:
        args += ["--rules", str(r)]
    for name, path in data.items():
        args += ["--data", f"{name}={path}"]
    return invoke(*args, *extra)


TICKETS = [
    {"ticket_id": "T1", "kind": "complaint", "created_at": "2024-05-06 09:00", "first_reply_at": "2024-05-06 10:00"},
]
