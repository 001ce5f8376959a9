#!/usr/bin/env python3
"""Benchmark: the standard pack over synthetic exports, against the cost of just reading them.

    python bench/run.py --scale 1 [--seed 1] [--data DIR] [--keep] [--profile] [--split]

Steps, each a child process timed on the wall clock, with the child's peak RSS from
wait4() (the child's own rusage, not the maximum over every child so far):

  generate   bench/generate.py, only when the data is not there yet
  floor      DuckDB reading every file with no rules: count(*) over read_csv(), all text
  load       for reference: DuckDB storing every value of every file as text, no rules
                 (CREATE TABLE ... AS SELECT * FROM read_csv(), all text): what any
                 checker that looks at every value pays before its first rule
  check      compliance check --rules rules --data DIR --period 2024
                 --as-of 2025-01-01T00:00 --format json --output /dev/null
  penalties  compliance penalties (same arguments), when `compliance --help` lists it
  check:F    with --split: the check with one rule file at a time

The table goes to stdout; the same figures, with the targets, to
bench/results/scale-N.json.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
RESULTS = os.path.join(HERE, "results")
DATASETS = ["tickets", "calls", "chat_messages", "shifts", "visits", "customers", "agents", "trainings"]
PERIOD = "2024"
AS_OF = "2025-01-01T00:00"

# (id, scale the target applies at, description)
TARGETS = [
    ("check-vs-floor", 1.0, "scale 1: check <= 3x floor"),
    ("check-wall", 1.0, "scale 1: check < 60 s"),
    ("check-rss", 10.0, "scale 10: check peak RSS < 2 GB"),
    ("scaling", 10.0, "scale 10 / scale 1 check time <= 12"),
]

FLOOR_SCRIPT = r"""
import json, sys, duckdb
con = duckdb.connect(":memory:")
con.execute("SET enable_progress_bar = false")
out = {}
for name, path in json.loads(sys.argv[1]).items():
    out[name] = con.execute(
        "SELECT count(*) FROM read_csv(?, header = true, all_varchar = true)", [path]).fetchall()[0][0]
print(json.dumps(out))
"""

LOAD_SCRIPT = r"""
import json, os, sys, tempfile, duckdb
con = duckdb.connect(":memory:")
con.execute("SET enable_progress_bar = false")
con.execute("SET memory_limit = '1GB'")
with tempfile.TemporaryDirectory(prefix="bench-load-") as spill:
    con.execute("SET temp_directory = ?", [os.path.join(spill, "spill")])
    for i, path in enumerate(json.loads(sys.argv[1]).values()):
        con.execute(f"CREATE TABLE t{i} AS SELECT * FROM read_csv(?, header = true, all_varchar = true)", [path])
    con.close()
"""


# ---------------------------------------------------------------------------- processes
class Step:
    def __init__(self, name: str, rows: int | None = None):
        self.name = name
        self.rows = rows
        self.wall = 0.0
        self.rss_mb = 0.0
        self.rc: int | None = None
        self.stdout = ""
        self.stderr = ""
        self.timed_out = False

    @property
    def ok(self) -> bool:
        return self.rc in (0, 1) and not self.timed_out

    def to_dict(self, floor: float | None) -> dict:
        d = {"step": self.name, "rows": self.rows, "wall_s": round(self.wall, 3),
             "rows_per_s": round(self.rows / self.wall) if self.rows and self.wall > 0 else None,
             "peak_rss_mb": round(self.rss_mb, 1),
             "ratio_to_floor": round(self.wall / floor, 2) if floor and self.ok else None,
             "exit_code": self.rc}
        if self.timed_out:
            d["timed_out"] = True
        return d


def run_child(step: Step, argv: list[str], env: dict | None = None, timeout: float | None = None) -> Step:
    """Run argv, timing it and taking its peak RSS from wait4(); stdout/stderr captured."""
    out = tempfile.TemporaryFile()
    err = tempfile.TemporaryFile()
    started = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=out, stderr=err, env=env, cwd=ROOT, start_new_session=True)
    timer = None
    if timeout:
        def kill() -> None:
            step.timed_out = True
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        timer = threading.Timer(timeout, kill)
        timer.start()
    try:
        _, status, usage = os.wait4(proc.pid, 0)
    finally:
        if timer:
            timer.cancel()
    step.wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    step.rc = proc.returncode
    step.rss_mb = usage.ru_maxrss / 1024  # KiB on Linux
    for f, attr in ((out, "stdout"), (err, "stderr")):
        f.seek(0)
        setattr(step, attr, f.read().decode("utf-8", "replace"))
        f.close()
    return step


# ---------------------------------------------------------------------------- helpers
def compliance_exe() -> list[str]:
    local = os.path.join(os.path.dirname(sys.executable), "compliance")
    if os.path.exists(local):
        return [local]
    found = shutil.which("compliance")
    if found:
        return [found]
    sys.exit("bench: the `compliance` command is not installed (pip install -e . in the project)")


def has_command(exe: list[str], name: str) -> bool:
    try:
        out = subprocess.run(exe + ["--help"], capture_output=True, text=True, cwd=ROOT, timeout=120).stdout
    except (OSError, subprocess.TimeoutExpired):
        return False
    return re.search(rf"^\s+{re.escape(name)}\s", out, re.M) is not None


def scale_label(scale: float) -> str:
    return f"{scale:g}"


def read_manifest(directory: str) -> dict | None:
    try:
        with open(os.path.join(directory, ".bench.json"), encoding="utf-8") as fh:
            return json.load(fh)
    except (OSError, ValueError):
        return None


def data_files(directory: str) -> dict[str, str]:
    return {n: os.path.join(directory, f"{n}.csv") for n in DATASETS
            if os.path.isfile(os.path.join(directory, f"{n}.csv"))}


def _strip(text: str) -> str:
    """Rule text without comments and string literals (titles may name anything)."""
    text = re.sub(r'"(?:[^"\\]|\\.)*"', '""', text)
    return re.sub(r"#[^\n]*", "", text)


def rule_blocks(path: str) -> list[str]:
    files = [path] if os.path.isfile(path) else sorted(
        os.path.join(path, f) for f in os.listdir(path) if f.endswith(".rules"))
    blocks = []
    for f in files:
        with open(f, encoding="utf-8") as fh:
            text = _strip(fh.read())
        blocks += [b for b in re.split(r"(?m)^(?=rule\s)", text) if b.startswith("rule")]
    return blocks


def datasets_read(blocks: list[str]) -> set[str]:
    """Datasets the given rules name (for the rows column of a step)."""
    found = set()
    for b in blocks:
        for name in DATASETS:
            if re.search(rf"\b{name}\b", b):
                found.add(name)
    return found


def rows_of(counts: dict[str, int], names: set[str]) -> int:
    return sum(counts.get(n, 0) for n in names)


# ---------------------------------------------------------------------------- targets
def load_result(scale: float) -> dict | None:
    try:
        with open(os.path.join(RESULTS, f"scale-{scale_label(scale)}.json"), encoding="utf-8") as fh:
            return json.load(fh)
    except (OSError, ValueError):
        return None


def step_of(result: dict | None, name: str) -> dict | None:
    if not result:
        return None
    for s in result.get("steps", []):
        if s["step"] == name and s.get("exit_code") in (0, 1) and not s.get("timed_out"):
            return s
    return None


def evaluate_targets(scale: float, steps: dict[str, dict]) -> list[dict]:
    check = steps.get("check") if steps.get("check", {}).get("exit_code") in (0, 1) else None
    out = []
    for tid, at, text in TARGETS:
        t = {"target": text, "applies_at_scale": at, "value": None, "ok": None}
        here = abs(scale - at) < 1e-9
        if tid == "check-vs-floor" and check and check.get("ratio_to_floor") is not None:
            t["value"] = f"{check['ratio_to_floor']:.2f}x"
            t["ok"] = check["ratio_to_floor"] <= 3 if here else None
        elif tid == "check-wall" and check:
            t["value"] = f"{check['wall_s']:.1f} s"
            t["ok"] = check["wall_s"] < 60 if here else None
        elif tid == "check-rss" and check:
            t["value"] = f"{check['peak_rss_mb']:.0f} MB"
            t["ok"] = check["peak_rss_mb"] < 2048 if here else None
        elif tid == "scaling":
            one = check if abs(scale - 1) < 1e-9 else (step_of(load_result(1), "check"))
            ten = check if abs(scale - 10) < 1e-9 else (step_of(load_result(10), "check"))
            if one and ten and one["wall_s"] > 0:
                ratio = ten["wall_s"] / one["wall_s"]
                t["value"] = f"{ratio:.2f} ({ten['wall_s']:.1f} s / {one['wall_s']:.1f} s)"
                t["ok"] = ratio <= 12
        out.append(t)
    return out


# ---------------------------------------------------------------------------- where the time goes
STAGES = [  # profile line prefix -> part of the run
    ("starting", "start-up (imports, rule files)"),
    ("reading ", "reading and typing inputs"),
    ("accounting rejected", "rejected rows, calendars"),
    ("building calendars", "rejected rows, calendars"),
    ("compiling rules", "rules (queries, findings, messages)"),
    ("checking ", "rules (queries, findings, messages)"),
    ("evaluating penalty", "penalty ladders"),
    ("counting rows", "row counts, duplicate keys"),
    ("writing the", "writing the report"),
]
PROFILE_LINE = re.compile(r"^profile:\s+([0-9.]+) s\s+[0-9.]+ cpu-s  (.*)$")


def breakdown(stderr: str, wall: float) -> dict:
    """The check's profile lines (COMPLIANCE_PROFILE=1) summed per part of the run, and
    its five longest stages; what no stage covers is the interpreter's own start and exit."""
    parts: dict[str, float] = {}
    stages = []
    for line in stderr.splitlines():
        m = PROFILE_LINE.match(line)
        if not m:
            continue
        seconds, text = float(m.group(1)), re.sub(r" from .*$", "", m.group(2))  # no file paths
        part = next((name for prefix, name in STAGES if text.startswith(prefix)), "other")
        parts[part] = parts.get(part, 0.0) + seconds
        stages.append((seconds, text))
    if not parts:
        return {}
    parts["interpreter start and exit"] = max(wall - sum(parts.values()), 0.0)
    return {"parts": {k: round(v, 3) for k, v in sorted(parts.items(), key=lambda kv: -kv[1])},
            "longest_stages": [{"stage": t, "s": round(x, 3)} for x, t in sorted(stages, reverse=True)[:5]]}


def print_breakdown(info: dict, wall: float) -> None:
    if not info:
        return
    print("\nwhere the check's time goes:")
    for name, seconds in info["parts"].items():
        print(f"  {name:<38} {seconds:7.2f} s  {100 * seconds / wall:4.0f} %")
    print("  longest stages: " + ", ".join(f"{x['stage']} {x['s']:.2f} s" for x in info["longest_stages"]))


# ---------------------------------------------------------------------------- printing
def print_table(rows: list[dict]) -> None:
    head = ["step", "rows", "wall s", "rows/s", "peak RSS MB", "x floor"]
    body = []
    for r in rows:
        failed = r.get("exit_code") not in (0, 1) or r.get("timed_out")
        body.append([
            r["step"] + (" (FAILED)" if failed else ""),
            f"{r['rows']:,}" if r["rows"] is not None else "-",
            f"{r['wall_s']:.2f}",
            f"{r['rows_per_s']:,}" if r.get("rows_per_s") else "-",
            f"{r['peak_rss_mb']:.0f}",
            f"{r['ratio_to_floor']:.2f}" if r.get("ratio_to_floor") is not None else "-",
        ])
    widths = [max(len(h), *(len(b[i]) for b in body)) for i, h in enumerate(head)]
    line = lambda cells: "  ".join(c.ljust(w) if i == 0 else c.rjust(w)  # noqa: E731
                                   for i, (c, w) in enumerate(zip(cells, widths)))
    print(line(head))
    print("  ".join("-" * w for w in widths))
    for b in body:
        print(line(b))


def print_targets(targets: list[dict]) -> None:
    print("\ntargets:")
    width = max(len(t["target"]) for t in targets)
    for t in targets:
        if t["ok"] is True:
            verdict = "PASS"
        elif t["ok"] is False:
            verdict = "FAIL"
        elif t["target"].startswith("scale 10 / scale 1"):
            verdict = "(needs results of scale 1 and scale 10)"
        else:
            verdict = f"(applies at scale {t['applies_at_scale']:g})"
        value = t["value"] if t["value"] is not None else "-"
        print(f"  {t['target'].ljust(width)}  {value:>28}  {verdict}")


# ---------------------------------------------------------------------------- main
def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Time the standard pack against the cost of reading the exports.")
    ap.add_argument("--scale", type=float, required=True, help="1 = 1 M tickets; 0.1 quick; 10 only on request")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--data", help="data directory: reused when it holds this scale and seed, else generated "
                                   "there (default: a temporary directory, removed unless --keep)")
    ap.add_argument("--keep", action="store_true", help="keep the default data directory for the next run")
    ap.add_argument("--rules", default="rules", help="rule file or directory (default: rules)")
    ap.add_argument("--profile", action="store_true", help="print every stage of the check (COMPLIANCE_PROFILE=1)")
    ap.add_argument("--split", action="store_true", help="also time the check with one rule file at a time")
    ap.add_argument("--report", help="write the check's JSON report here instead of /dev/null")
    ap.add_argument("--timeout", type=float, default=3600, help="seconds before a step is killed (default 3600)")
    args = ap.parse_args(argv)
    if args.scale <= 0:
        ap.error("--scale must be positive")

    label = scale_label(args.scale)
    exe = compliance_exe()
    rules = args.rules if os.path.isabs(args.rules) else os.path.join(ROOT, args.rules)
    default_dir = os.path.join(tempfile.gettempdir(), "compliance-bench", f"scale-{label}-seed-{args.seed}")
    data = os.path.abspath(args.data) if args.data else default_dir
    steps: list[Step] = []

    # -- data: reuse or generate
    manifest = read_manifest(data)
    matches = manifest is not None and manifest.get("scale") == args.scale and manifest.get("seed") == args.seed \
        and manifest.get("format") == "csv" and len(data_files(data)) == len(DATASETS)
    foreign = manifest is None and len(data_files(data)) == len(DATASETS)  # an export someone put there
    if matches or foreign:
        print(f"bench: reusing {data}" + (" (not generated by bench/generate.py)" if foreign else ""),
              file=sys.stderr)
        generated = False
    else:
        print(f"bench: generating scale {label}, seed {args.seed} into {data}", file=sys.stderr)
        gen = run_child(Step("generate"), [sys.executable, os.path.join(HERE, "generate.py"), "--scale",
                                          str(args.scale), "--seed", str(args.seed), "--out", data],
                        timeout=args.timeout)
        if gen.rc != 0:
            print(gen.stderr, file=sys.stderr)
            print(f"bench: generation failed (exit {gen.rc})", file=sys.stderr)
            return 1
        steps.append(gen)
        generated = True
    files = data_files(data)

    # -- floor
    print("bench: floor (reading every file, no rules)", file=sys.stderr)
    floor = run_child(Step("floor"), [sys.executable, "-c", FLOOR_SCRIPT, json.dumps(files)], timeout=args.timeout)
    if floor.rc != 0:
        print(floor.stderr, file=sys.stderr)
        print(f"bench: the floor failed (exit {floor.rc})", file=sys.stderr)
        return 1
    counts = json.loads(floor.stdout)
    floor.rows = sum(counts.values())
    for s in steps:
        if s.name == "generate":
            s.rows = floor.rows
    steps.append(floor)

    # -- load (a reference, not a target)
    print("bench: load (storing every value of every file, no rules)", file=sys.stderr)
    load = run_child(Step("load", floor.rows), [sys.executable, "-c", LOAD_SCRIPT, json.dumps(files)],
                     timeout=args.timeout)
    if load.rc != 0:
        print(load.stderr, file=sys.stderr)
    steps.append(load)

    # -- check
    common = ["--rules", rules, "--data", data, "--period", PERIOD, "--as-of", AS_OF, "--format", "json"]
    env = dict(os.environ, COMPLIANCE_PROFILE="1")  # stage timings: a few lines on stderr
    check_rows = rows_of(counts, datasets_read([b for b in rule_blocks(rules) if not re.search(r"\bpenalize\b", b)]))
    print("bench: compliance check", file=sys.stderr)
    check = run_child(Step("check", check_rows), exe + ["check"] + common + ["--output", args.report or os.devnull],
                      env=env, timeout=args.timeout)
    steps.append(check)

    # -- penalties
    penalties_available = has_command(exe, "penalties")
    if penalties_available:
        pen_rows = rows_of(counts, datasets_read([b for b in rule_blocks(rules) if re.search(r"\bpenalize\b", b)]))
        print("bench: compliance penalties", file=sys.stderr)
        steps.append(run_child(Step("penalties", pen_rows),
                               exe + ["penalties"] + common + ["--output", os.devnull], timeout=args.timeout))

    # -- one rule file at a time
    if args.split and os.path.isdir(rules):
        for f in sorted(os.listdir(rules)):
            if not f.endswith(".rules"):
                continue
            path = os.path.join(rules, f)
            blocks = [b for b in rule_blocks(path) if not re.search(r"\bpenalize\b", b)]
            if not blocks:
                continue
            print(f"bench: compliance check --rules rules/{f}", file=sys.stderr)
            steps.append(run_child(Step(f"check:{f}", rows_of(counts, datasets_read(blocks))),
                                   exe + ["check", "--rules", path] + common[2:] + ["--output", os.devnull],
                                   env=env, timeout=args.timeout))

    # -- report
    floor_wall = floor.wall
    step_dicts = [s.to_dict(floor_wall) for s in steps]
    by_name = {d["step"]: d for d in step_dicts}
    result = {
        "scale": args.scale, "seed": args.seed, "data": data, "generated": generated,
        "files": {n: {"rows": counts.get(n), "bytes": os.path.getsize(p)} for n, p in files.items()},
        "command": " ".join(["compliance", "check"] + [os.path.relpath(a, ROOT) if a in (rules, data) and
                                                       a.startswith(ROOT) else a for a in common]
                            + ["--output", args.report or "/dev/null"]),
        "profile": args.profile,
        "when": dt.datetime.now().isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "memory_gb": _memory_gb(), "python": platform.python_version(),
                    "duckdb": _duckdb_version(), "platform": platform.platform()},
        "steps": step_dicts,
        "penalties_available": penalties_available,
    }
    result["targets"] = evaluate_targets(args.scale, by_name)
    errors = {}
    for s in steps:
        if s.rc not in (0, 1) or s.timed_out:
            errors[s.name] = s.stderr.strip()[-4000:] or f"exit {s.rc}"
    if errors:
        result["errors"] = errors
    result["check_breakdown"] = breakdown(check.stderr, check.wall)
    if args.profile:
        result["profile_output"] = check.stderr[-200_000:]

    total_bytes = sum(os.path.getsize(p) for p in files.values())
    print(f"\nscale {label}, seed {args.seed}: {floor.rows:,} rows in {len(files)} files, "
          f"{total_bytes / 1e6:.1f} MB ({data})")
    print(f"machine: {os.cpu_count()} cores, {_memory_gb()} GB, duckdb {_duckdb_version()}\n")
    print_table(step_dicts)
    if not penalties_available:
        print("penalties: not available")
    print_breakdown(result["check_breakdown"], check.wall)
    print_targets(result["targets"])
    load_step, check_step = by_name.get("load"), by_name.get("check")
    if load_step and check_step and load_step.get("exit_code") == 0 and load_step["wall_s"] > 0:
        result["check_vs_load"] = round(check_step["wall_s"] / load_step["wall_s"], 2)
        print(f"  (for reference, not a target: check = {result['check_vs_load']:.2f}x load, the cost of "
              "storing every value as text)")
    for name, text in errors.items():
        print(f"\n{name} failed (exit {by_name[name]['exit_code']}"
              f"{', timed out' if by_name[name].get('timed_out') else ''}):\n{text}")
    if args.profile:
        print("\nprofile (every stage of the check, COMPLIANCE_PROFILE=1):")
        print(check.stderr.rstrip() or "(nothing: the engine printed no profile)")

    os.makedirs(RESULTS, exist_ok=True)
    out_path = os.path.join(RESULTS, f"scale-{label}.json")
    with open(out_path, "w", encoding="utf-8") as fh:
        json.dump(result, fh, indent=2, ensure_ascii=False)
        fh.write("\n")
    print(f"\nwritten: {os.path.relpath(out_path, os.getcwd())}")

    if not args.data and not args.keep:
        shutil.rmtree(data, ignore_errors=True)
    elif not args.data:
        print(f"data kept in {data}")
    return 1 if errors else 0


def _memory_gb() -> float | None:
    try:
        return round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)
    except (ValueError, OSError, AttributeError):
        return None


def _duckdb_version() -> str:
    try:
        import duckdb
        return duckdb.__version__
    except ImportError:
        return "?"


if __name__ == "__main__":
    sys.exit(main())
