"""Evaluation periods (`--period`) and calendar buckets (day ... year).

Bounds are half-open [start, end) in site-local time; a bucket's label is what
findings show as `period=...` (2024-05, 2024-Q2, 2024-H1, 2024-W18).
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sqlglot import exp

from compliance.compile.expr import cast, fn, lit

UNITS = ("day", "week", "month", "quarter", "half_year", "year")


class PeriodError(ValueError):
    pass


@dataclass(frozen=True)
class Period:
    label: str
    start: dt.datetime
    end: dt.datetime  # exclusive

    def to_dict(self) -> dict[str, str]:
        return {"label": self.label, "start": self.start.isoformat(sep=" "), "end": self.end.isoformat(sep=" ")}


def _midnight(d: dt.date) -> dt.datetime:
    return dt.datetime(d.year, d.month, d.day)


def add_months(d: dt.datetime, months: int) -> dt.datetime:
    m = d.month - 1 + months
    return d.replace(year=d.year + m // 12, month=m % 12 + 1, day=1)


def parse_period(text: str) -> Period:
    """`2024-05`, `2024-Q2`, `2024-H1`, `2024`, `2024-W18`, `2024-05-01` or `2024-05-01..2024-06-30`."""
    t = text.strip()
    try:
        if ".." in t:
            a, b = (dt.date.fromisoformat(x.strip()) for x in t.split("..", 1))
            if b < a:
                raise PeriodError(f"period {text!r} ends before it starts")
            return Period(t, _midnight(a), _midnight(b) + dt.timedelta(days=1))
        if m := re.fullmatch(r"(\d{4})", t):
            y = int(m[1])
            return Period(t, dt.datetime(y, 1, 1), dt.datetime(y + 1, 1, 1))
        if m := re.fullmatch(r"(\d{4})-(\d{1,2})", t):
            start = dt.datetime(int(m[1]), int(m[2]), 1)
            return Period(f"{start:%Y-%m}", start, add_months(start, 1))
        if m := re.fullmatch(r"(\d{4})-Q([1-4])", t, re.I):
            start = dt.datetime(int(m[1]), 3 * int(m[2]) - 2, 1)
            return Period(f"{m[1]}-Q{m[2]}", start, add_months(start, 3))
        if m := re.fullmatch(r"(\d{4})-H([12])", t, re.I):
            start = dt.datetime(int(m[1]), 6 * int(m[2]) - 5, 1)
            return Period(f"{m[1]}-H{m[2]}", start, add_months(start, 6))
        if m := re.fullmatch(r"(\d{4})-W(\d{2})", t, re.I):
            start = _midnight(dt.date.fromisocalendar(int(m[1]), int(m[2]), 1))
            return Period(t.upper(), start, start + dt.timedelta(days=7))
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", t):
            d = dt.date.fromisoformat(t)
            return Period(t, _midnight(d), _midnight(d) + dt.timedelta(days=1))
    except ValueError as exc:
        raise PeriodError(f"invalid period {text!r}: {exc}") from exc
    raise PeriodError(f"invalid period {text!r} (expected 2024-05, 2024-Q2, 2024-H1, 2024, 2024-W18, "
                      f"2024-05-01 or 2024-05-01..2024-06-30)")


def bucket_start(unit: str, t: dt.datetime) -> dt.datetime:
    d = _midnight(t.date())
    if unit == "day":
        return d
    if unit == "week":
        return d - dt.timedelta(days=d.weekday())
    if unit == "month":
        return d.replace(day=1)
    if unit == "quarter":
        return d.replace(month=(d.month - 1) // 3 * 3 + 1, day=1)
    if unit == "half_year":
        return d.replace(month=1 if d.month <= 6 else 7, day=1)
    if unit == "year":
        return d.replace(month=1, day=1)
    raise PeriodError(f"unknown period unit {unit}")


def bucket_end(unit: str, start: dt.datetime) -> dt.datetime:
    if unit == "day":
        return start + dt.timedelta(days=1)
    if unit == "week":
        return start + dt.timedelta(days=7)
    return add_months(start, {"month": 1, "quarter": 3, "half_year": 6, "year": 12}[unit])


def buckets(unit: str, start: dt.datetime, end: dt.datetime):
    """Whole calendar buckets overlapping [start, end)."""
    b = bucket_start(unit, start)
    while b < end:
        e = bucket_end(unit, b)
        yield b, e
        b = e


def bucket_label(unit: str | None, start: dt.datetime, fallback: str = "") -> str:
    if unit is None:
        return fallback
    if unit == "day":
        return f"{start:%Y-%m-%d}"
    if unit == "week":
        y, w, _ = start.isocalendar()
        return f"{y}-W{w:02d}"
    if unit == "month":
        return f"{start:%Y-%m}"
    if unit == "quarter":
        return f"{start.year}-Q{(start.month - 1) // 3 + 1}"
    if unit == "half_year":
        return f"{start.year}-H{1 if start.month <= 6 else 2}"
    return f"{start.year}"


def bucket_bounds_sql(unit: str, ts: exp.Expression, is_date: bool) -> tuple[exp.Expression, exp.Expression]:
    """SQL for the bucket [start, end) containing ts."""
    t = cast(ts, "TIMESTAMP") if is_date else ts
    if unit == "half_year":
        month = exp.Case().when(exp.LTE(this=fn("month", t), expression=lit(6)), lit(1)).else_(lit(7))
        start = fn("make_timestamp", fn("year", t.copy()), month, lit(1), lit(0), lit(0), lit(0))
    else:
        start = cast(fn("date_trunc", exp.Literal.string(unit), t), "TIMESTAMP")
    step = {"day": "1 day", "week": "7 days", "month": "1 month", "quarter": "3 months", "half_year": "6 months",
            "year": "1 year"}[unit]
    end = exp.Add(this=start.copy(), expression=exp.Interval(this=exp.Literal.string(step)))
    return start, end
