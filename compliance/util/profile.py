"""Stage timings on stderr with COMPLIANCE_PROFILE=1, to see where a run's time goes.

Each `stage(text)` ends the stage before it and prints that one's wall time and the
CPU time of every thread of the process over it (CPU above wall: several cores busy); the first
stage runs from when this module was imported (the command's start: imports, rule files,
config), and `stage(None)` ends the last one.
"""
from __future__ import annotations

import os
import sys
import time

_last: tuple[float, float, str] = (time.perf_counter(), time.process_time(), "starting (imports, rule files, config)")


def enabled() -> bool:
    return bool(os.environ.get("COMPLIANCE_PROFILE"))


def stage(text: str | None) -> None:
    global _last
    if not enabled():
        return
    now, cpu = time.perf_counter(), time.process_time()
    if _last[2]:
        print(f"profile: {now - _last[0]:8.3f} s {cpu - _last[1]:8.3f} cpu-s  {_last[2]}", file=sys.stderr)
    _last = (now, cpu, text or "")


def detail(seconds: float, text: str) -> None:
    """A line about part of the current stage (not a stage: tools summing stages skip it)."""
    if enabled():
        print(f"profile:   · {seconds:8.3f} s  {text}", file=sys.stderr)
