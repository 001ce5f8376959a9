"""One finding per row, for opening in Excel or loading into another tool.

Excel only detects UTF-8 when the file starts with a byte order mark, so one is
written first: open the stream with encoding="utf-8" (not "utf-8-sig", which would
add a second) and newline="" (so the CRLF row endings are not translated again).
Every cell that a spreadsheet could run as a formula is prefixed with a quote.
"""
from __future__ import annotations

import csv
import json
from typing import TextIO

from .labels import locations_label, subject_label
from .model import Finding, RunResult
from .sanitize import neutralise_formulas

BINARY = False
BOM = "\ufeff"
COLUMNS = ("rule", "title", "severity", "status", "dataset", "subject", "message",
           "file", "row", "sheet", "other_locations", "evidence")

# one encoder for every row: json.dumps with options builds a new one per call
_evidence = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False).encode


def _row(finding: Finding) -> list[str]:
    first = finding.locations[0] if finding.locations else None
    return [
        finding.rule, finding.title, finding.severity, finding.status, finding.dataset,
        subject_label(finding.subject, sep="; "), finding.message,
        first.file if first else "",
        str(first.row) if first else "",
        (first.sheet or "") if first else "",
        locations_label(finding, skip=1),
        _evidence(finding.evidence),
    ]


def render(result: RunResult, stream: TextIO) -> None:
    stream.write(BOM)
    writer = csv.writer(stream, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    writer.writerows(neutralise_formulas(_row(finding)) for finding in result.findings)
