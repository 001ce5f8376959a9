"""Plain records that every output format renders.

Findings, rejections and the run summary are kept free of engine types so that a
reporter is a pure function of a `RunResult` and golden files stay stable.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from collections.abc import Sequence
from typing import Any

SEVERITIES = ("info", "minor", "major", "critical")
SEVERITY_RANK = {name: i for i, name in enumerate(SEVERITIES)}


@dataclass(frozen=True, slots=True)
class Location:
    """Where a record sits in its export: file, 1-based row as a spreadsheet shows it
    (header = row 1, first data row = row 2), and the sheet for workbooks."""

    file: str
    row: int
    sheet: str | None = None

    def label(self) -> str:
        where = f"{self.file}#{self.sheet}" if self.sheet else self.file
        return f"{where}:{self.row}"

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"file": self.file, "row": self.row}
        if self.sheet is not None:
            out["sheet"] = self.sheet
        return out


@dataclass(slots=True)
class Finding:
    """One subject that breaks (violation) or may still break (pending) one rule."""

    rule: str
    title: str
    severity: str
    status: str  # "violation" | "pending"
    dataset: str
    subject: dict[str, str]
    message: str
    evidence: dict[str, Any] = field(default_factory=dict)
    locations: list[Location] = field(default_factory=list)
    locations_total: int = 0  # how many input rows stand behind the finding
    rowids: list[int] = field(default_factory=list, repr=False)  # engine-internal; not reported

    def subject_label(self) -> str:
        return ", ".join(f"{k}={v}" for k, v in self.subject.items())

    def sort_key(self) -> tuple:
        return (self.rule, self.status, tuple(self.subject.items()), self.message)

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "title": self.title,
            "severity": self.severity,
            "status": self.status,
            "dataset": self.dataset,
            "subject": dict(self.subject),
            "message": self.message,
            "evidence": dict(self.evidence),
            "locations": [loc.to_dict() for loc in self.locations],
            "locations_total": self.locations_total,
        }


@dataclass
class Rejection:
    """An input row that could not be used: a needed value did not parse."""

    dataset: str
    location: Location
    column: str
    value: str | None
    expected: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "dataset": self.dataset,
            **self.location.to_dict(),
            "column": self.column,
            "value": self.value,
            "expected": self.expected,
        }


@dataclass(slots=True)
class Derived:
    """A value a derive rule computed for one record (e.g. a customer's RFM grade)."""

    rule: str
    dataset: str
    subject: dict[str, str]
    field: str
    value: Any
    location: Location | None = None
    rowid: int | None = field(default=None, repr=False)  # engine-internal; not reported

    def to_dict(self) -> dict[str, Any]:
        out = {"rule": self.rule, "dataset": self.dataset, "subject": dict(self.subject),
               "field": self.field, "value": self.value}
        if self.location is not None:
            out["location"] = self.location.to_dict()
        return out


@dataclass
class RuleSummary:
    id: str
    title: str
    severity: str
    dataset: str
    violations: int = 0
    pending: int = 0
    error: str | None = None  # set when the rule could not be evaluated

    def to_dict(self) -> dict[str, Any]:
        out = {"id": self.id, "title": self.title, "severity": self.severity,
               "dataset": self.dataset, "violations": self.violations, "pending": self.pending}
        if self.error is not None:
            out["error"] = self.error
        return out


@dataclass
class DatasetSummary:
    """Row accounting: read = evaluated + rejected, always."""

    name: str
    files: list[str]
    read: int
    evaluated: int
    rejected: int
    in_period: int | None = None

    def to_dict(self) -> dict[str, Any]:
        out = {"name": self.name, "files": list(self.files), "read": self.read,
               "evaluated": self.evaluated, "rejected": self.rejected}
        if self.in_period is not None:
            out["in_period"] = self.in_period
        return out


@dataclass
class RunResult:
    as_of: str
    period: dict[str, str]  # {"label", "start", "end"}; end is exclusive
    timezone: str
    rules: list[RuleSummary]
    datasets: list[DatasetSummary]
    findings: Sequence[Finding]  # a list, or a stream that makes findings as they are read
    rejections: list[Rejection] = field(default_factory=list)
    duplicates: list[dict[str, Any]] = field(default_factory=list)
    derived: list[Derived] = field(default_factory=list)

    def to_dict(self, lists: bool = True) -> dict[str, Any]:
        """The report as plain data; `lists=False` leaves out the long lists (findings,
        rejections, duplicates, derived) for renderers that stream them item by item."""
        head = {
            "version": 1,
            "as_of": self.as_of,
            "period": dict(self.period),
            "timezone": self.timezone,
            "summary": {
                "rules": [r.to_dict() for r in self.rules],
                "datasets": [d.to_dict() for d in self.datasets],
                "violations": sum(r.violations for r in self.rules),
                "pending": sum(r.pending for r in self.rules),
                "rejected": sum(d.rejected for d in self.datasets),
            },
        }
        if lists:
            head.update({k: list(v) for k, v in self.long_lists().items()})
        return head

    def long_lists(self) -> dict[str, Any]:
        """Each long list as a lazy sequence of plain items, in report order."""
        return {
            "findings": (f.to_dict() for f in self.findings),
            "rejections": (r.to_dict() for r in self.rejections),
            "duplicates": iter(self.duplicates),
            "derived": (d.to_dict() for d in self.derived),
        }
