"""Rule test cases: YAML files of named cases with inline records and expected findings.

    rules: [../rules]                  # rule files or folders, relative to this file
    config: {params: {...}}            # optional site config, inline
    cases:
      - name: reply at exactly 24 h complies
        rules: [COMPLAINT-REPLY-24H]   # optional: compare only these rules' findings
        period: 2024-05                # optional
        as_of: 2024-05-31T00:00        # required: tests always fix the clock
        data:
          tickets:
            - {ticket_id: T1, kind: complaint, created_at: "2024-05-06 09:00", first_reply_at: "2024-05-07 09:00"}
        expect: []                     # no finding; or a list of
        # - {rule: COMPLAINT-REPLY-24H, subject: {ticket_id: T1}, status: violation, message: "late by 2 h"}

A finding matches an expectation when rule, subject (all given keys) and status agree
and `message`, if given, is a substring of the finding's message. Every expected
finding must be found and, for the rules compared, nothing else may be.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
from dataclasses import dataclass, field
from typing import Any

import yaml

from compliance.check.program import Program, check_paths
from compliance.compile.periods import parse_period
from compliance.diagnostics import RuleError
from compliance.engine.config import Config, ConfigError, load_config
from compliance.engine.run import Options, run_check, run_penalties
from compliance.report.model import Finding, RunResult


class CaseFileError(Exception):
    pass


@dataclass
class Case:
    file: str
    name: str
    line: int
    as_of: str
    period: str | None
    data: dict[str, list[dict[str, Any]]]
    expect: list[dict[str, Any]]
    rules: list[str] | None = None


@dataclass
class CaseResult:
    case: Case
    passed: bool
    missing: list[dict[str, Any]] = field(default_factory=list)
    unexpected: list[Finding] = field(default_factory=list)
    error: str | None = None
    result: RunResult | None = None

    def diff(self) -> str:
        if self.error:
            return f"  error: {self.error}"
        lines = []
        for m in self.missing:
            lines.append(f"  - expected, not found: {_expect_text(m)}")
        for f in self.unexpected:
            lines.append(f"  + found, not expected: {f.rule} {f.status} {f.subject_label()}: {f.message}")
        return "\n".join(lines)


@dataclass
class CaseFile:
    path: str
    rule_paths: list[str]
    config: Config
    cases: list[Case]


class _LineLoader(yaml.SafeLoader):
    pass


def _construct_mapping(loader, node):
    mapping = loader.construct_mapping(node, deep=True)
    mapping["__line__"] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _strip_lines(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip_lines(v) for k, v in value.items() if k != "__line__"}
    if isinstance(value, list):
        return [_strip_lines(v) for v in value]
    return value


def _scalar_text(value: Any) -> Any:
    """Record values as an export would hold them: text (None stays empty)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def load_case_file(path: str) -> CaseFile:
    try:
        with open(path, encoding="utf-8") as fh:
            doc = yaml.load(fh, Loader=_LineLoader) or {}
    except OSError as exc:
        raise CaseFileError(f"cannot read {path}: {exc.strerror}")
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else path
        raise CaseFileError(f"{where}: invalid YAML: {getattr(exc, 'problem', exc)}")
    if not isinstance(doc, dict) or "cases" not in doc:
        raise CaseFileError(f"{path}: expected `rules:` and `cases:` at the top level")
    base = os.path.dirname(path)
    rule_paths = [os.path.normpath(os.path.join(base, r)) for r in doc.get("rules") or []]
    if not rule_paths:
        raise CaseFileError(f"{path}: `rules:` lists no rule files")
    config = Config()
    if doc.get("config"):
        with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False, encoding="utf-8") as tmp:
            yaml.safe_dump(_strip_lines(doc["config"]), tmp, allow_unicode=True)
        try:
            config = load_config(tmp.name)
        except ConfigError as exc:
            raise CaseFileError(f"{path}: config: {exc}")
        finally:
            os.unlink(tmp.name)
    cases = []
    for raw in doc["cases"] or []:
        line = raw.get("__line__", 0)
        where = f"{path}:{line}"
        if "name" not in raw or "as_of" not in raw:
            raise CaseFileError(f"{where}: a case needs `name` and `as_of`")
        data = {}
        for ds, records in (raw.get("data") or {}).items():
            if ds == "__line__":
                continue
            data[ds] = [{k: _scalar_text(v) for k, v in r.items() if k != "__line__"} for r in records or []]
        expect = []
        for e in raw.get("expect") or []:
            e = _strip_lines(e)
            if "rule" not in e:
                raise CaseFileError(f"{where}: each expected finding needs `rule`")
            e["subject"] = {k: _scalar_text(v) for k, v in (e.get("subject") or {}).items()}
            expect.append(e)
        rules = raw.get("rules")
        cases.append(Case(path, str(raw["name"]), line, _scalar_text(raw["as_of"]), _scalar_text(raw.get("period")),
                          data, expect, list(rules) if rules else None))
    return CaseFile(path, rule_paths, config, cases)


def _expect_text(e: dict[str, Any]) -> str:
    subject = ", ".join(f"{k}={v}" for k, v in e.get("subject", {}).items())
    msg = f' message~"{e["message"]}"' if e.get("message") else ""
    return f"{e['rule']} {e.get('status', 'violation')} {subject}{msg}"


def _matches(e: dict[str, Any], f: Finding) -> bool:
    if e["rule"] != f.rule or e.get("status", "violation") != f.status:
        return False
    for k, v in e.get("subject", {}).items():
        if f.subject.get(k) != v:
            return False
    return not e.get("message") or e["message"] in f.message


def penalty_as_findings(report) -> list[Finding]:
    """Penalty items (status `penalty`) and unattributable events (status `unattributable`)
    in the shape expectations match against: subject {agent, period} plus the event's key
    when one record stands behind the item; message "2nd within 2024 -> fine 60 CNY"."""
    out = []
    for i in report.items:
        subject = {"agent": i.agent, "period": i.period}
        if len(i.events) == 1:
            subject.update(i.events[0])
        if i.role != "agent_id":
            subject["role"] = i.role
        actions = ", ".join(a.text() for a in i.actions)
        out.append(Finding(i.rule, i.title, "", "penalty", "", subject, f"{i.occurrence} -> {actions}"))
    for u in report.unattributable:
        out.append(Finding(u.rule, "", "", "unattributable", "", dict(u.event), u.reason))
    return out


def run_case(program: Program, case_file: CaseFile, case: Case) -> CaseResult:
    with tempfile.TemporaryDirectory(prefix="compliance-case-") as tmp:
        bindings = {}
        for ds, records in case.data.items():
            path = os.path.join(tmp, f"{ds}.jsonl")
            declared = list(program.datasets[ds].fields) if ds in program.datasets else []
            with open(path, "w", encoding="utf-8") as fh:
                for r in records:
                    # a field a case leaves out is an empty cell, as in an export
                    full = {f: r.get(f) for f in declared}
                    full.update(r)
                    fh.write(json.dumps(full, ensure_ascii=False) + "\n")
            bindings[ds] = path
        compared = set(case.rules) if case.rules else {r.id for r in program.rules}
        unknown = compared - {r.id for r in program.rules}
        if unknown:
            return CaseResult(case, False, error=f"unknown rule(s) {', '.join(sorted(unknown))}")
        penalty_rules = {r.id for r in program.rules if r.kind == "penalty"} & compared
        try:
            as_of = dt.datetime.fromisoformat(case.as_of)
            period = parse_period(case.period) if case.period else None
            options = Options(period=period, as_of=as_of, rules=compared - penalty_rules)
            result = run_check(program, bindings, case_file.config, options)
            stream, result.findings = result.findings, list(result.findings)
            stream.close()  # a suite runs many cases: release each run's database
            found = [f for f in result.findings if f.rule in compared]
            penalty_findings: list[Finding] = []
            if penalty_rules:
                report = run_penalties(program, bindings, case_file.config,
                                       Options(period=period, as_of=as_of, rules=penalty_rules))
                penalty_findings = penalty_as_findings(report)
        except Exception as exc:  # a case that cannot run is a failed case, reported with its reason
            return CaseResult(case, False, error=f"{type(exc).__name__}: {exc}")
    actual = found + penalty_findings
    kinds = {r.id: r.kind for r in program.rules}
    for e in case.expect:  # a penalty rule's expectations default to status `penalty`
        e.setdefault("status", "penalty" if kinds.get(e["rule"]) == "penalty" else "violation")
    missing = [e for e in case.expect if not any(_matches(e, f) for f in actual)]
    unexpected = [f for f in actual if not any(_matches(e, f) for e in case.expect)]
    errors = [f"{r.id}: {r.error}" for r in result.rules if r.error and r.id in compared and case.rules]
    if penalty_rules:
        errors += [f"{r['id']}: {r['error']}" for r in report.rules if r.get("error") and case.rules]
    if errors:
        return CaseResult(case, False, error="; ".join(errors), result=result)
    return CaseResult(case, not missing and not unexpected, missing, unexpected, result=result)


def run_case_file(path: str, only: str | None = None) -> list[CaseResult]:
    case_file = load_case_file(path)
    program = check_paths(case_file.rule_paths, case_file.config.params)
    if program.errors:
        raise RuleError(program.errors)
    return [run_case(program, case_file, c) for c in case_file.cases if only is None or only in c.name]


def find_case_files(paths: list[str]) -> list[str]:
    out = []
    for p in paths:
        if os.path.isdir(p):
            for root, _dirs, files in os.walk(p):
                out += [os.path.join(root, f) for f in files if f.endswith((".test.yaml", ".test.yml"))]
        else:
            out.append(p)
    return sorted(out)
