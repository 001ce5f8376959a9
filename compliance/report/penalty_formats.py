"""Renderers for HR penalty summaries: table, json, csv (BOM, formula-safe), xlsx.

Per agent: occurrences, each step reached with its actions, fines per currency and
criticism/warning/dismissal flags, each item traceable to its records and rows.
"""
from __future__ import annotations

import csv
import io
import json
from typing import Any, BinaryIO, TextIO

from tabulate import tabulate

from compliance.report.sanitize import neutralise_formula


def _actions(item) -> str:
    return ", ".join(a.text() for a in item.actions)


def _events(item) -> str:
    return "; ".join(", ".join(f"{k}={v}" for k, v in e.items()) for e in item.events)


def _where(item) -> str:
    return "; ".join(loc.label() for loc in item.locations)


def _money(fines: dict[str, float]) -> str:
    return ", ".join(f"{v:g} {k}" for k, v in sorted(fines.items())) or "-"


def table(report, stream: TextIO) -> None:
    out = ["Penalty summary",
           f"As of:     {report.as_of}",
           f"Period:    {report.period['label']} ({report.period['start']} .. {report.period['end']}, end exclusive)",
           "Occurrences before the period count toward each rule's window; only events in the period are listed.",
           ""]
    rows = [[a.agent, ", ".join(f"{k}: {v}" for k, v in sorted(a.occurrences.items())), _money(a.fines),
             "yes" if a.criticism else "", "yes" if a.warning else "", "yes" if a.dismissal else ""]
            for a in report.agents]
    out.append("Agents")
    out.append("")
    out += tabulate(rows, headers=["Agent", "Occurrences", "Fines", "Criticism", "Warning", "Dismissal"],
                    tablefmt="simple").splitlines() if rows else ["(no penalties)"]
    out += ["", "Items", ""]
    for a in report.agents:
        items = [i for i in report.items if i.agent == a.agent]
        if not items:
            continue
        out.append(f"{a.agent}:")
        for i in items:
            role = "" if i.role == "agent_id" else f" (as {i.role})"
            out.append(f"  {i.rule} {i.title}{role}: {i.occurrence} -> {_actions(i)}")
            out.append(f"      records: {_events(i)}")
            if i.locations:
                out.append(f"      at {_where(i)}")
    if report.unattributable:
        out += ["", "Unattributable (no agent on the record)", ""]
        for u in report.unattributable:
            where = f" at {u.location.label()}" if u.location else ""
            out.append(f"  {u.rule}: {', '.join(f'{k}={v}' for k, v in u.event.items())}: {u.reason}{where}")
    for r in report.rules:
        if r.get("error"):
            out.append(f"warning: {r['id']} {r['error']}")
    out += ["", f"Totals for {report.period['label']}: fines {_money(report.totals)}; "
                f"criticism {sum(a.criticism for a in report.agents)}, warnings {sum(a.warning for a in report.agents)}, "
                f"dismissals {sum(a.dismissal for a in report.agents)}"]
    stream.write("\n".join(out) + "\n")


def as_json(report, stream: TextIO) -> None:
    stream.write(json.dumps(report.to_dict(), ensure_ascii=False, indent=2) + "\n")


CSV_COLUMNS = ["agent", "rule", "title", "role", "period", "occurrence", "actions", "fine", "currency", "records",
               "locations"]


def _csv_rows(report) -> list[list[Any]]:
    rows = []
    for i in report.items:
        fine = sum(a.amount for a in i.actions if a.kind == "fine")
        currency = next((a.currency for a in i.actions if a.kind == "fine"), "")
        rows.append([i.agent, i.rule, i.title, i.role, i.period, i.occurrence, _actions(i), f"{fine:g}" if currency else "",
                     currency, _events(i), _where(i)])
    return rows


def as_csv(report, stream: TextIO) -> None:
    stream.write("\ufeff")
    writer = csv.writer(stream, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in _csv_rows(report):
        writer.writerow([neutralise_formula(str(c)) for c in row])


def as_xlsx(report, stream: BinaryIO) -> None:
    from openpyxl import Workbook

    from compliance.report.xlsx import _document_time, _with_fixed_zip_times

    wb = Workbook()
    ws = wb.active
    ws.title = "Agents"
    ws.append(["Agent", "Occurrences", "Fines", "Criticism", "Warning", "Dismissal"])
    for a in report.agents:
        ws.append([_text(a.agent), _text(", ".join(f"{k}: {v}" for k, v in sorted(a.occurrences.items()))),
                   _text(_money(a.fines)), a.criticism, a.warning, a.dismissal])
    ws.append([])
    ws.append(["Totals", _text(report.period["label"]), _text(_money(report.totals))])
    items = wb.create_sheet("Penalties")
    items.append(CSV_COLUMNS)
    for row in _csv_rows(report):
        items.append([_text(str(c)) for c in row])
    when = _document_time(report.as_of)
    wb.properties.created = when
    wb.properties.modified = when
    import zipfile

    from openpyxl.writer.excel import ExcelWriter

    buf = io.BytesIO()
    ExcelWriter(wb, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED)).save()
    stream.write(_with_fixed_zip_times(buf.getvalue()))


def _text(value: str) -> str:
    return neutralise_formula(value)


RENDERERS = {"table": (table, False), "json": (as_json, False), "csv": (as_csv, False), "xlsx": (as_xlsx, True)}
