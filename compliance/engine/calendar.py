"""Working calendars as a cumulative function B(t) of working seconds.

One row per day (working intervals, working seconds before the day starts) lets SQL
compute working time between two timestamps as B(end) - B(start) with an equi-join on
the day. Deadlines ("8 working hours after t") are only needed for messages and for the
as-of verdict, which reduces to comparing B values with the constant B(as_of).
"""
from __future__ import annotations

import bisect
import datetime as dt
from dataclasses import dataclass, field

from compliance.check.program import DAY_NAMES, CalendarInfo

DAY_SECONDS = 86400


class CalendarError(Exception):
    """A calendar cannot be built for the years the data needs."""


@dataclass
class SiteDays:
    """Site overrides for one calendar, from the config file."""

    holidays: set[dt.date] = field(default_factory=set)
    workdays: set[dt.date] = field(default_factory=set)
    years: set[int] = field(default_factory=set)  # years the site vouches for without chinese-calendar


def _china(day: dt.date) -> tuple[bool, bool]:
    """(is an official working day, is a statutory holiday) from chinese-calendar."""
    import chinese_calendar

    try:
        working = chinese_calendar.is_workday(day)
        holiday, name = chinese_calendar.get_holiday_detail(day)
    except NotImplementedError as exc:
        raise CalendarError(str(exc)) from exc
    return working, bool(holiday and name)


def china_years() -> tuple[int, int]:
    from chinese_calendar import constants

    return min(constants.holidays).year, max(constants.holidays).year


class WorkCalendar:
    def __init__(self, info: CalendarInfo, first: dt.date, last: dt.date, site: SiteDays | None = None):
        self.info = info
        self.site = site or SiteDays()
        self.first = first
        self.days: list[dt.date] = []
        self.slots: list[list[tuple[int, int]]] = []
        self.before: list[float] = []  # working seconds before each day starts
        self._build(first, last)

    # ------------------------------------------------------------------ building
    def _check_years(self, first: dt.date, last: dt.date) -> None:
        if self.info.holidays != "china":
            return
        lo, hi = china_years()
        missing = [y for y in range(first.year, last.year + 1) if not (lo <= y <= hi) and y not in self.site.years]
        if missing:
            years = ", ".join(str(y) for y in missing)
            raise CalendarError(
                f"calendar {self.info.name}: no holiday data for {years} (chinese-calendar covers {lo}-{hi}); "
                f"list the year's holidays and make-up working days under calendars.{self.info.name} in the site "
                f"config and add it to `years`")

    def _day_kind(self, day: dt.date) -> tuple[bool, bool]:
        """(working day, statutory holiday) after site overrides."""
        if day in self.site.holidays:
            return False, True
        if day in self.site.workdays:
            return True, False
        if self.info.holidays == "china":
            lo, hi = china_years()
            if lo <= day.year <= hi:
                return _china(day)
        return day.weekday() < 5, False

    def _day_slots(self, day: dt.date) -> list[tuple[int, int]]:
        working, holiday = self._day_kind(day)
        if holiday:
            return []
        name = DAY_NAMES[day.weekday()]
        ranges: list[tuple[int, int]] = []
        for hours in self.info.hours:
            first, last = hours.days
            if first == "workdays":
                hit = working
            elif first == "daily":
                hit = True
            elif last is None:
                hit = first == name
            else:
                a, b = DAY_NAMES.index(first), DAY_NAMES.index(last)
                i = day.weekday()
                hit = a <= i <= b if a <= b else (i >= a or i <= b)
            if hit:
                ranges += hours.ranges
        return _merge(ranges)

    def _build(self, first: dt.date, last: dt.date) -> None:
        self._check_years(first, last)
        total = 0.0
        day = first
        while day <= last:
            slots = self._day_slots(day)
            self.days.append(day)
            self.slots.append(slots)
            self.before.append(total)
            total += sum(e - s for s, e in slots)
            day += dt.timedelta(days=1)
        self.total = total

    # ------------------------------------------------------------------ queries
    @property
    def last(self) -> dt.date:
        return self.days[-1]

    def max_slots(self) -> int:
        return max((len(s) for s in self.slots), default=0)

    def _index(self, day: dt.date) -> int | None:
        i = (day - self.first).days
        return i if 0 <= i < len(self.days) else None

    def cumulative(self, t: dt.datetime) -> float | None:
        """B(t): working seconds from the calendar's first day to t."""
        i = self._index(t.date())
        if i is None:
            return None
        secs = t.hour * 3600 + t.minute * 60 + t.second + t.microsecond / 1e6
        return self.before[i] + sum(max(0, min(secs, e) - s) for s, e in self.slots[i])

    def deadline(self, start: dt.datetime, seconds: float) -> dt.datetime | None:
        """The first instant at which `seconds` of working time have passed since start."""
        b0 = self.cumulative(start)
        if b0 is None:
            return None
        if seconds <= 0:
            return start
        target = b0 + seconds
        ends = [b + sum(e - s for s, e in sl) for b, sl in zip(self.before, self.slots)]
        i = bisect.bisect_left(ends, target)
        while i < len(self.days) and not self.slots[i]:
            i += 1
        if i >= len(self.days):
            return None
        remaining = target - self.before[i]
        for s, e in self.slots[i]:
            if remaining <= e - s:
                return dt.datetime.combine(self.days[i], dt.time()) + dt.timedelta(seconds=s + remaining)
            remaining -= e - s
        return None

    def rows(self) -> list[tuple]:
        """One tuple per day: (day, before, length, s1, e1, ..., sK, eK)."""
        k = max(self.max_slots(), 1)
        out = []
        for day, before, slots in zip(self.days, self.before, self.slots):
            flat: list[int] = []
            for j in range(k):
                flat += list(slots[j]) if j < len(slots) else [0, 0]
            out.append((day, before, sum(e - s for s, e in slots), *flat))
        return out


def _merge(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for s, e in sorted(ranges):
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], e))
        else:
            merged.append((s, e))
    return merged
