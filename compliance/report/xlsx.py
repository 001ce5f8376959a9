"""Excel workbook: a Summary sheet, one sheet per rule with findings, then rejected rows.

Text cells are always stored as strings, so a value such as `=HYPERLINK(...)` taken
from an export is shown, never evaluated. The file is byte-for-byte reproducible:
document dates and zip entry times are fixed instead of taken from the clock.
"""
from __future__ import annotations

import io
import json
import zipfile
from datetime import datetime, timezone
from typing import Any, BinaryIO

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter
from wcwidth import wcswidth

from .grouping import RuleGroup, group_by_rule
from .labels import locations_label
from .model import RunResult
from .sanitize import is_formula_like, xml_safe
from .sheet_names import SheetNames

BINARY = True
SUMMARY, REJECTED = "Summary", "Rejected"
FIXED_TIME = datetime(2000, 1, 1)  # used when as_of is not an ISO date-time
ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # earliest time a zip entry can carry
BOLD = Font(bold=True)
MAX_WIDTH = 60


def _document_time(as_of: str) -> datetime:
    """The result's own as_of (in UTC, as the file format wants), so dates mean something."""
    try:
        moment = datetime.fromisoformat(as_of)
    except (TypeError, ValueError):
        return FIXED_TIME
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment.replace(microsecond=0)


class _Rows:
    """Appends rows of values, storing every text cell as a string, never a formula."""

    def __init__(self, ws: Worksheet):
        self.ws = ws
        self.next = 1

    def add(self, values: tuple[Any, ...] | list[Any] = (), bold: bool = False) -> None:
        for col, value in enumerate(values, start=1):
            cell = self.ws.cell(row=self.next, column=col)
            if isinstance(value, str):
                cell.value = xml_safe(value)
                cell.data_type = "s"  # openpyxl would otherwise store "=..." as a formula
                if is_formula_like(cell.value):
                    cell.quotePrefix = True  # stays text if the cell is edited in Excel
            else:
                cell.value = value
            if bold:
                cell.font = BOLD
        self.next += 1


def _fit_columns(ws: Worksheet) -> None:
    widths: dict[int, int] = {}
    for row in ws.iter_rows():
        for cell in row:
            if cell.value is not None:
                longest = max(wcswidth(line) for line in str(cell.value).split("\n"))
                widths[cell.column] = max(widths.get(cell.column, 0), longest)
    for col, width in widths.items():
        ws.column_dimensions[get_column_letter(col)].width = min(width + 2, MAX_WIDTH)


def _summary(ws: Worksheet, result: RunResult, groups: list[RuleGroup]) -> None:
    rows = _Rows(ws)
    period = result.period
    for label, value in (("As of", result.as_of), ("Period", period.get("label", "")),
                         ("Start", period.get("start", "")),
                         ("End (exclusive)", period.get("end", "")),
                         ("Time zone", result.timezone)):
        rows.add([label, value])
    rows.add()
    rows.add(["Rule", "Title", "Severity", "Dataset", "Violations", "Pending", "Error"], True)
    for g in groups:
        r = g.rule
        rows.add([r.id, r.title, r.severity, r.dataset, r.violations, r.pending, r.error])
    rows.add()
    with_period = any(d.in_period is not None for d in result.datasets)
    rows.add(["Dataset", "Files", "Read", "Evaluated", "Rejected"]
             + (["In period"] if with_period else []), True)
    for d in result.datasets:
        rows.add([d.name, "\n".join(d.files), d.read, d.evaluated, d.rejected]
                 + ([d.in_period] if with_period else []))


def _rule_sheet(ws: Worksheet, group: RuleGroup) -> None:
    rows = _Rows(ws)
    keys: list[str] = []
    for finding in group.findings:
        keys += [k for k in finding.subject if k not in keys]
    rows.add(["Status", *keys, "Message", "File", "Row", "Sheet", "Other locations",
              "Evidence"], True)
    for f in group.findings:
        first = f.locations[0] if f.locations else None
        rows.add([f.status, *(f.subject.get(k) for k in keys), f.message,
                  first.file if first else None, first.row if first else None,
                  first.sheet if first else None, locations_label(f, skip=1) or None,
                  json.dumps(f.evidence, ensure_ascii=False) if f.evidence else None])
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = ws.dimensions


def _rejected(ws: Worksheet, result: RunResult) -> None:
    rows = _Rows(ws)
    rows.add(["Dataset", "File", "Sheet", "Row", "Column", "Value", "Expected"], True)
    for r in result.rejections:
        loc = r.location
        rows.add([r.dataset, loc.file, loc.sheet, loc.row, r.column, r.value, r.expected])
    ws.freeze_panes = "A2"


def _build(result: RunResult) -> Workbook:
    wb = Workbook()
    groups = group_by_rule(result)
    summary = wb.active
    summary.title = SUMMARY
    _summary(summary, result, groups)
    names = SheetNames((SUMMARY, REJECTED))
    for group in groups:
        if group.findings:
            _rule_sheet(wb.create_sheet(names.claim(group.rule.id)), group)
    if result.rejections:
        _rejected(wb.create_sheet(REJECTED), result)
    for ws in wb.worksheets:
        _fit_columns(ws)
    moment = _document_time(result.as_of)
    wb.properties.created = wb.properties.modified = moment
    wb.properties.creator = wb.properties.lastModifiedBy = "compliance"
    return wb


def _with_fixed_zip_times(data: bytes) -> bytes:
    """Rewrite the archive so every entry carries the same timestamp."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()


def render(result: RunResult, stream: BinaryIO) -> None:
    buffer = io.BytesIO()
    # ExcelWriter directly: Workbook.save() would stamp "modified" with the clock.
    ExcelWriter(_build(result), zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED)).save()
    stream.write(_with_fixed_zip_times(buffer.getvalue()))
