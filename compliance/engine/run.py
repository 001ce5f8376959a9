"""Run a checked program over bound exports on embedded DuckDB.

Stages, in order: bind and load raw tables -> stop on missing columns -> type and
account for rejected rows -> build dataset views (with derived fields) and calendar
tables -> one query per rule -> findings with messages and provenance.
"""
from __future__ import annotations

import datetime as dt
import os
import threading
import time
import weakref
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Callable
from zoneinfo import ZoneInfo

import duckdb
from sqlglot import exp

from compliance.check.checker import rule_params
from compliance.check.program import Program
from compliance.compile.expr import CalendarTable, CompileError, Ctx, ExprCompiler, case, coalesce
from compliance.compile.periods import Period, bucket_label, buckets
from compliance.compile.queries import CompiledRule, RuleCompiler, parent_periods
from compliance.engine.calendar import CalendarError, WorkCalendar
from compliance.engine.coerce import Typing, typed_select, typed_view
from compliance.engine.accounting import dataset_summaries, duplicate_keys
from compliance.engine.config import Config
from compliance.engine.errors import DataError, rule_failed
from compliance.engine.shared import SharedRelations
from compliance.engine.rejections import RejectionStream
from compliance.engine.stream import DerivedStream, FindingStream, numbered
from compliance.engine.needs import rule_datasets, rule_exprs, rule_fields
from compliance.engine.sql import ident as _ident
from compliance.inputs import DatasetMapping, InputError, RawTable, load_raw
from compliance.inputs.errors import OutOfMemory
from compliance.inputs.paths import split_sheet
from compliance.report.model import SEVERITY_RANK, RuleSummary, RunResult
from compliance.syntax import ast
from compliance.util import profile
from compliance.util.suggest import close_matches


@dataclass
class Options:
    period: Period | None = None
    as_of: dt.datetime | None = None
    mappings: dict[str, DatasetMapping] = field(default_factory=dict)
    encoding: str | None = None
    progress: Callable[[str], None] | None = None
    rules: set[str] | None = None  # evaluate only these rule IDs
    penalties: bool = False  # run penalty ladders instead of checks
    agent: str | None = None  # penalties for one agent only
    json_ahead: bool = False  # the report is JSON: make findings' text while later rules run


DEFAULT_MEMORY_LIMIT = "1GB"


def spill_directory(config: Config) -> str:
    """Where a run puts what does not fit in memory (DuckDB's spill, findings' text)."""
    import tempfile

    return str(config.temp_directory or os.path.join(tempfile.gettempdir(), "compliance-spill"))


_OPEN: weakref.WeakSet = weakref.WeakSet()  # the run databases not yet collected


def close_databases() -> None:
    """Close every run database still open: DuckDB then removes what it spilled."""
    for con in list(_OPEN):
        con.close()


def connect(config: Config) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with bounded memory: past the limit it spills to a temporary
    directory instead of growing (both overridable in the site config's `engine`)."""
    con = duckdb.connect(":memory:")
    _OPEN.add(con)
    con.execute("SET memory_limit = ?", [str(config.memory_limit or DEFAULT_MEMORY_LIMIT)])
    con.execute("SET temp_directory = ?", [spill_directory(config)])
    if config.threads:
        con.execute("SET threads = ?", [int(config.threads)])
    return con


def now_local(zone: str) -> dt.datetime:
    return dt.datetime.now(ZoneInfo(zone)).replace(tzinfo=None, microsecond=0)


class Runner:
    def __init__(self, program: Program, data: dict[str, str], config: Config, options: Options):
        self.p = program
        self.data = data
        self.config = config
        self.opt = options
        self.con = connect(config)
        self.raw: dict[str, RawTable] = {}
        self.rejections: RejectionStream | None = None
        self.rule_errors: dict[str, str] = {}
        self.calendars: dict[str, CalendarTable] = {}
        self.typing: dict[str, Typing] = {}  # per dataset: what its typed table stores

    def progress(self, text: str) -> None:
        """Progress for a terminal; with COMPLIANCE_PROFILE=1, stage timings on stderr."""
        if self.opt.progress:
            self.opt.progress(text)
        profile.stage(text)

    def selected(self) -> list[ast.Rule]:
        """The rules this run evaluates: checks, or penalty ladders for `penalties`."""
        return [r for r in self.p.rules if (self.opt.rules is None or r.id in self.opt.rules)
                and (r.kind == "penalty") == self.opt.penalties]

    # ------------------------------------------------------------------ stages
    def runnable_rules(self) -> list[ast.Rule]:
        out = []
        for rule in self.selected():
            missing = [d for d in rule_datasets(self.p, rule) if d not in self.data]
            if missing:
                self.rule_errors[rule.id] = ("not evaluated: no data bound for dataset "
                                             + ", ".join(missing) + " (use --data NAME=PATH)")
            else:
                out.append(rule)
        return out

    def load(self, rules: list[ast.Rule]) -> None:
        """Read and type every bound dataset some rule needs, one scan per file."""
        needed: dict[str, set[str]] = {}
        for rule in rules:
            for ds, f in rule_fields(self.p, rule):
                needed.setdefault(ds, set()).add(f)
        for name in needed:  # keys are always typed: duplicates are reported for every dataset
            needed[name] |= set(self.p.datasets[name].key)
        self.progress(f"reading {', '.join(sorted(needed))}")
        loaded = self._read_all(needed)
        for name in sorted(needed):
            self.raw[name] = loaded[name]
        problems = []
        for rule in rules:
            for ds, f in sorted(rule_fields(self.p, rule)):
                raw = self.raw[ds]
                if f not in raw.columns:
                    hint = close_matches(f, raw.headers + raw.columns)
                    near = f"; columns that come close: {', '.join(hint)}" if hint else \
                        f"; the file has: {', '.join(raw.headers[:12])}{' ...' if len(raw.headers) > 12 else ''}"
                    problems.append(f"{raw.files[0]}: rule {rule.id} needs field {f} of dataset {ds}, "
                                    f"but the input has no such column{near} (map a header to it in the "
                                    f"mapping file, or give a default)")
        if problems:
            raise DataError("\n".join(sorted(set(problems))))

    def _execute(self, rule: ast.Rule, sql: str) -> duckdb.DuckDBPyConnection:
        try:
            return self.con.execute(sql)
        except duckdb.Error as exc:
            raise rule_failed(rule, "could not be evaluated", exc) from exc

    def _read_all(self, needed: dict[str, set[str]]) -> dict[str, RawTable]:
        """Read every dataset, several at a time (largest first): a small file does not
        keep every core busy, and a file with blank lines or one column is numbered by
        a window that keeps its scan on one core. Should that need more memory than
        DuckDB may use, they are read again one at a time. Either way the error raised is
        that of the first bad dataset by name."""
        names = sorted(needed)
        workers = min(len(names), self.config.threads or os.cpu_count() or 1)
        if workers > 1:
            # Each file's own Python work (sniffing, the blank-line scan, the typing
            # query) runs before its scan and holds the interpreter: done side by side,
            # it would delay the largest file's scan, which decides when reading ends.
            # So it is done one file at a time, largest first, each as soon as the one
            # before has started its scan.
            order = sorted(names, key=lambda n: (-_input_size(self.data[n]), n))
            started = {name: threading.Event() for name in order}
            after = dict(zip(order[1:], order))
            with ThreadPoolExecutor(workers) as pool:
                futures = {name: pool.submit(self._read_on_own_cursor, name, needed[name],
                                             started[after[name]] if name in after else None, started[name])
                           for name in order}
            if not any(isinstance(f.exception(), OutOfMemory) for f in futures.values()):
                return {name: futures[name].result() for name in names}
            for name in names:  # start again from nothing
                self.con.execute(f"DROP VIEW IF EXISTS {_ident('t_' + name)}")
                self.con.execute(f"DROP TABLE IF EXISTS {_ident('tt_' + name)}")
            self.typing.clear()
            profile.detail(0.0, "out of memory reading several files at once: reading them one at a time")
        return {name: self._read(self.con, name, needed[name]) for name in names}

    def _read_on_own_cursor(self, name: str, needed: set[str], wait: threading.Event | None,
                            scanning: threading.Event) -> RawTable:
        cur = None
        try:
            cur = self.con.cursor()
            if wait is not None:
                wait.wait()
            return self._read(cur, name, needed, scanning)
        finally:
            scanning.set()  # also when it failed before its scan
            if cur is not None:
                cur.close()

    def _read(self, con: duckdb.DuckDBPyConnection, name: str, needed: set[str],
              scanning: threading.Event | None = None) -> RawTable:
        """One dataset: its typed table tt_<name> and the view t_<name> over it
        (`scanning` is set as DuckDB starts scanning the file)."""
        started = time.perf_counter()
        mapping = self.opt.mappings.get(name) or DatasetMapping()
        raw = load_raw(con, name, self.data[name], f"tt_{name}", mapping, self.opt.encoding,
                       shape=self._typing(name, needed, mapping, scanning))
        view = typed_view(f"tt_{name}", self.p.datasets[name].fields, self.typing[name].stored, raw.row_base,
                          (raw.files[0], raw.sheet))
        con.execute(f"CREATE VIEW {_ident('t_' + name)} AS {view.sql(dialect='duckdb')}")
        profile.detail(time.perf_counter() - started, f"{name}: {raw.rows:,} rows from {self.data[name]}")
        return raw

    def _typing(self, name: str, needed: set[str], mapping: DatasetMapping, scanning: threading.Event | None):
        """The shape that types a dataset's raw text as it is read (see `typed_select`);
        it records what it stores in `self.typing`. The table is made right after it
        returns, so it sets `scanning`."""
        ds = self.p.datasets[name]

        def shape(columns: list[str], kept: list[str]) -> str:
            self.typing[name] = typed_select(columns, ds.fields, needed, mapping.formats,
                                             mapping.timezone, self.config.timezone, ds.anchor, kept=kept)
            sql = self.typing[name].select.sql(dialect="duckdb")
            if scanning is not None:
                scanning.set()
            return sql
        return shape

    def collect_rejections(self) -> None:
        """Count the rejected rows and values (file, row, column, value, expected are
        read when a report lists them; views leave out rows whose `__bad` is not empty)."""
        self.rejections = RejectionStream(self)

    def views(self) -> None:
        for name in self.raw:
            ds = self.p.datasets[name]
            query: exp.Select = exp.select("t.*").from_(exp.to_table(f"t_{name}").as_("t")).where(
                exp.EQ(this=exp.column("__bad", "t"), expression=exp.Literal.string("")))
            for fname, (expr, _t) in ds.derived.items():
                owner = ds.derived_owner.get(fname, "")
                rule = self.p.rule(owner) if owner else None
                params = rule_params(self.p, rule) if rule else {}
                ctx = Ctx(self.p, params, self.as_of, self.calendars, "r", name,
                          calendar=rule.calendar if rule else None)
                comp = ExprCompiler(ctx)
                value = comp.compile(expr)
                if rule is not None and rule.scope.where is not None:
                    value = case((coalesce(comp.compile(rule.scope.where), exp.false()), value))
                query = exp.select(exp.Star(), value.as_(fname)).from_(
                    exp.Subquery(this=query, alias=exp.TableAlias(this=exp.to_identifier("r"))))
            self.con.execute(f"CREATE VIEW {_ident('v_' + name)} AS {query.sql(dialect='duckdb')}")

    def default_period(self) -> Period:
        lows, highs = [], []
        for name in self.raw:
            anchor = self.p.datasets[name].anchor
            if anchor is None:
                continue
            lo, hi = self.con.execute(
                f"SELECT min({_ident(anchor)}), max({_ident(anchor)}) FROM {_ident('v_' + name)}").fetchall()[0]
            if lo is not None:
                lows.append(_as_dt(lo))
                highs.append(_as_dt(hi))
        if not lows:
            day = (self.opt.as_of or now_local(self.config.timezone)).date()
            start = dt.datetime.combine(day, dt.time())
            return Period(day.isoformat(), start, start + dt.timedelta(days=1))
        start = dt.datetime.combine(min(lows).date(), dt.time())
        end = dt.datetime.combine(max(highs).date(), dt.time()) + dt.timedelta(days=1)
        label = f"{start.date()}..{(end - dt.timedelta(days=1)).date()}"
        return Period(label, start, end)

    def build_calendars(self, rules: list[ast.Rule]) -> None:
        """One day table per calendar the rules use, covering the period, the as-of time,
        the buckets of cadence rules and every time any of those rules times on it (one
        min/max scan per dataset). Should covering a related dataset's times (reached by
        aggregates) need a year without holiday data, the calendar covers the rules' own
        records only: one stray date among visits does not stop every rule."""
        own: dict[str, set[tuple[str, str]]] = {}  # calendar -> (dataset, field) of the rules' records
        related: dict[str, set[tuple[str, str]]] = {}  # ... of records reached by aggregates
        extra: dict[str, list[dt.datetime]] = {}  # ... bucket bounds
        for rule in rules:
            if rule.calendar is None:
                continue
            base = rule_datasets(self.p, rule)[0]
            mine, theirs = own.setdefault(rule.calendar, set()), related.setdefault(rule.calendar, set())
            times = extra.setdefault(rule.calendar, [])
            if rule.wait is not None and self.p.datasets[base].anchor:  # wait_start, wait_end
                mine.add((base, self.p.datasets[base].anchor))
            if rule.kind == "cadence" and rule.per is not None:
                for unit in [rule.per.unit, *parent_periods(rule)]:
                    spans = list(buckets(unit, self.period.start, self.period.end))
                    if spans:
                        times += [spans[0][0], spans[-1][1]]
            for e in rule_exprs(rule):
                if isinstance(e, ast.Within):  # the fields its times are made of, in any dataset
                    for ref in (x for side in (e.target, e.start) for x in ast.walk(side) if isinstance(x, ast.Ref)):
                        res = self.p.refs.get(id(ref))
                        if res is not None and res.kind in ("field", "outer_field") and res.dataset in self.raw \
                                and self.p.datasets[res.dataset].type_of(ref.name) in ("date", "datetime"):
                            (mine if res.dataset == base else theirs).add((res.dataset, ref.name))
        by_dataset: dict[str, list[str]] = {}
        for ds, f in sorted(set().union(*own.values(), *related.values())):
            by_dataset.setdefault(ds, []).append(f)
        bounds: dict[tuple[str, str], tuple] = {}
        for ds, names in by_dataset.items():
            row = self.con.execute("SELECT " + ", ".join(f"min({_ident(f)}), max({_ident(f)})" for f in names)
                                   + f" FROM {_ident('v_' + ds)}").fetchall()[0]
            for i, f in enumerate(names):
                bounds[(ds, f)] = row[2 * i:2 * i + 2]

        def span(fields: set[tuple[str, str]], times: list[dt.datetime]) -> tuple[dt.date, dt.date]:
            lows: list[dt.datetime] = [self.as_of, self.period.start, *times]
            highs: list[dt.datetime] = [self.as_of, self.period.end, *times]
            for lo, hi in (bounds[f] for f in sorted(fields)):
                if lo is not None:
                    lows.append(_as_dt(lo))
                    highs.append(_as_dt(hi))
            return min(lows).date() - dt.timedelta(days=1), max(highs).date() + dt.timedelta(days=1)
        for name in own:
            if name in self.calendars:
                continue
            info, site = self.p.calendars[name], self.config.calendars.get(name)
            try:
                cal = WorkCalendar(info, *span(own[name] | related[name], extra[name]), site)
            except CalendarError:
                if not related[name]:
                    raise
                cal = WorkCalendar(info, *span(own[name], extra[name]), site)
            k = max(cal.max_slots(), 1)
            table = f"cal_{name}"
            cols = ", ".join(["day DATE", "before DOUBLE", "len DOUBLE"] +
                             [f"{x}{i} DOUBLE" for i in range(1, k + 1) for x in ("s", "e")])
            self.con.execute(f"CREATE TABLE {_ident(table)} ({cols})")
            rows = cal.rows()
            columns = [list(c) for c in zip(*rows)]
            types = ["DATE"] + ["DOUBLE"] * (2 + 2 * k)
            unnests = ", ".join(f"unnest(?::{t}[])" for t in types)
            self.con.execute(f"INSERT INTO {_ident(table)} SELECT {unnests}", columns)
            self.calendars[name] = CalendarTable(table, cal, k)

    # ------------------------------------------------------------------ the run
    def prepare(self) -> list[ast.Rule]:
        rules = self.runnable_rules()
        self.load(rules)
        self.progress("accounting rejected rows")
        self.collect_rejections()
        # as-of: given, else now -- but never after the end of a given period, so that a
        # closed period always gives the same report
        now = now_local(self.config.timezone)
        self.as_of = self.opt.as_of or (min(now, self.opt.period.end) if self.opt.period else now)
        self.views()  # derived fields may read as_of
        self.period = self.opt.period or self.default_period()
        self.progress("building calendars")
        self.build_calendars(rules)
        return rules

    def run(self) -> RunResult:
        self.prepare()
        compiler = RuleCompiler(self.p, self.period, self.as_of, self.calendars)
        findings, derived, summaries = FindingStream(self), DerivedStream(self), []
        if self.opt.json_ahead:
            findings.write_ahead(spill_directory(self.config))
        try:
            return self._run_rules(compiler, findings, derived, summaries)
        except BaseException:
            findings.stop_ahead()
            raise

    def _run_rules(self, compiler: RuleCompiler, findings: FindingStream, derived: DerivedStream,
                   summaries: list[RuleSummary]) -> RunResult:
        # most severe first, so a report opens with what matters most; file order within
        ordered = sorted(self.selected(), key=lambda r: -SEVERITY_RANK.get(r.severity or "major", 2))
        self.progress("compiling rules")
        compiled_rules = {}
        for rule in ordered:
            if rule.id not in self.rule_errors:
                try:
                    compiled_rules[rule.id] = compiler.compile(rule)
                except CompileError as exc:
                    raise DataError(f"rule {rule.id} cannot be evaluated: {exc}") from None
        shared = SharedRelations(self.con, list(compiled_rules.values()))
        for index, rule in enumerate(ordered):
            summary = RuleSummary(rule.id, rule.title or rule.id, rule.severity or "major",
                                  (rule.every or rule.scope).dataset if (rule.every or rule.scope) else "")
            summaries.append(summary)
            if rule.id in self.rule_errors:
                summary.error = self.rule_errors[rule.id]
                continue
            self.progress(f"checking {rule.id}")
            compiled = compiled_rules[rule.id]
            # the failing rows (or derived values) stay in DuckDB; findings are made as
            # the report is written
            table = f"__failed_{index}"
            try:
                sql = shared.use(compiled)
            except duckdb.Error as exc:
                raise rule_failed(rule, "could not be evaluated", exc) from exc
            self._execute(rule, f"CREATE TABLE {_ident(table)} AS {numbered(sql).sql(dialect='duckdb')}")
            shared.done(compiled)
            if compiled.kind == "derive":
                derived.add(table, compiled, self.con.execute(f"SELECT count(*) FROM {_ident(table)}").fetchall()[0][0])
                continue
            pending = "0" if compiled.kind == "coverage" else "count(*) FILTER (WHERE __verdict IS NULL)"
            summary.pending, total = self.con.execute(
                f"SELECT {pending}, count(*) FROM {_ident(table)}").fetchall()[0]
            summary.violations = total - summary.pending
            findings.add(table, compiled, total)
        findings.sealed()
        self.progress("counting rows, finding duplicate keys")
        result = RunResult(
            as_of=self.as_of.isoformat(sep=" "),
            period=self.period.to_dict(),
            timezone=self.config.timezone,
            rules=summaries,
            datasets=dataset_summaries(self),
            findings=findings,
            rejections=self.rejections,
            duplicates=duplicate_keys(self),
            derived=derived,
        )
        return result





def _input_size(spec: str) -> int:
    try:
        return os.path.getsize(split_sheet(spec)[0])
    except OSError:
        return 0


def _as_dt(v) -> dt.datetime:
    if isinstance(v, dt.datetime):
        return v
    return dt.datetime.combine(v, dt.time())


def run_check(program: Program, data: dict[str, str], config: Config, options: Options) -> RunResult:
    return Runner(program, data, config, options).run()


def run_penalties(program: Program, data: dict[str, str], config: Config, options: Options):
    from compliance.engine.penalties import PenaltyReport, run_penalty_rules, summarise

    options.penalties = True
    runner = Runner(program, data, config, options)
    rules = runner.prepare()
    runner.progress("evaluating penalty ladders")
    items, unattributable, occurrences = run_penalty_rules(runner, rules, options.agent)
    agents, totals = summarise(items, occurrences)
    rule_info = [{"id": r.id, "title": r.title or r.id, "source": r.source or "",
                  **({"error": runner.rule_errors[r.id]} if r.id in runner.rule_errors else {})}
                 for r in runner.selected()]
    return PenaltyReport(runner.as_of.isoformat(sep=" "), runner.period.to_dict(), rule_info, agents, items,
                         unattributable, totals, dataset_summaries(runner),
                         runner.rejections)


def compile_rules(program: Program, period: Period, as_of: dt.datetime,
                  only: set[str] | None = None) -> list[CompiledRule]:
    """Compile without data (for `explain --sql`) the check rules, or those named in
    `only`: calendars are built for the period only, and a rule whose calendar cannot
    be built for it raises that calendar's error."""
    calendars: dict[str, CalendarTable] = {}
    broken: dict[str, CalendarError] = {}
    for name, info in program.calendars.items():
        first = min(period.start, as_of).date()
        last = max(period.end - dt.timedelta(days=1), as_of).date()  # the period's end is exclusive
        try:
            cal = WorkCalendar(info, first, last)
        except CalendarError as exc:
            broken[name] = exc
            continue
        calendars[name] = CalendarTable(f"cal_{name}", cal, max(cal.max_slots(), 1))
    compiler = RuleCompiler(program, period, as_of, calendars)
    out = []
    for rule in program.rules:
        if rule.kind == "penalty" or (only is not None and rule.id not in only):
            continue
        if rule.calendar in broken:
            raise broken[rule.calendar]
        out.append(compiler.compile(rule))
    return out


def penalty_sql(program: Program, rule: ast.Rule, period: Period, as_of: dt.datetime) -> list[str]:
    """The queries a penalty ladder runs (for `explain --sql`)."""
    from types import SimpleNamespace

    from compliance.engine.penalties import PenaltyCompiler

    pc = PenaltyCompiler(SimpleNamespace(p=program, as_of=as_of, period=period, calendars={}), rule)
    main_sql = pc.per_count_sql() if rule.ladder.kind == "count" else pc.per_event_sql()
    return [main_sql, pc.unattributable_sql()]


__all__ = ["run_check", "Options", "DataError", "InputError", "compile_rules", "bucket_label"]
